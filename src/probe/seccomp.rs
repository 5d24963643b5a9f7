//! Probe for the `seccomp-log` demo: can a seccomp filter return `SECCOMP_RET_LOG`, and
//! can this process read the kernel log where the record lands?
//!
//! Evidence comes from real calls: the `actions_avail` / `actions_logged` sysctls, the
//! `seccomp(SECCOMP_GET_ACTION_AVAIL)` syscall, and an actual `open("/dev/kmsg")`.

use std::fs::File;
use std::os::unix::fs::OpenOptionsExt;

use super::{Probe, errno_name, last_errno, read_trimmed};

const FEATURE: &str = "seccomp";

/// The actions this kernel's seccomp knows (4.14+).
pub const ACTIONS_AVAIL: &str = "/proc/sys/kernel/seccomp/actions_avail";
/// The actions this kernel writes to the audit log / printk.
pub const ACTIONS_LOGGED: &str = "/proc/sys/kernel/seccomp/actions_logged";
/// 1 = reading the kernel log needs CAP_SYSLOG.
pub const DMESG_RESTRICT: &str = "/proc/sys/kernel/dmesg_restrict";
/// The kernel log device, one record per read().
pub const KMSG: &str = "/dev/kmsg";

/// Probes SECCOMP_RET_LOG support and whether the kernel log is readable.
pub fn probe() -> Probe {
    let avail = match read_trimmed(ACTIONS_AVAIL) {
        Ok(s) => s,
        Err(e) if e.ends_with("ENOENT") => {
            return Probe::no(FEATURE, format!("seccomp filter support missing ({e})"));
        }
        Err(e) => return Probe::no(FEATURE, e),
    };
    if !has_action(&avail, "log") {
        return Probe::no(FEATURE, format!("actions_avail lacks `log`: {avail}"));
    }
    if let Err(errno) = action_avail(libc::SECCOMP_RET_LOG) {
        return Probe::no(
            FEATURE,
            format!(
                "actions_avail has log; SECCOMP_GET_ACTION_AVAIL(LOG): {}",
                errno_name(errno)
            ),
        );
    }
    let base = "actions_avail has log; SECCOMP_GET_ACTION_AVAIL(LOG) = 0";
    if let Ok(logged) = read_trimmed(ACTIONS_LOGGED)
        && !has_action(&logged, "log")
    {
        return Probe::partial(
            FEATURE,
            format!("{base}; actions_logged lacks `log`: RET_LOG is not logged"),
        );
    }
    match open_kmsg() {
        Ok(_) => Probe::yes(FEATURE, format!("{base}; /dev/kmsg readable")),
        Err(errno) => Probe::partial(FEATURE, format!("{base}; {}", kmsg_denied_reason(errno))),
    }
}

/// Whether a space-separated action list (a sysctl value) contains `action`.
pub fn has_action(list: &str, action: &str) -> bool {
    list.split_whitespace().any(|a| a == action)
}

/// `seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action)`: `Ok` if the kernel knows the action,
/// else the errno (EOPNOTSUPP: unknown action; EINVAL/ENOSYS: too old or no seccomp).
pub fn action_avail(action: u32) -> Result<(), i32> {
    let action: u32 = action;
    // SAFETY: the kernel reads one u32 from a valid pointer to a live local.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_GET_ACTION_AVAIL,
            0u32,
            &action as *const u32,
        )
    };
    if rc == 0 { Ok(()) } else { Err(last_errno()) }
}

/// Opens `/dev/kmsg` read-only and non-blocking (std adds O_CLOEXEC).
pub fn open_kmsg() -> Result<File, i32> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(KMSG)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// Why `/dev/kmsg` could not be opened, in words naming the capability and sysctl,
/// e.g. "/dev/kmsg: EPERM; reading the kernel log needs CAP_SYSLOG
/// (kernel.dmesg_restrict = 1)".
pub fn kmsg_denied_reason(errno: i32) -> String {
    let name = errno_name(errno);
    if errno != libc::EPERM && errno != libc::EACCES {
        return format!("{KMSG}: {name}");
    }
    match read_trimmed(DMESG_RESTRICT) {
        Ok(v) if v == "1" => format!(
            "{KMSG}: {name}; reading the kernel log needs CAP_SYSLOG \
             (kernel.dmesg_restrict = 1)"
        ),
        Ok(v) => {
            format!("{KMSG}: {name} (kernel.dmesg_restrict = {v}; printk.devkmsg=off or an LSM?)")
        }
        Err(e) => format!("{KMSG}: {name} ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_lists() {
        assert!(has_action("kill_process errno log allow", "log"));
        assert!(!has_action("kill_process errno allow", "log"));
        assert!(!has_action("kill_process logx", "log"));
    }
}
