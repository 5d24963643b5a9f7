//! Integration tests of the `ima` demo: the real binary as `kdeck __child ima`.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

struct Run {
    code: i32,
    out: String,
}

fn finish(mut cmd: Command, envs: &[(&str, &str)]) -> Run {
    cmd.env_remove("KDECK_PROBE_FORCE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run kdeck");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    eprintln!(
        "--- stdout ---\n{out}--- stderr ---\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Run {
        code: o.status.code().unwrap_or(-1),
        out,
    }
}

fn run(envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.args(["__child", "ima"]);
    finish(cmd, envs)
}

fn is_root() -> bool {
    // SAFETY: geteuid never fails.
    unsafe { libc::geteuid() == 0 }
}

/// Runs the binary as nobody (a copy in a temp dir nobody can read); None if we are
/// not root and so can't switch users.
fn run_as_nobody() -> Option<Run> {
    if !is_root() {
        eprintln!("skip: not root, can't switch to nobody with setpriv");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("kdeck");
    std::fs::copy(env!("CARGO_BIN_EXE_kdeck"), &bin).expect("copy binary");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["__child", "ima"]);
    Some(finish(cmd, &[]))
}

/// Our own look for IMA, independent of the crate: its securityfs directory, or LSM
/// id 111 in lsm_list_modules() (syscall 461).
fn ima_present() -> bool {
    if std::path::Path::new("/sys/kernel/security/ima").is_dir() {
        return true;
    }
    let mut ids = [0u64; 32];
    let mut size = std::mem::size_of_val(&ids) as u32;
    // SAFETY: ids holds `size` bytes.
    let n = unsafe { libc::syscall(461, ids.as_mut_ptr(), &mut size as *mut u32, 0u32) };
    n > 0 && ids[..n as usize].contains(&111)
}

fn securityfs_on_host() -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.contains(" - securityfs "))
}

const EPERM_LINES: &str = "inside a user namespace (uid 0 there):\n  mount securityfs → EPERM: IMA has no\n  per-container view (the IMA namespace\n  series, v14 Sep 2022, was never merged)\n";

fn assert_refusal(out: &str) {
    let u = out.find("##kdeck step userns").expect("userns step");
    assert!(
        out[u..]
            .contains("$ unshare(CLONE_NEWUSER|CLONE_NEWNS)\n$ mount -t securityfs securityfs ")
    );
    assert!(out[u..].contains(EPERM_LINES), "the EPERM lines");
    assert_eq!(out.matches("✓ ").count() + out.matches("✗ ").count(), 1);
}

fn assert_no_ima_run(r: &Run) {
    assert_eq!(r.code, 0);
    assert!(r.out.starts_with("##kdeck probe partial "));
    assert!(
        r.out
            .contains("lsm list lacks ima) — only the namespace refusal runs live")
    );
    let m = r
        .out
        .find("##kdeck step measurements")
        .expect("measurements step");
    assert!(r.out[m..].starts_with("##kdeck step measurements\n##kdeck partial measurements "));
    assert_refusal(&r.out);
    assert!(r.out.contains(
        "✓ a user namespace can't mount securityfs (EPERM): IMA has no per-container view"
    ));
}

#[test]
fn here_measurements_partial_and_userns_refused() {
    let mounted_before = securityfs_on_host();
    let r = run(&[]);
    if ima_present() {
        eprintln!("this kernel has IMA: checking the live measurement list");
        assert_eq!(r.code, 0);
        assert!(r.out.starts_with("##kdeck probe yes IMA active"));
        if is_root() {
            assert!(r.out.contains("$ wc -l ima/ascii_runtime_measurements\n  "));
            assert!(!r.out.contains("##kdeck partial measurements"));
        }
        assert_refusal(&r.out);
    } else {
        assert_no_ima_run(&r);
        if is_root() {
            // Root could look inside securityfs (mounted in a throwaway namespace).
            assert!(
                r.out.contains(
                    "##kdeck partial measurements this kernel has no IMA (CONFIG_IMA off)"
                )
            );
            assert!(
                r.out
                    .contains("(no ima/ in securityfs; lsm list lacks ima)")
            );
        }
    }
    // Nothing was mounted on the host.
    assert_eq!(securityfs_on_host(), mounted_before);
}

#[test]
fn as_nobody_the_same_refusal() {
    if ima_present() {
        eprintln!("note: this kernel has IMA; nobody can't read its list either");
    }
    let Some(r) = run_as_nobody() else { return };
    if ima_present() {
        assert_eq!(r.code, 0);
        assert!(r.out.contains("##kdeck partial measurements "));
        assert_refusal(&r.out);
    } else {
        assert_no_ima_run(&r);
        assert!(
            r.out
                .contains("securityfs not mounted, mounting it needs root")
        );
    }
}

#[test]
fn forced_no_falls_back() {
    let r = run(&[("KDECK_PROBE_FORCE", "ima=no")]);
    assert_eq!(r.code, 3);
    assert!(r.out.contains("##kdeck probe no forced unsupported"));
    assert!(r.out.contains("\n##kdeck unsupported "));
    assert!(!r.out.contains("##kdeck step"));
}

#[test]
fn output_fits_the_pane() {
    let r = run(&[]);
    let lines: Vec<&str> = r
        .out
        .lines()
        .filter(|l| !l.starts_with("##kdeck"))
        .collect();
    assert!(lines.len() <= 30, "{} lines", lines.len());
    for l in lines
        .iter()
        .filter(|l| !l.starts_with('✓') && !l.starts_with('✗'))
    {
        assert!(l.chars().count() <= 56, "too wide: {l:?}");
    }
}
