//! The reports of `kdeck record`: the table on stdout, the JSON summary (`--json`),
//! JUnit XML (`--junit`) and the Markdown table for `$GITHUB_STEP_SUMMARY`.
//!
//! # The JSON schema (`--json FILE`)
//!
//! Other tools read this file (the qemu kernel matrix among them); the field names
//! and value sets are stable. [`RunReport`] derives `Deserialize`, so Rust readers
//! can use it directly.
//!
//! ```json
//! {
//!   "schema": 1,                         // crate::schema::RECORD; up on incompatible changes
//!   "kdeck_version": "0.1.0",           // kdeck's version
//!   "kernel": "6.18.44-fc-v509",         // uname -r of the machine that ran it
//!   "arch": "x86_64",                    // uname -m
//!   "uid": 0,                            // real uid kdeck ran as
//!   "date": "2026-11-28T12:00:00Z",      // start of the run, RFC 3339 UTC
//!   "mode": "auto",                      // --mode: auto | live | recorded
//!   "demos": [                           // deck order (or --only ids in deck order)
//!     {
//!       "id": "landlock",
//!       "title": "Landlock: unprivileged sandboxing",
//!       "mode": "live",                  // live | partial | recorded | failed
//!       "verdict": "pass",               // pass | fail | fallback
//!       "seconds": 0.012,                // duration of the run, ms precision
//!       "reason": "",                    // why it fell back / what was partial /
//!                                        // why it failed; empty for a live pass
//!       "probe": {"support": "yes", "evidence": "landlock_create_ruleset(VERSION) = 7"},
//!                                        // null when neither the run nor the
//!                                        // recording has a probe answer
//!       "verdict_line": "✓ Landlock …",  // the demo's own ✓/✗ line, or ""
//!       "exit": 0,                       // 0 ✓, 1 ✗, 2 anything else
//!       "cast": "landlock.cast"          // its recording, relative to --out
//!     }
//!   ],
//!   "summary": {"total": 10, "live": 8, "partial": 1, "recorded": 1, "failed": 0},
//!   "exit_code": 0                       // what kdeck record exited with
//! }
//! ```
//!
//! `mode` and `verdict` go together: `live`/`partial` → `pass`, `recorded` →
//! `fallback`, `failed` → `fail`.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};

use super::error::RecordError;
use super::headless::DemoRun;

pub use crate::demo::summary::{DemoMode, Verdict};

/// The probe's answer: `support` is `yes`, `partial` or `no`.
pub use crate::demo::summary::ProbeAnswer as ProbeReport;

/// One demo's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoReport {
    pub id: String,
    pub title: String,
    pub mode: DemoMode,
    pub verdict: Verdict,
    pub seconds: f64,
    pub reason: String,
    pub probe: Option<ProbeReport>,
    pub verdict_line: String,
    pub exit: i32,
    pub cast: String,
}

impl DemoReport {
    /// Fell back, wholly or for a step.
    pub fn fell_back(&self) -> bool {
        matches!(self.mode, DemoMode::Recorded | DemoMode::Partial)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub live: usize,
    pub partial: usize,
    pub recorded: usize,
    pub failed: usize,
}

impl Summary {
    pub fn of(demos: &[DemoReport]) -> Summary {
        let count = |m: DemoMode| demos.iter().filter(|d| d.mode == m).count();
        Summary {
            total: demos.len(),
            live: count(DemoMode::Live),
            partial: count(DemoMode::Partial),
            recorded: count(DemoMode::Recorded),
            failed: count(DemoMode::Failed),
        }
    }
}

/// The whole `--json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub kdeck_version: String,
    pub kernel: String,
    pub arch: String,
    pub uid: u32,
    pub date: String,
    pub mode: String,
    pub demos: Vec<DemoReport>,
    pub summary: Summary,
    pub exit_code: u8,
}

/// What to do when a demo falls back to its recording (`--on-fallback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnFallback {
    /// Report it in the table only.
    Pass,
    /// Report it in the table and on stderr; exit 0.
    Warn,
    /// Report it; exit 4. A partial run (one step from the recording) counts too.
    Fail,
}

