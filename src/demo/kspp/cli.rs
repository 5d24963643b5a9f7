//! `kdeck kspp`: loading the files given on the command line (another machine's
//! config, sysctls and kernel command line) and the wide text table.

use std::fmt::Write as _;
use std::path::Path;

use super::KsppError;
use super::cmdline::Cmdline;
use super::report::{KsppReport, evaluate_with_cmdline};
use super::sources::{self, KernelConfig, SysctlSource};

/// Loads a config file given on the command line (plain or gzip).
pub fn load_config_file(path: &Path) -> Result<KernelConfig, KsppError> {
    let name = path.display().to_string();
    let text = sources::read_config_text(path)?;
    KernelConfig::parse(&text, &name)
}

/// Loads a `sysctl -a` dump given on the command line.
pub fn load_sysctl_file(path: &Path) -> Result<SysctlSource, KsppError> {
    let name = path.display().to_string();
    let text = crate::files::read_text(path, crate::files::CONFIG_CAP, "a sysctl dump")
        .map_err(|e| sources::file_error(&name, &e))?;
    SysctlSource::parse_dump(&text, &name)
}

/// `kdeck kspp [--config FILE] [--sysctl FILE] [--json]`: without `--config` the
/// running kernel's config (/proc/config.gz or /boot/config-<release>; none → sysctl
/// checks only), without `--sysctl` the live /proc/sys; the command-line checks use
/// /proc/cmdline when both are the running kernel's. Returns the text table or JSON.
pub fn run_cli(
    config: Option<&Path>,
    sysctl: Option<&Path>,
    json: bool,
) -> Result<String, KsppError> {
    run_cli_with_cmdline(config, sysctl, None, json)
}

/// [`run_cli`] with `--cmdline FILE`: that command line's checks (another machine's,
/// or a guest's).
pub fn run_cli_with_cmdline(
    config: Option<&Path>,
    sysctl: Option<&Path>,
    cmdline: Option<&Path>,
    json: bool,
) -> Result<String, KsppError> {
    let report = cli_report(config, sysctl, cmdline)?;
    if json {
        crate::schema::pretty(crate::schema::KSPP, &report)
            .map_err(|e| KsppError::Json(e.to_string()))
    } else {
        Ok(render_text(&report))
    }
}

/// The report `kdeck kspp` shows: `config` or the running kernel's, `sysctl` or the
/// live /proc/sys, `cmdline` or /proc/cmdline when both others are the running kernel's.
pub fn cli_report(
    config: Option<&Path>,
    sysctl: Option<&Path>,
    cmdline: Option<&Path>,
) -> Result<KsppReport, KsppError> {
    let cmdline = match (cmdline, config, sysctl) {
        (Some(path), _, _) => Some(Cmdline::load(path)?),
        (None, None, None) => Cmdline::running().ok(),
        _ => None,
    };
    let config = match config {
        Some(path) => Some(load_config_file(path)?),
        None => sources::load_running()?,
    };
    let sysctls = match sysctl {
        Some(path) => load_sysctl_file(path)?,
        None => SysctlSource::Live,
    };
    evaluate_with_cmdline(config.as_ref(), &sysctls, cmdline.as_ref())
}

/// The wide text table of `kdeck kspp`.
pub fn render_text(report: &KsppReport) -> String {
    let mut s = String::new();
    let config = match report.config_source.as_str() {
        "unavailable" => "none found (sysctl checks only)",
        other => other,
    };
    let _ = writeln!(s, "KSPP checks  config: {config}");
    let _ = writeln!(s, "             sysctls: {}", report.sysctl_source);
    if let Some(c) = &report.cmdline_source {
        let _ = writeln!(s, "             cmdline: {c}");
    }
    let _ = writeln!(
        s,
        "\n  {:<40} {:<7} {:<14} desired",
        "setting", "kind", "actual"
    );
    for c in &report.checks {
        let mark = if c.pass { '✓' } else { '✗' };
        let _ = writeln!(
            s,
            "{mark} {:<40} {:<7} {:<14} {}",
            c.name,
            c.kind.as_str(),
            c.actual,
            c.desired
        );
        match (&c.matched, c.pass) {
            (Some(m), true) => {
                let _ = writeln!(s, "    passes via {m}");
            }
            (_, false) => {
                let _ = writeln!(s, "    {}", c.why);
            }
            _ => {}
        }
    }
    for k in &report.skipped {
        let _ = writeln!(
            s,
            "? {:<40} {:<7} skipped: {}",
            k.name,
            k.kind.as_str(),
            k.reason
        );
    }
    let _ = writeln!(s, "\n{} KSPP checks pass", report.score);
    s
}
