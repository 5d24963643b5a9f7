//! Running every demo headless and describing the kernel: used inside the matrix guest
//! (as root and as `nobody`) and on the host, so every column of the matrix comes from
//! the same code. [`run_demos`] writes `<id>.cast` files and `summary.json` (the
//! [`RunReport`] schema of `kdeck record --json`, each run classified by
//! [`report_for`], the rules `kdeck record` uses).

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::MatrixError;
use crate::cast::{self as asciicast, now_rfc3339_utc, uname};
use crate::commands;
use crate::demo::{self, Recordings, RunMode};
use crate::record::demo_cast::cast_from_events;
use crate::record::headless::{DemoRun, report_for};
use crate::record::report::{self, OnFallback, RunReport, Summary};

/// Runs every demo (auto mode: live, partial or recorded) with this process's
/// privileges; writes `out_dir/<id>.cast` and `out_dir/summary.json`.
pub fn run_demos(out_dir: &Path) -> Result<RunReport, MatrixError> {
    run_demos_logged(out_dir, false)
}

/// [`run_demos`], printing one line per demo when `log` is set (the guest's console).
pub fn run_demos_logged(out_dir: &Path, log: bool) -> Result<RunReport, MatrixError> {
    let exe = std::env::current_exe().map_err(|e| MatrixError::io("current_exe", e))?;
    std::fs::create_dir_all(out_dir).map_err(|e| MatrixError::io(out_dir, e))?;
    let recordings = Recordings::embedded();
    let profile = super::init::cmdline_param("kdeck.profile");
    let mut demos = Vec::new();
    for spec in demo::registry() {
        let started = Instant::now();
        let (events, _) = commands::run_demo_plain(
            &exe,
            recordings.clone(),
            spec.id,
            RunMode::Auto,
            0.0,
            &mut std::io::sink(),
        )
        .map_err(|e| MatrixError::io(spec.id, e))?;
        let mut cast = cast_from_events(spec.id, &events, 80, 30);
        if let (Some(meta), Some(p)) = (cast.header.kdeck.as_mut(), &profile) {
            meta.profile = Some(p.clone());
        }
        let path = out_dir.join(format!("{}.cast", spec.id));
        crate::files::write_file(&path, asciicast::write_v2(&cast).as_bytes())?;
        let run = DemoRun {
            id: spec.id.to_string(),
            events,
        };
        let mut r = report_for(&run, &cast, RunMode::Auto, &recordings);
        if r.seconds == 0.0 {
            r.seconds = started.elapsed().as_secs_f64();
        }
        if log {
            println!("kdeck: {:<12} {:<8} {}", r.id, r.mode.as_str(), r.reason);
        }
        demos.push(r);
    }
    let (kernel, arch) = uname().unwrap_or_else(|| ("unknown".into(), "unknown".into()));
    let run = RunReport {
        kdeck_version: env!("CARGO_PKG_VERSION").into(),
        kernel,
        arch,
        uid: nix::unistd::getuid().as_raw(),
        date: now_rfc3339_utc(),
        mode: "auto".into(),
        exit_code: report::exit_code(&demos, OnFallback::Pass),
        summary: Summary::of(&demos),
        demos,
    };
    let json = serde_json::to_string_pretty(&run).map_err(MatrixError::Json)?;
    let path = out_dir.join("summary.json");
    crate::files::write_file(&path, json.as_bytes())?;
    Ok(run)
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
    /// The kernel command line (/proc/cmdline).
    pub cmdline: String,
    /// The boot profile (`kdeck.profile=` on the command line).
    pub profile: String,
    /// The profile's sysctls as written: `name=value: ok` or `name=value: EACCES`.
    pub sysctls: Vec<String>,
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
            cmdline: std::fs::read_to_string("/proc/cmdline")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            profile: super::init::cmdline_param("kdeck.profile").unwrap_or_default(),
            landlock_abi: crate::probe::landlock::abi_version().ok(),
            uptime,
            ..KernelReport::default()
        }
    }
}
