//! State of one demo pane: the lines of the current (or last) run and how it went.

use crate::demo::{DemoEvent, Outcome, OutputLine, RecordingInfo};

/// The fallback (or partial) the demo side reported.
#[derive(Debug, Clone, PartialEq)]
pub struct FallBack {
    pub why: String,
    pub step: Option<String>,
    pub recording: Option<RecordingInfo>,
}

/// What the pane's badge says.
#[derive(Debug, Clone, PartialEq)]
pub enum Badge {
    /// Not run yet.
    Idle,
    Live,
    Recorded {
        why: String,
        recording: Option<RecordingInfo>,
    },
    Partial {
        what: String,
        /// Where the replayed step's lines were recorded.
        recording: Option<RecordingInfo>,
    },
    Failed {
        error: String,
    },
    Stopped,
}

#[derive(Debug, Clone, Default)]
pub struct DemoPane {
    pub id: String,
    /// The run this pane shows; events of other runs are ignored.
    pub run: Option<u64>,
    pub running: bool,
    pub live: bool,
    pub lines: Vec<OutputLine>,
    pub fallbacks: Vec<FallBack>,
    pub outcome: Option<(Outcome, f64)>,
    /// First line shown; `None` follows the end of the output.
    pub scroll: Option<usize>,
    /// The user asked for the recording with `f`.
    pub prefer_recorded: bool,
}

impl DemoPane {
    pub fn new(id: &str) -> Self {
        DemoPane {
            id: id.to_string(),
            ..DemoPane::default()
        }
    }

    /// Resets the pane for a new run.
    pub fn begin(&mut self, run: u64) {
        *self = DemoPane {
            id: std::mem::take(&mut self.id),
            prefer_recorded: self.prefer_recorded,
            run: Some(run),
            running: true,
            ..DemoPane::default()
        };
    }

    /// Applies an event of the demo side; returns false for another run's event.
    pub fn apply(&mut self, ev: &DemoEvent) -> bool {
        if self.run != Some(ev.run()) {
            return false;
        }
        match ev {
            DemoEvent::Started { live, .. } => self.live = *live,
            DemoEvent::Output { line, .. } => self.lines.push(line.clone()),
            DemoEvent::FellBack {
                why,
                step,
                recording,
                ..
            } => {
                if step.is_none() {
                    // A whole-run fallback replaces what the live attempt printed.
                    self.lines
                        .retain(|l| matches!(l.kind, crate::demo::LineKind::Probe { .. }));
                    self.live = false;
                }
                self.fallbacks.push(FallBack {
                    why: why.clone(),
                    step: step.clone(),
                    recording: recording.clone(),
                });
            }
            DemoEvent::Exited {
                outcome, seconds, ..
            } => {
                self.running = false;
                self.outcome = Some((outcome.clone(), *seconds));
            }
        }
        true
    }

    pub fn badge(&self) -> Badge {
        match self.outcome.as_ref().map(|(o, _)| o) {
            Some(Outcome::Crashed { status }) => {
                return Badge::Failed {
                    error: status.clone(),
                };
            }
            Some(Outcome::TimedOut { seconds }) => {
                return Badge::Failed {
                    error: format!("timed out after {seconds:.1} s, process group killed"),
                };
            }
            Some(Outcome::NoRecording { error }) => {
                return Badge::Failed {
                    error: error.clone(),
                };
            }
            Some(Outcome::Stopped) => return Badge::Stopped,
            _ => {}
        }
        if let Some(f) = self.fallbacks.iter().find(|f| f.step.is_none()) {
            return Badge::Recorded {
                why: f.why.clone(),
                recording: f.recording.clone(),
            };
        }
        let partial: Vec<String> = self
            .fallbacks
            .iter()
            .filter_map(|f| f.step.as_ref().map(|s| format!("{s}: {}", f.why)))
            .collect();
        if !partial.is_empty() {
            let recording = self.fallbacks.iter().find_map(|f| f.recording.clone());
            return Badge::Partial {
                what: partial.join("; "),
                recording,
            };
        }
        if let Some((Outcome::Failed { verdict }, _)) = &self.outcome {
            return Badge::Failed {
                error: verdict.clone(),
            };
        }
        if self.run.is_some() {
            Badge::Live
        } else {
            Badge::Idle
        }
    }

    /// Scrolls by `delta` rows, given the visible rows and the total rows of output.
    pub fn scroll_by(&mut self, delta: isize, visible: usize, total: usize) {
        let max = total.saturating_sub(visible);
        let current = self.scroll.unwrap_or(max) as isize;
        let next = (current + delta).clamp(0, max as isize) as usize;
        self.scroll = if next >= max { None } else { Some(next) };
    }
}
