//! The messages between the UI and the demo side: the UI sends [`DemoCommand`]s, the
//! demo side answers only with [`DemoEvent`]s. Live runs and replays produce the same
//! stream, so the UI never branches on the kernel.

use serde::{Deserialize, Serialize};

use crate::probe::Support;

/// What the UI asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoCommand {
    /// Run demo `id` as run number `run` (chosen by the UI, echoed in every event).
    Start { run: u64, id: String, mode: RunMode },
    /// Run a playground variant of demo `id`: live only, the spec's TOML handed to the
    /// child (never replaced by the default's recording).
    StartVariant { run: u64, id: String, spec: String },
    /// Stop run `run` (kill its process group, or stop replaying).
    Stop { run: u64 },
}

/// Live where possible, or the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunMode {
    /// Probe, run live, fall back to the recording when the kernel can't.
    Auto,
    /// Live only: no fallback (used by `kdeck record --mode live`).
    Live,
    /// Replay the recording.
    Recorded,
}

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    Stdout,
    Stderr,
    /// A step boundary (its label is the text).
    Step,
    /// The probe's answer (its evidence is the text).
    Probe {
        support: Support,
    },
    /// The verdict line (`✓ …` or `✗ …` is the text), live or from the recording.
    Verdict {
        passed: bool,
    },
    /// A line replayed from the recording (fallback or partial).
    Replayed,
}

/// One line of a demo's output, `t` seconds after the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputLine {
    pub t: f64,
    pub kind: LineKind,
    pub text: String,
}

impl OutputLine {
    /// The line's text as every view shows it: a probe answer as `yes — evidence`.
    pub fn shown(&self) -> String {
        match self.kind {
            LineKind::Probe { support } => format!("{} — {}", support.as_str(), self.text),
            _ => self.text.clone(),
        }
    }
}

/// Where and when a recording was made, from its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RecordingInfo {
    pub kernel: String,
    pub arch: String,
    pub date: String,
    pub source: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Exit 0: the ✓ verdict.
    Passed,
    /// Exit 1: the ✗ verdict (or the recording's verdict was ✗).
    Failed { verdict: String },
    /// Another exit code or a signal.
    Crashed { status: String },
    /// Killed at the timeout.
    TimedOut { seconds: f64 },
    /// Stopped by the user.
    Stopped,
    /// The feature is missing and no recording could be played.
    NoRecording { error: String },
    /// The feature is missing and the run was live-only (no fallback wanted).
    Unsupported { why: String },
}

/// What the demo side reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum DemoEvent {
    /// The run began (live child spawned, or replay begun).
    Started {
        run: u64,
        id: String,
        live: bool,
    },
    Output {
        run: u64,
        line: OutputLine,
    },
    /// The run, or one step of it (`step` is Some), is shown from the recording.
    FellBack {
        run: u64,
        why: String,
        step: Option<String>,
        recording: Option<RecordingInfo>,
    },
    Exited {
        run: u64,
        outcome: Outcome,
        seconds: f64,
    },
}

impl DemoEvent {
    /// The run this event belongs to.
    pub fn run(&self) -> u64 {
        match self {
            DemoEvent::Started { run, .. }
            | DemoEvent::Output { run, .. }
            | DemoEvent::FellBack { run, .. }
            | DemoEvent::Exited { run, .. } => *run,
        }
    }
}

/// Width of [`stamp`]'s text.
pub const STAMP_WIDTH: usize = 4;

/// A line's time since its run started, as the demo pane shows it, 4 columns wide:
/// `" 3ms"`, `"87ms"`, `"0.4s"`, `"9.9s"`, `" 12s"`.
pub fn stamp(t: f64) -> String {
    let t = if t.is_finite() { t.max(0.0) } else { 0.0 };
    if t < 0.1 {
        format!("{:>2}ms", (t * 1000.0) as u64)
    } else if t < 9.95 {
        format!("{t:.1}s")
    } else {
        format!("{:>3}s", t.min(999.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_four_columns() {
        for (t, want) in [
            (0.003, " 3ms"),
            (0.0871, "87ms"),
            (0.42, "0.4s"),
            (9.9, "9.9s"),
            (12.3, " 12s"),
            (5000.0, "999s"),
            (-1.0, " 0ms"),
        ] {
            assert_eq!(stamp(t), want);
            assert_eq!(stamp(t).chars().count(), STAMP_WIDTH);
        }
    }
}
