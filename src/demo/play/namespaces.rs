//! The `namespaces` demo's spec: which namespaces to unshare, the uid/gid maps, the
//! setgroups switch and the hostname; the probes report what is visible inside (uid,
//! pid, hostname, interfaces, mounts) and the errno of any step the kernel refuses.
//!
//! Nothing that would touch the host is tried: sethostname only in a new UTS
//! namespace, mounts only in a new mount namespace after making `/` private.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{refused, result};
use crate::demo::namespaces::nsutil;
use crate::demo::out;
use crate::probe::{errno_name, last_errno};
use crate::sys::fork::{self, Exit};

/// The comment on top of `--print-spec`.
pub const HELP: &str = "\
# kdeck namespaces spec. unshare: user pid uts net mount ipc cgroup.
# uid_map/gid_map: [[uid_map]] inside = 0, outside = N (default: your own id),
# count = 1. Unprivileged, the kernel allows one line mapping your own id (and for
# gid_map only after setgroups is denied). hostname is set only with \"uts\".";

/// A namespace type `unshare(2)` can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ns {
    User,
    Pid,
    Uts,
    Net,
    Mount,
    Ipc,
    Cgroup,
}

impl Ns {
    fn flag(self) -> libc::c_int {
        match self {
            Ns::User => libc::CLONE_NEWUSER,
            Ns::Pid => libc::CLONE_NEWPID,
            Ns::Uts => libc::CLONE_NEWUTS,
            Ns::Net => libc::CLONE_NEWNET,
            Ns::Mount => libc::CLONE_NEWNS,
            Ns::Ipc => libc::CLONE_NEWIPC,
            Ns::Cgroup => libc::CLONE_NEWCGROUP,
        }
    }
}

/// One line of /proc/self/uid_map or gid_map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapLine {
    pub inside: u32,
    /// The id outside; absent = the caller's own uid/gid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<u32>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// The `namespaces` demo's spec; the default is the demo's own set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NsSpec {
    pub unshare: Vec<Ns>,
    /// Write "deny" to /proc/self/setgroups before gid_map.
    #[serde(default)]
    pub deny_setgroups: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default)]
    pub uid_map: Vec<MapLine>,
    #[serde(default)]
    pub gid_map: Vec<MapLine>,
}

impl Default for NsSpec {
    fn default() -> Self {
        let root = vec![MapLine {
            inside: 0,
            outside: None,
            count: 1,
        }];
        NsSpec {
            unshare: vec![Ns::User, Ns::Pid, Ns::Uts, Ns::Net, Ns::Mount, Ns::Ipc],
            deny_setgroups: true,
            hostname: Some("kdeck".into()),
            uid_map: root.clone(),
            gid_map: root,
        }
    }
}

fn map_text(lines: &[MapLine], own: u32) -> String {
    lines
        .iter()
        .map(|l| format!("{} {} {}\n", l.inside, l.outside.unwrap_or(own), l.count))
        .collect()
}

fn write_proc(file: &str, text: &str) -> Result<(), i32> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/proc/self/{file}"))
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| super::io_errno(&e))
}

/// Applies the spec and probes; returns the exit code.
pub fn run(spec: &NsSpec) -> i32 {
    let has = |n: Ns| spec.unshare.contains(&n);
    out::step("outside");
    out::say(format!(
        "uid {}, pid {}, hostname {}",
        nix::unistd::getuid(),
        std::process::id(),
        nsutil::hostname()
    ));
    let dir = match crate::files::private_temp_dir("kdeck-play-ns-") {
        Ok(d) => d,
        Err(e) => return out::fail(format!("could not make a temp dir: {e}")),
    };

    out::step("unshare");
    if let Err(code) = enter(spec) {
        return code;
    }
    let mounted = has(Ns::Mount) && mount_probe(dir.path());

    out::step("inside");
    let code = inside(has(Ns::Pid));
    if mounted {
        // Detaches only our own namespace's mount, so the temp dir can be removed.
        let _ = nix::mount::umount2(dir.path(), nix::mount::MntFlags::MNT_DETACH);
    }
    drop(dir);
    code.unwrap_or_else(|| out::pass("ran the variant: the results above are the kernel's answers"))
}

