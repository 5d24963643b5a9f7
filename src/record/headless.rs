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
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::asciicast::{Cast, step_lines};
use super::error::RecordError;
use super::report::{DemoMode, DemoReport, ProbeReport, Verdict};
use crate::demo::{self, DemoCommand, DemoEvent, Engine, LineKind, Outcome, Recordings, RunMode};

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
                    LineKind::Probe => format!("probe: {}", line.text),
                    LineKind::Replayed => format!("◌ {}", line.text),
                    LineKind::Stdout | LineKind::Stderr => line.text.clone(),
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
        let tx = Mutex::new(tx);
        let sink: demo::Sink = Arc::new(move |ev| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(ev);
            }
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

/// The report row of one run. `cast` is the recording made of it (its header has the
/// probe answer and the verdict line); `recordings` are asked for the recorded probe
/// when the run did not probe (a replay) and for the error when a step's recording
/// was missing.
pub fn report_for(
    run: &DemoRun,
    cast: &Cast,
    mode: RunMode,
    recordings: &Recordings,
) -> DemoReport {
    let meta = cast.header.kdeck.clone().unwrap_or_default();
    let (outcome, seconds) = run
        .exited()
        .map_or((None, 0.0), |(o, s)| (Some(o.clone()), s));
    let whole = run.events.iter().find_map(|e| match e {
        DemoEvent::FellBack {
            why, step: None, ..
        } => Some(why.clone()),
        _ => None,
    });
    let mut steps = Vec::new();
    let mut missing = Vec::new();
    for e in &run.events {
        if let DemoEvent::FellBack {
            why,
            step: Some(step),
            recording,
            ..
        } = e
        {
            steps.push(format!("step {step}: {why}"));
            let shown = recording.is_some()
                && recordings
                    .load(&run.id)
                    .is_ok_and(|c| !step_lines(&c, step).is_empty());
            if !shown {
                missing.push(step.clone());
            }
        }
    }
    let failed = |reason: String| (DemoMode::Failed, Verdict::Fail, reason);
    let (mode_out, verdict, reason) = match outcome {
        None => failed("the run never ended".into()),
        Some(Outcome::Passed) => {
            if let Some(why) = whole {
                let why = match mode {
                    RunMode::Recorded => "replayed as asked (--mode recorded)".to_string(),
                    _ => why,
                };
                (DemoMode::Recorded, Verdict::Fallback, why)
            } else if !missing.is_empty() {
                let error = recordings.load(&run.id).err().unwrap_or_else(|| {
                    format!(
                        "{}: has no step \"{}\"",
                        recordings.path_of(&run.id),
                        missing[0]
                    )
                });
                failed(format!(
                    "{}; no recording to show it: {error}",
                    steps.join("; ")
                ))
            } else if !steps.is_empty() && mode == RunMode::Live {
                failed(format!(
                    "not fully live (--mode live): {}",
                    steps.join("; ")
                ))
            } else if !steps.is_empty() {
                (DemoMode::Partial, Verdict::Pass, steps.join("; "))
            } else {
                (DemoMode::Live, Verdict::Pass, String::new())
            }
        }
        Some(Outcome::Failed { verdict }) => match whole {
            Some(_) => failed(format!("the recorded run failed: {verdict}")),
            None => failed(verdict),
        },
        Some(Outcome::Crashed { status }) => failed(format!("crashed: {status}")),
        Some(Outcome::TimedOut { seconds }) => failed(format!(
            "timed out after {seconds:.0} s, process group killed"
        )),
        Some(Outcome::Stopped) => failed("stopped before the end".into()),
        Some(Outcome::NoRecording { error }) => match whole {
            Some(why) => failed(format!("{why}; no recording to fall back to: {error}")),
            None => failed(format!("no recording: {error}")),
        },
        Some(Outcome::Unsupported { why }) => {
            failed(format!("can't run live (--mode live): {why}"))
        }
    };
    let probe_text = meta.probe.clone().or_else(|| {
        recordings
            .load(&run.id)
            .ok()
            .and_then(|c| c.header.kdeck.and_then(|k| k.probe))
    });
    DemoReport {
        id: run.id.clone(),
        title: demo::find(&run.id).map_or_else(|| run.id.clone(), |d| d.title.to_string()),
        mode: mode_out,
        verdict,
        seconds: (seconds * 1000.0).round() / 1000.0,
        reason,
        probe: probe_text.as_deref().map(parse_probe),
        verdict_line: meta.verdict.unwrap_or_default(),
        exit: meta.exit.unwrap_or(2),
        cast: format!("{}.cast", run.id),
    }
}

/// "yes — evidence" (a Probe line, or a recording's `kdeck.probe`) as its two parts.
fn parse_probe(text: &str) -> ProbeReport {
    match text.split_once(" — ") {
        Some((support, evidence)) => ProbeReport {
            support: support.trim().to_string(),
            evidence: evidence.trim().to_string(),
        },
        None => ProbeReport {
            support: text.split_whitespace().next().unwrap_or("").to_string(),
            evidence: text.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{OutputLine, RecordingInfo};
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
            out(LineKind::Probe, "yes — abi 6"),
            out(LineKind::Stdout, "✓ works"),
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
            out(LineKind::Stdout, "✗ nope"),
            exited(Outcome::Failed { verdict }),
        ]);
        assert_eq!(failed, (DemoMode::Failed, Verdict::Fail, "nope".into(), 1));
    }

    #[test]
    fn probe_text_splits() {
        let p = parse_probe("partial — no IMA in this kernel — only the userns part");
        assert_eq!(p.support, "partial");
        assert_eq!(p.evidence, "no IMA in this kernel — only the userns part");
        let p = parse_probe("yes");
        assert_eq!((p.support.as_str(), p.evidence.as_str()), ("yes", "yes"));
    }
}
