//! The `kspp` demo and the library behind `kdeck kspp`: how this kernel scores on the
//! Kernel Self Protection Project's recommended settings (a table of checks as data,
//! evaluated generically), and XPFO's idea as it exists today: memfd_secret(2).

mod cli;
mod cmdline;
mod report;
mod sources;
mod table;
mod xpfo;

pub use crate::sys::memfd::memfd_secret;
pub use cli::{
    cli_report, load_config_file, load_sysctl_file, render_text, run_cli, run_cli_with_cmdline,
};
pub use cmdline::{Cmdline, PROC_CMDLINE};
pub use report::{CheckResult, KsppReport, Skipped, desired_text, evaluate, evaluate_with_cmdline};
pub use sources::{
    ConfigValue, KernelConfig, Reading, SysctlSource, load_running, read_config_text, sysctl_path,
};
pub use table::{Check, Cond, Kind, Op, TABLE_TOML, checks, parse_cond, parse_table};
pub use xpfo::{Evidence, PLAIN_TEXT, SECRET_TEXT, XpfoOutcome, ptrace_scope};

use super::out;

/// The kspp demo's probe: the kernel's own answer (`probe::kspp`), plus the
/// `kspp.score` fact, which needs this module's checks (probes stand below demos).
pub fn probe() -> crate::probe::Probe {
    let answer = crate::probe::kspp::probe();
    match score_fact() {
        Some(score) => answer.with_fact("kspp.score", score),
        None => answer,
    }
}

/// The `kspp.score` fact: checks passed out of those decided ("22/32"), noting when
/// only the sysctl checks could run; `None` when no check could run.
pub fn score_fact() -> Option<String> {
    let config = load_running().ok().flatten();
    let report = evaluate(config.as_ref(), &SysctlSource::Live).ok()?;
    if report.total == 0 {
        return None;
    }
    Some(match config {
        Some(_) => report.score,
        None => format!("{} (sysctl checks only: no kernel config)", report.score),
    })
}
use crate::probe::{Probe, errno_name};

