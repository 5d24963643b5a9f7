//! Live tests of the `container` demo: run the real binary as `kdeck __child
//! container`, as the test user and as nobody, and check the namespace table against
//! this test process's own namespaces.

mod common;

use common::child::{Run, assert_forced_fallback, child, child_as_nobody, run_ids};

const ID: &str = "container";

const KINDS: [&str; 8] = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

/// The inode of this test process's own namespace, `None` where the kernel has none.
fn own_inode(kind: &str) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/self/ns/{kind}")).ok()?;
    let s = link.to_string_lossy().into_owned();
    s.split_once(":[")
        .and_then(|(_, r)| r.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
}

/// The "ns | host | container" rows: (kind, host, container); "-" = no such ns.
fn table(r: &Run) -> Vec<(String, Option<u64>, Option<u64>)> {
    r.out
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() >= 3 && KINDS.contains(&w[0]) {
                Some((w[0].to_string(), w[1].parse().ok(), w[2].parse().ok()))
            } else {
                None
            }
        })
        .collect()
}

/// The "  the \"container\" is host pid N" line.
fn container_pid(r: &Run) -> i32 {
    r.out
        .lines()
        .find_map(|l| l.strip_prefix("  the \"container\" is host pid "))
        .and_then(|p| p.parse().ok())
        .expect("container pid line")
}

/// Every live assertion, for a run as the test user or (`as_nobody`) as uid 65534.
fn assert_live_run(r: &Run, as_nobody: bool) {
    assert_eq!(r.code, 0, "exit code");
    let lines = r.lines();
    assert!(r.out.starts_with("» probe yes unshare(CLONE_NEWUSER) ok"));
    for step in ["start", "table", "cgroup", "no-object"] {
        assert!(r.steps().contains(&step), "{step}");
    }
    let (uid, gid) = run_ids(as_nobody);
    let map_line = format!("  = 0; uid_map \"0 {uid} 1\", gid_map \"0 {gid} 1\"");
    assert!(lines.contains(&map_line.as_str()), "{map_line}");

    let rows = table(r);
    assert_eq!(rows.len(), KINDS.len(), "one row per /proc/<pid>/ns entry");
    let unshared = lines
        .iter()
        .find_map(|l| l.strip_prefix("$ unshare("))
        .expect("unshare line");
    let mut differ = 0;
    for (kind, host, container) in &rows {
        // The demo runs in the namespaces it inherited from this test process.
        assert_eq!(
            *host,
            own_inode(kind),
            "{kind}: host column = the test's own ns"
        );
        let flag = match kind.as_str() {
            "mnt" => "NS",
            k => &k.to_uppercase(),
        };
        let flag_listed = unshared.contains(flag);
        if ["ipc", "mnt", "net", "pid", "user", "uts"].contains(&kind.as_str()) {
            assert!(flag_listed, "{kind} is always unshared");
        }
        if host.is_some() && flag_listed {
            assert!(container.is_some(), "{kind}: readable from the host");
            assert_ne!(host, container, "{kind}: the container's is new");
            differ += 1;
        } else {
            assert_eq!(host, container, "{kind}: not unshared, so shared");
        }
    }
    let present = rows.iter().filter(|(_, h, _)| h.is_some()).count();
    let summary = format!("  {differ} of {present} differ; nothing else ties them together");
    assert!(lines.contains(&summary.as_str()), "{summary}");
    assert!(lines.contains(&"  a runtime would also put it in its own cgroup"));
    assert!(
        lines.iter().any(|l| l.ends_with(" each, identical")),
        "same cgroup as the host process"
    );
    let pid = container_pid(r);
    assert!(lines.iter().any(|l| l.starts_with("  nothing among its ")));
    assert!(lines.contains(&format!("$ cat /proc/{pid}/audit_containerid").as_str()));
    assert!(lines.contains(&"  ENOENT: the audit container id was never merged"));
    assert_eq!(
        lines.last().copied(),
        Some(
            format!(
                "✓ the kernel's whole idea of this container: {differ} namespace ids + a cgroup path — no container object"
            )
            .as_str()
        )
    );
    // The container's pid 1 was released and reaped: gone, or the pid was reused.
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    assert_ne!(comm.trim(), "kdeck", "the container process is gone");
}

/// As the user running the tests (root on the talk's VM).
#[test]
fn container_live_as_test_user() {
    assert_live_run(&child(ID, &[]), false);
}

#[test]
fn container_live_as_nobody() {
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    assert_live_run(&r, true);
}

#[test]
fn container_forced_no_falls_back() {
    assert_forced_fallback(ID);
}
