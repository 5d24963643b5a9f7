//! The checks that run inside the sandbox: each makes a real call and compares the
//! kernel's answer with what Landlock should say, then the verdict is built from what
//! was actually shown.

use std::io;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener, UnixStream};
use std::path::Path;

use nix::sys::signal::kill;
use nix::unistd::{Pid, getppid};

use crate::demo::out;
use crate::probe::errno_name;

/// What the sandboxed checks showed.
#[derive(Debug, Default)]
pub struct Findings {
    pub write_denied: bool,
    pub connect_denied: bool,
    pub bind_denied: bool,
    pub kill_denied: bool,
    pub unix_denied: bool,
    /// Everything that did not go as Landlock promises, in plain words.
    pub problems: Vec<String>,
}

/// The demo's own TCP listener (made before restricting) and a free port for bind.
pub struct NetTargets {
    /// Kept open until the checks have run: it is what `connect` aims at.
    pub _listener: TcpListener,
    pub connect_port: u16,
    pub bind_port: u16,
}

/// The demo's own abstract unix socket listener, made before restricting.
pub struct UnixTarget {
    /// Kept open until the checks have run: it is what `connect` aims at.
    pub _listener: UnixListener,
    pub addr: UnixAddr,
}

/// "EACCES (Permission denied)".
pub fn errno_text(errno: i32) -> String {
    let msg = io::Error::from_raw_os_error(errno).to_string();
    let msg = msg.split(" (os error").next().unwrap_or_default();
    format!("{} ({msg})", errno_name(errno))
}

fn io_errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => errno_text(n),
        None => e.to_string(),
    }
}

impl Findings {
    /// Prints `label: <answer>` for a call Landlock should deny with `expected`;
    /// true if it did.
    fn expect_denied(&mut self, label: &str, result: io::Result<()>, expected: i32) -> bool {
        match result {
            Err(e) if e.raw_os_error() == Some(expected) => {
                out::say(format!("{label}: {}", errno_text(expected)));
                true
            }
            Err(e) => {
                out::say(format!("{label}: {}", io_errno_text(&e)));
                self.problems.push(format!(
                    "{label} failed with {}, not {}",
                    e.raw_os_error().map_or("?".into(), errno_name),
                    errno_name(expected)
                ));
                false
            }
            Ok(()) => {
                out::say(format!("{label}: succeeded — NOT denied"));
                self.problems.push(format!("{label} was not denied"));
                false
            }
        }
    }

    /// Prints `label: ok` for a call the ruleset allows.
    fn expect_ok(&mut self, label: &str, result: io::Result<String>) {
        match result {
            Ok(detail) => out::say(format!("{label}: ok{detail}")),
            Err(e) => {
                out::say(format!("{label}: {}", io_errno_text(&e)));
                self.problems
                    .push(format!("{label} failed: {}", io_errno_text(&e)));
            }
        }
    }
}

/// Step "files": a write inside `allowed/`, one in `sibling/`, a read elsewhere.
pub fn files(f: &mut Findings, allowed: &Path, sibling: &Path, read_target: Option<&Path>) {
    let ok = std::fs::write(allowed.join("ok.txt"), b"written from the sandbox\n");
    f.expect_ok("write allowed/ok.txt", ok.map(|()| String::new()));
    let blocked = std::fs::write(sibling.join("blocked.txt"), b"must not exist\n");
    f.write_denied = f.expect_denied("write sibling/blocked.txt", blocked, libc::EACCES);
    if let Some(path) = read_target {
        let read = std::fs::read(path).map(|bytes| format!(" ({} bytes)", bytes.len()));
        f.expect_ok(&format!("read {}", path.display()), read);
    }
}

/// Step "network": connect to our own listener, bind a free port.
pub fn network(f: &mut Findings, t: &NetTargets) {
    let lo = |port| SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let connect = TcpStream::connect(lo(t.connect_port)).map(drop);
    let label = format!("connect 127.0.0.1:{}", t.connect_port);
    f.connect_denied = f.expect_denied(&label, connect, libc::EACCES);
    let bind = TcpListener::bind(lo(t.bind_port)).map(drop);
    let label = format!("bind 127.0.0.1:{}", t.bind_port);
    f.bind_denied = f.expect_denied(&label, bind, libc::EACCES);
}

/// Whom the "signals" step signals: a process outside the sandbox that we could
/// signal before restricting.
pub struct SignalTarget {
    pub pid: Pid,
    pub who: &'static str,
}

/// Before restricting: kill(parent, 0) must work, or the later EPERM would prove
/// nothing (e.g. a parent owned by another user). If it doesn't, our cleanup helper —
/// same user, also outside the sandbox — is the target instead.
pub fn signal_target(helper: Pid) -> SignalTarget {
    let ppid = getppid();
    match kill(ppid, None) {
        Ok(()) => {
            out::say(format!(
                "kill(parent {ppid}, 0) = 0 (signal 0 sends nothing)"
            ));
            SignalTarget {
                pid: ppid,
                who: "parent",
            }
        }
        Err(e) => {
            out::say(format!(
                "kill(parent {ppid}, 0): {} — not ours",
                errno_name(e as i32)
            ));
            out::say(format!("  so: our cleanup helper {helper} instead"));
            SignalTarget {
                pid: helper,
                who: "helper",
            }
        }
    }
}

/// Step "signals": kill(target, 0) and a connect to our pre-sandbox abstract socket.
pub fn signals(f: &mut Findings, target: &SignalTarget, unix: Option<&UnixTarget>) {
    let sent = kill(target.pid, None).map_err(|e| io::Error::from_raw_os_error(e as i32));
    let label = format!("kill({} {}, 0)", target.who, target.pid);
    f.kill_denied = f.expect_denied(&label, sent, libc::EPERM);
    if let Some(u) = unix {
        let connect = UnixStream::connect_addr(&u.addr).map(drop);
        f.unix_denied = f.expect_denied("connect abstract socket", connect, libc::EPERM);
    }
}

/// "a", "a and b", "a, b, and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

/// The one verdict line, naming only the denials that were actually shown.
pub fn verdict(abi: i32, f: &Findings) -> i32 {
    if !f.problems.is_empty() {
        return out::fail(format!("Landlock (ABI {abi}): {}", f.problems.join("; ")));
    }
    let mut shown = Vec::new();
    if f.write_denied {
        shown.push("the write outside allowed/");
    }
    match (f.connect_denied, f.bind_denied) {
        (true, true) => shown.push("TCP connect and bind"),
        (true, false) => shown.push("TCP connect"),
        (false, true) => shown.push("TCP bind"),
        (false, false) => {}
    }
    match (f.kill_denied, f.unix_denied) {
        (true, true) => shown.push("signals and abstract sockets out of the sandbox"),
        (true, false) => shown.push("signals out of the sandbox"),
        (false, true) => shown.push("abstract sockets out of the sandbox"),
        (false, false) => {}
    }
    if shown.is_empty() {
        return out::fail(format!("Landlock (ABI {abi}) showed no denial"));
    }
    out::pass(format!("Landlock (ABI {abi}) denied {}", join_and(&shown)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_prose() {
        assert_eq!(join_and(&["a"]), "a");
        assert_eq!(join_and(&["a", "b"]), "a and b");
        assert_eq!(join_and(&["a", "b", "c"]), "a, b, and c");
    }

    #[test]
    fn errno_text_reads_well() {
        assert_eq!(errno_text(libc::EACCES), "EACCES (Permission denied)");
        assert_eq!(errno_text(libc::EPERM), "EPERM (Operation not permitted)");
    }
}
