//! Running demos without a terminal: a [`Runner`] drives the same [`Engine`] the TUI
//! uses and collects each run's [`DemoEvent`]s; [`report_for`] turns one run (and the
//! recording made of it) into its row of the report.
//!
//! How a run is classified (`mode` / `verdict`):
//!
//! | what happened                                        | mode       | verdict    |
//! |------------------------------------------------------|------------|------------|
//! | ran live, ✓                                          | `live`     | `pass`     |
//! | ran live, ✓, some steps shown from the recording     | `partial`  | `pass`     |
//! | the whole run replayed from the recording, ✓         | `recorded` | `fallback` |
//! | ✗ verdict (live or recorded), crash, timeout         | `failed`   | `fail`     |
//! | a recording needed but missing or corrupt            | `failed`   | `fail`     |
//! | `--mode live` and the demo (or a step) can't run live | `failed`   | `fail`     |

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use super::error::RecordError;
use super::report::{DemoMode, DemoReport};
use crate::cast::{Cast, step_lines};
use crate::demo::{
    self, DemoCommand, DemoEvent, Engine, LineKind, Outcome, ProbeAnswer, Recordings, RunMode,
    RunSummary,
};
use crate::probe::Support;

/// Extra time on top of a demo's own timeout before the engine counts as wedged.
const GRACE: Duration = Duration::from_secs(60);

/// Run numbers [`Runner::run`] picks, far from the ones the App hands out.
const OWN_RUNS: u64 = 1 << 40;

/// One demo run: its id and everything the engine reported, in order.
#[derive(Debug, Clone)]
pub struct DemoRun {
    pub id: String,
    pub events: Vec<DemoEvent>,
}

impl DemoRun {
    /// The run as text, the way `kdeck demo` prints it (for JUnit's output).
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        for ev in &self.events {
            let line = match ev {
                DemoEvent::Output { line, .. } => match line.kind {
                    LineKind::Step => format!("── {} ──", line.text),
                    LineKind::Probe { .. } => format!("probe: {}", line.shown()),
                    LineKind::Replayed => format!("◌ {}", line.text),
                    LineKind::Stdout | LineKind::Stderr | LineKind::Verdict { .. } => {
                        line.text.clone()
                    }
                },
                DemoEvent::FellBack {
                    why, step: None, ..
                } => format!("◌ RECORDED — {why}"),
                DemoEvent::FellBack {
                    why,
                    step: Some(step),
                    ..
                } => format!("◐ PARTIAL — step {step} from the recording: {why}"),
                DemoEvent::Started { .. } | DemoEvent::Exited { .. } => continue,
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// How the run ended and how long it took.
    pub fn exited(&self) -> Option<(&Outcome, f64)> {
        self.events.iter().rev().find_map(|e| match e {
            DemoEvent::Exited {
                outcome, seconds, ..
            } => Some((outcome, *seconds)),
            _ => None,
        })
    }

    /// Labels of the run's steps, in order (each is one `"m"` marker in its cast).
    pub fn steps(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                DemoEvent::Output { line, .. } if line.kind == LineKind::Step => {
                    Some(line.text.as_str())
                }
                _ => None,
            })
            .collect()
    }
}

/// Runs demos one after the other through the engine, without a terminal. Replays are
/// instant (the recorder keeps each line's recorded time, not the wall clock).
pub struct Runner {
    engine: Engine,
    rx: Receiver<DemoEvent>,
    mode: RunMode,
    next_run: u64,
}

impl Runner {
    /// `exe` is kdeck itself (re-executed for live runs).
    pub fn new(exe: PathBuf, recordings: Recordings, mode: RunMode) -> Runner {
        let (tx, rx) = channel();
        let sink = demo::sink(move |ev| {
            let _ = tx.send(ev);
        });
        Runner {
            engine: Engine::new(exe, recordings, sink).with_speed(0.0),
            rx,
            mode,
            next_run: OWN_RUNS,
        }
    }