/// Errors of the KSPP checker; each names the file (and line) it is about.
#[derive(Debug, thiserror::Error)]
pub enum KsppError {
    /// A file exists but can't be read.
    #[error("{file}: {reason}")]
    Read {
        /// The file.
        file: String,
        /// "EACCES", "invalid gzip header", ...
        reason: String,
    },
    /// A line that is neither a comment, blank, nor NAME=VALUE.
    #[error("{file}:{line}: {reason}: {text:?}")]
    Malformed {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The line as written.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Several malformed lines of one file (every one is reported, up to a limit).
    #[error("{}", crate::text::list_problems(.0))]
    Several(Vec<KsppError>),
    /// The built-in table (demos/kspp/checks.toml) does not parse.
    #[error("demos/kspp/checks.toml: {0}")]
    Table(String),
    /// JSON rendering failed.
    #[error("JSON: {0}")]
    Json(String),
}

/// Width of the name column in the pane.
const NAME_W: usize = 32;
/// Width of the value column in the pane.
const VALUE_W: usize = 19;
/// Width of the text after "      via " (the pane is 56 columns).
const VIA_W: usize = 46;

/// The live body: the KSPP table of this kernel, then memfd_secret vs /proc/PID/mem.
pub fn body(_probe: &Probe) -> i32 {
    out::step("checks");
    let report = match live_report() {
        Ok(r) => r,
        Err(e) => return out::fail(format!("KSPP checks could not run: {e}")),
    };
    print_report(&report);
    out::step("xpfo");
    let score = format!("KSPP: {} checks pass on this kernel", report.score);
    match run_xpfo() {
        Some(true) => out::pass(format!(
            "{score}; reading a memfd_secret page via /proc/PID/mem gave EIO, an ordinary page read back"
        )),
        Some(false) => out::fail(format!(
            "{score}; but a memfd_secret page read back via /proc/PID/mem"
        )),
        None => out::pass(score),
    }
}

/// The report for the running kernel; prints where the config came from.
fn live_report() -> Result<KsppReport, KsppError> {
    let config = match load_running() {
        Ok(Some(c)) => {
            out::say(format!("$ read {} + /proc/sys + {PROC_CMDLINE}", c.source));
            Some(c)
        }
        Ok(None) => {
            out::say("no kernel config found: sysctl checks only");
            out::say(format!(
                "  (tried {})",
                crate::sys::host::kernel_config_paths().join(", ")
            ));
            None
        }
        Err(e) => {
            out::say(format!("kernel config unreadable: {e}"));
            out::say("  sysctl checks only");
            None
        }
    };
    let cmdline = match Cmdline::running() {
        Ok(c) => Some(c),
        Err(e) => {
            out::say(format!("kernel command line unreadable: {e}"));
            None
        }
    };
    let report = evaluate_with_cmdline(config.as_ref(), &SysctlSource::Live, cmdline.as_ref())?;
    out::say(format!(
        "  {} KSPP recommendations (demos/kspp/checks.toml)",
        report.total + report.skipped.len()
    ));
    Ok(report)
}

fn print_report(report: &KsppReport) {
    out::say(format!("Failing ({}):", report.total - report.passed));
    for c in report.failures() {
        out::say(row('✗', c.name, &c.actual));
        out::say(format!("      {}", c.why));
    }
    out::say(format!("Passing ({}):", report.passed));
    for c in report.passes() {
        match c.matched.as_deref().map(compact) {
            None => out::say(row('✓', c.name, &c.actual)),
            Some(m) if m.chars().count() <= VALUE_W => out::say(row('✓', c.name, &m)),
            Some(m) => {
                out::say(row('✓', c.name, &c.actual));
                out::say(format!("      via {}", fit(&m, VIA_W)));
            }
        }
    }
    print_skipped(report);
    out::say(format!("{} KSPP checks pass", report.score));
}

fn print_skipped(report: &KsppReport) {
    if report.skipped.is_empty() {
        return;
    }
    out::say(format!("Not decided here ({}):", report.skipped.len()));
    let no_config = report
        .skipped
        .iter()
        .filter(|s| s.reason == "no kernel config")
        .count();
    if no_config > 0 {
        out::say(format!("  {no_config} checks need the kernel config"));
    }
    for s in report
        .skipped
        .iter()
        .filter(|s| s.reason != "no kernel config")
    {
        let why = s.reason.strip_prefix(&format!("{}: ", s.name));
        out::say(row('?', s.name, why.unwrap_or(&s.reason)));
    }
}

/// "CONFIG_MODULES not set" → "MODULES=n", for the narrow pane.
fn compact(matched: &str) -> String {
    matched
        .replace("CONFIG_", "")
        .replace(" not set", "=n")
        .replace(" disabled", "=n")
}

/// "  ✗ CONFIG_INIT_ON_ALLOC_DEFAULT_ON  not set", fitted to the pane.
fn row(mark: char, name: &str, value: &str) -> String {
    format!(
        "  {mark} {:<NAME_W$} {}",
        short_name(name),
        fit(value, VALUE_W)
    )
}

/// The name, without "CONFIG_" and then cut with "…" if it is wider than the column.
fn short_name(name: &str) -> String {
    if name.chars().count() <= NAME_W {
        return name.to_string();
    }
    fit(name.strip_prefix("CONFIG_").unwrap_or(name), NAME_W)
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// The XPFO step. `Some(true)`: secret page unreadable, ordinary page read back;
/// `Some(false)`: the secret leaked; `None`: could not run (partial).
fn run_xpfo() -> Option<bool> {
    out::say("XPFO (RFC v9, 2019; never merged) would have");
    out::say("  unmapped user pages from the kernel's direct map.");
    out::say("memfd_secret(2) (5.14) does it for chosen pages.");
    match xpfo::run() {
        XpfoOutcome::Proven(ev) => {
            print_evidence(&ev);
            Some(true)
        }
        XpfoOutcome::Leaked(ev) => {
            print_evidence(&ev);
            Some(false)
        }
        XpfoOutcome::Unavailable(why) => {
            out::say(format!("  {why}"));
            out::partial("xpfo", format!("memfd_secret unavailable: {why}"));
            None
        }
        XpfoOutcome::Refused(why) => {
            out::say(format!("  {why}"));
            out::partial(
                "xpfo",
                format!("can't read another process's memory: {why}"),
            );
            None
        }
    }
}

fn print_evidence(ev: &Evidence) {
    out::say(format!("Child {} maps two pages:", ev.pid));
    out::say(format!("$ memfd_secret(0) = {}; ftruncate; mmap", ev.fd));
    out::say(format!("  {:#x} ← \"{}\"", ev.secret, text(SECRET_TEXT)));
    out::say("$ mmap(MAP_ANONYMOUS)");
    out::say(format!("  {:#x} ← \"{}\"", ev.anon, text(PLAIN_TEXT)));
    out::say(format!("Parent: pread(/proc/{}/mem, …)", ev.pid));
    out::say(format!("  anonymous page → {}", read_text(&ev.anon_read)));
    out::say(format!("  secret page    → {}", read_text(&ev.secret_read)));
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_text(r: &Result<Vec<u8>, i32>) -> String {
    match r {
        Ok(bytes) => format!("\"{}\"", text(bytes)),
        Err(e) => format!("-1 {}", errno_name(*e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_the_pane() {
        let long = row('✓', "CONFIG_MITIGATION_PAGE_TABLE_ISOLATION", "y");
        assert!(long.contains("MITIGATION_PAGE_TABLE_ISOLATION"));
        for c in checks().expect("table") {
            let r = row('✗', &c.name, "a value that is far too long");
            assert!(r.chars().count() <= 56, "{r}");
            assert!(format!("      {}", c.why).chars().count() <= 56);
        }
    }
}
