//! Probe for the `timens` demo: can this process create a time namespace?
//!
//! In a throwaway forked child: `unshare(CLONE_NEWUSER | CLONE_NEWTIME)`. EINVAL means
//! the kernel has no time namespaces: older than 5.6, or built without CONFIG_TIME_NS
//! (the errno can't tell which); EPERM/ENOSPC means user
//! namespaces are refused, and the evidence carries the sysctls that say why.

use super::{Probe, errno_name, last_errno, userns};
use crate::sys::fork::{self, Exit, PROBE_TIMEOUT};

/// `CLONE_NEWTIME` (0x80): new time namespace for the caller's future children.
pub const CLONE_NEWTIME: libc::c_int = libc::CLONE_NEWTIME;

/// In a forked child, `unshare(flags)`; the child exits with 0 or the errno.
/// Returns `Ok(())`, `Err(errno)`, or `Err(-1)` if the child could not run.
pub fn unshare_in_child(flags: libc::c_int) -> Result<(), i32> {
    // The child only calls unshare (async-signal-safe), so this is sound even if the
    // caller is multi-threaded.
    let Ok(pid) = fork::spawn(|| {
        // SAFETY: unshare takes no pointers.
        let r = unsafe { libc::unshare(flags) };
        let code = if r == 0 { 0 } else { last_errno() };
        code.clamp(0, 255)
    }) else {
        return Err(-1);
    };
    match fork::wait_bounded(pid, PROBE_TIMEOUT) {
        Ok(Exit::Exited(0)) => Ok(()),
        Ok(Exit::Exited(e)) if e > 0 && e < 255 => Err(e),
        _ => Err(-1),
    }
}

/// The sysctls that decide whether unprivileged user namespaces are allowed,
/// as evidence ("user.max_user_namespaces = 0"); those that don't exist are left out.
pub fn userns_sysctls() -> String {
    let found: Vec<String> = userns::sysctls()
        .into_iter()
        .map(|(name, v)| format!("{name} = {v}"))
        .collect();
    if found.is_empty() {
        "no user-namespace sysctl readable".to_string()
    } else {
        found.join("; ")
    }
}

/// Maps the errno of `unshare(CLONE_NEWUSER | CLONE_NEWTIME)` to evidence.
pub fn unshare_evidence(errno: i32) -> String {
    let call = "unshare(CLONE_NEWUSER|CLONE_NEWTIME)";
    match errno {
        libc::EINVAL => format!(
            "{call}: EINVAL (no time namespaces here: a kernel before 5.6, or one built without CONFIG_TIME_NS)"
        ),
        libc::EPERM | libc::ENOSPC | libc::EUSERS => format!(
            "{call}: {} (user namespaces refused); {}",
            errno_name(errno),
            userns_sysctls()
        ),
        -1 => format!("{call}: the probe child did not finish"),
        e => format!("{call}: {}", errno_name(e)),
    }
}

/// Probes time namespaces by creating one (with a user namespace) in a throwaway child.
pub fn probe() -> Probe {
    match unshare_in_child(libc::CLONE_NEWUSER | CLONE_NEWTIME) {
        Ok(()) => Probe::yes("timens", "unshare(CLONE_NEWUSER|CLONE_NEWTIME) ok"),
        Err(e) => Probe::no("timens", unshare_evidence(e)),
    }
}