    /// Starts run `run` of demo `id` in the recorder's mode (whatever mode the caller,
    /// e.g. the App, had in mind: `--mode` decides).
    pub fn start(&mut self, run: u64, id: &str) {
        self.engine.command(DemoCommand::Start {
            run,
            id: id.to_string(),
            mode: self.mode,
        });
    }

    /// Passes a command on, with `Start` in the recorder's mode.
    pub fn command(&mut self, cmd: DemoCommand) {
        match cmd {
            DemoCommand::Start { run, id, .. } | DemoCommand::StartVariant { run, id, .. } => {
                self.start(run, &id)
            }
            stop @ DemoCommand::Stop { .. } => self.engine.command(stop),
        }
    }

    /// The next event of run `run` (events of other runs are dropped).
    pub fn next_event(&self, run: u64, id: &str) -> Result<DemoEvent, RecordError> {
        let limit = demo::find(id).map_or(demo::DEFAULT_TIMEOUT, |d| d.timeout) + GRACE;
        loop {
            match self.rx.recv_timeout(limit) {
                Ok(ev) if ev.run() == run => return Ok(ev),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    return Err(RecordError::NoAnswer {
                        id: id.to_string(),
                        seconds: limit.as_secs(),
                    });
                }
            }
        }
    }

    /// Runs demo `id` to its end.
    pub fn run(&mut self, id: &str) -> Result<DemoRun, RecordError> {
        let run = self.next_run;
        self.next_run += 1;
        self.start(run, id);
        let mut events = Vec::new();
        loop {
            let ev = self.next_event(run, id)?;
            let done = matches!(ev, DemoEvent::Exited { .. });
            events.push(ev);
            if done {
                return Ok(DemoRun {
                    id: id.to_string(),
                    events,
                });
            }
        }
    }

    /// Stops whatever still runs.
    pub fn stop_all(&mut self) {
        self.engine.stop_all();
    }
}

/// The report row of one run, from its [`RunSummary`]. `cast` is the recording made
/// of it; `recordings` are asked for the recorded probe when the run did not probe (a
/// replay) and whether a step shown from the recording was really there. Two rules
/// are the recorder's own: a step the recording lacks fails the run, and
/// `--mode live` fails a run that was not fully live.
pub fn report_for(
    run: &DemoRun,
    cast: &Cast,
    mode: RunMode,
    recordings: &Recordings,
) -> DemoReport {
    let summary = RunSummary::fold(&run.id, &run.events);
    let meta = cast.header.kdeck.clone().unwrap_or_default();
    let failed = |reason: String| (DemoMode::Failed, reason);
    let (mode_out, reason) = match (summary.mode(), missing_step(&summary, recordings)) {
        (_, _) if summary.outcome.is_none() => failed("the run never ended".into()),
        (DemoMode::Recorded, _) if mode == RunMode::Recorded => (
            DemoMode::Recorded,
            "replayed as asked (--mode recorded)".to_string(),
        ),
        (DemoMode::Partial, Some(error)) => failed(format!(
            "{}; no recording to show it: {error}",
            summary.partial_reason()
        )),
        (DemoMode::Partial, None) if mode == RunMode::Live => failed(format!(
            "not fully live (--mode live): {}",
            summary.partial_reason()
        )),
        (m, _) => (m, summary.reason()),
    };
    let probe = summary
        .probe
        .clone()
        .or_else(|| recorded_probe(recordings, &run.id));
    DemoReport {
        id: run.id.clone(),
        title: demo::find(&run.id).map_or_else(|| run.id.clone(), |d| d.title.to_string()),
        mode: mode_out,
        verdict: mode_out.into(),
        seconds: (summary.seconds * 1000.0).round() / 1000.0,
        reason,
        probe,
        verdict_line: meta.verdict.unwrap_or_default(),
        exit: meta.exit.unwrap_or(2),
        cast: format!("{}.cast", run.id),
    }
}

