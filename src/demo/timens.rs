//! Live body of the `timens` demo: a time namespace shifts CLOCK_MONOTONIC and
//! CLOCK_BOOTTIME (and /proc/uptime) for the processes inside it, never
//! CLOCK_REALTIME, and `clock_gettime` is still answered by the vDSO: with a seccomp
//! filter denying the clock_gettime syscall, the libc call keeps working.
//!
//! Process layout: this (re-executed, throwaway) process reads the clocks, unshares a
//! user + time namespace and writes the offsets; only its forked child enters the
//! time namespace, and that child shows the clocks, installs the filter and prints
//! the verdict.

pub mod clock;
mod filter;

use std::io::Write;
use std::time::Duration;

use self::clock::{Clocks, DAY_NS, SEC_NS};
use super::out;
use crate::probe::timens as tprobe;
use crate::probe::{Probe, errno_name, last_errno};
use crate::sys::fork::{self, Exit};

/// Offsets written to /proc/self/timens_offsets: one day and one (365-day) year.
const MONO_OFFSET_S: i64 = 86_400;
const BOOT_OFFSET_S: i64 = 31_536_000;
/// Slack for the time that passes between the outside and inside readings.
const SLACK_NS: i128 = 5 * SEC_NS;
/// The inner child must finish within this.
const INNER_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs the demo; see the module docs.
pub fn body(_probe: &Probe) -> i32 {
    out::step("outside");
    let outside = match clock::snapshot() {
        Ok(c) => c,
        Err(e) => return out::fail(format!("could not read the clocks: {e}")),
    };
    show_outside(&outside);

    out::step("unshare");
    if let Err(code) = enter_time_ns() {
        return code;
    }
    out::say("fork(): only children enter the new time ns");
    run_inner_child(&outside)
}

fn row(label: &str, value: &str, extra: &str) -> String {
    format!("  {label:<12} {value:>14} s{extra}")
}

fn show_outside(c: &Clocks) {
    out::say("The clocks of this process now:");
    out::say(row(
        "monotonic",
        &clock::secs(c.mono),
        &format!(" ({})", clock::human(c.mono)),
    ));
    out::say(row(
        "boottime",
        &clock::secs(c.boot),
        &format!(" ({})", clock::human(c.boot)),
    ));
    out::say(row("realtime", &clock::secs(c.real), ""));
    out::say(row("/proc/uptime", &c.uptime_text, ""));
}