/// The exit code: 1 if any demo failed (a ✗ verdict, a crash or timeout, a missing
/// or corrupt recording, a demo that can't run under `--mode live`), else 4 if a demo
/// fell back (recorded or partial) under `--on-fallback fail`, else 0.
pub fn exit_code(demos: &[DemoReport], on_fallback: OnFallback) -> u8 {
    if demos.iter().any(|d| d.mode == DemoMode::Failed) {
        1
    } else if on_fallback == OnFallback::Fail && demos.iter().any(DemoReport::fell_back) {
        4
    } else {
        0
    }
}

/// The table on stdout: one row per demo in run order, then a summary line.
pub fn table(report: &RunReport) -> String {
    let idw = report
        .demos
        .iter()
        .map(|d| d.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<idw$}  {:<8}  {:<8}  {:>8}  REASON\n",
        "DEMO", "MODE", "VERDICT", "TIME"
    );
    for d in &report.demos {
        let row = format!(
            "{:<idw$}  {:<8}  {:<8}  {:>8}  {}",
            d.id,
            d.mode.as_str(),
            d.verdict.as_str(),
            human_time(d.seconds),
            d.reason
        );
        out.push_str(row.trim_end());
        out.push('\n');
    }
    let s = &report.summary;
    out.push_str(&format!(
        "\n{}: {} live, {} partial, {} recorded, {} failed (Linux {} {}, mode {}) · exit {}\n",
        demos(s.total),
        s.live,
        s.partial,
        s.recorded,
        s.failed,
        report.kernel,
        report.arch,
        report.mode,
        report.exit_code
    ));
    out
}

/// JUnit XML: one suite `kdeck.demos`, one test case per demo. A live pass is a
/// success; a partial one is a success whose `<system-out>` says what was partial; a
/// whole fallback is `<skipped message=reason>`; a failure is `<failure message=reason>`
/// with the run's output as its text. Each case has the properties `kdeck.mode` (live,
/// partial, recorded, failed) and, unless empty, `kdeck.reason`; the suite carries the
/// run's timestamp, this machine's hostname, and the properties `kdeck.version`,
/// `kdeck.kernel`, `kdeck.arch`, `kdeck.run-mode`.
pub fn junit(report: &RunReport, runs: &[DemoRun]) -> Result<String, RecordError> {
    let mut suite = TestSuite::new("kdeck.demos");
    for d in &report.demos {
        let output = runs
            .iter()
            .find(|r| r.id == d.id)
            .map(DemoRun::transcript)
            .unwrap_or_default();
        let status = match d.mode {
            DemoMode::Live | DemoMode::Partial => TestCaseStatus::success(),
            DemoMode::Recorded => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(format!("fell back to the recording: {}", d.reason));
                s
            }
            DemoMode::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(d.reason.as_str())
                    .set_description(output.as_str());
                s
            }
        };
        let mut case = TestCase::new(d.id.as_str(), status);
        case.set_classname("kdeck.demos")
            .set_time(Duration::from_secs_f64(d.seconds.max(0.0)))
            .add_property(Property::new("kdeck.mode", d.mode.as_str()));
        if !d.reason.is_empty() {
            case.add_property(Property::new("kdeck.reason", d.reason.as_str()));
        }
        let out = match d.mode {
            DemoMode::Partial => format!("partial: {}\n\n{output}", d.reason),
            DemoMode::Failed => String::new(),
            _ => output,
        };
        if !out.is_empty() {
            case.set_system_out(out);
        }
        suite.add_test_case(case);
    }
    let seconds: f64 = report.demos.iter().map(|d| d.seconds.max(0.0)).sum();
    suite.set_time(Duration::from_secs_f64(seconds));
    suite.add_properties([
        Property::new("kdeck.version", report.kdeck_version.as_str()),
        Property::new("kdeck.kernel", report.kernel.as_str()),
        Property::new("kdeck.arch", report.arch.as_str()),
        Property::new("kdeck.run-mode", report.mode.as_str()),
    ]);
    let mut junit = Report::new("kdeck record");
    junit.set_time(Duration::from_secs_f64(seconds));
    if let Ok(start) = chrono::DateTime::parse_from_rfc3339(&report.date) {
        suite.set_timestamp(start);
        junit.set_timestamp(start);
    }
    if let Ok(host) = nix::unistd::gethostname() {
        suite
            .extra
            .insert("hostname".into(), host.to_string_lossy().as_ref().into());
    }
    junit.add_test_suite(suite);
    Ok(junit.to_string()?)
}

