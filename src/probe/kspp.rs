//! Probe for the `kspp` demo: is a kernel config (or at least /proc/sys) readable, and
//! does memfd_secret(2) work? Calls memfd_secret(0) and closes the fd.

use super::{Probe, errno_name, read_trimmed};
use crate::sys::host::kernel_config_paths;
use crate::sys::memfd::memfd_secret;

/// Yes: config and memfd_secret; Partial: one of them missing (sysctl-only checks,
/// or no secret memory); No: neither a config nor sysctls can be read.
pub fn probe() -> Probe {
    let config = kernel_config_paths()
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
