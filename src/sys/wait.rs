//! Bounded waits for a child process. The exit is seen at once through a pidfd; the
//! child is killed through that pidfd (never a pid that may have been reaped) at the
//! deadline or on cancel, and its process group is signalled while the unreaped child
//! still holds the group's id.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
use nix::unistd::Pid;

/// How a bounded wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// Exited with this code.
    Exited(i32),
    /// Killed by this signal (not by us).
    Signaled { signal: i32, core_dumped: bool },
    /// Still running at the deadline: killed and reaped.
    TimedOut,
    /// Cancelled by the caller: killed and reaped.
    Cancelled,
}

/// What else to watch while waiting.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitOpts<'a> {
    /// Set by another thread to stop the child early.
    pub cancel: Option<&'a AtomicBool>,
    /// The child leads its own process group: kill the whole group when it ends or
    /// is killed (grandchildren go too).
    pub group: bool,
}

/// A pidfd (pidfd_open(2)).
struct PidFd(OwnedFd);

impl PidFd {
    fn open(pid: Pid) -> Option<PidFd> {
        // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
        let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
        // SAFETY: a fresh descriptor that nothing else owns.
        Some(PidFd(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    fn kill(&self) {
        // SAFETY: pidfd_send_signal(fd, SIGKILL, NULL, 0) on our own pidfd.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
    }

    /// Waits up to `ms` for the process to exit.
    fn wait_ms(&self, ms: u16) {
        let mut fds = [PollFd::new(self.0.as_fd(), PollFlags::POLLIN)];
        let _ = poll(&mut fds, PollTimeout::from(ms));
    }
}

/// Waits for child `pid` until `deadline`; kills it (and its group with `group`) at
/// the deadline or when `cancel` is set, and always reaps it. The error is waitpid's.
pub fn wait_child(pid: libc::pid_t, deadline: Instant, opts: WaitOpts) -> Result<Waited, Errno> {
    let pid = Pid::from_raw(pid);
    let pidfd = PidFd::open(pid);
    loop {
        // Peek without reaping: while the child is unreaped its pid and group id
        // cannot be reused, so signalling them is safe.
        let peek = waitid(
            Id::Pid(pid),
            WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
        );
        match peek {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(_) => {
                if opts.group {
                    let _ = killpg(pid, Signal::SIGKILL);
                }
                return reap(pid).map(|s| match s {
                    WaitStatus::Signaled(_, sig, core) => Waited::Signaled {
                        signal: sig as i32,
                        core_dumped: core,
                    },
                    WaitStatus::Exited(_, code) => Waited::Exited(code),
                    _ => Waited::Exited(-1),
                });
            }
            Err(e) => return Err(e),
        }
        let why = if opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            Some(Waited::Cancelled)
        } else if Instant::now() >= deadline {
            Some(Waited::TimedOut)
        } else {
            None
        };
        if let Some(why) = why {
            match &pidfd {
                Some(fd) => fd.kill(),
                // No pidfd (kernel before 5.3): the child is still unreaped, so its
                // pid is still its own.
                None => {
                    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                }
            }
            if opts.group {
                let _ = killpg(pid, Signal::SIGKILL);
            }
            reap(pid)?;
            return Ok(why);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = left.as_millis().clamp(1, 20) as u16;
        match &pidfd {
            Some(fd) => fd.wait_ms(ms),
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Reaps `pid` (blocking; it has exited or been killed).
fn reap(pid: Pid) -> Result<WaitStatus, Errno> {
    loop {
        match waitpid(pid, Some(WaitPidFlag::__WALL)) {
            Err(Errno::EINTR) => continue,
            other => return other,
        }
    }
}