/// The Markdown summary appended to `$GITHUB_STEP_SUMMARY`.
pub fn markdown(report: &RunReport) -> String {
    let mut out = format!(
        "### kdeck record — Linux {} {} (mode {})\n\n| demo | mode | verdict | time | reason |\n|---|---|---|---:|---|\n",
        report.kernel, report.arch, report.mode
    );
    for d in &report.demos {
        let mark = match d.verdict {
            Verdict::Pass => "✅",
            Verdict::Fallback => "⚠️",
            Verdict::Fail => "❌",
        };
        out.push_str(&format!(
            "| `{}` | {} | {mark} {} | {} | {} |\n",
            d.id,
            d.mode.as_str(),
            d.verdict.as_str(),
            human_time(d.seconds),
            md_cell(&d.reason)
        ));
    }
    let s = &report.summary;
    out.push_str(&format!(
        "\n**{}**: {} live, {} partial, {} recorded, {} failed — exit {}\n\n",
        demos(s.total),
        s.live,
        s.partial,
        s.recorded,
        s.failed,
        report.exit_code
    ));
    out
}

/// "1 demo", "10 demos".
fn demos(n: usize) -> String {
    if n == 1 {
        "1 demo".into()
    } else {
        format!("{n} demos")
    }
}

/// Text safe inside a Markdown table cell.
fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// "3 ms" under a second, "1.25 s" above.
fn human_time(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, mode: DemoMode, verdict: Verdict) -> DemoReport {
        DemoReport {
            id: id.into(),
            title: id.into(),
            mode,
            verdict,
            seconds: 0.0125,
            reason: if mode == DemoMode::Live {
                String::new()
            } else {
                format!("{id} | <why> & \"so\"")
            },
            probe: None,
            verdict_line: String::new(),
            exit: 0,
            cast: format!("{id}.cast"),
        }
    }

    #[test]
    fn exit_codes() {
        let live = row("a", DemoMode::Live, Verdict::Pass);
        let partial = row("b", DemoMode::Partial, Verdict::Pass);
        let rec = row("c", DemoMode::Recorded, Verdict::Fallback);
        let failed = row("d", DemoMode::Failed, Verdict::Fail);
        assert_eq!(exit_code(&[live.clone(), rec.clone()], OnFallback::Warn), 0);
        assert_eq!(exit_code(&[live.clone(), rec.clone()], OnFallback::Fail), 4);
        assert_eq!(
            exit_code(std::slice::from_ref(&partial), OnFallback::Fail),
            4
        );
        assert_eq!(exit_code(&[partial], OnFallback::Pass), 0);
        assert_eq!(exit_code(&[rec, failed], OnFallback::Fail), 1);
        assert_eq!(exit_code(&[live], OnFallback::Fail), 0);
    }

    #[test]
    fn junit_round_trips() {
        let demos = vec![
            row("a", DemoMode::Live, Verdict::Pass),
            row("b", DemoMode::Recorded, Verdict::Fallback),
            row("c", DemoMode::Failed, Verdict::Fail),
        ];
        let report = RunReport {
            kdeck_version: "0.1.0".into(),
            kernel: "k".into(),
            arch: "x".into(),
            uid: 0,
            date: "d".into(),
            mode: "auto".into(),
            summary: Summary::of(&demos),
            demos,
            exit_code: 1,
        };
        let xml = junit(&report, &[]).unwrap();
        let back = Report::deserialize_from_str(&xml).unwrap();
        let cases = &back.test_suites[0].test_cases;
        assert_eq!(cases.len(), 3);
        assert!(matches!(cases[1].status, TestCaseStatus::Skipped { .. }));
        assert!(matches!(cases[2].status, TestCaseStatus::NonSuccess { .. }));
        assert!(markdown(&report).contains("\\| <why>"));
        assert_eq!(report.summary.failed, 1);
    }
}
