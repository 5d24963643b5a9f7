//! Probe for the `namespaces` (and `container`) demo: can this process create a user
//! namespace, and inside it pid, uts, mount, net and ipc namespaces?
//!
//! The unshare happens in a throwaway forked child (unshare changes the calling process
//! for good), which reports through its exit code; the caller is never changed. On a
//! refusal the evidence names the sysctls and the seccomp state that explain it.

use std::time::{Duration, Instant};

use super::{Probe, errno_name, last_errno, read_trimmed};

/// What the probe reports as the feature.
pub const FEATURE: &str = "user namespaces";

/// The namespaces the demos create together with the user namespace.
pub const INNER_FLAGS: libc::c_int = libc::CLONE_NEWPID
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC;

/// How long the probe waits for its throwaway child.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How a waited-for child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `_exit(code)`.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
    /// Still running after the timeout: it was killed with SIGKILL and reaped.
    TimedOut,
}

/// Waits for child `pid` for at most `timeout`; kills and reaps it after that.
/// `Err(errno)` when waitpid itself fails (e.g. ECHILD).
pub fn wait_bounded(pid: libc::pid_t, timeout: Duration) -> Result<Exit, i32> {
    let start = Instant::now();
    let mut nap = Duration::from_micros(100);
    loop {
        let mut status: libc::c_int = 0;
        // SAFETY: waitpid only writes the status integer we own.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            return Ok(decode_status(status));
        }
        if r < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        if start.elapsed() >= timeout {
            return kill_and_reap(pid);
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(5));
    }
}

fn decode_status(status: libc::c_int) -> Exit {
    if libc::WIFEXITED(status) {
        Exit::Code(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Exit::Signal(libc::WTERMSIG(status))
    } else {
        Exit::Code(-1)
    }
}

fn kill_and_reap(pid: libc::pid_t) -> Result<Exit, i32> {
    // SAFETY: plain syscalls on a child we forked and have not reaped yet.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status: libc::c_int = 0;
        if libc::waitpid(pid, &mut status, 0) < 0 {
            return Err(last_errno());
        }
    }
    Ok(Exit::TimedOut)
}

/// Why the throwaway child could not create the namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// unshare(CLONE_NEWUSER) failed with this errno.
    User(i32),
    /// The user namespace worked, unshare(INNER_FLAGS) inside it failed.
    Inner(i32),
    /// fork or waitpid failed with this errno.
    Fork(&'static str, i32),
    /// The child died oddly.
    Odd(Exit),
}

/// Exit code of the throwaway child: 0 = all worked; 1..=127 = errno of the user
/// namespace unshare; 128..=255 = 128 + errno of the inner unshare.
fn child_code(user: Result<(), i32>, inner: Result<(), i32>) -> i32 {
    match (user, inner) {
        (Err(e), _) => e.clamp(1, 127),
        (Ok(()), Err(e)) => 128 + e.clamp(1, 127),
        (Ok(()), Ok(())) => 0,
    }
}

fn unshare(flags: libc::c_int) -> Result<(), i32> {
    // SAFETY: unshare takes no pointers.
    if unsafe { libc::unshare(flags) } == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// Forks, tries the unshares in the child, and decodes its exit code.
fn try_in_child() -> Result<(), Refusal> {
    // SAFETY: the child only calls unshare and _exit (async-signal-safe), so this is
    // sound even if the caller is multi-threaded.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Refusal::Fork("fork", last_errno()));
    }
    if pid == 0 {
        let user = unshare(libc::CLONE_NEWUSER);
        let inner = if user.is_ok() {
            unshare(INNER_FLAGS)
        } else {
            Ok(())
        };
        // SAFETY: leaves the forked child without running any destructor.
        unsafe { libc::_exit(child_code(user, inner)) }
    }
    match wait_bounded(pid, PROBE_TIMEOUT) {
        Ok(Exit::Code(0)) => Ok(()),
        Ok(Exit::Code(c)) if (1..128).contains(&c) => Err(Refusal::User(c)),
        Ok(Exit::Code(c)) if (129..256).contains(&c) => Err(Refusal::Inner(c - 128)),
        Ok(other) => Err(Refusal::Odd(other)),
        Err(e) => Err(Refusal::Fork("waitpid", e)),
    }
}

/// The probe of the `namespaces` demo.
pub fn probe() -> Probe {
    probe_as(FEATURE)
}

/// The same probe, reported under another feature name (the `container` demo).
pub fn probe_as(feature: &'static str) -> Probe {
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    match try_in_child() {
        Ok(()) => Probe::yes(
            feature,
            format!("unshare(CLONE_NEWUSER) ok as uid {uid}, then PID|UTS|NS|NET|IPC ok"),
        ),
        Err(Refusal::User(e)) => Probe::no(
            feature,
            format!(
                "unshare(CLONE_NEWUSER): {} as uid {uid}{}",
                errno_name(e),
                refusal_evidence()
            ),
        ),
        Err(Refusal::Inner(e)) => Probe::no(
            feature,
            format!(
                "unshare(CLONE_NEWUSER) ok, then PID|UTS|NS|NET|IPC: {}{}",
                errno_name(e),
                refusal_evidence()
            ),
        ),
        Err(Refusal::Fork(call, e)) => {
            Probe::no(feature, format!("{call} for the probe: {}", errno_name(e)))
        }
        Err(Refusal::Odd(exit)) => {
            Probe::no(feature, format!("the unshare probe child ended: {exit:?}"))
        }
    }
}

/// "; user.max_user_namespaces = 0 (none allowed); ..." — the sysctls that exist here
/// and can refuse user namespaces, plus an active seccomp filter. Starts with "; ".
pub fn refusal_evidence() -> String {
    let mut parts = Vec::new();
    if let Ok(v) = read_trimmed("/proc/sys/user/max_user_namespaces") {
        let why = if v == "0" { " (none allowed)" } else { "" };
        parts.push(format!("user.max_user_namespaces = {v}{why}"));
    }
    if let Ok(v) = read_trimmed("/proc/sys/kernel/unprivileged_userns_clone") {
        let why = if v == "0" {
            " (unprivileged user ns off)"
        } else {
            ""
        };
        parts.push(format!("kernel.unprivileged_userns_clone = {v}{why}"));
    }
    if let Ok(v) = read_trimmed("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") {
        let why = if v == "1" {
            " (AppArmor restricts them)"
        } else {
            ""
        };
        parts.push(format!(
            "kernel.apparmor_restrict_unprivileged_userns = {v}{why}"
        ));
    }
    if let Ok(map) = read_trimmed("/proc/self/uid_map")
        && map.split_whitespace().collect::<Vec<_>>() != ["0", "0", "4294967295"]
    {
        parts.push(format!(
            "not in the initial user ns (uid_map \"{}\")",
            map.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    if let Some(mode) = seccomp_mode()
        && mode != "0"
    {
        parts.push(format!("Seccomp: {mode} (a filter may refuse unshare)"));
    }
    parts.iter().map(|p| format!("; {p}")).collect()
}

/// The `Seccomp:` field of /proc/self/status.
fn seccomp_mode() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp:"))
        .map(|v| v.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_codes_round_trip() {
        assert_eq!(child_code(Ok(()), Ok(())), 0);
        assert_eq!(child_code(Err(libc::EPERM), Ok(())), 1);
        assert_eq!(child_code(Ok(()), Err(libc::EINVAL)), 128 + 22);
        assert_eq!(child_code(Err(0), Ok(())), 1);
    }

    #[test]
    fn refusal_evidence_is_semicolon_list() {
        let e = refusal_evidence();
        assert!(e.is_empty() || e.starts_with("; "));
    }
}