/// unshare(CLONE_NEWUSER|CLONE_NEWTIME) in this process, then the offsets.
/// `Err` carries the exit code to return (unsupported / fail already printed).
fn enter_time_ns() -> Result<(), i32> {
    out::say("$ unshare(CLONE_NEWUSER | CLONE_NEWTIME)");
    // SAFETY: plain syscall; this process is single-threaded (re-executed child).
    let r = unsafe { libc::unshare(libc::CLONE_NEWUSER | tprobe::CLONE_NEWTIME) };
    if r != 0 {
        let e = last_errno();
        out::say(format!("  = -1 {}", errno_name(e)));
        return Err(out::unsupported(tprobe::unshare_evidence(e)));
    }
    out::say("  = 0: new user ns + time ns (for children)");
    for line in [
        format!("monotonic {MONO_OFFSET_S} 0"),
        format!("boottime {BOOT_OFFSET_S} 0"),
    ] {
        out::say(format!("$ echo '{line}' > /proc/self/timens_offsets"));
        if let Err(e) = write_offset(&line) {
            out::say(format!("  write: {}", errno_name(e)));
            return Err(out::unsupported(format!(
                "writing /proc/self/timens_offsets: {}",
                errno_name(e)
            )));
        }
    }
    match crate::probe::read_trimmed("/proc/self/timens_offsets") {
        Ok(text) => {
            out::say("$ cat /proc/self/timens_offsets");
            for l in text.lines() {
                out::say(format!(
                    "  {}",
                    l.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
        }
        Err(e) => out::say(format!("  read back: {e}")),
    }
    Ok(())
}

fn write_offset(line: &str) -> Result<(), i32> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/timens_offsets")
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    f.write_all(format!("{line}\n").as_bytes())
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// Forks the child that lives in the time namespace and waits for its verdict.
fn run_inner_child(outside: &Clocks) -> i32 {
    // This process is single-threaded, so the child may run ordinary code.
    let pid = match fork::spawn(|| inside(outside)) {
        Ok(pid) => pid,
        Err(e) => return out::fail(format!("fork(): {}", errno_name(e))),
    };
    match fork::wait_bounded(pid, INNER_TIMEOUT) {
        Ok(Exit::Exited(code)) => code,
        Ok(Exit::Signaled(sig)) => out::fail(format!(
            "the child in the time namespace died by signal {sig}"
        )),
        Ok(Exit::TimedOut) => out::fail("the child in the time namespace hung (killed)"),
        Err(e) => out::fail(format!("waitpid(): {}", errno_name(e))),
    }
}

/// What the inner child measured, compared with the outside reading.
struct Shift {
    mono: i128,
    boot: i128,
    uptime: i128,
    real: i128,
}

impl Shift {
    fn clocks_ok(&self) -> bool {
        let mono = i128::from(MONO_OFFSET_S) * SEC_NS;
        let boot = i128::from(BOOT_OFFSET_S) * SEC_NS;
        // /proc/uptime has 10 ms resolution.
        let tick = SEC_NS / 100;
        (mono..mono + SLACK_NS).contains(&self.mono)
            && (boot..boot + SLACK_NS).contains(&self.boot)
            && (boot - tick..boot + SLACK_NS).contains(&self.uptime)
            && self.real.abs() < SEC_NS
    }
}

/// The inner child: steps "inside" and "vdso", and the verdict.
fn inside(outside: &Clocks) -> i32 {
    out::step("inside");
    let now = match clock::snapshot() {
        Ok(c) => c,
        Err(e) => return out::fail(format!("could not read the clocks inside: {e}")),
    };
    let shift = Shift {
        mono: now.mono - outside.mono,
        boot: now.boot - outside.boot,
        uptime: now.uptime - outside.uptime,
        real: now.real - outside.real,
    };
    show_inside(&now, &shift);
    if !shift.clocks_ok() {
        return out::fail("the clocks inside are not shifted by 1 day / 1 year");
    }

    out::step("vdso");
    match vdso_step(outside) {
        Vdso::Proven => out::pass(
            "inside the time namespace uptime is +1 year, and clock_gettime \
             still comes from the vDSO (the raw syscall is blocked)",
        ),
        Vdso::Skipped => out::pass(
            "inside the time namespace uptime is +1 year, MONOTONIC +1 day, \
             REALTIME unchanged",
        ),
        Vdso::Failed(why) => out::fail(why),
    }
}

fn show_inside(now: &Clocks, s: &Shift) {
    // SAFETY: getpid never fails.
    let pid = unsafe { libc::getpid() };
    out::say(format!("In the child (pid {pid}), the same calls:"));
    let days = |d| format!("  {}", clock::signed_days(d));
    out::say(row("monotonic", &clock::secs(now.mono), &days(s.mono)));
    out::say(row("boottime", &clock::secs(now.boot), &days(s.boot)));
    out::say(row("/proc/uptime", &now.uptime_text, &days(s.uptime)));
    out::say(row(
        "realtime",
        &clock::secs(now.real),
        &format!("  {}", clock::signed_secs(s.real)),
    ));
    out::say("  REALTIME is never shifted");
}

/// Outcome of the "vdso" step.
enum Vdso {
    /// libc's clock_gettime worked (shifted) while the raw syscall got EPERM.
    Proven,
    /// The step could not run here (a `partial` line was printed).
    Skipped,
    /// The kernel answered something that contradicts the claim.
    Failed(String),
}

fn vdso_step(outside: &Clocks) -> Vdso {
    // SAFETY: getauxval only reads the auxiliary vector.
    let base = unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) };
    if base == 0 {
        out::say("getauxval(AT_SYSINFO_EHDR) = 0: no vDSO");
        out::partial("vdso", "no vDSO is mapped in this process (vdso=0?)");
        return Vdso::Skipped;
    }
    out::say(format!("vDSO mapped at {base:#x} (AT_SYSINFO_EHDR)"));
    let Some((arch, nr)) = filter::target() else {
        out::partial("vdso", "the demo has no seccomp arch constant for this CPU");
        return Vdso::Skipped;
    };
    out::say(format!("Installing a filter: clock_gettime ({nr}) → EPERM"));
    if let Err((call, e)) = filter::install(arch, nr) {
        out::say(format!("  {call}: {}", errno_name(e)));
        out::partial("vdso", format!("{call} failed: {}", errno_name(e)));
        return Vdso::Skipped;
    }
    out::say(format!(
        "  no_new_privs = 1, {} cBPF instructions",
        filter::LEN
    ));
    let via_libc = clock::libc_clock(libc::CLOCK_MONOTONIC);
    let via_syscall = clock::raw_clock(libc::CLOCK_MONOTONIC);
    out::say("$ clock_gettime(CLOCK_MONOTONIC)  # libc: vDSO");
    match via_libc {
        Ok(ns) => out::say(format!(
            "  = {} s ({}): no syscall",
            clock::secs(ns),
            clock::signed_days(ns - outside.mono)
        )),
        Err(e) => out::say(format!("  = -1 {}: it made the syscall", errno_name(e))),
    }
    out::say("$ syscall(SYS_clock_gettime, CLOCK_MONOTONIC)");
    match via_syscall {
        Err(e) => out::say(format!("  = -1 {}: blocked by the filter", errno_name(e))),
        Ok(ns) => out::say(format!("  = {} s: not blocked", clock::secs(ns))),
    }
    judge_vdso(outside, via_libc, via_syscall)
}

fn judge_vdso(outside: &Clocks, via_libc: Result<i128, i32>, raw: Result<i128, i32>) -> Vdso {
    let mono = i128::from(MONO_OFFSET_S) * SEC_NS;
    match (via_libc, raw) {
        (Ok(ns), Err(libc::EPERM))
            if ns - outside.mono >= mono && ns - outside.mono < DAY_NS * 2 =>
        {
            Vdso::Proven
        }
        (Ok(_), Err(libc::EPERM)) => Vdso::Failed("the vDSO answer is not shifted".into()),
        (Err(libc::EPERM), _) => {
            let cs = crate::probe::read_trimmed(
                "/sys/devices/system/clocksource/clocksource0/current_clocksource",
            )
            .unwrap_or_else(|e| e);
            out::partial(
                "vdso",
                format!(
                    "clocksource {cs} has no vDSO mode: libc's clock_gettime makes the syscall"
                ),
            );
            Vdso::Skipped
        }
        (_, Ok(_)) => Vdso::Failed("the filter did not block clock_gettime".into()),
        (Err(e), _) | (_, Err(e)) => {
            Vdso::Failed(format!("clock_gettime failed: {}", errno_name(e)))
        }
    }
}
