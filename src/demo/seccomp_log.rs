//! Live body of the `seccomp-log` demo: a seccomp filter that *logs* a syscall
//! (SECCOMP_RET_LOG, Linux 4.14) instead of blocking it, and the kernel's audit record
//! of that call read back from `/dev/kmsg` (or the audit multicast group if auditd has
//! the log).
//!
//! Steps: `sysctls` (actions_avail / actions_logged), `filter` (no_new_privs and a
//! 6-instruction cBPF program installed in this throwaway child), `syscall` (a raw
//! getppid, and `Seccomp: 2` in /proc/self/status), `audit-log` (the type=1326 record).

pub mod bpf;
pub mod klog;
pub mod record;

use std::time::{Duration, Instant};

use super::out;
use crate::probe::seccomp::{ACTIONS_AVAIL, ACTIONS_LOGGED, has_action, kmsg_denied_reason};
use crate::probe::{Probe, errno_name, last_errno, read_trimmed};
use klog::Source;

/// Longest wait for the kernel's record.
const WAIT: Duration = Duration::from_millis(500);
/// Width of the raw record's lines after the "  raw: " prefix.
const RAW_WIDTH: usize = 48;

/// Runs the demo in the (throwaway, single-threaded) child; returns its exit code.
pub fn body(_probe: &Probe) -> i32 {
    let Some(arch) = bpf::native_arch() else {
        return out::unsupported("the demo's filter knows only x86_64 and aarch64");
    };
    let nr = bpf::getppid_nr();
    let pid = std::process::id();

    out::step("sysctls");
    let logged = match show_sysctls() {
        Ok(logged) => logged,
        Err(code) => return code,
    };

    out::step("filter");
    if let Err(code) = install_filter(pid, arch, nr) {
        return code;
    }
    // Open the logs now, positioned at their end: only records newer than this count.
    let mut sources = klog::Sources::open();

    out::step("syscall");
    let called = Instant::now();
    if let Err(code) = call_getppid(logged) {
        return code;
    }
    if let Err(code) = show_status() {
        return code;
    }

    let ran = format!("getppid (syscall {nr}) ran under RET_LOG, allowed");
    if !logged {
        out::partial(
            "audit-log",
            "kernel.seccomp.actions_logged lacks `log`: RET_LOG is not logged",
        );
        return out::pass(ran);
    }
    if !sources.any() {
        let why = match &sources.kmsg {
            Err(e) => kmsg_denied_reason(*e),
            Ok(_) => "no kernel log source".to_string(),
        };
        out::partial("audit-log", why);
        return out::pass(ran);
    }
    out::step("audit-log");
    audit_log(&mut sources, pid, nr, called)
}

/// Shows both sysctls; `Ok(true)` if `log` is in actions_logged.
fn show_sysctls() -> Result<bool, i32> {
    let avail = read_trimmed(ACTIONS_AVAIL).map_err(out::unsupported)?;
    say_sysctl(ACTIONS_AVAIL, &avail);
    let logged = read_trimmed(ACTIONS_LOGGED).map_err(out::unsupported)?;
    say_sysctl(ACTIONS_LOGGED, &logged);
    let is_logged = has_action(&logged, "log");
    if !is_logged {
        out::say("  `log` is NOT in actions_logged: RET_LOG makes");
        out::say("  no record here");
    }
    Ok(is_logged)
}

fn say_sysctl(path: &str, value: &str) {
    out::say(format!("$ cat {path}"));
    for line in record::wrap(value, 52) {
        out::say(format!("  {line}"));
    }
}

/// Sets no_new_privs, prints the program and installs it.
fn install_filter(pid: u32, arch: u32, nr: u32) -> Result<(), i32> {
    out::say(format!("In this child, pid {pid}:"));
    match bpf::set_no_new_privs() {
        Ok(()) => out::say("$ prctl(PR_SET_NO_NEW_PRIVS, 1) = 0"),
        Err(e) => {
            return Err(out::fail(format!(
                "prctl(PR_SET_NO_NEW_PRIVS): {}",
                errno_name(e)
            )));
        }
    }
    let prog = bpf::log_filter(arch, nr);
    out::say("Filter: getppid → SECCOMP_RET_LOG, else ALLOW");
    for line in bpf::disassemble(&prog) {
        out::say(line);
    }
    match bpf::install(&prog) {
        Ok(()) => {
            out::say("$ seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) = 0");
            Ok(())
        }
        Err(e) => {
            let msg = format!("seccomp(SECCOMP_SET_MODE_FILTER): {}", errno_name(e));
            out::say(format!("$ {msg}"));
            if matches!(e, libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) {
                Err(out::unsupported(msg))
            } else {
                Err(out::fail(msg))
            }
        }
    }
}

