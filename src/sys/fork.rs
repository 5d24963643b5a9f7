//! Throwaway forked children, for probes and demos alike.
//!
//! Namespaces the demos enter (user, mount, network, time) must never touch the calling
//! process, and probes run in-process in `kdeck probe` too: so anything that unshares
//! runs in a child made here. [`spawn`] forks a child that runs a closure and `_exit`s
//! with its return value; [`wait_bounded`] reaps it with a deadline (SIGKILL after it).
//! [`run`] does both and collects what the child reports: `key value` lines written
//! into a pipe ([`Reporter`]), read with the same deadline.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use super::errno::last_errno;
use super::wait::{WaitOpts, Waited, wait_child};

/// Default deadline for a demo's forked child.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(3);

/// Deadline for a probe's throwaway child.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

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

/// How a forked child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
    /// Still running at the deadline: killed with SIGKILL and reaped.
    TimedOut,
}

/// What a child reported and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildReport {
    /// How the child ended.
    pub status: Exit,
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
            Exit::Exited(c) => Some(c),
            _ => None,
        }
    }
}

/// Forks a child that runs `f` and `_exit`s with its return value (101 if `f`
/// panicked), never returning into the caller's frames: no destructors, no stdio flush
/// of the parent's buffers. Returns the child's pid, or the errno of fork.
///
/// In a multi-threaded caller (a probe in the TUI) `f` should only make raw syscalls;
/// a demo's re-executed child is single-threaded and may run ordinary code.
pub fn spawn(f: impl FnOnce() -> i32) -> Result<libc::pid_t, i32> {
    // SAFETY: fork(2); the child only runs `f` and then _exit (see above).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(last_errno());
    }
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        // SAFETY: leaving the forked child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    Ok(pid)
}

/// Waits for child `pid` for at most `timeout`; kills (SIGKILL) and reaps it after
/// that. The error is the errno of waitpid (or kill).
pub fn wait_bounded(pid: libc::pid_t, timeout: Duration) -> Result<Exit, i32> {
    reap(pid, Instant::now() + timeout)
}

/// Runs `f` in a forked child with a [`Reporter`]; its return value is the child's
/// exit code. Waits at most `timeout`. The error is the errno of pipe2/fork/waitpid.
/// See [`spawn`] for how the child leaves.
pub fn run(timeout: Duration, f: impl FnOnce(&mut Reporter) -> i32) -> Result<ChildReport, i32> {
    let (rd, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| e as i32)?;
    let mut rep = Reporter { fd: wr };
    let pid = spawn(|| {
        // SAFETY: the child closes its copy of the read end; the OwnedFd is never
        // dropped there (the child leaves with _exit).
        unsafe { libc::close(rd.as_raw_fd()) };
        f(&mut rep)
    })?;
    drop(rep);
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

/// Reads `fd` until EOF (every writer closed it, e.g. by exiting) or the deadline.
pub fn read_until_eof(fd: &OwnedFd, deadline: Instant) -> Vec<u8> {
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

/// Reaps `pid` by the deadline (see [`wait_child`]: SIGKILL through its pidfd after it).
fn reap(pid: libc::pid_t, deadline: Instant) -> Result<Exit, i32> {
    match wait_child(pid, deadline, WaitOpts::default()) {
        Ok(Waited::Exited(code)) => Ok(Exit::Exited(code)),
        Ok(Waited::Signaled { signal, .. }) => Ok(Exit::Signaled(signal)),
        Ok(Waited::TimedOut | Waited::Cancelled) => Ok(Exit::TimedOut),
        Err(e) => Err(e as i32),
    }
}
