//! Signals while presenting. Whatever ends kdeck, the terminal comes back (cooked mode,
//! main screen, visible cursor) and no demo process group outlives it:
//!
//! - a terminating signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGALRM, SIGPIPE
//!   and the rest whose default action ends a process) is caught by a thread that asks
//!   the main loop to quit; the loop stops the demos and restores the terminal, then
//!   kdeck dies by that same signal ([`die_by`]), so the parent sees what happened. If
//!   the loop has not finished after [`GRACE`], the thread does the cleanup itself;
//! - a fault (SIGSEGV from a stack overflow, SIGBUS, SIGABRT, ...) runs a handler on the
//!   alternate signal stack that kills the demo groups and restores the terminal with
//!   async-signal-safe calls only, then hands over to the handler that was there before
//!   (Rust's stack-overflow report) and the default action.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, Ordering};
use std::thread;
use std::time::Duration;

use libc::c_int;

use crate::demo::groups;

/// Signals whose default action ends the process and that are not faults.
pub const TERMINATING: &[c_int] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGPIPE,
    libc::SIGALRM,
    libc::SIGTERM,
    libc::SIGSTKFLT,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGIO,
    libc::SIGPWR,
];

/// Faults (or their like, sent with kill): handled on the alternate stack.
const FATAL: [c_int; 7] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGABRT,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGSYS,
    libc::SIGTRAP,
];

/// How long the main loop has to quit after a terminating signal before the signal
/// thread restores the terminal and ends kdeck itself.
pub const GRACE: Duration = Duration::from_secs(5);

/// How long killed demos get to be reaped and have their temp dirs removed.
const CLEANUP: Duration = Duration::from_secs(1);

/// The terminating signal that asked kdeck to quit (0: none).
static CAUGHT: AtomicI32 = AtomicI32::new(0);

/// Starts the thread that turns the first terminating signal into `quit()` (a request
/// to the main loop), and cleans up and dies by the signal itself if the process is
/// still there after [`GRACE`].
pub fn spawn_terminating(quit: impl Fn() + Send + 'static) -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new(TERMINATING)?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Some(sig) = signals.forever().next() else {
                return;
            };
            CAUGHT.store(sig, Ordering::SeqCst);
            quit();
            thread::sleep(GRACE);
            groups::kill_all_and_wait(CLEANUP);
            crate::terminal::emergency_restore();
            die_by(sig);
        })?;
    Ok(())
}

/// For the plain commands that run demos (`kdeck demo`, `kdeck record`): on a
/// terminating signal, kill the demo groups, let their runs remove their temp dirs,
/// then die by the signal. SIGPIPE keeps its default (`kdeck demo ID | head` ends
/// quietly; the child's own writes then end it too).
pub fn spawn_reaper() -> std::io::Result<()> {
    let wanted = TERMINATING.iter().filter(|&&s| s != libc::SIGPIPE);
    let mut signals = signal_hook::iterator::Signals::new(wanted)?;
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // The command may finish first (its demo ended): main() then dies by
                // the signal too.
                CAUGHT.store(sig, Ordering::SeqCst);
                groups::kill_all_and_wait(CLEANUP);
                die_by(sig);
            }
        })?;
    Ok(())
}

/// The terminating signal that made the main loop quit, if one did.
pub fn caught() -> Option<c_int> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Ends the process by `sig` with its default action (exit status 128 + sig in a shell),
/// after the caller has cleaned up.
pub fn die_by(sig: c_int) -> ! {
    // SAFETY: plain libc calls: default disposition, unblock, raise; _exit if the
    // signal did not end the process.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
        libc::_exit(128 + sig)
    }
}

/// The handlers that were installed before ours (Rust's stack-overflow reporter for
/// SIGSEGV and SIGBUS), by position in [`FATAL`].
static PREVIOUS: [OnceLock<Previous>; FATAL.len()] = [const { OnceLock::new() }; FATAL.len()];

/// A saved `struct sigaction`.
struct Previous(libc::sigaction);

// SAFETY: plain data (a handler address, flags and a mask), only read after it is set.
unsafe impl Sync for Previous {}
// SAFETY: as above.
unsafe impl Send for Previous {}

/// Installs the fault handlers (once), with an alternate signal stack for this thread
/// if it has none (threads started by std get one from Rust's runtime).
pub fn install_fatal() {
    ensure_altstack();
    for (i, &sig) in FATAL.iter().enumerate() {
        if PREVIOUS[i].get().is_some() {
            continue;
        }
        // SAFETY: sigaction with a zeroed, filled-in struct; the handler below only
        // makes async-signal-safe calls.
        unsafe {
            let mut new: libc::sigaction = std::mem::zeroed();
            new.sa_sigaction = on_fatal as *const () as usize;
            new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut new.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, &new, &mut old) == 0 {
                let _ = PREVIOUS[i].set(Previous(old));
            }
        }
    }
}

/// Gives the calling thread an alternate signal stack unless it has one: a stack
/// overflow can only be handled on another stack.
fn ensure_altstack() {
    const SIZE: usize = 64 * 1024;
    // SAFETY: sigaltstack queries, then installs a leaked heap buffer that lives for
    // the rest of the process.
    unsafe {
        let mut old: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(std::ptr::null(), &mut old) != 0
            || old.ss_flags & libc::SS_DISABLE == 0
        {
            return;
        }
        let stack = Box::leak(vec![0u8; SIZE].into_boxed_slice());
        let new = libc::stack_t {
            ss_sp: stack.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: SIZE,
        };
        libc::sigaltstack(&new, std::ptr::null_mut());
    }
}

/// The fault handler: demo groups killed, terminal restored, then the previous handler
/// and the default action. Async-signal-safe: atomics, kill, write, tcsetattr,
/// sigaction, raise.
extern "C" fn on_fatal(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    groups::kill_all();
    crate::terminal::emergency_restore();
    if let Some(i) = FATAL.iter().position(|&s| s == sig)
        && let Some(Previous(prev)) = PREVIOUS[i].get()
    {
        let handler = prev.sa_sigaction;
        if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
            // SAFETY: calling the handler that was installed for this signal, with the
            // arguments its flags say it takes.
            unsafe {
                if prev.sa_flags & libc::SA_SIGINFO != 0 {
                    let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                        std::mem::transmute(handler);
                    f(sig, info, ctx);
                } else {
                    let f: extern "C" fn(c_int) = std::mem::transmute(handler);
                    f(sig);
                }
            }
        }
    }
    // The default action: at once for a signal sent with kill, or when the faulting
    // instruction runs again after this handler returns.
    // SAFETY: signal(2) and raise(3) are async-signal-safe; the raised signal is
    // blocked until this handler returns.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}
