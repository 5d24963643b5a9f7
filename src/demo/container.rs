//! The `container` demo: the missing container object.
//!
//! The kernel has no "container": a runtime starts a process in a set of new namespaces
//! and puts it in a cgroup. The demo does just that (user first, so no privilege is
//! needed), then reads /proc/<pid>/ns/* and /proc/<pid>/cgroup of both the host process
//! and the "container" from the host side while the container's pid 1 waits on a pipe,
//! and shows there is nothing else: no /proc/<pid>/container, no audit container id.

use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use super::namespaces::nsutil::{self, Exit, INNER_FLAGS, NsError};
use super::out;
use crate::probe::{Probe, errno_name};
use crate::sys::fork;

/// Every namespace kind in /proc/<pid>/ns, in the order ls shows them.
const KINDS: [&str; 8] = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/// The kinds every kernel that passed the probe gives us; all must differ.
const REQUIRED: [&str; 6] = ["ipc", "mnt", "net", "pid", "user", "uts"];

/// Unshared too when the kernel knows them (CLONE_NEWCGROUP 4.6, CLONE_NEWTIME 5.6).
const OPTIONAL_FLAGS: libc::c_int = libc::CLONE_NEWCGROUP | libc::CLONE_NEWTIME;

/// How long the demo waits for the container's report, and for its exit.
const REPORT_TIMEOUT: Duration = Duration::from_secs(3);
const EXIT_TIMEOUT: Duration = Duration::from_secs(3);

/// The three ends of the two pipes a child needs (raw: the forked child closes what it
/// does not use and leaves with `_exit`, so no destructor runs there).
#[derive(Clone, Copy)]
struct Fds {
    info_r: RawFd,
    info_w: RawFd,
    release_r: RawFd,
    release_w: RawFd,
}

/// What the outer child and the container's pid 1 report through the info pipe.
#[derive(Default, Debug)]
struct Report {
    flags: Option<libc::c_int>,
    uid_gid: Option<(u32, u32)>,
    pid: Option<i32>,
    cgroup_inside: Vec<String>,
    error: Option<NsError>,
}

impl Report {
    fn parse(text: &str) -> Self {
        let mut r = Report::default();
        for line in text.lines() {
            let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
            let mut words = rest.split_whitespace();
            match tag {
                "ok" => {
                    r.flags = words.next().and_then(|w| w.parse().ok());
                    let uid = words.next().and_then(|w| w.parse().ok());
                    let gid = words.next().and_then(|w| w.parse().ok());
                    r.uid_gid = uid.zip(gid);
                }
                "pid" => r.pid = words.next().and_then(|w| w.parse().ok()),
                "cg" => r.cgroup_inside.push(rest.to_string()),
                "err" => {
                    let (errno, call) = rest.split_once(' ').unwrap_or((rest, "?"));
                    r.error = Some(NsError {
                        call: call.to_string(),
                        errno: errno.parse().unwrap_or(0),
                    });
                }
                _ => {}
            }
        }
        r
    }
}

/// The live body (runs in the single-threaded `kdeck __child container`).
pub fn body(_probe: &Probe) -> i32 {
    out::step("start");
    let pipes = nsutil::pipe().and_then(|a| Ok((a, nsutil::pipe()?)));
    let ((info_r, info_w), (release_r, release_w)) = match pipes {
        Ok(p) => p,
        Err(e) => return out::fail(format!("{e}")),
    };
    let fds = Fds {
        info_r: info_r.as_raw_fd(),
        info_w: info_w.as_raw_fd(),
        release_r: release_r.as_raw_fd(),
        release_w: release_w.as_raw_fd(),
    };
    let outer_pid = match nsutil::fork_child(|| outer(fds)) {
        Ok(pid) => pid,
        Err(e) => return out::fail(format!("{e}")),
    };
    drop(info_w);
    drop(release_r);
    let info = fork::read_until_eof(&info_r, Instant::now() + REPORT_TIMEOUT);
    let report = Report::parse(&String::from_utf8_lossy(&info));
    let code = show(&report);
    // Closing the release pipe lets the container's pid 1 exit.
    drop(release_w);
    let exit = nsutil::wait_bounded(outer_pid, EXIT_TIMEOUT);
    if code == out::EXIT_PASS && exit != Ok(Exit::Exited(0)) {
        let how = exit.map_or_else(errno_name, nsutil::exit_text);
        return out::fail(format!("the container process ended badly: {how}"));
    }
    code
}

