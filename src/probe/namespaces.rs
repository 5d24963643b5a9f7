//! Probe for the `namespaces` (and `container`) demo: can this process create a user
//! namespace, and inside it pid, uts, mount, net and ipc namespaces?
//!
//! The unshare happens in a throwaway forked child (unshare changes the calling process
//! for good), which reports through its exit code; the caller is never changed. On a
//! refusal the evidence names the sysctls and the seccomp state that explain it.

use super::{Probe, errno_name, last_errno, read_trimmed, userns};
use crate::sys::fork::{self, Exit, PROBE_TIMEOUT};

/// What the probe reports as the feature.
pub const FEATURE: &str = "user namespaces";

/// The namespaces the demos create together with the user namespace.
pub const INNER_FLAGS: libc::c_int = libc::CLONE_NEWPID
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC;

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

/// The uid and gid of `nobody` (the overflow id), for the unprivileged try as root.
const NOBODY: libc::uid_t = 65534;

/// Forks, tries the unshares in the child, and decodes its exit code.
fn try_in_child() -> Result<(), Refusal> {
    try_in_child_as(false)
}

/// The same, first dropping to `nobody` in the child when `as_nobody` (needs root).
/// A failed drop is reported as the user-namespace step's errno.
fn try_in_child_as(as_nobody: bool) -> Result<(), Refusal> {
    // The child only makes raw syscalls (async-signal-safe), so this is sound even if
    // the caller is multi-threaded.
    let pid = fork::spawn(|| {
        if as_nobody {
            // SAFETY: plain syscalls on this throwaway child's own credentials.
            let dropped = unsafe {
                libc::setgroups(0, std::ptr::null()) == 0
                    && libc::setresgid(NOBODY, NOBODY, NOBODY) == 0
                    && libc::setresuid(NOBODY, NOBODY, NOBODY) == 0
            };
            if !dropped {
                return last_errno().clamp(1, 127);
            }
        }
        let user = unshare(libc::CLONE_NEWUSER);
        let inner = if user.is_ok() {
            unshare(INNER_FLAGS)
        } else {
            Ok(())
        };
        child_code(user, inner)
    })
    .map_err(|e| Refusal::Fork("fork", e))?;
    match fork::wait_bounded(pid, PROBE_TIMEOUT) {
        Ok(Exit::Exited(0)) => Ok(()),
        Ok(Exit::Exited(c)) if (1..128).contains(&c) => Err(Refusal::User(c)),
        Ok(Exit::Exited(c)) if (129..256).contains(&c) => Err(Refusal::Inner(c - 128)),
        Ok(other) => Err(Refusal::Odd(other)),
        Err(e) => Err(Refusal::Fork("waitpid", e)),
    }
}

/// The probe of the `namespaces` demo. Its `namespaces.unprivileged` fact is about an
/// unprivileged user: as root, a second child tries again as `nobody`.
pub fn probe() -> Probe {
    let answer = probe_as(FEATURE);
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    let fact = if uid == 0 {
        match try_in_child_as(true) {
            Ok(()) => "yes, as nobody".to_string(),
            Err(Refusal::User(e)) => format!(
                "no: unshare(CLONE_NEWUSER) as nobody: {}{}",
                errno_name(e),
                refusal_evidence()
            ),
            Err(Refusal::Inner(e)) => format!(
                "no: as nobody, unshare(PID|UTS|NS|NET|IPC): {}{}",
                errno_name(e),
                refusal_evidence()
            ),
            // The probe child itself failed: no fact (a recording's fills in).
            Err(Refusal::Fork(..) | Refusal::Odd(_)) => return answer,
        }
    } else {
        match answer.support {
            super::Support::Yes => format!("yes (as uid {uid})"),
            _ => format!("no: {}", answer.evidence),
        }
    };
    answer.with_fact("namespaces.unprivileged", fact)
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
    let mut parts: Vec<String> = userns::sysctls()
        .into_iter()
        .map(|(name, v)| {
            let why = match (name, v.as_str()) {
                ("user.max_user_namespaces", "0") => " (none allowed)",
                ("kernel.unprivileged_userns_clone", "0") => " (unprivileged user ns off)",
                ("kernel.apparmor_restrict_unprivileged_userns", "1") => {
                    " (AppArmor restricts them)"
                }
                _ => "",
            };
            format!("{name} = {v}{why}")
        })
        .collect();
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
    let status = procfs::process::Process::myself().ok()?.status().ok()?;
    status.seccomp.map(|mode| mode.to_string())
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
