//! Helpers shared by the `namespaces` and `container` demos: entering a fresh set of
//! namespaces (user first, so it works unprivileged), forking, reading
//! /proc/<pid>/ns/*, and the host-side facts both demos print.

use std::io::Write;

use crate::probe::{errno_name, last_errno};
use crate::sys::fork;

pub use crate::probe::namespaces::{INNER_FLAGS, refusal_evidence};
pub use crate::sys::fork::{Exit, wait_bounded};

/// A failed system call, with the errno the kernel gave.
#[derive(Debug, thiserror::Error)]
#[error("{call}: {}", errno_name(*errno))]
pub struct NsError {
    /// The call as shown to the audience, e.g. "unshare(USER|PID)".
    pub call: String,
    /// The errno it failed with.
    pub errno: i32,
}

impl NsError {
    /// The error of the libc call that just failed.
    pub fn last(call: impl Into<String>) -> Self {
        NsError {
            call: call.into(),
            errno: last_errno(),
        }
    }

    /// The kernel (or its configuration) refused the feature itself: the demo falls
    /// back to the recording instead of failing.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self.errno,
            libc::EPERM
                | libc::EACCES
                | libc::EINVAL
                | libc::ENOSPC
                | libc::EUSERS
                | libc::ENOSYS
                | libc::EOPNOTSUPP
        )
    }
}

const FLAG_NAMES: [(libc::c_int, &str); 8] = [
    (libc::CLONE_NEWUSER, "USER"),
    (libc::CLONE_NEWPID, "PID"),
    (libc::CLONE_NEWUTS, "UTS"),
    (libc::CLONE_NEWNS, "NS"),
    (libc::CLONE_NEWNET, "NET"),
    (libc::CLONE_NEWIPC, "IPC"),
    (libc::CLONE_NEWCGROUP, "CGROUP"),
    (libc::CLONE_NEWTIME, "TIME"),
];

/// "USER|PID|UTS|NS|NET|IPC" for a set of CLONE_NEW* flags.
pub fn flag_names(flags: libc::c_int) -> String {
    FLAG_NAMES
        .iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("|")
}

/// What [`enter`] did.
#[derive(Debug, Clone, Copy)]
pub struct Entered {
    /// The CLONE_NEW* flags that were unshared (CLONE_NEWUSER included).
    pub flags: libc::c_int,
    /// The host uid now mapped to uid 0 inside.
    pub uid: u32,
    /// The host gid now mapped to gid 0 inside.
    pub gid: u32,
}

fn unshare(flags: libc::c_int) -> Result<(), NsError> {
    // SAFETY: unshare takes no pointers.
    if unsafe { libc::unshare(flags) } == 0 {
        Ok(())
    } else {
        Err(NsError::last(format!("unshare({})", flag_names(flags))))
    }
}

/// Moves the calling process into a new user namespace plus `flags`, and, if the kernel
/// knows them, `optional` (retried without on EINVAL); then maps the caller's uid and gid
/// to 0 inside. The new pid and time namespaces apply to children forked afterwards.
/// Call only in a throwaway, single-threaded child.
pub fn enter(flags: libc::c_int, optional: libc::c_int) -> Result<Entered, NsError> {
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let mut all = libc::CLONE_NEWUSER | flags | optional;
    if let Err(e) = unshare(all) {
        if optional == 0 || e.errno != libc::EINVAL {
            return Err(e);
        }
        all = libc::CLONE_NEWUSER | flags;
        unshare(all)?;
    }
    match write_proc("/proc/self/setgroups", "deny") {
        // Kernels before 3.19 have no setgroups file and need no "deny".
        Err(e) if e.errno == libc::ENOENT => {}
        other => other?,
    }
    write_proc("/proc/self/uid_map", &format!("0 {uid} 1"))?;
    write_proc("/proc/self/gid_map", &format!("0 {gid} 1"))?;
    Ok(Entered {
        flags: all,
        uid,
        gid,
    })
}

/// Writes `text` to a /proc file in one write(2), as the kernel wants for id maps.
fn write_proc(path: &str, text: &str) -> Result<(), NsError> {
    let fail = |e: std::io::Error| NsError {
        call: format!("write {path}"),
        errno: e.raw_os_error().unwrap_or(libc::EIO),
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)
}

/// Forks; the child runs `f` and `_exit`s with its return value (101 if it panicked),
/// never returning into the caller's code. Returns the child's pid to the parent.
/// Call only from a single-threaded process.
pub fn fork_child(f: impl FnOnce() -> i32) -> Result<libc::pid_t, NsError> {
    let _ = std::io::stdout().flush();
    // The demo child is single-threaded, so the forked copy may allocate and flush.
    fork::spawn(|| {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        let _ = std::io::stdout().flush();
        code
    })
    .map_err(|errno| NsError {
        call: "fork()".to_string(),
        errno,
    })
}