/// Everything the audience sees after the start; returns the exit code.
fn show(report: &Report) -> i32 {
    out::say("Starting one process in fresh namespaces:");
    if let Some(e) = &report.error {
        out::say(format!("$ {}", e.call));
        if e.is_refusal() {
            return out::unsupported(format!("{e}{}", nsutil::refusal_evidence()));
        }
        return out::fail(format!("{e}"));
    }
    let (Some(flags), Some((uid, gid)), Some(pid)) = (report.flags, report.uid_gid, report.pid)
    else {
        return out::fail("the container process did not report back");
    };
    out::say(format!("$ unshare({})", nsutil::flag_names(flags)));
    out::say(format!(
        "  = 0; uid_map \"0 {uid} 1\", gid_map \"0 {gid} 1\""
    ));
    out::say("$ fork() → pid 1 inside; it waits on a pipe");
    out::say(format!("  the \"container\" is host pid {pid}"));

    out::step("table");
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };
    let differ = show_table(me, pid);
    out::step("cgroup");
    let cgroup_same = show_cgroup(me, pid, &report.cgroup_inside);
    out::step("no-object");
    let no_object = show_no_object(pid);

    let required_differ = REQUIRED.iter().all(|k| differ.contains(k));
    if required_differ && cgroup_same && no_object {
        out::pass(format!(
            "the kernel's whole idea of this container: {} namespace ids + a cgroup path — no container object",
            differ.len()
        ))
    } else {
        out::fail("the container did not look as expected")
    }
}

/// The host | container table of namespace inodes; returns the kinds that differ.
fn show_table(host: i32, container: i32) -> Vec<&'static str> {
    out::say(format!("$ readlink /proc/{{{host},{container}}}/ns/*"));
    let rows: Vec<(&str, Option<u64>, Option<u64>)> = KINDS
        .iter()
        .map(|k| {
            (
                *k,
                nsutil::ns_inode(&host.to_string(), k),
                nsutil::ns_inode(&container.to_string(), k),
            )
        })
        .collect();
    let titles = (format!("host {host}"), format!("container {container}"));
    for line in nsutil::ns_table((&titles.0, &titles.1), &rows) {
        out::say(line);
    }
    let differ: Vec<&'static str> = KINDS
        .iter()
        .zip(&rows)
        .filter(|(_, (_, h, c))| h.is_some() && c.is_some() && h != c)
        .map(|(k, _)| *k)
        .collect();
    out::say(format!(
        "  {} of {} differ; nothing else ties them together",
        differ.len(),
        rows.iter().filter(|(_, h, _)| h.is_some()).count()
    ));
    differ
}

/// /proc/<pid>/cgroup of both, from the host; and the container's own view.
/// Returns whether host and container are in the same cgroups.
fn show_cgroup(host: i32, container: i32, inside: &[String]) -> bool {
    out::say(format!("$ cat /proc/{{{host},{container}}}/cgroup"));
    let read = |pid: i32| std::fs::read_to_string(format!("/proc/{pid}/cgroup"));
    let (h, c) = match (read(host), read(container)) {
        (Ok(h), Ok(c)) => (h, c),
        (Err(e), _) | (_, Err(e)) => {
            out::say(format!("  {e}"));
            return false;
        }
    };
    let same = h == c;
    let n = h.lines().count();
    let verb = if same { "identical" } else { "DIFFERENT" };
    let plural = if n == 1 { "" } else { "s" };
    out::say(format!("  {n} line{plural} each, {verb}"));
    if let Some(line) = deepest(&h) {
        out::say(format!("  e.g. {}", ellipsize(line, 49)));
        let hierarchy = line.split(':').next().unwrap_or("");
        let own = inside
            .iter()
            .find(|l| l.split(':').next() == Some(hierarchy));
        if let Some(own) = own {
            out::say(format!(
                "  inside, it reads its own: {}",
                ellipsize(own, 26)
            ));
        }
    }
    out::say("  a runtime would also put it in its own cgroup");
    same
}

/// The /proc/<pid>/cgroup line with the longest path (the most telling one).
fn deepest(cgroup: &str) -> Option<&str> {
    cgroup
        .lines()
        .max_by_key(|l| l.rsplit(':').next().map_or(0, str::len))
}

