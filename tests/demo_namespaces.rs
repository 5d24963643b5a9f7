//! Live tests of the `namespaces` demo: run the real binary as `kdeck __child
//! namespaces`, as root and as nobody, and check what the kernel answered.

mod common;

use common::child::{Run, assert_forced_fallback, child, child_as_nobody, run_ids};

const ID: &str = "namespaces";

const KINDS: [&str; 6] = ["user", "pid", "uts", "mnt", "net", "ipc"];

fn own_inode(kind: &str) -> u64 {
    let link = std::fs::read_link(format!("/proc/self/ns/{kind}")).expect("readlink");
    let s = link.to_string_lossy().into_owned();
    s.split_once(":[")
        .and_then(|(_, r)| r.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
        .expect("ns inode")
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_string()
}

/// The "ns | host | inside" table rows: kind → (host, inside).
fn table(r: &Run) -> Vec<(String, u64, u64)> {
    r.out
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            if w.len() >= 3 && KINDS.contains(&w[0]) {
                Some((w[0].to_string(), w[1].parse().ok()?, w[2].parse().ok()?))
            } else {
                None
            }
        })
        .collect()
}

fn mountinfo() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo")
}

/// Runs the demo as the test user or (`as_nobody`) as uid 65534 and checks it all;
/// returns early, skipping, if nobody is out of reach (not root).
fn assert_live_run(as_nobody: bool) {
    let before = hostname();
    let mounts_before = mountinfo();
    let r = if as_nobody {
        child_as_nobody(ID, &[])
    } else {
        Some(child(ID, &[]))
    };
    let Some(r) = r else {
        return;
    };
    let after = hostname();
    assert_eq!(
        mounts_before,
        mountinfo(),
        "the host mount table is unchanged"
    );
    assert_eq!(r.code, 0, "exit code");
    let lines = r.lines();
    assert!(r.out.starts_with("» probe yes unshare(CLONE_NEWUSER) ok"));
    for step in ["host", "unshare", "inside", "proc", "compare", "after"] {
        assert!(r.steps().contains(&step), "{step}");
    }
    assert!(r.partial_steps().is_empty(), "everything runs live here");
    let (uid, gid) = run_ids(as_nobody);
    let map_line = format!("  = 0; uid_map \"0 {uid} 1\", gid_map \"0 {gid} 1\"");
    assert!(lines.contains(&map_line.as_str()), "{map_line}");
    assert!(r.out.contains(&format!("  uid {uid}, pid ")));
    assert!(lines.contains(&"  getuid() = 0   getpid() = 1"));
    assert!(lines.contains(&"  hostname: \"kdeck-demo\""));
    assert!(lines.contains(&"  interfaces: lo (down)"), "only lo, down");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  = 0; /proc now lists 1 process: 1 kdeck")),
        "the fresh proc lists only pid 1"
    );
    let rows = table(&r);
    assert_eq!(rows.len(), KINDS.len(), "one row per namespace");
    for (kind, host, inside) in &rows {
        assert_eq!(
            *host,
            own_inode(kind),
            "{kind}: host column = the test's own ns"
        );
        assert_ne!(host, inside, "{kind}: inside is a new namespace");
        assert_ne!(*inside, own_inode(kind), "{kind}");
    }
    assert_eq!(before, after, "the host hostname is unchanged");
    assert!(lines.contains(&format!("  hostname \"{before}\" (unchanged)").as_str()));
    assert_eq!(
        lines.last().copied(),
        Some("✓ uid 0, pid 1, own hostname, only lo — and the host saw none of it")
    );
}

/// As the user running the tests (root on the talk's VM).
#[test]
fn namespaces_live_as_test_user() {
    assert_live_run(false);
}

#[test]
fn namespaces_live_as_nobody() {
    assert_live_run(true);
}

#[test]
fn namespaces_forced_no_falls_back() {
    assert_forced_fallback(ID);
}
