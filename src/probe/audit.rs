//! Probe for the `audit` demo: can we open the audit netlink socket, and does
//! AUDIT_GET answer (root) or refuse (EPERM without CAP_AUDIT_CONTROL)?
//! Also home of [`audit_get`], the read-only status query the demo uses.

use std::time::Duration;

use super::{Probe, errno_name};
use crate::sys::netlink::{MsgBuilder, NETLINK_AUDIT, NlSocket, u32_at};

/// `AUDIT_GET`: read the audit status (read-only).
pub const AUDIT_GET: u16 = 1000;

/// How long a netlink receive may wait for the kernel's answer.
const RECV_TIMEOUT: Duration = Duration::from_millis(500);

/// The fields of `struct audit_status` the demo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditStatus {
    /// 0 off, 1 on, 2 locked.
    pub enabled: u32,
    /// What happens on a failure (0 silent, 1 printk, 2 panic).
    pub failure: u32,
    /// The audit daemon's pid; 0 = no auditd.
    pub pid: u32,
    /// Messages per second limit (0 = none).
    pub rate_limit: u32,
    /// Queue length limit.
    pub backlog_limit: u32,
    /// Records lost so far.
    pub lost: u32,
    /// Records queued now.
    pub backlog: u32,
}

/// Where AUDIT_GET failed, and the errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditError {
    /// "socket", "sendto", "recv" (EAGAIN = timed out), "ack" (the kernel's error
    /// ack), or "reply" (a malformed answer).
    pub stage: &'static str,
    /// The errno.
    pub errno: i32,
}

impl AuditError {
    /// "AUDIT_GET → EPERM" for an error ack, else "sendto: ECONNREFUSED" and so on.
    pub fn describe(&self) -> String {
        if self.stage == "ack" {
            format!("AUDIT_GET → {}", errno_name(self.errno))
        } else {
            format!("AUDIT_GET {}: {}", self.stage, errno_name(self.errno))
        }
    }
}

/// Sends AUDIT_GET over a fresh NETLINK_AUDIT socket and decodes `struct
/// audit_status`. Read-only: it changes nothing in the audit configuration.
pub fn audit_get() -> Result<AuditStatus, AuditError> {
    let err = |stage, errno| AuditError { stage, errno };
    let mut sock = NlSocket::open(NETLINK_AUDIT, RECV_TIMEOUT).map_err(|e| err("socket", e))?;
    let req = MsgBuilder::new(AUDIT_GET, 0);
    let seq = sock.send(&req).map_err(|e| err("sendto", e))?;
    // Without NLM_F_ACK the kernel answers with either the status or an error ack.
    for _ in 0..8 {
        for m in sock.recv().map_err(|e| err("recv", e))? {
            if m.seq != seq {
                continue;
            }
            if m.ty == crate::sys::netlink::NLMSG_ERROR {
                let ack = crate::sys::netlink::parse_ack(&m);
                if ack.errno != 0 {
                    return Err(err("ack", ack.errno));
                }
                continue;
            }
            if m.ty == AUDIT_GET {
                return parse_status(&m.payload).ok_or(err("reply", libc::EINVAL));
            }
        }
    }
    Err(err("recv", libc::EAGAIN))
}

fn parse_status(p: &[u8]) -> Option<AuditStatus> {
    Some(AuditStatus {
        enabled: u32_at(p, 4)?,
        failure: u32_at(p, 8)?,
        pid: u32_at(p, 12)?,
        rate_limit: u32_at(p, 16)?,
        backlog_limit: u32_at(p, 20)?,
        lost: u32_at(p, 24)?,
        backlog: u32_at(p, 28)?,
    })
}

/// The `audit.userns` fact: what AUDIT_GET gets from inside a fresh user namespace,
/// asked in a throwaway child (the errno, e.g. "ECONNREFUSED"); `None` when the child
/// could not make the user namespace or open the socket.
pub fn userns_fact() -> Option<String> {
    let report = crate::sys::fork::run(crate::sys::fork::PROBE_TIMEOUT, |rep| {
        // SAFETY: unshare takes no pointers; this is the throwaway child.
        if unsafe { libc::unshare(libc::CLONE_NEWUSER) } != 0 {
            return 1;
        }
        match audit_get() {
            Ok(_) => rep.kv("answer", "answered (no refusal)"),
            Err(e) if e.stage == "socket" => return 1,
            Err(e) => rep.kv("answer", errno_name(e.errno)),
        }
        0
    })
    .ok()?;
    report.get("answer").map(str::to_string)
}

/// Yes when the audit netlink socket opens (even if AUDIT_GET needs a capability we
/// lack: the demo's point, the refusal inside a user namespace, runs anyway).
pub fn probe() -> Probe {
    let answer = answer();
    match userns_fact() {
        Some(fact) => answer.with_fact("audit.userns", fact),
        None => answer,
    }
}

fn answer() -> Probe {
    const F: &str = "audit";
    match audit_get() {
        Err(AuditError {
            stage: "socket",
            errno,
        }) if errno == libc::EPROTONOSUPPORT => Probe::no(
            F,
            "socket(NETLINK_AUDIT): EPROTONOSUPPORT — kernel built without CONFIG_AUDIT",
        ),
        Err(AuditError {
            stage: "socket",
            errno,
        }) => Probe::no(F, format!("socket(NETLINK_AUDIT): {}", errno_name(errno))),
        Ok(s) => Probe::yes(
            F,
            format!(
                "NETLINK_AUDIT socket ok; AUDIT_GET: enabled={}, auditd pid={}",
                s.enabled, s.pid
            ),
        ),
        Err(e) if e.stage == "ack" && e.errno == libc::EPERM => Probe::yes(
            F,
            "NETLINK_AUDIT socket ok; AUDIT_GET: EPERM (needs CAP_AUDIT_CONTROL) \
             — the user-namespace part still runs",
        ),
        Err(e) => Probe::yes(F, format!("NETLINK_AUDIT socket ok; {}", e.describe())),
    }
}
