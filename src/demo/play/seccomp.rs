//! The `seccomp-log` demo's spec: which syscalls the filter matches, with which action
//! (`"allow"`, `"log"`, `"errno"` with an optional `errno` number defaulting to EPERM,
//! `"trap"`, `"kill_process"`), the SECCOMP_FILTER_FLAG_LOG flag and no_new_privs.
//! Every other syscall is allowed.
//!
//! Each rule's syscall is probed in its own forked child (a TRAP or KILL ends it): the
//! child installs the filter, makes the raw syscall and reports the return value or
//! errno; the parent reports a signal, then waits briefly for the kernel's type=1326
//! record of that pid and syscall.

use std::time::{Duration, Instant};

use libc::sock_filter;
use serde::{Deserialize, Serialize};

use super::refused;
use crate::demo::out;
use crate::demo::seccomp_log::bpf::{self, JMP_JEQ_K, LD_W_ABS, OFF_ARCH, OFF_NR, RET_K};
use crate::demo::seccomp_log::{klog, record};
use crate::probe::seccomp::kmsg_denied_reason;
use crate::probe::{errno_name, last_errno};
use crate::sys::fork::{self, Exit};

/// The comment on top of `--print-spec`.
pub const HELP: &str = "\
# kdeck seccomp-log spec. Each [[rule]]: syscall = getpid getppid getuid geteuid
# getgid gettid sched_yield; action = \"allow\" \"log\" \"errno\" \"trap\" \"kill_process\"
# (with \"errno\": errno = N, default 1 = EPERM). Every other syscall is allowed.
# log_flag: SECCOMP_FILTER_FLAG_LOG (log ERRNO/TRAP too, if actions_logged says so).
# no_new_privs = false: the kernel then wants CAP_SYS_ADMIN (EACCES without it).";

/// How long to wait for a kernel log record.
const WAIT: Duration = Duration::from_millis(300);

/// A syscall the playground can call (no arguments, harmless).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Syscall {
    Getpid,
    Getppid,
    Getuid,
    Geteuid,
    Getgid,
    Gettid,
    SchedYield,
}

impl Syscall {
    fn nr(self) -> libc::c_long {
        match self {
            Syscall::Getpid => libc::SYS_getpid,
            Syscall::Getppid => libc::SYS_getppid,
            Syscall::Getuid => libc::SYS_getuid,
            Syscall::Geteuid => libc::SYS_geteuid,
            Syscall::Getgid => libc::SYS_getgid,
            Syscall::Gettid => libc::SYS_gettid,
            Syscall::SchedYield => libc::SYS_sched_yield,
        }
    }

    /// The name as written in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Syscall::Getpid => "getpid",
            Syscall::Getppid => "getppid",
            Syscall::Getuid => "getuid",
            Syscall::Geteuid => "geteuid",
            Syscall::Getgid => "getgid",
            Syscall::Gettid => "gettid",
            Syscall::SchedYield => "sched_yield",
        }
    }
}

/// A seccomp action, lower-case in the TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Allow,
    Log,
    Errno,
    Trap,
    KillProcess,
}

/// `[[rule]]`: a syscall and what the filter returns for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub syscall: Syscall,
    pub action: Action,
    /// The errno of `action = "errno"` (default EPERM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<u16>,
}

impl Rule {
    /// The filter's return value for this rule.
    pub fn ret(&self) -> u32 {
        match self.action {
            Action::Allow => libc::SECCOMP_RET_ALLOW,
            Action::Log => libc::SECCOMP_RET_LOG,
            Action::Errno => {
                let n = self.errno.map_or(libc::EPERM as u32, u32::from);
                libc::SECCOMP_RET_ERRNO | (n & libc::SECCOMP_RET_DATA)
            }
            Action::Trap => libc::SECCOMP_RET_TRAP,
            Action::KillProcess => libc::SECCOMP_RET_KILL_PROCESS,
        }
    }
}

/// The `seccomp-log` demo's spec; the default logs getppid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeccompSpec {
    pub no_new_privs: bool,
    /// SECCOMP_FILTER_FLAG_LOG.
    #[serde(default)]
    pub log_flag: bool,
    pub rule: Vec<Rule>,
}

