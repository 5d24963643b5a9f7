//! State of one demo pane: the lines of the current (or last) run and how it went.

pub use crate::demo::FallBack;
use crate::demo::{DemoEvent, DemoMode, LineKind, Outcome, OutputLine, RecordingInfo, RunSummary};

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
    pub lines: Vec<OutputLine>,
    /// The run so far, folded from its events.
    pub summary: RunSummary,
    /// First line shown; `None` follows the end of the output.
    pub scroll: Option<usize>,
    /// The user asked for the recording with `f`.
    pub prefer_recorded: bool,
}

impl DemoPane {
    pub fn new(id: &str) -> Self {
        DemoPane {
            id: id.to_string(),
            summary: RunSummary::new(id),
            ..DemoPane::default()
        }
    }

    /// Resets the pane for a new run.
    pub fn begin(&mut self, run: u64) {
        let mut summary = RunSummary::new(&self.id);
        summary.running = true;
        *self = DemoPane {
            id: std::mem::take(&mut self.id),
            prefer_recorded: self.prefer_recorded,
            run: Some(run),
            summary,
            ..DemoPane::default()
        };
    }

    /// The run is under way.
    pub fn running(&self) -> bool {
        self.summary.running
    }

    /// How the run ended and when, once it has.
    pub fn outcome(&self) -> Option<(&Outcome, f64)> {
        let outcome = self.summary.outcome.as_ref()?;
        Some((outcome, self.summary.seconds))
    }

    /// Applies an event of the demo side; returns false for another run's event.
    pub fn apply(&mut self, ev: &DemoEvent) -> bool {
        if self.run != Some(ev.run()) {
            return false;
        }
        self.summary.apply(ev);
        match ev {
            DemoEvent::Output { line, .. } => self.lines.push(line.clone()),
            // A whole-run fallback replaces what the live attempt printed.
            DemoEvent::FellBack { step: None, .. } => self
                .lines
                .retain(|l| matches!(l.kind, LineKind::Probe { .. })),
            _ => {}
        }
        true
    }

    /// The badge, from the run's summary.
    pub fn badge(&self) -> Badge {
        let s = &self.summary;
        if self.run.is_none() {
            return Badge::Idle;
        }
        if s.outcome == Some(Outcome::Stopped) {
            return Badge::Stopped;
        }
        match s.mode() {
            DemoMode::Live => Badge::Live,
            DemoMode::Partial => Badge::Partial {
                what: s.reason(),
                recording: s.recording().cloned(),
            },
            DemoMode::Recorded => Badge::Recorded {
                why: s.reason(),
                recording: s.recording().cloned(),
            },
            DemoMode::Failed => Badge::Failed { error: s.reason() },
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