/// Plain words for how a child ended.
pub fn exit_text(exit: Exit) -> String {
    match exit {
        Exit::Exited(c) => format!("exit code {c}"),
        Exit::Signaled(s) => format!("killed by signal {s}"),
        Exit::TimedOut => "timed out (killed)".to_string(),
    }
}

/// The inode number of /proc/<pid>/ns/<kind> (`pid` may be "self"); `None` if this
/// kernel has no such namespace or the link can't be read.
pub fn ns_inode(pid: &str, kind: &str) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/{pid}/ns/{kind}")).ok()?;
    parse_ns_link(&link.to_string_lossy())
}

/// "user:[4026531837]" → 4026531837.
pub fn parse_ns_link(link: &str) -> Option<u64> {
    let (_, rest) = link.split_once(":[")?;
    rest.strip_suffix(']')?.parse().ok()
}

/// A side-by-side table of namespace inodes: a header row and one row per kind,
/// marked "≠ new" where the two differ.
pub fn ns_table(titles: (&str, &str), rows: &[(&str, Option<u64>, Option<u64>)]) -> Vec<String> {
    let cell = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
    let head = format!("  {:<8}{:<12}{}", "ns", titles.0, titles.1);
    let mut lines = vec![head];
    for (kind, a, b) in rows {
        let mark = if a == b { "= same" } else { "≠ new" };
        lines.push(format!("  {kind:<8}{:<12}{:<12}{mark}", cell(*a), cell(*b)));
    }
    lines
}

/// This process's hostname (gethostname), or the error in words.
pub fn hostname() -> String {
    match nix::unistd::gethostname() {
        Ok(h) => h.to_string_lossy().into_owned(),
        Err(e) => format!("gethostname: {}", errno_name(e as i32)),
    }
}

/// The network interfaces of this process's network namespace, from
/// /proc/self/net/dev, each with whether it is up (SIOCGIFFLAGS).
pub fn interfaces() -> Vec<(String, Option<bool>)> {
    let Ok(text) = std::fs::read_to_string("/proc/self/net/dev") else {
        return Vec::new();
    };
    text.lines()
        .skip(2)
        .filter_map(|l| l.split_once(':'))
        .map(|(name, _)| {
            let name = name.trim().to_string();
            let up = is_up(&name);
            (name, up)
        })
        .collect()
}

/// IFF_UP of interface `name`, via ioctl(SIOCGIFFLAGS) on a UDP socket.
fn is_up(name: &str) -> Option<bool> {
    if name.len() >= libc::IFNAMSIZ {
        return None;
    }
    // SAFETY: socket takes no pointers; the fd is closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: SIOCGIFFLAGS reads ifr_name and writes ifr_flags inside `req`.
    let r = unsafe { libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) };
    // SAFETY: closing the socket we opened.
    unsafe { libc::close(fd) };
    if r < 0 {
        return None;
    }
    // SAFETY: after a successful SIOCGIFFLAGS the flags member is the one written.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    Some(flags as libc::c_int & libc::IFF_UP != 0)
}

/// "lo (down)" / "lo (up)" list for display.
pub fn interfaces_text(ifaces: &[(String, Option<bool>)]) -> String {
    if ifaces.is_empty() {
        return "none".to_string();
    }
    ifaces
        .iter()
        .map(|(n, up)| match up {
            Some(true) => format!("{n} (up)"),
            Some(false) => format!("{n} (down)"),
            None => n.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The processes visible in /proc: (pid, comm), sorted by pid.
pub fn processes() -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut procs: Vec<(u32, String)> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "?".to_string());
            (pid, comm)
        })
        .collect();
    procs.sort();
    procs
}

/// Number of lines in /proc/self/mountinfo (the mount table of our mount namespace).
pub fn mount_count() -> Option<usize> {
    let mounts = procfs::process::Process::myself().ok()?.mountinfo().ok()?;
    Some(mounts.iter().count())
}

/// A pipe as (read end, write end), both close-on-exec.
pub fn pipe() -> Result<(std::os::fd::OwnedFd, std::os::fd::OwnedFd), NsError> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| NsError {
        call: "pipe2()".to_string(),
        errno: e as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ns_links_parse() {
        assert_eq!(parse_ns_link("user:[4026531837]"), Some(4026531837));
        assert_eq!(parse_ns_link("user:[x]"), None);
        assert_eq!(parse_ns_link("garbage"), None);
    }

    #[test]
    fn flags_have_names() {
        assert_eq!(
            flag_names(libc::CLONE_NEWUSER | INNER_FLAGS),
            "USER|PID|UTS|NS|NET|IPC"
        );
    }

    #[test]
    fn table_marks_differences() {
        let t = ns_table(
            ("host", "inside"),
            &[("user", Some(1), Some(2)), ("pid", Some(3), Some(3))],
        );
        assert!(t[1].ends_with("≠ new"));
        assert!(t[2].ends_with("= same"));
    }
}
