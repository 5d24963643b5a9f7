//! Probe for the `kspp` demo: is a kernel config (or at least /proc/sys) readable, and
//! does memfd_secret(2) work? Calls memfd_secret(0) and closes the fd.

use super::{Probe, errno_name, read_trimmed};
use crate::demo::kspp::{SysctlSource, config_candidates, evaluate, load_running, memfd_secret};

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

/// Yes: config and memfd_secret; Partial: one of them missing (sysctl-only checks,
/// or no secret memory); No: neither a config nor sysctls can be read.
pub fn probe() -> Probe {
    let answer = answer();
    match score_fact() {
        Some(score) => answer.with_fact("kspp.score", score),
        None => answer,
    }
}

fn answer() -> Probe {
    let config = config_candidates()
        .into_iter()
        .find(|p| std::fs::File::open(p).is_ok());
    let sysctls = read_trimmed("/proc/sys/kernel/randomize_va_space");
    let secret = match memfd_secret() {
        Ok(fd) => {
            // SAFETY: closing the fd memfd_secret just returned.
            unsafe { libc::close(fd) };
            Ok(format!("memfd_secret(0) = fd {fd}"))
        }
        Err(e) => Err(format!(
            "memfd_secret(0): {} (needs CONFIG_SECRETMEM, secretmem.enable=1)",
            errno_name(e)
        )),
    };
    let source = match (&config, &sysctls) {
        (Some(path), _) => format!("config {path}"),
        (None, Ok(_)) => "no kernel config found: sysctl checks only".to_string(),
        (None, Err(e)) => {
            return Probe::no("kspp", format!("no kernel config found; {e}"));
        }
    };
    match (config.is_some(), secret) {
        (true, Ok(s)) => Probe::yes("kspp", format!("{source}; {s}")),
        (_, Ok(s)) | (_, Err(s)) => Probe::partial("kspp", format!("{source}; {s}")),
    }
}
