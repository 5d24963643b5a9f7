//! Live body of the `wireguard` demo: create a WireGuard link in a throwaway network
//! namespace over rtnetlink, list it, and show the host never had it.
//!
//! A forked child enters fresh user + network namespaces (uid 0 there) and sends
//! RTM_NEWLINK (`ip link add wg0 type wireguard`) and an RTM_GETLINK dump; when it
//! exits, its namespace and the link are gone. The link kind comes from
//! [`link_kind`] (a test-only override in test builds, see the probe).

use super::out;
use crate::probe::userns;
use crate::probe::wireguard::{WIREGUARD, link_kind};
use crate::probe::{Probe, errno_name};
use crate::sys::fork::{self, CHILD_TIMEOUT, ChildReport, Exit, Reporter};
use crate::sys::netlink::{
    MsgBuilder, NETLINK_ROUTE, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NlSocket, Reply,
    attr_string, attrs, u32_at,
};

/// The link's name, inside the namespace.
const IFNAME: &str = "wg0";

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const IFLA_IFNAME: u16 = 3;
const IFLA_LINKINFO: u16 = 18;
const IFLA_INFO_KIND: u16 = 1;
/// `sizeof(struct ifinfomsg)`.
const IFINFOMSG_LEN: usize = 16;

/// Interface flags worth showing, as `ip link` names them.
const FLAG_NAMES: &[(u32, &str)] = &[
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x1000, "MULTICAST"),
    (0x10000, "LOWER_UP"),
];

/// Runs the demo; see the module docs.
pub fn body(_probe: &Probe) -> i32 {
    let kind = link_kind();
    let host_before = host_index(IFNAME);
    out::step("create");
    out::say("$ unshare(CLONE_NEWUSER|CLONE_NEWNET)");
    out::say(format!("$ ip link add {IFNAME} type {kind}"));
    out::say("  (RTM_NEWLINK over NETLINK_ROUTE)");
    let report = match fork::run(CHILD_TIMEOUT, |rep| in_namespace(rep, &kind)) {
        Ok(r) => r,
        Err(e) => return out::fail(format!("fork: {}", errno_name(e))),
    };
    if let Some(why) = report.get("refused") {
        return out::unsupported(format!("user namespaces refused here: {why}"));
    }
    if let Some(code) = create_result(&report, &kind) {
        return code;
    }
    out::step("show");
    let listed = show_links(&report, &kind);
    out::step("gone");
    let unchanged = show_gone(&report, host_before);
    match (listed, unchanged) {
        (true, true) => {
            let what = if kind == WIREGUARD {
                IFNAME.to_string()
            } else {
                format!("{IFNAME} (kind {kind})")
            };
            out::pass(format!(
                "created {what} in a throwaway network namespace; the host never saw it"
            ))
        }
        (false, _) => out::fail(format!("{IFNAME} of kind {kind} was not in the dump")),
        (true, false) => out::fail(format!("the host's {IFNAME} changed during the demo")),
    }
}

/// Prints the RTM_NEWLINK answer; Some(exit code) when the demo must stop there.
fn create_result(report: &ChildReport, kind: &str) -> Option<i32> {
    if let Some(e) = report.get("err") {
        return Some(out::fail(e));
    }
    let uid = report.get("uid").unwrap_or("?");
    match report.get("create") {
        Some("ok") => {
            out::say(format!("  uid {uid} in the namespace: ack, error 0"));
            None
        }
        Some(err) => {
            out::say(format!("  RTM_NEWLINK → {err}"));
            let errno = report.get("create-errno").and_then(|e| e.parse().ok());
            if matches!(errno, Some(libc::EOPNOTSUPP | libc::ENOSYS | libc::EPERM)) {
                Some(out::unsupported(format!("RTM_NEWLINK kind {kind}: {err}")))
            } else {
                Some(out::fail(format!("RTM_NEWLINK kind {kind}: {err}")))
            }
        }
        None => Some(out::fail(format!(
            "the namespace child reported nothing ({:?})",
            report.status
        ))),
    }
}

/// Prints the namespace's links; true if ours is there with the right kind.
fn show_links(report: &ChildReport, kind: &str) -> bool {
    out::say("$ ip -d link show   (RTM_GETLINK dump)");
    if let Some(e) = report.get("dump-err") {
        out::say(format!("  RTM_GETLINK → {e}"));
        return false;
    }
    let mut found = false;
    for l in report.all("link") {
        let f: Vec<&str> = l.splitn(4, ' ').collect();
        let [idx, name, k, flags] = f[..] else {
            continue;
        };
        let flags = u32::from_str_radix(flags, 16).unwrap_or(0);
        let shown_kind = if k == "-" {
            String::new()
        } else {
            format!(" {k}")
        };
        out::say(format!(
            "  {idx}: {name}{shown_kind} <{}>",
            flag_names(flags)
        ));
        found |= name == IFNAME && k == kind;
    }
    found
}

