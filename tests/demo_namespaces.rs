//! Live tests of the `namespaces` demo: run the real binary as `kdeck __child
//! namespaces`, as root and as nobody, and check what the kernel answered.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const KINDS: [&str; 6] = ["user", "pid", "uts", "mnt", "net", "ipc"];

struct Run {
    code: i32,
    stdout: String,
}

/// A path to the binary that uid 65534 can execute (a world-readable copy if some
/// directory on the way is not traversable); the TempDir must outlive the runs.
fn binary_for_nobody() -> (Option<tempfile::TempDir>, PathBuf) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kdeck"));
    let open_to_all = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    };
    if bin.ancestors().all(open_to_all) {
        return (None, bin);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let copy = dir.path().join("kdeck");
    std::fs::copy(&bin, &copy).expect("copy binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (Some(dir), copy)
}

fn run(as_nobody: bool, force: Option<&str>) -> Run {
    let (_keep, bin) = binary_for_nobody();
    let mut cmd = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(&bin)
    };
    cmd.args(["__child", "namespaces"]).current_dir("/");
    cmd.env_remove("KDECK_PROBE_FORCE");
    if let Some(f) = force {
        cmd.env("KDECK_PROBE_FORCE", f);
    }
    let out = cmd.output().expect("run kdeck");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
    }
}

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
fn table(stdout: &str) -> Vec<(String, u64, u64)> {
    stdout
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

fn assert_live_run(as_nobody: bool) {
    let before = hostname();
    let mounts_before = mountinfo();
    let r = run(as_nobody, None);
    let after = hostname();
    assert_eq!(
        mounts_before,
        mountinfo(),
        "the host mount table is unchanged"
    );
    assert_eq!(r.code, 0, "exit code");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        r.stdout
            .starts_with("##kdeck probe yes unshare(CLONE_NEWUSER) ok")
    );
    for step in ["host", "unshare", "inside", "proc", "compare", "after"] {
        assert!(
            lines.contains(&format!("##kdeck step {step}").as_str()),
            "{step}"
        );
    }
    assert!(
        !r.stdout.contains("##kdeck partial"),
        "everything runs live here"
    );
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = if as_nobody {
        (65534, 65534)
    } else {
        unsafe { (libc::getuid(), libc::getgid()) }
    };
    let map_line = format!("  = 0; uid_map \"0 {uid} 1\", gid_map \"0 {gid} 1\"");
    assert!(lines.contains(&map_line.as_str()), "{map_line}");
    assert!(r.stdout.contains(&format!("  uid {uid}, pid ")));
    assert!(lines.contains(&"  getuid() = 0   getpid() = 1"));
    assert!(lines.contains(&"  hostname: \"kdeck-demo\""));
    assert!(lines.contains(&"  interfaces: lo (down)"), "only lo, down");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  = 0; /proc now lists 1 process: 1 kdeck")),
        "the fresh proc lists only pid 1"
    );
    let rows = table(&r.stdout);
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
    // SAFETY: getuid cannot fail.
    if unsafe { libc::getuid() } != 0 {
        eprintln!("skipped: setpriv to nobody needs root");
        return;
    }
    assert_live_run(true);
}

#[test]
fn namespaces_forced_no_falls_back() {
    let r = run(false, Some("namespaces=no"));
    assert_eq!(r.code, 3);
    assert!(r.stdout.starts_with("##kdeck probe no forced unsupported"));
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("##kdeck unsupported "))
    );
    assert!(!r.stdout.contains("##kdeck step"), "no live step ran");
}
