//! Running every demo headless and describing the kernel: used inside the matrix guest
//! (as root and as `nobody`) and on the host, so every column of the matrix comes from
//! the same code. [`run_demos`] writes `<id>.cast` files and `summary.json` (the
//! [`RunSummary`] schema of `kdeck record --json`).

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::MatrixError;
use super::summary::{Counts, DemoResult, ProbeSummary, RunSummary};
use crate::commands;
use crate::demo::{self, DemoEvent, LineKind, Outcome, Recordings, RunMode};
use crate::record::asciicast::{self, now_rfc3339_utc, uname};
use crate::record::demo_cast::{cast_from_events, mode_of};

/// Runs every demo (auto mode: live, partial or recorded) with this process's
/// privileges; writes `out_dir/<id>.cast` and `out_dir/summary.json`.
pub fn run_demos(out_dir: &Path) -> Result<RunSummary, MatrixError> {
    run_demos_logged(out_dir, false)
}

/// [`run_demos`], printing one line per demo when `log` is set (the guest's console).
pub fn run_demos_logged(out_dir: &Path, log: bool) -> Result<RunSummary, MatrixError> {
    let exe = std::env::current_exe().map_err(|e| MatrixError::io("current_exe", e))?;
    std::fs::create_dir_all(out_dir).map_err(|e| MatrixError::io(out_dir, e))?;
    let mut demos = Vec::new();
    for spec in demo::registry() {
        let started = Instant::now();
        let (events, _) = commands::run_demo_plain(
            &exe,
            Recordings::embedded(),
            spec.id,
            RunMode::Auto,
            0.0,
            &mut std::io::sink(),
        )
        .map_err(|e| MatrixError::io(spec.id, e))?;
        let cast_name = format!("{}.cast", spec.id);
        let cast = cast_from_events(spec.id, &events, 80, 30);
        let path = out_dir.join(&cast_name);
        std::fs::write(&path, asciicast::write_v2(&cast)).map_err(|e| MatrixError::io(&path, e))?;
        let mut r = result_of(spec.id, spec.title, &events);
        r.cast = cast_name;
        if r.seconds == 0.0 {
            r.seconds = started.elapsed().as_secs_f64();
        }
        if log {
            println!("kdeck: {:<12} {:<8} {}", r.id, r.mode, r.reason);
        }
        demos.push(r);
    }
    let (kernel, arch) = uname().unwrap_or_else(|| ("unknown".into(), "unknown".into()));
    let summary = Counts::of(&demos);
    let run = RunSummary {
        kdeck_version: env!("CARGO_PKG_VERSION").into(),
        kernel,
        arch,
        uid: nix::unistd::getuid().as_raw(),
        date: now_rfc3339_utc(),
        mode: "auto".into(),
        exit_code: i32::from(summary.failed > 0),
        demos,
        summary,
    };
    let json = serde_json::to_string_pretty(&run).map_err(MatrixError::Json)?;
    let path = out_dir.join("summary.json");
    std::fs::write(&path, json).map_err(|e| MatrixError::io(&path, e))?;
    Ok(run)
}

/// Classifies one run from its events (the same rules `kdeck record` uses): a whole
/// fallback is `recorded`, a step from the recording `partial`, a run that did not pass
/// `failed`.
pub fn result_of(id: &str, title: &str, events: &[DemoEvent]) -> DemoResult {
    let mut probe = ProbeSummary {
        support: "no".into(),
        evidence: String::new(),
    };
    let mut verdict_line = String::new();
    let mut whole_why = None;
    let mut steps = Vec::new();
    let mut outcome = None;
    let mut seconds = 0.0;
    for ev in events {
        match ev {
            DemoEvent::Output { line, .. } => match line.kind {
                LineKind::Probe => {
                    let (s, e) = line.text.split_once(" — ").unwrap_or((&line.text, ""));
                    probe = ProbeSummary {
                        support: s.into(),
                        evidence: e.into(),
                    };
                }
                LineKind::Stdout | LineKind::Replayed
                    if line.text.starts_with('✓') || line.text.starts_with('✗') =>
                {
                    verdict_line = line.text.clone();
                }
                _ => {}
            },
            DemoEvent::FellBack {
                why, step: None, ..
            } => whole_why = Some(why.clone()),
            DemoEvent::FellBack {
                why, step: Some(s), ..
            } => steps.push(format!("{s}: {why}")),
            DemoEvent::Exited {
                outcome: o,
                seconds: s,
                ..
            } => {
                outcome = Some(o.clone());
                seconds = *s;
            }
            DemoEvent::Started { .. } => {}
        }
    }
    let failure = match &outcome {
        Some(Outcome::Passed) => None,
        Some(Outcome::Failed { verdict }) => Some(verdict.clone()),
        Some(Outcome::Crashed { status }) => Some(format!("crashed: {status}")),
        Some(Outcome::TimedOut { seconds }) => Some(format!("timed out after {seconds:.0} s")),
        Some(Outcome::Stopped) => Some("stopped".into()),
        Some(Outcome::NoRecording { error }) => {
            Some(format!("no recording to fall back on: {error}"))
        }
        Some(Outcome::Unsupported { why }) => Some(why.clone()),
        None => Some("the demo engine gave no answer".into()),
    };
    let (mode, verdict, reason) = match (mode_of(events), failure) {
        ("replayed", None) => ("recorded", "fallback", whole_why.unwrap_or_default()),
        ("replayed", Some(f)) if !matches!(outcome, Some(Outcome::NoRecording { .. })) => (
            "recorded",
            "fail",
            format!(
                "{}; the recorded run failed: {f}",
                whole_why.unwrap_or_default()
            ),
        ),
        (_, Some(f)) => match whole_why {
            Some(w) => ("failed", "fail", format!("{w}; {f}")),
            None => ("failed", "fail", f),
        },
        ("partial", None) => ("partial", "pass", steps.join("; ")),
        (_, None) => ("live", "pass", probe.evidence.clone()),
    };
    DemoResult {
        id: id.into(),
        title: title.into(),
        mode: mode.into(),
        verdict: verdict.into(),
        seconds,
        reason,
        exit: match (&outcome, verdict) {
            (Some(Outcome::Passed), _) => 0,
            (Some(Outcome::Failed { .. }), _) => 1,
            _ => 2,
        },
        probe,
        verdict_line,
        cast: String::new(),
    }
}

