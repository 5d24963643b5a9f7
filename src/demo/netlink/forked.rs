//! Runs a closure in a throwaway forked child and collects what it reports.
//!
//! Namespaces the demos enter (user, mount, network) must never touch the calling
//! process, and probes run in-process in `kdeck probe` too: so anything that unshares
//! runs in a child made here. The child writes `key value` lines into a pipe
//! ([`Reporter`]); the parent reads them with a deadline, then reaps the child with a
//! bounded wait (SIGKILL after the deadline).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::probe::{errno_name, last_errno, read_trimmed};

/// Default deadline for a demo's forked child.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(3);

/// The child's end of the report pipe.
#[derive(Debug)]
pub struct Reporter {
    fd: OwnedFd,
}

impl Reporter {
    /// Reports one line (a trailing newline is added; embedded newlines become spaces).
    pub fn line(&mut self, text: impl AsRef<str>) {
        let mut bytes = text.as_ref().replace('\n', " ").into_bytes();
        bytes.push(b'\n');
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            // SAFETY: `rest` is a valid buffer; fd is our pipe's write end.
            let n = unsafe { libc::write(self.fd.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
            if n < 0 && last_errno() == libc::EINTR {
                continue;
            }
            if n <= 0 {
                // The parent is gone: nobody to report to.
                return;
            }
            rest = &rest[n as usize..];
        }
    }

    /// Reports `key value`.
    pub fn kv(&mut self, key: &str, value: impl std::fmt::Display) {
        self.line(format!("{key} {value}"));
    }
}

/// How the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// Still running at the deadline: killed with SIGKILL.
    TimedOut,
}

/// What a child reported and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildReport {
    /// How the child ended.
    pub status: Status,
    /// The lines it reported, in order.
    pub lines: Vec<String>,
}

impl ChildReport {
    /// The value of the first `key value` line with this key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.iter().find_map(|l| {
            let (k, v) = l.split_once(' ').unwrap_or((l.as_str(), ""));
            (k == key).then_some(v)
        })
    }

    /// Every value reported under `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .collect()
    }

    /// The exit code, if the child exited normally.
    pub fn code(&self) -> Option<i32> {
        match self.status {
            Status::Exited(c) => Some(c),
            _ => None,
        }
    }
}

/// Runs `f` in a forked child with a [`Reporter`]; its return value is the child's
/// exit code. Waits at most `timeout`. The error is the errno of pipe2/fork/waitpid.
///
/// The child leaves with `_exit` (no destructors, no stdio flush of the parent's
/// buffers); a panic in `f` exits with code 101 instead of unwinding into the parent's
/// frames.
pub fn run(timeout: Duration, f: impl FnOnce(&mut Reporter) -> i32) -> Result<ChildReport, i32> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(last_errno());
    }
    // SAFETY: both descriptors are fresh and ours.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fork(2); the child only runs `f` and then _exit.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last_errno());
    }
    if pid == 0 {
        drop(rd);
        let mut rep = Reporter { fd: wr };
        let code =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut rep))).unwrap_or(101);
        drop(rep);
        // SAFETY: leaving the forked child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    drop(wr);
    let deadline = Instant::now() + timeout;
    let bytes = read_until_eof(&rd, deadline);
    drop(rd);
    let status = reap(pid, deadline)?;
    let lines = String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::to_string)
        .collect();
    Ok(ChildReport { status, lines })
}

fn remaining_ms(deadline: Instant) -> libc::c_int {
    let left = deadline.saturating_duration_since(Instant::now());
    left.as_millis().min(i32::MAX as u128) as libc::c_int
}

/// Reads the pipe until EOF (the child closed it by exiting) or the deadline.
fn read_until_eof(fd: &OwnedFd, deadline: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let ms = remaining_ms(deadline);
        if ms == 0 {
            return out;
        }
        let mut pfd = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 && last_errno() == libc::EINTR {
            continue;
        }
        if rc <= 0 {
            return out;
        }
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && last_errno() == libc::EINTR {
            continue;
        }
        if n <= 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// Reaps `pid`, polling until the deadline, then SIGKILL and a final wait.
fn reap(pid: libc::pid_t, deadline: Instant) -> Result<Status, i32> {
    let mut status = 0;
    loop {
        // SAFETY: waitpid on our own child.
        let rc = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if rc == pid {
            return Ok(decode(status));
        }
        if rc < 0 {
            let e = last_errno();
            if e == libc::EINTR {
                continue;
            }
            return Err(e);
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: kill on our own child, which has not been reaped yet (a zombie still
    // accepts signals, so this fails only if something is badly wrong).
    if unsafe { libc::kill(pid, libc::SIGKILL) } < 0 {
        return Err(last_errno());
    }
    loop {
        // SAFETY: waitpid on our own child; SIGKILL makes this return promptly.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return Ok(Status::TimedOut);
        }
        let e = last_errno();
        if e != libc::EINTR {
            return Err(e);
        }
    }
}

fn decode(status: libc::c_int) -> Status {
    if libc::WIFEXITED(status) {
        Status::Exited(libc::WEXITSTATUS(status))
    } else {
        Status::Signaled(libc::WTERMSIG(status))
    }
}

/// In a forked child: `unshare(CLONE_NEWUSER | extra)` and map uid 0 inside to our
/// uid outside. The error says which call failed and why, in plain words.
pub fn enter_userns(extra: libc::c_int) -> Result<(), String> {
    // SAFETY: getuid never fails.
    let outer = unsafe { libc::getuid() };
    // SAFETY: unshare(2) of the calling (forked, single-threaded) child.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | extra) } < 0 {
        return Err(userns_refused(last_errno()));
    }
    std::fs::write("/proc/self/uid_map", format!("0 {outer} 1")).map_err(|e| {
        let n = e.raw_os_error().unwrap_or(0);
        format!("write /proc/self/uid_map: {}", errno_name(n))
    })
}

/// Why unshare(CLONE_NEWUSER) failed, with the sysctls that usually explain it.
pub fn userns_refused(errno: i32) -> String {
    let mut why = format!("unshare(CLONE_NEWUSER): {}", errno_name(errno));
    for (path, name) in [
        (
            "/proc/sys/user/max_user_namespaces",
            "user.max_user_namespaces",
        ),
        (
            "/proc/sys/kernel/unprivileged_userns_clone",
            "kernel.unprivileged_userns_clone",
        ),
        (
            "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
            "kernel.apparmor_restrict_unprivileged_userns",
        ),
    ] {
        if let Ok(v) = read_trimmed(path) {
            why.push_str(&format!("; {name} = {v}"));
        }
    }
    why
}

/// In a forked child that has its own mount namespace: make every mount private, so
/// nothing mounted later propagates back to the host.
pub fn make_mounts_private() -> Result<(), String> {
    // SAFETY: static NUL-terminated strings; null source/type/data are allowed here.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if rc < 0 {
        return Err(format!(
            "mount / MS_REC|MS_PRIVATE: {}",
            errno_name(last_errno())
        ));
    }
    Ok(())
}
