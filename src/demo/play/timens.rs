//! The `timens` demo's spec: the CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets of a new
//! time namespace and whether a user namespace comes with it (without one, creating a
//! time namespace needs CAP_SYS_ADMIN). The probe reads the clocks outside and in a
//! child inside the namespace.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::refused;
use crate::demo::out;
use crate::demo::timens::clock::{self, Clocks};
use crate::probe::{errno_name, last_errno};
use crate::sys::fork;

/// The comment on top of `--print-spec`.
pub const HELP: &str = "\
# kdeck timens spec. monotonic/boottime: offsets in seconds (may be negative; the
# kernel refuses one that would put a clock below zero). user_namespace = false:
# unshare(CLONE_NEWTIME) alone, which needs CAP_SYS_ADMIN.";

/// The `timens` demo's spec; the default is the demo's day and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimensSpec {
    pub user_namespace: bool,
    pub monotonic: i64,
    pub boottime: i64,
}

impl Default for TimensSpec {
    fn default() -> Self {
        TimensSpec {
            user_namespace: true,
            monotonic: 86_400,
            boottime: 31_536_000,
        }
    }
}

fn write_offsets(text: &str) -> Result<(), i32> {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/timens_offsets")
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| super::io_errno(&e))
}

/// Applies the spec and compares the clocks; returns the exit code.
pub fn run(spec: &TimensSpec) -> i32 {
    out::step("outside");
    let outside = match clock::snapshot() {
        Ok(c) => c,
        Err(e) => return out::fail(format!("could not read the clocks: {e}")),
    };
    out::say("clock_gettime(MONOTONIC, BOOTTIME, REALTIME) in this process");
    out::step("unshare");
    let (flags, call) = if spec.user_namespace {
        (
            libc::CLONE_NEWUSER | libc::CLONE_NEWTIME,
            "unshare(CLONE_NEWUSER | CLONE_NEWTIME)",
        )
    } else {
        (libc::CLONE_NEWTIME, "unshare(CLONE_NEWTIME)")
    };
    out::say(format!("$ {call}"));
    // SAFETY: plain syscall; this re-executed child is single-threaded.
    if unsafe { libc::unshare(flags) } != 0 {
        return refused(call, last_errno());
    }
    for (name, secs) in [("monotonic", spec.monotonic), ("boottime", spec.boottime)] {
        let line = format!("{name} {secs} 0\n");
        out::say(format!(
            "$ echo '{}' > /proc/self/timens_offsets",
            line.trim_end()
        ));
        if let Err(e) = write_offsets(&line) {
            return refused(&format!("writing the {name} offset"), e);
        }
    }
    out::step("results");
    let report = fork::run(fork::CHILD_TIMEOUT, |rep| match clock::snapshot() {
        Ok(c) => {
            rep.kv("mono", c.mono);
            rep.kv("boot", c.boot);
            rep.kv("real", c.real);
            0
        }
        Err(e) => {
            rep.kv("error", e);
            1
        }
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => return out::fail(format!("fork(): {}", errno_name(e))),
    };
    if let Some(e) = report.get("error") {
        return out::fail(format!("inside, the clocks: {e}"));
    }
    let inside = |k: &str| report.get(k).and_then(|v| v.parse::<i128>().ok());
    let (Some(mono), Some(boot), Some(real)) = (inside("mono"), inside("boot"), inside("real"))
    else {
        return out::fail("the child in the time namespace reported no clocks");
    };
    show(&outside, mono, boot, real);
    out::pass("ran the variant: the results above are the kernel's answers")
}

/// One line per clock: outside, inside, and the shift rounded to the second.
fn show(outside: &Clocks, mono: i128, boot: i128, real: i128) {
    out::say(format!(
        "  {:<10} {:>16} {:>16}  {}",
        "clock", "outside s", "inside s", "shift"
    ));
    let rows = [
        ("monotonic", outside.mono, mono),
        ("boottime", outside.boot, boot),
        ("realtime", outside.real, real),
    ];
    let shift = |o: i128, i: i128| (i - o + clock::SEC_NS / 2).div_euclid(clock::SEC_NS);
    for (name, o, i) in rows {
        out::say(format!(
            "  {name:<10} {:>16} {:>16}  {:+} s",
            clock::secs(o),
            clock::secs(i),
            shift(o, i)
        ));
    }
    for (name, o, i) in rows {
        super::result(&format!("{name} shift"), Ok(format!("{:+} s", shift(o, i))));
    }
}