/// Shortens `s` to at most `max` characters, ending in "…".
fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Looks in /proc/<pid> for anything naming a container; true if there is none.
fn show_no_object(pid: i32) -> bool {
    out::say(format!("$ ls /proc/{pid} | grep -i container"));
    let entries: Vec<String> = match std::fs::read_dir(format!("/proc/{pid}")) {
        Ok(dir) => dir
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            out::say(format!("  {e}"));
            return false;
        }
    };
    let hits: Vec<&String> = entries
        .iter()
        .filter(|n| n.to_lowercase().contains("container"))
        .collect();
    if hits.is_empty() {
        out::say(format!("  nothing among its {} entries", entries.len()));
    } else {
        let names: Vec<&str> = hits.iter().map(|s| s.as_str()).collect();
        out::say(format!("  found: {}", names.join(", ")));
    }
    out::say(format!("$ cat /proc/{pid}/audit_containerid"));
    let audit_id = std::fs::read_to_string(format!("/proc/{pid}/audit_containerid"));
    let audit_missing = match &audit_id {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            out::say("  ENOENT: the audit container id was never merged");
            true
        }
        Err(e) => {
            out::say(format!("  {e}"));
            false
        }
        Ok(v) => {
            out::say(format!("  {}", v.trim()));
            false
        }
    };
    hits.is_empty() && audit_missing
}

/// Writes one report line (one write(2), well under PIPE_BUF, so lines never mix).
fn send(fd: RawFd, line: &str) {
    let text = format!("{line}\n");
    // SAFETY: writes from our own buffer of the given length.
    let _ = unsafe { libc::write(fd, text.as_ptr().cast(), text.len()) };
}

fn close(fd: RawFd) {
    // SAFETY: closes this process's copy of a pipe end it does not use.
    unsafe { libc::close(fd) };
}

/// The outer child: enters the namespaces, forks the container's pid 1, reports both.
fn outer(fds: Fds) -> i32 {
    close(fds.info_r);
    close(fds.release_w);
    let entered = match nsutil::enter(INNER_FLAGS, OPTIONAL_FLAGS) {
        Ok(e) => e,
        Err(e) => {
            send(fds.info_w, &format!("err {} {}", e.errno, e.call));
            return out::EXIT_UNSUPPORTED;
        }
    };
    send(
        fds.info_w,
        &format!("ok {} {} {}", entered.flags, entered.uid, entered.gid),
    );
    let pid = match nsutil::fork_child(|| container_init(fds)) {
        Ok(pid) => pid,
        Err(e) => {
            send(fds.info_w, &format!("err {} {}", e.errno, e.call));
            return out::EXIT_FAIL;
        }
    };
    send(fds.info_w, &format!("pid {pid}"));
    close(fds.info_w);
    close(fds.release_r);
    match nsutil::wait_bounded(pid, REPORT_TIMEOUT + EXIT_TIMEOUT) {
        Ok(Exit::Exited(c)) => c,
        _ => out::EXIT_FAIL,
    }
}

/// The container's pid 1: reports its own view of its cgroup, then waits until the
/// demo closes the release pipe (EOF).
fn container_init(fds: Fds) -> i32 {
    if let Ok(text) = std::fs::read_to_string("/proc/self/cgroup") {
        for line in text.lines() {
            send(fds.info_w, &format!("cg {line}"));
        }
    }
    close(fds.info_w);
    let mut byte = 0u8;
    // SAFETY: reads at most one byte into our own variable; returns 0 at EOF.
    unsafe { libc::read(fds.release_r, (&mut byte as *mut u8).cast(), 1) };
    out::EXIT_PASS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_parses() {
        let r = Report::parse("ok 7 0 0\ncg 0::/\npid 42\n");
        assert_eq!(r.flags, Some(7));
        assert_eq!(r.uid_gid, Some((0, 0)));
        assert_eq!(r.pid, Some(42));
        assert_eq!(r.cgroup_inside, vec!["0::/".to_string()]);
        let e = Report::parse("err 1 unshare(USER)").error;
        assert_eq!(e.map(|e| e.errno), Some(1));
    }

    #[test]
    fn ellipsis_shortens() {
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("abc", 4), "abc");
    }
}
