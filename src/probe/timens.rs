//! Probe for the `timens` demo: can this process create a time namespace?
//!
//! In a throwaway forked child: `unshare(CLONE_NEWUSER | CLONE_NEWTIME)`. EINVAL means
//! the kernel has no time namespaces (they arrived in 5.6); EPERM/ENOSPC means user
//! namespaces are refused, and the evidence carries the sysctls that say why.

use std::time::{Duration, Instant};

use super::{Probe, errno_name, read_trimmed};

/// `CLONE_NEWTIME` (0x80): new time namespace for the caller's future children.
pub const CLONE_NEWTIME: libc::c_int = libc::CLONE_NEWTIME;

/// How long a probe or demo waits for a forked helper before killing it.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(2);

/// How a forked helper process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// Still running after the timeout: it was killed with SIGKILL and reaped.
    TimedOut,
    /// `waitpid` itself failed with this errno.
    WaitFailed(i32),
}

/// Waits for `pid` with a bounded timeout (polling `waitpid(WNOHANG)`), killing and
/// reaping it if it does not finish in time.
pub fn wait_bounded(pid: libc::pid_t, timeout: Duration) -> ChildEnd {
    let start = Instant::now();
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid on our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return decode_status(status);
        }
        if r < 0 {
            let e = super::last_errno();
            if e == libc::EINTR {
                continue;
            }
            return ChildEnd::WaitFailed(e);
        }
        if start.elapsed() >= timeout {
            // SAFETY: kill and reap our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return ChildEnd::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn decode_status(status: libc::c_int) -> ChildEnd {
    if libc::WIFEXITED(status) {
        ChildEnd::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        ChildEnd::Signaled(libc::WTERMSIG(status))
    } else {
        ChildEnd::Exited(-1)
    }
}

/// In a forked child, `unshare(flags)`; the child exits with 0 or the errno.
/// Returns `Ok(())`, `Err(errno)`, or `Err(-1)` if the child could not run.
pub fn unshare_in_child(flags: libc::c_int) -> Result<(), i32> {
    // SAFETY: the child only calls async-signal-safe functions (unshare, _exit),
    // so this is sound even if the caller is multi-threaded.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(-1);
    }
    if pid == 0 {
        // SAFETY: in the child: raw syscalls only, then _exit.
        unsafe {
            let r = libc::unshare(flags);
            let code = if r == 0 { 0 } else { *libc::__errno_location() };
            libc::_exit(code.clamp(0, 255));
        }
    }
    match wait_bounded(pid, CHILD_TIMEOUT) {
        ChildEnd::Exited(0) => Ok(()),
        ChildEnd::Exited(e) if e > 0 && e < 255 => Err(e),
        _ => Err(-1),
    }
}

/// The sysctls that decide whether unprivileged user namespaces are allowed,
/// as evidence ("user.max_user_namespaces = 0"); those that don't exist are left out.
pub fn userns_sysctls() -> String {
    let knobs = [
        (
            "user.max_user_namespaces",
            "/proc/sys/user/max_user_namespaces",
        ),
        (
            "kernel.unprivileged_userns_clone",
            "/proc/sys/kernel/unprivileged_userns_clone",
        ),
        (
            "kernel.apparmor_restrict_unprivileged_userns",
            "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
        ),
    ];
    let found: Vec<String> = knobs
        .iter()
        .filter_map(|(name, path)| read_trimmed(path).ok().map(|v| format!("{name} = {v}")))
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
        libc::EINVAL => format!("{call}: EINVAL (no time namespaces: kernel < 5.6)"),
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