/// What a kernel is, as seen from inside it (`kernel.json` in the guest's results).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KernelReport {
    pub release: String,
    pub arch: String,
    /// Active LSMs in the kernel's order (securityfs `lsm`, else lsm_list_modules).
    pub lsms: Vec<String>,
    /// `landlock_create_ruleset(VERSION)`, None when Landlock is missing.
    pub landlock_abi: Option<i32>,
    /// Modules the guest loaded, "name: ok" or "name: EEXIST" etc.
    pub modules: Vec<String>,
    /// How each user's run ended ("root: exit 0 in 12.1 s").
    pub runs: Vec<String>,
    /// Seconds since the kernel booted when the results were sent.
    pub uptime: Option<f64>,
}

impl KernelReport {
    /// Describes the running kernel.
    pub fn of_running() -> KernelReport {
        let (release, arch) = uname().unwrap_or_default();
        let lsms = match std::fs::read_to_string(crate::probe::lsm::SECURITYFS_LSM) {
            Ok(s) => s
                .trim()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            Err(_) => crate::probe::lsm::active_ids()
                .map(|ids| ids.into_iter().map(crate::probe::lsm::lsm_name).collect())
                .unwrap_or_default(),
        };
        let uptime = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|t| t.parse().ok()));
        KernelReport {
            release,
            arch,
            lsms,
            landlock_abi: crate::probe::landlock::abi_version().ok(),
            uptime,
            ..KernelReport::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::OutputLine;

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
    fn exited(outcome: Outcome) -> DemoEvent {
        DemoEvent::Exited {
            run: 1,
            outcome,
            seconds: 0.5,
        }
    }

    #[test]
    fn classifies_live_partial_recorded_failed() {
        let live = [
            out(LineKind::Probe, "yes — abi 6"),
            out(LineKind::Stdout, "✓ works"),
            exited(Outcome::Passed),
        ];
        let r = result_of("x", "X", &live);
        assert_eq!(
            (r.mode.as_str(), r.verdict.as_str(), r.reason.as_str()),
            ("live", "pass", "abi 6")
        );
        assert_eq!(
            (r.verdict_line.as_str(), r.exit, r.probe.support.as_str()),
            ("✓ works", 0, "yes")
        );

        let partial = [
            out(LineKind::Probe, "partial — dmesg_restrict"),
            DemoEvent::FellBack {
                run: 1,
                why: "no CAP_SYSLOG".into(),
                step: Some("log".into()),
                recording: None,
            },
            exited(Outcome::Passed),
        ];
        let r = result_of("x", "X", &partial);
        assert_eq!(
            (r.mode.as_str(), r.reason.as_str()),
            ("partial", "log: no CAP_SYSLOG")
        );

        let rec = [
            DemoEvent::FellBack {
                run: 1,
                why: "ENOSYS".into(),
                step: None,
                recording: None,
            },
            exited(Outcome::Passed),
        ];
        let r = result_of("x", "X", &rec);
        assert_eq!(
            (r.mode.as_str(), r.verdict.as_str(), r.reason.as_str()),
            ("recorded", "fallback", "ENOSYS")
        );

        let none = [
            DemoEvent::FellBack {
                run: 1,
                why: "ENOSYS".into(),
                step: None,
                recording: None,
            },
            exited(Outcome::NoRecording {
                error: "no recording".into(),
            }),
        ];
        let r = result_of("x", "X", &none);
        assert_eq!(
            (r.mode.as_str(), r.verdict.as_str(), r.exit),
            ("failed", "fail", 2)
        );
        assert!(r.reason.starts_with("ENOSYS; no recording"), "{}", r.reason);

        let failed = [
            out(LineKind::Stdout, "✗ nope"),
            exited(Outcome::Failed {
                verdict: "nope".into(),
            }),
        ];
        let r = result_of("x", "X", &failed);
        assert_eq!(
            (r.mode.as_str(), r.reason.as_str(), r.exit),
            ("failed", "nope", 1)
        );
    }
}
