//! One demo run, folded from its [`DemoEvent`] stream: how it ran ([`DemoMode`]),
//! what it means for CI ([`Verdict`]), why, the probe's answer, the recording shown and
//! the timings. The TUI badge, `kdeck demo`, `kdeck record` (JSON, JUnit, casts), the
//! walkthrough and the matrix all read a run through this one type, so a run has one
//! name everywhere: live, partial, recorded or failed.

use serde::{Deserialize, Serialize};

use super::events::{DemoEvent, LineKind, Outcome, RecordingInfo};
use crate::probe::Support;

/// How a demo ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoMode {
    /// Everything ran live on this kernel.
    Live,
    /// Ran live, some steps shown from the recording.
    Partial,
    /// The whole run shown from the recording (older files say `replayed`).
    #[serde(alias = "replayed")]
    Recorded,
    /// A ✗ verdict, a crash, a timeout, a stop, or no recording where one was needed.
    #[default]
    Failed,
}

impl std::fmt::Display for DemoMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DemoMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoMode::Live => "live",
            DemoMode::Partial => "partial",
            DemoMode::Recorded => "recorded",
            DemoMode::Failed => "failed",
        }
    }
}

/// What the run means for CI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    #[default]
    Fail,
    Fallback,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Fallback => "fallback",
        }
    }
}

impl From<DemoMode> for Verdict {
    fn from(mode: DemoMode) -> Verdict {
        match mode {
            DemoMode::Live | DemoMode::Partial => Verdict::Pass,
            DemoMode::Recorded => Verdict::Fallback,
            DemoMode::Failed => Verdict::Fail,
        }
    }
}

/// The probe's answer and its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    pub support: Support,
    pub evidence: String,
}

/// A fallback the demo side reported: the whole run (`step` is None) or one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FallBack {
    pub why: String,
    pub step: Option<String>,
    pub recording: Option<RecordingInfo>,
}

/// One run, folded from its events.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunSummary {
    /// The demo id.
    pub id: String,
    /// Started and not yet exited.
    pub running: bool,
    /// Started as a live child (false for a replay asked for up front).
    pub started_live: bool,
    /// The probe's answer, when the run probed (live runs).
    pub probe: Option<ProbeAnswer>,
    /// Step labels, in order.
    pub steps: Vec<String>,
    /// Fallbacks, in order.
    pub fallbacks: Vec<FallBack>,
    /// The verdict line as shown (`✓ …`/`✗ …`) and whether it passed.
    pub verdict: Option<(bool, String)>,
    /// How the run ended (None while it runs).
    pub outcome: Option<Outcome>,
    /// Seconds from start to the end (or to the last event seen).
    pub seconds: f64,
}

impl RunSummary {
    /// An empty summary of a run of `id` (nothing seen yet).
    pub fn new(id: &str) -> RunSummary {
        RunSummary {
            id: id.to_string(),
            ..RunSummary::default()
        }
    }

