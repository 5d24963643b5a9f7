//! Live tests of the `container` demo: run the real binary as `kdeck __child
//! container`, as the test user and as nobody, and check the namespace table against
//! this test process's own namespaces.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const KINDS: [&str; 8] = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];

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
    cmd.args(["__child", "container"]).current_dir("/");
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

/// The inode of this test process's own namespace, `None` where the kernel has none.
fn own_inode(kind: &str) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/self/ns/{kind}")).ok()?;
    let s = link.to_string_lossy().into_owned();
    s.split_once(":[")
        .and_then(|(_, r)| r.strip_suffix(']'))
        .and_then(|n| n.parse().ok())
}

/// The "ns | host | container" rows: (kind, host, container); "-" = no such ns.
fn table(stdout: &str) -> Vec<(String, Option<u64>, Option<u64>)> {
    stdout
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
fn container_pid(stdout: &str) -> i32 {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("  the \"container\" is host pid "))
        .and_then(|p| p.parse().ok())
        .expect("container pid line")
}

fn assert_live_run(as_nobody: bool) {
    let r = run(as_nobody, None);
    assert_eq!(r.code, 0, "exit code");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        r.stdout
            .starts_with("##kdeck probe yes unshare(CLONE_NEWUSER) ok")
    );
    for step in ["start", "table", "cgroup", "no-object"] {
        assert!(
            lines.contains(&format!("##kdeck step {step}").as_str()),
            "{step}"
        );
    }
    // SAFETY: getuid/getgid cannot fail.
    let (uid, gid) = if as_nobody {
        (65534, 65534)
    } else {
        unsafe { (libc::getuid(), libc::getgid()) }
    };
    let map_line = format!("  = 0; uid_map \"0 {uid} 1\", gid_map \"0 {gid} 1\"");
    assert!(lines.contains(&map_line.as_str()), "{map_line}");

    let rows = table(&r.stdout);
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
    let pid = container_pid(&r.stdout);
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
    assert_live_run(false);
}

#[test]
fn container_live_as_nobody() {
    // SAFETY: getuid cannot fail.
    if unsafe { libc::getuid() } != 0 {
        eprintln!("skipped: setpriv to nobody needs root");
        return;
    }
    assert_live_run(true);
}

#[test]
fn container_forced_no_falls_back() {
    let r = run(false, Some("container=no"));
    assert_eq!(r.code, 3);
    assert!(r.stdout.starts_with("##kdeck probe no forced unsupported"));
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("##kdeck unsupported "))
    );
    assert!(!r.stdout.contains("##kdeck step"), "no live step ran");
}
