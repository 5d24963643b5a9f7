//! The process groups of the live demo children that are running now, in a fixed table
//! of atomics so that a signal handler may read it: whatever ends kdeck (quit, a
//! terminating signal, a crash) can kill every demo group with async-signal-safe calls.
//!
//! A group is in the table only once `fork` has returned in the run's thread, and that
//! thread may wait for the CPU a while after the child has exec'd. A fault in that
//! window would miss the child: so the child is also bound to its parent
//! ([`Parent::bind`], `PR_SET_PDEATHSIG`), and dies with kdeck whatever ends it, even
//! SIGKILL, which no handler sees.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// More runs than can be alive at once (a run is stopped before the next one starts;
/// a key storm leaves a few finishing in the background).
const SLOTS: usize = 64;

static GROUPS: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// Live runs that have not finished cleaning up (killing their group, removing their
/// temp dir).
static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Held by a live run until it has cleaned up after its child.
pub struct RunGuard(());

impl RunGuard {
    pub fn new() -> Self {
        RUNS.fetch_add(1, Ordering::SeqCst);
        RunGuard(())
    }
}

impl Default for RunGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUNS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Kills every demo group, then waits (at most `wait`) until their runs have reaped
/// them and removed their temp dirs; whether they all did. Not for signal handlers.
pub fn kill_all_and_wait(wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        // Again on every turn: a run that was spawning its child when the signal came
        // adds its group only after the first kill.
        kill_all();
        if RUNS.load(Ordering::SeqCst) == 0 {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Remembers a running demo's process group (its leader's pid).
pub fn add(pgid: i32) {
    if pgid <= 0 {
        return;
    }
    for slot in &GROUPS {
        if slot
            .compare_exchange(0, pgid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// Forgets a group once its leader has been reaped.
pub fn remove(pgid: i32) {
    for slot in &GROUPS {
        if slot
            .compare_exchange(pgid, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// SIGKILLs every demo group still running. Async-signal-safe: atomics and kill(2).
pub fn kill_all() {
    for slot in &GROUPS {
        let pgid = slot.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: kill(2) with a negative pid signals that process group; ESRCH is fine.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
    }
}

/// The process that is about to fork a demo child, seen from the child.
#[derive(Debug, Clone, Copy)]
pub struct Parent(libc::pid_t);

impl Parent {
    /// The calling process.
    pub fn this() -> Self {
        Parent(nix::unistd::getpid().as_raw())
    }

    /// In the forked child, before exec: SIGKILL when the forking thread ends (a run's
    /// thread outlives its child: it reaps it), and an error if the parent is already
    /// gone (it died between fork and here; the child was reparented). The death
    /// signal survives exec; the kernel clears it only on a credential change (a demo
    /// entering its own user namespace), long after the parent has registered the
    /// group. Async-signal-safe: prctl(2) and getppid(2).
    pub fn bind(self) -> std::io::Result<()> {
        nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
        if nix::unistd::getppid().as_raw() != self.0 {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
        Ok(())
    }
}

/// How many demo groups are running (for tests).
pub fn running() -> usize {
    GROUPS
        .iter()
        .filter(|s| s.load(Ordering::SeqCst) > 0)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_remove_and_count() {
        let before = running();
        add(i32::MAX - 7);
        assert_eq!(running(), before + 1);
        remove(i32::MAX - 7);
        assert_eq!(running(), before);
        add(0);
        add(-3);
        assert_eq!(running(), before);
    }
}