/// Unshares the spec's namespaces, writes its uid/gid maps and setgroups, and sets
/// its hostname (in a UTS namespace only), saying each step; the error is the exit
/// code of the step the kernel refused.
fn enter(spec: &NsSpec) -> Result<(), i32> {
    let flags = spec.unshare.iter().fold(0, |f, n| f | n.flag());
    // SAFETY: getuid/getgid never fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let call = format!("unshare({})", nsutil::flag_names(flags));
    out::say(format!("$ {call}"));
    // SAFETY: plain syscall; this re-executed child is single-threaded.
    if unsafe { libc::unshare(flags) } != 0 {
        return Err(refused(&call, last_errno()));
    }
    let writes = [
        (
            "uid_map",
            map_text(&spec.uid_map, uid),
            !spec.uid_map.is_empty(),
        ),
        ("setgroups", "deny".to_string(), spec.deny_setgroups),
        (
            "gid_map",
            map_text(&spec.gid_map, gid),
            !spec.gid_map.is_empty(),
        ),
    ];
    for (file, text, wanted) in writes {
        if !wanted {
            continue;
        }
        out::say(format!(
            "$ echo '{}' > /proc/self/{file}",
            text.trim_end().replace('\n', "\\n")
        ));
        if let Err(e) = write_proc(file, &text) {
            return Err(refused(&format!("writing /proc/self/{file}"), e));
        }
    }
    match &spec.hostname {
        Some(name) if spec.unshare.contains(&Ns::Uts) => {
            out::say(format!("$ sethostname({name:?})"));
            if let Err(e) = nix::unistd::sethostname(name) {
                return Err(refused("sethostname", e as i32));
            }
        }
        Some(_) => out::say("hostname: not set (no UTS namespace: it would change the host)"),
        None => {}
    }
    Ok(())
}

/// Runs the probes inside the namespaces: in a forked child (the first process of the
/// new pid namespace) when there is one; `Some` exit code when that went wrong.
fn inside(new_pid_ns: bool) -> Option<i32> {
    if !new_pid_ns {
        probes();
        return None;
    }
    out::say("fork(): the child is the first process of the new pid ns");
    match fork::spawn(|| {
        probes();
        0
    }) {
        Ok(pid) => match fork::wait_bounded(pid, fork::CHILD_TIMEOUT) {
            Ok(Exit::Exited(_)) => None,
            Ok(other) => Some(out::fail(format!("the child ended badly: {other:?}"))),
            Err(e) => Some(out::fail(format!("waitpid(): {}", errno_name(e)))),
        },
        Err(e) => Some(refused("fork() into the new pid ns", e)),
    }
}

/// In a new mount namespace: make `/` private, then mount a tmpfs on our temp dir.
fn mount_probe(dir: &std::path::Path) -> bool {
    use nix::mount::{MsFlags, mount};
    out::say("$ mount(NULL, \"/\", MS_REC|MS_PRIVATE)");
    let private = mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    );
    result(
        "make / private",
        private.map(|_| "ok".into()).map_err(|e| e as i32),
    );
    if private.is_err() {
        return false;
    }
    let tmpfs = mount(
        Some("kdeck"),
        dir,
        Some("tmpfs"),
        MsFlags::empty(),
        None::<&str>,
    );
    result(
        "mount tmpfs on the temp dir",
        tmpfs.map(|_| "ok".into()).map_err(|e| e as i32),
    );
    tmpfs.is_ok()
}

/// What is visible inside: ids, pid, hostname, interfaces, mounts.
fn probes() {
    // SAFETY: these never fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    result("uid", Ok(uid.to_string()));
    result("gid", Ok(gid.to_string()));
    result("pid", Ok(std::process::id().to_string()));
    result("hostname", Ok(nsutil::hostname()));
    result(
        "interfaces",
        Ok(nsutil::interfaces_text(&nsutil::interfaces())),
    );
    result(
        "mounts",
        nsutil::mount_count()
            .map(|n| n.to_string())
            .ok_or(libc::EIO),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_id_fills_outside() {
        let l = vec![MapLine {
            inside: 0,
            outside: None,
            count: 1,
        }];
        assert_eq!(map_text(&l, 1000), "0 1000 1\n");
    }
}