/// The logged syscall, made raw so no libc cache can skip it; `logged` says whether
/// actions_logged lets RET_LOG write a record.
fn call_getppid(logged: bool) -> Result<(), i32> {
    out::say(format!(
        "$ syscall(SYS_getppid)   # nr {}",
        bpf::getppid_nr()
    ));
    // SAFETY: getppid takes no arguments and cannot fail.
    let ppid = unsafe { libc::syscall(libc::SYS_getppid) };
    if ppid < 0 {
        let e = last_errno();
        return Err(out::fail(format!("getppid() failed: {}", errno_name(e))));
    }
    if logged {
        out::say(format!("  = {ppid} — allowed, and logged"));
    } else {
        out::say(format!("  = {ppid} — allowed (actions_logged: no log)"));
    }
    Ok(())
}

/// Prints the Seccomp lines of /proc/self/status; fails unless `Seccomp: 2`.
fn show_status() -> Result<(), i32> {
    let status = match std::fs::read_to_string("/proc/self/status") {
        Ok(s) => s,
        Err(e) => return Err(out::fail(format!("/proc/self/status: {e}"))),
    };
    out::say("$ grep Seccomp /proc/self/status");
    let mut mode = None;
    for line in status.lines().filter(|l| l.starts_with("Seccomp")) {
        let (key, val) = line.split_once(':').unwrap_or((line, ""));
        let val = val.trim();
        out::say(format!("  {:<16} {val}", format!("{key}:")));
        if key == "Seccomp" {
            mode = Some(val.to_string());
        }
    }
    match mode.as_deref() {
        Some("2") => Ok(()),
        other => Err(out::fail(format!(
            "filter installed but Seccomp: {}",
            other.unwrap_or("missing")
        ))),
    }
}

/// Waits for and decodes the kernel's type=1326 record of our getppid.
fn audit_log(sources: &mut klog::Sources, pid: u32, nr: u32, called: Instant) -> i32 {
    let expected = sources.expected();
    let auditd = match sources.auditd {
        Ok(0) => "no auditd".to_string(),
        Ok(p) => format!("auditd is pid {p}"),
        Err(e) => format!("AUDIT_GET: {}", errno_name(e)),
    };
    let Some(found) = sources.wait_for(|r| record::is_seccomp_record(r, pid, nr), called, WAIT)
    else {
        let place = match expected {
            Source::Kmsg => "/dev/kmsg (printk rate limit?)",
            Source::Netlink => "the audit multicast group",
        };
        return out::fail(format!(
            "no type=1326 record for pid {pid} within {} ms in {place}",
            WAIT.as_millis()
        ));
    };
    let from = match found.source {
        Source::Kmsg => "/dev/kmsg",
        Source::Netlink => "audit netlink group 1",
    };
    out::say(format!(
        "type=1326 in {from}, {:.1} ms later ({auditd}):",
        found.after.as_secs_f64() * 1000.0
    ));
    if found.source != expected {
        out::say("  (not in /dev/kmsg: printk rate limit?)");
    }
    show_record(&found, pid, nr)
}

/// Prints the decoded record and the raw one, and gives the verdict.
fn show_record(found: &klog::Found, pid: u32, nr: u32) -> i32 {
    let rec = &found.text;
    let code = record::num_field(rec, "code").unwrap_or(0);
    let rec_nr = record::num_field(rec, "syscall").unwrap_or(u64::MAX);
    let name = u32::try_from(rec_nr)
        .ok()
        .and_then(bpf::syscall_name)
        .unwrap_or("?");
    let action = u32::try_from(code).map_or("?".into(), bpf::action_name);
    out::say(format!(
        "  {name} (syscall {rec_nr}), pid {}, comm {}",
        record::field(rec, "pid").unwrap_or("?"),
        record::field(rec, "comm").unwrap_or("?")
    ));
    let exe = record::field(rec, "exe").unwrap_or("?").trim_matches('"');
    out::say(format!("  exe {}", record::shorten_path(exe, 50)));
    out::say(format!("  code={code:#x} → SECCOMP_RET_{action}"));
    for (i, line) in record::wrap(&record::shorten_exe(rec), RAW_WIDTH)
        .iter()
        .enumerate()
    {
        let lead = if i == 0 { "  raw: " } else { "       " };
        out::say(format!("{lead}{line}"));
    }
    if u32::try_from(code) != Ok(libc::SECCOMP_RET_LOG) {
        return out::fail(format!(
            "the record says SECCOMP_RET_{action}, not SECCOMP_RET_LOG"
        ));
    }
    out::pass(format!(
        "getppid (syscall {nr}) of pid {pid}: allowed, logged"
    ))
}
