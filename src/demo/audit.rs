//! Live body of the `audit` demo: audit answers only the initial user namespace.
//!
//! 1. `status`: AUDIT_GET over NETLINK_AUDIT, decoded (EPERM without
//!    CAP_AUDIT_CONTROL).
//! 2. `userns`: the same request from a forked child in a new user namespace where it
//!    is uid 0 — the kernel answers ECONNREFUSED.
//! 3. `ids`: loginuid/sessionid exist, `/proc/self/audit_containerid` does not.

use super::out;
use crate::probe::audit::{AuditError, AuditStatus, audit_get};
use crate::probe::userns;
use crate::probe::{Probe, errno_name, read_trimmed};
use crate::sys::fork::{self, CHILD_TIMEOUT};

/// The audit container id file the never-merged "ghak90" series would have added.
const CONTAINERID: &str = "/proc/self/audit_containerid";
/// `(u32)-1`: loginuid/sessionid not set.
const UNSET: &str = "4294967295";

/// What the user-namespace step saw.
enum UserNs {
    /// AUDIT_GET → ECONNREFUSED, as expected.
    Refused,
    /// Something else (the text says what).
    Other(String),
    /// User namespaces are not available here (reported as partial).
    Skipped,
}

/// Runs the demo; see the module docs.
pub fn body(_probe: &Probe) -> i32 {
    out::step("status");
    show_status();
    out::step("userns");
    let userns = userns_step();
    out::step("ids");
    show_ids();
    let no_cid = containerid_step();
    verdict(&userns, no_cid)
}

fn verdict(userns: &UserNs, no_cid: bool) -> i32 {
    match (userns, no_cid) {
        (UserNs::Refused, true) => {
            out::pass("audit refused the user namespace (ECONNREFUSED); no container id in /proc")
        }
        (UserNs::Skipped, true) => out::pass("no audit container id in /proc"),
        (UserNs::Other(what), _) => {
            out::fail(format!("audit did not refuse the user namespace: {what}"))
        }
        (_, false) => out::fail(format!("{CONTAINERID} exists on this kernel")),
    }
}

fn uid() -> u32 {
    // SAFETY: getuid never fails.
    unsafe { libc::getuid() }
}

fn show_status() {
    out::say(format!("$ AUDIT_GET over NETLINK_AUDIT (uid {})", uid()));
    match audit_get() {
        Ok(s) => print_status(&s),
        Err(e) if e.stage == "ack" && e.errno == libc::EPERM => out::say(
            "  AUDIT_GET: EPERM — needs CAP_AUDIT_CONTROL\n  in the initial user namespace",
        ),
        Err(e) if e.stage == "ack" && e.errno == libc::ECONNREFUSED => {
            out::say("  AUDIT_GET → ECONNREFUSED: kdeck itself\n  already runs in a user namespace")
        }
        Err(e) => out::say(format!("  {}", e.describe())),
    }
}

fn print_status(s: &AuditStatus) {
    let enabled = match s.enabled {
        0 => "off",
        1 => "on",
        2 => "locked",
        _ => "?",
    };
    let auditd = if s.pid == 0 {
        "0 (no auditd)".to_string()
    } else {
        s.pid.to_string()
    };
    out::say(format!(
        "  enabled={} ({enabled})  failure={}",
        s.enabled, s.failure
    ));
    out::say(format!("  auditd pid={auditd}"));
    out::say(format!(
        "  backlog={}/{}  lost={}  rate_limit={}",
        s.backlog, s.backlog_limit, s.lost, s.rate_limit
    ));
}

fn userns_step() -> UserNs {
    out::say("Same request from a new user namespace:");
    out::say("$ unshare(CLONE_NEWUSER); AUDIT_GET");
    let report = fork::run(CHILD_TIMEOUT, |rep| {
        if let Err(why) = userns::enter_userns(0) {
            rep.kv("refused", why);
            return 2;
        }
        // SAFETY: getuid never fails.
        rep.kv("uid", unsafe { libc::getuid() });
        match audit_get() {
            Ok(s) => rep.kv("ok", s.enabled),
            Err(e) => {
                rep.kv("stage", e.stage);
                rep.kv("errno", e.errno);
            }
        }
        0
    });
    let report = match report {
        Ok(r) => r,
        Err(e) => return UserNs::Other(format!("fork: {}", errno_name(e))),
    };
    if let Some(why) = report.get("refused") {
        out::say(format!("  {why}"));
        out::partial("userns", format!("user namespaces refused here: {why}"));
        return UserNs::Skipped;
    }
    let stage = report.get("stage");
    let errno = report.get("errno").and_then(|e| e.parse::<i32>().ok());
    match (stage, errno) {
        (Some("ack"), Some(libc::ECONNREFUSED)) => {
            let inner = report.get("uid").unwrap_or("?");
            out::say(format!("inside a user namespace (uid {inner} there):"));
            out::say("  AUDIT_GET → ECONNREFUSED: audit is for");
            out::say("  the initial namespace only");
            UserNs::Refused
        }
        (Some(stage), Some(errno)) => {
            let text = AuditError {
                stage: stage_name(stage),
                errno,
            }
            .describe();
            out::say(format!("  {text}"));
            UserNs::Other(text)
        }
        _ => match report.get("ok") {
            Some(enabled) => {
                let text = format!("AUDIT_GET answered (enabled={enabled})");
                out::say(format!("  {text}"));
                UserNs::Other(text)
            }
            None => {
                let text = format!("the child reported nothing ({:?})", report.status);
                out::say(format!("  {text}"));
                UserNs::Other(text)
            }
        },
    }
}

/// Maps a reported stage back to the static name AuditError uses.
fn stage_name(s: &str) -> &'static str {
    match s {
        "socket" => "socket",
        "sendto" => "sendto",
        "recv" => "recv",
        "ack" => "ack",
        _ => "reply",
    }
}

fn show_ids() {
    out::say("$ cat /proc/self/{loginuid,sessionid}");
    for (name, path) in [
        ("loginuid ", "/proc/self/loginuid"),
        ("sessionid", "/proc/self/sessionid"),
    ] {
        match read_trimmed(path) {
            Ok(v) if v == UNSET => out::say(format!("  {name} {v} (unset)")),
            Ok(v) => out::say(format!("  {name} {v}")),
            Err(e) => out::say(format!("  {e}")),
        }
    }
}

/// True when `/proc/self/audit_containerid` does not exist (ENOENT).
fn containerid_step() -> bool {
    out::say(format!("$ stat {CONTAINERID}"));
    match std::fs::metadata(CONTAINERID) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            out::say("  ENOENT: the audit container ID series");
            out::say("  (ghak90, v11, Jan 2021) was never merged");
            true
        }
        Err(e) => {
            let n = e.raw_os_error().unwrap_or(0);
            out::say(format!("  {}", errno_name(n)));
            false
        }
        Ok(_) => {
            out::say("  it exists: this kernel has audit container ids");
            false
        }
    }
}
