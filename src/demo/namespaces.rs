//! The `namespaces` demo: a container without a runtime.
//!
//! The demo process (on the host) forks an outer child, which unshares a new user, pid,
//! uts, mount, net and ipc namespace (user first, so no privilege is needed) and maps
//! its uid to 0. It forks again: that grandchild is pid 1 of the new pid namespace. It
//! sets a hostname, mounts a fresh /proc (in its own mount namespace only) and prints
//! what it sees. Back on the host the demo checks that its hostname and mount table did
//! not change.

pub mod nsutil;

use std::time::Duration;

use super::out;
use crate::probe::Probe;
use nsutil::{Exit, INNER_FLAGS, NsError};

/// The namespaces shown in this demo's table.
const KINDS: [&str; 6] = ["user", "pid", "uts", "mnt", "net", "ipc"];

/// The hostname set inside the new uts namespace.
const DEMO_HOSTNAME: &str = "kdeck-demo";

/// The outer child waits this long for pid 1; the demo waits a bit longer for it.
const INNER_TIMEOUT: Duration = Duration::from_secs(3);
const OUTER_TIMEOUT: Duration = Duration::from_secs(4);

/// What the demo process sees on the host before it starts.
struct HostView {
    uid: u32,
    pid: i32,
    hostname: String,
    processes: usize,
    ifaces: Vec<(String, Option<bool>)>,
    ns: Vec<(&'static str, Option<u64>)>,
    mounts: Option<usize>,
}

impl HostView {
    fn read() -> Self {
        // SAFETY: getuid/getpid cannot fail.
        let (uid, pid) = unsafe { (libc::getuid(), libc::getpid()) };
        HostView {
            uid,
            pid,
            hostname: nsutil::hostname(),
            processes: nsutil::processes().len(),
            ifaces: nsutil::interfaces(),
            ns: KINDS
                .iter()
                .map(|k| (*k, nsutil::ns_inode("self", k)))
                .collect(),
            mounts: nsutil::mount_count(),
        }
    }

