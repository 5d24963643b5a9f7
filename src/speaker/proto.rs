//! The messages between a presentation and its speaker views: one JSON object per line
//! on a Unix socket, typed with serde. Anything that doesn't parse as one of these is
//! dropped by the receiver (with a log line), never acted on.

use serde::{Deserialize, Serialize};

/// What a speaker view asks of the presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "nav", rename_all = "snake_case")]
pub enum Nav {
    Next,
    Previous,
    First,
    Last,
    /// 0-based slide.
    Goto {
        slide: usize,
    },
    ToggleTimer,
    ResetTimer,
}

/// Speaker view → presentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ToPresenter {
    /// The first line of a speaker view: only a connection that says it is one is
    /// counted and sent states (a lookup that connects to see who listens is not).
    Hello,
    Nav(NavMsg),
}

/// A navigation command, wrapped so the line reads `{"type":"nav","nav":"next"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NavMsg {
    #[serde(flatten)]
    pub nav: Nav,
}

/// Presentation → speaker view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToSpeaker {
    State(Box<State>),
}

/// Everything the speaker view shows.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// The deck's title.
    pub deck: String,
    /// 1-based slide number and the number of slides.
    pub slide: usize,
    pub slides: usize,
    pub title: String,
    pub section: String,
    pub notes: String,
    pub next: Option<NextSlide>,
    pub timer: TimerView,
    /// "on pace", "2 min behind", ...
    pub pace: String,
    pub demo: Option<DemoView>,
    /// The presentation's reload problem, if any.
    pub banner: Option<String>,
}

/// The next slide, as a preview.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NextSlide {
    pub title: String,
    /// Its first lines of text, as plain text.
    pub lines: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimerView {
    pub elapsed_secs: u64,
    pub budget_minutes: f64,
    /// "idle", "running" or "paused".
    pub state: String,
}

/// The current slide's demo.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DemoView {
    pub id: String,
    pub title: String,
    /// "not run", "running", "passed", "failed", ...
    pub state: String,
    /// "● LIVE", "◌ RECORDED — why", ... (empty before a run).
    pub badge: String,
}

/// What the speaker view's connection reports to its loop (not sent on the socket).
#[derive(Debug, Clone, PartialEq)]
pub enum Upstream {
    /// Connected to a presentation ("talk (pid 1234)").
    Connected {
        label: String,
    },
    State(Box<State>),
    /// The presentation went away (quit, crashed, killed).
    Gone,
}

/// One message as a line of JSON (with its newline).
pub fn line<T: Serialize>(msg: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string(msg)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nav_lines_round_trip_and_foreign_lines_fail() {
        let msg = ToPresenter::Nav(NavMsg {
            nav: Nav::Goto { slide: 3 },
        });
        let text = line(&msg).unwrap();
        assert_eq!(text, "{\"type\":\"nav\",\"nav\":\"goto\",\"slide\":3}\n");
        assert_eq!(serde_json::from_str::<ToPresenter>(&text).unwrap(), msg);
        assert_eq!(line(&ToPresenter::Hello).unwrap(), "{\"type\":\"hello\"}\n");
        for bad in [
            "",
            "null",
            "{\"type\":\"nav\",\"nav\":\"explode\"}",
            "{\"type\":\"shell\",\"cmd\":\"rm -rf /\"}",
            "{\"jsonrpc\":\"2.0\"}",
            "\u{0}\u{1}garbage",
        ] {
            assert!(serde_json::from_str::<ToPresenter>(bad).is_err(), "{bad}");
        }
    }
}