/// Why a step shown from the recording was not there, if one was not.
fn missing_step(summary: &RunSummary, recordings: &Recordings) -> Option<String> {
    let recorded = recordings.load(&summary.id);
    let step = summary.fallbacks.iter().find_map(|f| {
        let step = f.step.as_ref()?;
        let shown = f.recording.is_some()
            && recorded
                .as_ref()
                .is_ok_and(|c| !step_lines(c, step).is_empty());
        (!shown).then_some(step)
    })?;
    Some(match &recorded {
        Err(e) => e.clone(),
        Ok(_) => format!(
            "{}: has no step \"{step}\"",
            recordings.path_of(&summary.id)
        ),
    })
}

/// The probe answer a recording was made with (its header's `kdeck.probe`).
fn recorded_probe(recordings: &Recordings, id: &str) -> Option<ProbeAnswer> {
    let cast = recordings.load(id).ok()?;
    let meta = cast.header.kdeck?;
    let (word, evidence) = meta.probe_parts()?;
    Some(ProbeAnswer {
        support: Support::from_word(word)?,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{OutputLine, RecordingInfo, Verdict};
    use crate::record::demo_cast::cast_from_events;

    fn out(kind: LineKind, text: &str) -> DemoEvent {
        DemoEvent::Output {
            run: 1,
            line: OutputLine {
                t: 0.1,
                kind,
                text: text.into(),
            },
        }
    }

    fn fell_back(why: &str, step: Option<&str>) -> DemoEvent {
        let recording = RecordingInfo {
            kernel: "k".into(),
            arch: "a".into(),
            date: "d".into(),
            source: "s".into(),
        };
        DemoEvent::FellBack {
            run: 1,
            why: why.into(),
            step: step.map(String::from),
            recording: Some(recording),
        }
    }

    /// `(mode, verdict, reason, exit)` of one run of `seccomp-log` (auto mode).
    fn classify(events: Vec<DemoEvent>) -> (DemoMode, Verdict, String, i32) {
        let cast = cast_from_events("seccomp-log", &events, 80, 30);
        let run = DemoRun {
            id: "seccomp-log".into(),
            events,
        };
        let r = report_for(&run, &cast, RunMode::Auto, &Recordings::embedded());
        (r.mode, r.verdict, r.reason, r.exit)
    }

    #[test]
    fn classifies_live_partial_recorded_failed() {
        let exited = |outcome| DemoEvent::Exited {
            run: 1,
            outcome,
            seconds: 0.5,
        };
        let live = classify(vec![
            out(
                LineKind::Probe {
                    support: crate::probe::Support::Yes,
                },
                "abi 6",
            ),
            out(LineKind::Verdict { passed: true }, "✓ works"),
            exited(Outcome::Passed),
        ]);
        assert_eq!(live, (DemoMode::Live, Verdict::Pass, String::new(), 0));
        let partial = classify(vec![
            fell_back("no CAP_SYSLOG", Some("audit-log")),
            exited(Outcome::Passed),
        ]);
        let why = "step audit-log: no CAP_SYSLOG".to_string();
        assert_eq!(partial.0, DemoMode::Partial, "{partial:?}");
        assert_eq!(partial.2, why);
        let recorded = classify(vec![fell_back("ENOSYS", None), exited(Outcome::Passed)]);
        assert_eq!(
            (recorded.0, recorded.1, recorded.2.as_str()),
            (DemoMode::Recorded, Verdict::Fallback, "ENOSYS")
        );
        let error = "no recording".to_string();
        let none = classify(vec![
            fell_back("ENOSYS", None),
            exited(Outcome::NoRecording { error }),
        ]);
        assert_eq!((none.0, none.1), (DemoMode::Failed, Verdict::Fail));
        assert!(none.2.starts_with("ENOSYS; no recording"), "{}", none.2);
        let verdict = "nope".to_string();
        let failed = classify(vec![
            out(LineKind::Verdict { passed: false }, "✗ nope"),
            exited(Outcome::Failed { verdict }),
        ]);
        assert_eq!(failed, (DemoMode::Failed, Verdict::Fail, "nope".into(), 1));
    }
}