    fn show(&self) {
        out::say("The host, as this demo process sees it:");
        out::say(format!(
            "  uid {}, pid {}, hostname \"{}\"",
            self.uid, self.pid, self.hostname
        ));
        let names: Vec<&str> = self.ifaces.iter().map(|(n, _)| n.as_str()).collect();
        out::say(format!(
            "  {} processes; interfaces: {}",
            self.processes,
            names.join(", ")
        ));
        out::say("$ readlink /proc/self/ns/*");
        for chunk in self.ns.chunks(3) {
            let cells: Vec<String> = chunk
                .iter()
                .map(|(k, v)| format!("{k}:[{}]", v.map_or("-".into(), |n| n.to_string())))
                .collect();
            out::say(format!("  {}", cells.join(" ")));
        }
    }
}

/// The live body (runs in the single-threaded `kdeck __child namespaces`).
pub fn body(_probe: &Probe) -> i32 {
    out::step("host");
    let host = HostView::read();
    host.show();

    out::step("unshare");
    let exit = nsutil::fork_child(|| outer(&host))
        .and_then(|pid| wait(pid, OUTER_TIMEOUT, "waitpid(outer child)"));
    let inside_ok = match exit {
        Ok(Exit::Exited(0)) => true,
        Ok(Exit::Exited(out::EXIT_UNSUPPORTED)) => return out::EXIT_UNSUPPORTED,
        Ok(other) => {
            out::say(format!(
                "  the namespace child: {}",
                nsutil::exit_text(other)
            ));
            false
        }
        Err(e) => {
            out::say(format!("  {e}"));
            false
        }
    };

    out::step("after");
    let host_ok = check_host_unchanged(&host);
    if inside_ok && host_ok {
        out::pass("uid 0, pid 1, own hostname, only lo — and the host saw none of it")
    } else if host_ok {
        out::fail("the new namespaces did not look as expected")
    } else {
        out::fail("the host changed: the namespaces leaked")
    }
}

/// Waits for a child with a bound; a waitpid failure becomes an [`NsError`].
fn wait(pid: libc::pid_t, timeout: Duration, call: &str) -> Result<Exit, NsError> {
    nsutil::wait_bounded(pid, timeout).map_err(|errno| NsError {
        call: call.to_string(),
        errno,
    })
}

/// Back in the demo process (host namespaces): hostname and mount table as before?
fn check_host_unchanged(host: &HostView) -> bool {
    let name = nsutil::hostname();
    let mounts = nsutil::mount_count();
    out::say("Back on the host, in the demo process:");
    let same_name = name == host.hostname;
    out::say(format!(
        "  hostname \"{name}\" ({})",
        if same_name { "unchanged" } else { "CHANGED" }
    ));
    let same_mounts = mounts == host.mounts;
    let count = |m: Option<usize>| m.map_or("?".to_string(), |n| n.to_string());
    if same_mounts {
        out::say(format!(
            "  mount table: {} entries, as before (no new proc)",
            count(mounts)
        ));
    } else {
        out::say(format!(
            "  mount table: {} entries, was {}",
            count(mounts),
            count(host.mounts)
        ));
    }
    same_name && same_mounts
}

/// The outer child: enters the namespaces, then forks pid 1 and passes on its exit code.
fn outer(host: &HostView) -> i32 {
    out::say(format!(
        "$ unshare(CLONE_NEW{{{}}})",
        nsutil::flag_names(libc::CLONE_NEWUSER | INNER_FLAGS).replace('|', ",")
    ));
    let entered = match nsutil::enter(INNER_FLAGS, 0) {
        Ok(e) => e,
        Err(e) if e.is_refusal() => {
            return out::unsupported(format!("{e}{}", nsutil::refusal_evidence()));
        }
        Err(e) => {
            out::say(format!("  {e}"));
            return out::EXIT_FAIL;
        }
    };
    out::say(format!(
        "  = 0; uid_map \"0 {} 1\", gid_map \"0 {} 1\"",
        entered.uid, entered.gid
    ));
    out::say("$ fork() — the first child in a new pid ns is pid 1");
    let exit = nsutil::fork_child(|| inside(host))
        .and_then(|pid| wait(pid, INNER_TIMEOUT, "waitpid(pid 1)"));
    match exit {
        Ok(Exit::Exited(c)) => c,
        Ok(other) => {
            out::say(format!("  pid 1: {}", nsutil::exit_text(other)));
            out::EXIT_FAIL
        }
        Err(e) => {
            out::say(format!("  {e}"));
            out::EXIT_FAIL
        }
    }
}

/// Pid 1 of the new pid namespace: shows the view from inside. Exit 0 if it is what
/// the demo claims (uid 0, pid 1, own hostname, only lo, every namespace new).
fn inside(host: &HostView) -> i32 {
    out::step("inside");
    let mut problems: Vec<String> = Vec::new();
    match nix::unistd::sethostname(DEMO_HOSTNAME) {
        Ok(()) => out::say(format!("$ sethostname(\"{DEMO_HOSTNAME}\") = 0")),
        Err(e) => {
            out::say(format!("$ sethostname(\"{DEMO_HOSTNAME}\"): {e}"));
            problems.push("sethostname failed".into());
        }
    }
    // SAFETY: getuid/getpid cannot fail.
    let (uid, pid) = unsafe { (libc::getuid(), libc::getpid()) };
    out::say(format!("  getuid() = {uid}   getpid() = {pid}"));
    let name = nsutil::hostname();
    out::say(format!("  hostname: \"{name}\""));
    let ifaces = nsutil::interfaces();
    out::say(format!(
        "  interfaces: {}",
        nsutil::interfaces_text(&ifaces)
    ));
    if uid != 0 || pid != 1 || name != DEMO_HOSTNAME {
        problems.push(format!("uid {uid}, pid {pid}, hostname {name}"));
    }
    if ifaces.len() != 1 || ifaces[0].0 != "lo" || ifaces[0].1 == Some(true) {
        problems.push("expected only lo, down".into());
    }

    out::step("proc");
    problems.extend(show_processes());

    out::step("compare");
    problems.extend(compare_ns(host));
    for p in &problems {
        out::say(format!("  unexpected: {p}"));
    }
    if problems.is_empty() {
        out::EXIT_PASS
    } else {
        out::EXIT_FAIL
    }
}

/// Mounts a fresh proc (after making / private) and lists its processes.
fn show_processes() -> Option<String> {
    out::say("$ mount --make-rprivate /; mount -t proc proc /proc");
    if let Err(e) = mount_fresh_proc() {
        out::say(format!("  {e}"));
        out::partial(
            "proc",
            format!("{e}: a user ns may mount proc only where no part of /proc is overmounted"),
        );
        return None;
    }
    let procs = nsutil::processes();
    let list: Vec<String> = procs.iter().map(|(p, c)| format!("{p} {c}")).collect();
    out::say(format!(
        "  = 0; /proc now lists {} process: {}",
        procs.len(),
        list.join(", ")
    ));
    if procs.len() == 1 && procs[0].0 == 1 {
        None
    } else {
        Some("the fresh /proc should list only pid 1".into())
    }
}

/// / → MS_REC|MS_PRIVATE, then a new proc on /proc: all inside our own mount namespace.
fn mount_fresh_proc() -> Result<(), NsError> {
    use nix::mount::{MsFlags, mount};
    let errno = |call: &str, e: nix::errno::Errno| NsError {
        call: call.to_string(),
        errno: e as i32,
    };
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| errno("mount(/, MS_REC|MS_PRIVATE)", e))?;
    mount(
        Some("proc"),
        "/proc",
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| errno("mount(proc, /proc)", e))
}

/// Prints the host | inside table of namespace inodes; a problem if any is the same.
fn compare_ns(host: &HostView) -> Option<String> {
    out::say("$ readlink /proc/self/ns/* — host vs inside:");
    let rows: Vec<(&str, Option<u64>, Option<u64>)> = host
        .ns
        .iter()
        .map(|(k, h)| (*k, *h, nsutil::ns_inode("self", k)))
        .collect();
    for line in nsutil::ns_table(("host", "inside"), &rows) {
        out::say(line);
    }
    let same: Vec<&str> = rows
        .iter()
        .filter(|(_, h, i)| h == i || i.is_none())
        .map(|(k, _, _)| *k)
        .collect();
    if same.is_empty() {
        None
    } else {
        Some(format!("not new: {}", same.join(", ")))
    }
}