impl Default for SeccompSpec {
    fn default() -> Self {
        SeccompSpec {
            no_new_privs: true,
            log_flag: false,
            rule: vec![Rule {
                syscall: Syscall::Getppid,
                action: Action::Log,
                errno: None,
            }],
        }
    }
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

/// The program: on the native arch, each rule's syscall → its action; else ALLOW.
/// `None` if there are too many rules for an 8-bit jump.
pub fn program(arch: u32, rules: &[Rule]) -> Option<Vec<sock_filter>> {
    let skip = u8::try_from(1 + 2 * rules.len()).ok()?;
    let mut p = vec![
        stmt(LD_W_ABS, OFF_ARCH),
        sock_filter {
            code: JMP_JEQ_K,
            jt: 0,
            jf: skip,
            k: arch,
        },
        stmt(LD_W_ABS, OFF_NR),
    ];
    for r in rules {
        p.push(sock_filter {
            code: JMP_JEQ_K,
            jt: 0,
            jf: 1,
            k: u32::try_from(r.syscall.nr()).ok()?,
        });
        p.push(stmt(RET_K, r.ret()));
    }
    p.push(stmt(RET_K, libc::SECCOMP_RET_ALLOW));
    Some(p)
}

/// Applies the spec once per rule, in forked children; returns the exit code.
pub fn run(spec: &SeccompSpec) -> i32 {
    let Some(arch) = bpf::native_arch() else {
        return out::fail("the playground's filter knows only x86_64 and aarch64");
    };
    if spec.rule.is_empty() {
        return out::fail("the spec has no [[rule]]: nothing to probe");
    }
    let Some(prog) = program(arch, &spec.rule) else {
        return out::fail("too many rules (at most 100)");
    };
    let flags = if spec.log_flag {
        libc::SECCOMP_FILTER_FLAG_LOG as u32
    } else {
        0
    };
    out::step("filter");
    if let Ok(logged) = crate::probe::read_trimmed(crate::probe::seccomp::ACTIONS_LOGGED) {
        out::say(format!("actions_logged: {logged}"));
    }
    for r in &spec.rule {
        out::say(format!(
            "  {} → {}",
            r.syscall.name(),
            bpf::action_name(r.ret())
        ));
    }
    for line in bpf::disassemble(&prog) {
        out::say(line);
    }
    out::say(format!(
        "$ prctl(PR_SET_NO_NEW_PRIVS, {})",
        u8::from(spec.no_new_privs)
    ));
    out::say(format!(
        "$ seccomp(SET_MODE_FILTER, {}, &prog)",
        if spec.log_flag { "FLAG_LOG" } else { "0" }
    ));
    out::step("results");
    let mut sources = klog::Sources::open();
    if let Err(e) = &sources.kmsg
        && sources.mcast.is_err()
    {
        out::say(format!("kernel log: {}", kmsg_denied_reason(*e)));
    }
    for r in &spec.rule {
        if let Err(code) = probe_one(spec, &prog, flags, r, &mut sources) {
            return code;
        }
    }
    out::pass("ran the variant: the results above are the kernel's answers")
}

/// One rule's syscall in a fresh filtered child; `Err` carries the exit code when
/// the kernel refused the filter itself.
fn probe_one(
    spec: &SeccompSpec,
    prog: &[sock_filter],
    flags: u32,
    r: &Rule,
    sources: &mut klog::Sources,
) -> Result<(), i32> {
    let nnp = spec.no_new_privs;
    let nr = r.syscall.nr();
    let called = Instant::now();
    let report = fork::run(fork::CHILD_TIMEOUT, |rep| {
        // Before the filter: getpid itself may be a rule.
        rep.kv("pid", std::process::id());
        if nnp && let Err(e) = bpf::set_no_new_privs() {
            rep.kv("prctl", e);
            return 1;
        }
        if let Err(e) = bpf::install_with_flags(prog, flags) {
            rep.kv("install", e);
            return 1;
        }
        // SAFETY: the probed syscalls take no arguments.
        let ret = unsafe { libc::syscall(nr) };
        if ret < 0 {
            rep.kv("errno", last_errno());
        } else {
            rep.kv("ret", ret);
        }
        0
    })
    .map_err(|e| out::fail(format!("fork(): {}", errno_name(e))))?;
    let num = |k: &str| report.get(k).and_then(|v| v.parse::<i64>().ok());
    if let Some(e) = num("prctl") {
        return Err(refused("prctl(PR_SET_NO_NEW_PRIVS)", e as i32));
    }
    if let Some(e) = num("install") {
        return Err(refused("seccomp(SET_MODE_FILTER)", e as i32));
    }
    let name = r.syscall.name();
    let what = match (report.status, num("ret"), num("errno")) {
        (Exit::Exited(_), Some(v), _) => format!("= {v}"),
        (Exit::Exited(_), _, Some(e)) => format!("-1 {}", errno_name(e as i32)),
        (Exit::Signaled(sig), _, _) => format!("killed by {}", signal_name(sig)),
        (other, _, _) => format!("{other:?}"),
    };
    out::say(format!("  {name}: {what}"));
    let Some(pid) = num("pid").and_then(|p| u32::try_from(p).ok()) else {
        return Ok(());
    };
    if r.action == Action::Allow || !sources.any() {
        return Ok(());
    }
    let nr32 = u32::try_from(nr).unwrap_or(u32::MAX);
    match sources.wait_for(
        |rec| record::is_seccomp_record(rec, pid, nr32),
        called,
        WAIT,
    ) {
        Some(found) => {
            let code = record::num_field(&found.text, "code").unwrap_or(0);
            // The record's code is the action without its data (ERRNO, not ERRNO(13)).
            let action = u32::try_from(code).map_or("?".into(), bpf::action_name);
            let action = action.trim_end_matches("(0)");
            out::say(format!(
                "    type=1326 record: pid {pid}, syscall {nr}, code={code:#x} ({action})"
            ));
        }
        None => out::say(format!(
            "    no type=1326 record for pid {pid} within {} ms",
            WAIT.as_millis()
        )),
    }
    Ok(())
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGSYS => "SIGSYS".into(),
        libc::SIGKILL => "SIGKILL".into(),
        other => format!("signal {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_defaults_to_eperm() {
        let spec: SeccompSpec = toml::from_str(
            "no_new_privs = true\n[[rule]]\nsyscall = \"getpid\"\naction = \"errno\"\n",
        )
        .expect("parse");
        assert_eq!(spec.rule[0].ret(), libc::SECCOMP_RET_ERRNO | 1);
    }

    #[test]
    fn program_jumps_to_allow() {
        let rules = SeccompSpec::default().rule;
        let p = program(bpf::AUDIT_ARCH_X86_64, &rules).expect("program");
        assert_eq!(p.len(), 6);
        assert_eq!(usize::from(p[1].jf) + 2, p.len() - 1);
    }
}