/// Prints the host's view after the child exited; true if unchanged.
fn show_gone(report: &ChildReport, before: Option<u32>) -> bool {
    let ended = match report.status {
        Exit::Exited(c) => format!("exited ({c})"),
        Exit::Signaled(s) => format!("killed by signal {s}"),
        Exit::TimedOut => "timed out, killed".to_string(),
    };
    out::say(format!("The child {ended}: its namespace is gone."));
    out::say(format!("$ ip link show {IFNAME}   (on the host)"));
    let after = host_index(IFNAME);
    match after {
        None => out::say(format!(
            "  if_nametoindex(\"{IFNAME}\") = 0: no such device"
        )),
        Some(i) => out::say(format!(
            "  if_nametoindex(\"{IFNAME}\") = {i}: the host's own"
        )),
    }
    after == before
}

/// The host's interface index for `name` (None: no such device).
fn host_index(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: NUL-terminated name.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

fn flag_names(flags: u32) -> String {
    FLAG_NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// In the forked child: fresh user + network namespaces, then the link requests.
fn in_namespace(rep: &mut Reporter, kind: &str) -> i32 {
    if let Err(why) = userns::enter_userns(libc::CLONE_NEWNET) {
        rep.kv("refused", why);
        return 2;
    }
    // SAFETY: getuid never fails.
    rep.kv("uid", unsafe { libc::getuid() });
    let mut sock = match NlSocket::open(NETLINK_ROUTE, std::time::Duration::from_millis(500)) {
        Ok(s) => s,
        Err(e) => {
            rep.kv("err", format!("socket(NETLINK_ROUTE): {}", errno_name(e)));
            return 1;
        }
    };
    match create_link(&mut sock, kind) {
        Ok(()) => rep.kv("create", "ok"),
        Err((errno, text)) => {
            rep.kv("create", text);
            rep.kv("create-errno", errno);
            return 0;
        }
    }
    list_links(rep, &mut sock);
    0
}

/// RTM_NEWLINK wg0 of `kind`; the error is (errno, text for the audience).
fn create_link(sock: &mut NlSocket, kind: &str) -> Result<(), (i32, String)> {
    let mut req = MsgBuilder::new(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    req.bytes(&[0u8; IFINFOMSG_LEN])
        .attr_str(IFLA_IFNAME, IFNAME)
        .nest(IFLA_LINKINFO, |n| {
            n.attr_str(IFLA_INFO_KIND, kind);
        });
    match sock.ask(&req) {
        Ok(Reply::Ack(a)) if a.errno == 0 => Ok(()),
        Ok(Reply::Ack(a)) => Err((a.errno, a.describe())),
        Ok(Reply::Data(m)) => Err((libc::EPROTO, format!("unexpected message type {}", m.ty))),
        Err(e) => Err((e, errno_name(e))),
    }
}

/// RTM_GETLINK dump; reports `link <index> <name> <kind|-> <flags hex>` lines.
fn list_links(rep: &mut Reporter, sock: &mut NlSocket) {
    let mut req = MsgBuilder::new(RTM_GETLINK, NLM_F_DUMP);
    req.bytes(&[0u8; IFINFOMSG_LEN]);
    let msgs = match sock.dump(&req) {
        Ok(m) => m,
        Err(a) => {
            rep.kv("dump-err", a.describe());
            return;
        }
    };
    for m in msgs.iter().filter(|m| m.ty == RTM_NEWLINK) {
        let p = &m.payload;
        let index = u32_at(p, 4).unwrap_or(0);
        let flags = u32_at(p, 8).unwrap_or(0);
        let mut name = String::from("?");
        let mut kind = String::from("-");
        for (ty, data) in attrs(p.get(IFINFOMSG_LEN..).unwrap_or(&[])) {
            match ty {
                IFLA_IFNAME => name = attr_string(data),
                IFLA_LINKINFO => {
                    if let Some((_, k)) =
                        attrs(data).into_iter().find(|(t, _)| *t == IFLA_INFO_KIND)
                    {
                        kind = attr_string(k);
                    }
                }
                _ => {}
            }
        }
        rep.line(format!("link {index} {name} {kind} {flags:x}"));
    }
    if msgs.is_empty() {
        rep.kv("dump-err", "the dump listed no links");
    }
}
