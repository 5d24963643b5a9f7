//! The cleanup helper. Once Landlock restricts the demo process, it may no longer delete
//! anything outside `allowed/` — not even its own temp dir. So before restricting, the
//! demo forks this helper: it stays outside the sandbox, waits for the demo to close a
//! pipe (or to die), removes the temp dir and exits.

use std::io::{PipeWriter, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::unistd::{ForkResult, Pid, fork};

use crate::probe::errno_name;
use crate::sys::wait::{WaitOpts, Waited, wait_child};

/// How long the demo waits for the helper to remove the temp dir.
const WAIT: Duration = Duration::from_secs(2);

/// A running cleanup helper that owns the temp dir.
pub struct Cleaner {
    pid: Pid,
    path: PathBuf,
    go: Option<PipeWriter>,
}

impl Cleaner {
    /// Forks the helper, handing it the temp dir. On error the dir is removed here.
    pub fn spawn(dir: PathBuf) -> Result<Cleaner, String> {
        let (reader, writer) = match std::io::pipe() {
            Ok(p) => p,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!("pipe: {e}"));
            }
        };
        // SAFETY: the demo runs in a freshly re-executed, single-threaded kdeck child,
        // so the forked helper may run ordinary Rust code.
        match unsafe { fork() } {
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err(format!("fork: {}", errno_name(e as i32)))
            }
            Ok(ForkResult::Child) => {
                drop(writer);
                clean_after_eof(reader, dir)
            }
            Ok(ForkResult::Parent { child }) => {
                drop(reader);
                Ok(Cleaner {
                    pid: child,
                    path: dir,
                    go: Some(writer),
                })
            }
        }
    }

    /// The helper's pid (a process outside the sandbox, ours to signal).
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Tells the helper to clean up, waits (bounded) for it, and checks the dir is gone.
    pub fn finish(mut self) -> Result<(), String> {
        self.go = None; // closing the pipe is the signal
        wait_bounded(self.pid)?;
        match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Ok(_) => Err(format!("{} still exists", self.path.display())),
            Err(e) => Err(format!("{}: {e}", self.path.display())),
        }
    }
}

/// The helper's whole life: wait for EOF, remove the dir, exit without unwinding.
fn clean_after_eof(mut reader: std::io::PipeReader, dir: PathBuf) -> ! {
    // The helper prints nothing; closing stdout lets the pane see EOF with the demo.
    // SAFETY: plain close(2) of descriptors this process no longer uses.
    unsafe {
        libc::close(libc::STDOUT_FILENO);
    }
    let mut buf = [0u8; 16];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let code = if std::fs::remove_dir_all(&dir).is_ok() {
        0
    } else {
        1
    };
    // SAFETY: _exit skips destructors and atexit handlers that belong to the demo.
    unsafe { libc::_exit(code) }
}

/// Waits for the helper until [`WAIT`] passes (then kills it through its pidfd).
fn wait_bounded(pid: Pid) -> Result<(), String> {
    match wait_child(pid.as_raw(), Instant::now() + WAIT, WaitOpts::default()) {
        Ok(Waited::Exited(0)) => Ok(()),
        Ok(Waited::Exited(code)) => Err(format!("cleanup helper exited with {code}")),
        Ok(Waited::Signaled { signal, .. }) => {
            Err(format!("cleanup helper killed by signal {signal}"))
        }
        Ok(Waited::TimedOut | Waited::Cancelled) => Err(format!(
            "cleanup helper {pid} still running after 2 s: killed"
        )),
        Err(e) => Err(format!("waitpid: {}", errno_name(e as i32))),
    }
}