    /// The summary of a whole event stream.
    pub fn fold<'a>(id: &str, events: impl IntoIterator<Item = &'a DemoEvent>) -> RunSummary {
        let mut s = RunSummary::new(id);
        for ev in events {
            s.apply(ev);
        }
        s
    }

    /// Takes one more event into account.
    pub fn apply(&mut self, ev: &DemoEvent) {
        match ev {
            DemoEvent::Started { live, .. } => {
                self.running = true;
                self.started_live = *live;
            }
            DemoEvent::Output { line, .. } => {
                self.seconds = self.seconds.max(line.t);
                match line.kind {
                    LineKind::Probe { support } => {
                        self.probe = Some(ProbeAnswer {
                            support,
                            evidence: line.text.clone(),
                        })
                    }
                    LineKind::Step => self.steps.push(line.text.clone()),
                    LineKind::Verdict { passed } => {
                        self.verdict = Some((passed, line.text.clone()))
                    }
                    LineKind::Stdout | LineKind::Stderr | LineKind::Replayed => {}
                }
            }
            DemoEvent::FellBack {
                why,
                step,
                recording,
                ..
            } => self.fallbacks.push(FallBack {
                why: why.clone(),
                step: step.clone(),
                recording: recording.clone(),
            }),
            DemoEvent::Exited {
                outcome, seconds, ..
            } => {
                self.running = false;
                self.outcome = Some(outcome.clone());
                self.seconds = *seconds;
            }
        }
    }

    /// The whole-run fallback, if the run was shown from its recording.
    pub fn whole_fallback(&self) -> Option<&FallBack> {
        self.fallbacks.iter().find(|f| f.step.is_none())
    }

    /// The steps shown from the recording, with why.
    pub fn partial_steps(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fallbacks
            .iter()
            .filter_map(|f| Some((f.step.as_deref()?, f.why.as_str())))
    }

    /// Where the lines shown from a recording were recorded.
    pub fn recording(&self) -> Option<&RecordingInfo> {
        self.fallbacks.iter().find_map(|f| f.recording.as_ref())
    }

    /// How the run went (so far, while it runs).
    pub fn mode(&self) -> DemoMode {
        match &self.outcome {
            None | Some(Outcome::Passed) => {
                if self.whole_fallback().is_some() {
                    DemoMode::Recorded
                } else if self.partial_steps().next().is_some() {
                    DemoMode::Partial
                } else {
                    DemoMode::Live
                }
            }
            Some(_) => DemoMode::Failed,
        }
    }

    /// What the run means for CI.
    pub fn verdict(&self) -> Verdict {
        match self.outcome {
            None => Verdict::Fail,
            Some(_) => self.mode().into(),
        }
    }

    /// Why the run is what [`Self::mode`] says ("" for a clean live run).
    pub fn reason(&self) -> String {
        let whole = self.whole_fallback().map(|f| f.why.as_str());
        match (&self.outcome, whole) {
            (None | Some(Outcome::Passed), Some(why)) => why.to_string(),
            (None | Some(Outcome::Passed), None) => self.partial_reason(),
            (Some(Outcome::Failed { verdict }), Some(_)) => {
                format!("the recorded run failed: {verdict}")
            }
            (Some(Outcome::Failed { verdict }), None) => verdict.clone(),
            (Some(Outcome::Crashed { status }), _) => format!("crashed: {status}"),
            (Some(Outcome::TimedOut { seconds }), _) => {
                format!("timed out after {seconds:.1} s, process group killed")
            }
            (Some(Outcome::Stopped), _) => "stopped before the end".into(),
            // The validator lists each problem on its own line.
            (Some(Outcome::NoRecording { error }), Some(why)) => format!(
                "{why}; no recording to fall back to: {}",
                error.lines().collect::<Vec<_>>().join("; ")
            ),
            (Some(Outcome::NoRecording { error }), None) => format!(
                "no recording: {}",
                error.lines().collect::<Vec<_>>().join("; ")
            ),
            (Some(Outcome::Unsupported { why }), _) => {
                format!("can't run live (--mode live): {why}")
            }
        }
    }

    /// "step audit-log: needs CAP_SYSLOG; step …" ("" without partial steps).
    pub fn partial_reason(&self) -> String {
        self.partial_steps()
            .map(|(step, why)| format!("step {step}: {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::OutputLine;

    fn out(kind: LineKind, text: &str) -> DemoEvent {
        let line = OutputLine {
            t: 0.1,
            kind,
            text: text.into(),
        };
        DemoEvent::Output { run: 1, line }
    }

    fn fell_back(why: &str, step: Option<&str>) -> DemoEvent {
        DemoEvent::FellBack {
            run: 1,
            why: why.into(),
            step: step.map(String::from),
            recording: None,
        }
    }

    fn exited(outcome: Outcome) -> DemoEvent {
        DemoEvent::Exited {
            run: 1,
            outcome,
            seconds: 0.5,
        }
    }

    fn summary(events: &[DemoEvent]) -> (DemoMode, Verdict, String) {
        let s = RunSummary::fold("x", events);
        (s.mode(), s.verdict(), s.reason())
    }

    #[test]
    fn one_classification_of_every_ending() {
        let yes = LineKind::Probe {
            support: Support::Yes,
        };
        let live = [out(yes, "abi 6"), exited(Outcome::Passed)];
        assert_eq!(
            summary(&live),
            (DemoMode::Live, Verdict::Pass, String::new())
        );
        let s = RunSummary::fold("x", &live);
        assert_eq!(
            s.probe.map(|p| (p.support, p.evidence)),
            Some((Support::Yes, "abi 6".into()))
        );
        let partial = [
            fell_back("no CAP_SYSLOG", Some("audit-log")),
            exited(Outcome::Passed),
        ];
        assert_eq!(
            summary(&partial),
            (
                DemoMode::Partial,
                Verdict::Pass,
                "step audit-log: no CAP_SYSLOG".into()
            )
        );
        let recorded = [fell_back("ENOSYS", None), exited(Outcome::Passed)];
        assert_eq!(
            summary(&recorded),
            (DemoMode::Recorded, Verdict::Fallback, "ENOSYS".into())
        );
        let gone = [
            fell_back("ENOSYS", None),
            exited(Outcome::NoRecording {
                error: "gone".into(),
            }),
        ];
        let failed = (DemoMode::Failed, Verdict::Fail);
        let g = summary(&gone);
        assert_eq!(
            (g.0, g.1, g.2.as_str()),
            (
                failed.0,
                failed.1,
                "ENOSYS; no recording to fall back to: gone"
            )
        );
        let timed = summary(&[exited(Outcome::TimedOut { seconds: 0.4 })]);
        assert_eq!(timed.2, "timed out after 0.4 s, process group killed");
        let nope = [
            out(LineKind::Verdict { passed: false }, "✗ nope"),
            exited(Outcome::Failed {
                verdict: "nope".into(),
            }),
        ];
        assert_eq!(
            summary(&nope),
            (DemoMode::Failed, Verdict::Fail, "nope".into())
        );
        let stopped = summary(&[exited(Outcome::Stopped)]);
        assert_eq!(stopped.2, "stopped before the end");
    }

    #[test]
    fn summaries_round_trip_as_json() {
        let s = RunSummary::fold(
            "x",
            &[
                out(
                    LineKind::Probe {
                        support: Support::Partial,
                    },
                    "half",
                ),
                fell_back("why", Some("s")),
                exited(Outcome::Passed),
            ],
        );
        let json = serde_json::to_string(&s).expect("serialize");
        let back: RunSummary = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, s);
        assert!(json.contains(r#""support":"partial""#), "{json}");
    }
}
