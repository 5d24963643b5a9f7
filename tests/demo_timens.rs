//! Integration tests of the `timens` demo: run the real binary as `kdeck __child timens`
//! (as the current user and as `nobody`) and check the clocks it printed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kdeck");
const SEC: f64 = 1.0;
const DAY: f64 = 86_400.0;

/// A path `nobody` can execute: the built binary itself if every ancestor is
/// world-traversable, else a copy in a world-readable temp dir (kept alive by the guard).
fn nobody_binary() -> (PathBuf, Option<tempfile::TempDir>) {
    let bin = Path::new(BIN);
    let reachable = bin.ancestors().skip(1).all(|d| {
        std::fs::metadata(d)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    }) && std::fs::metadata(bin)
        .map(|m| m.permissions().mode() & 0o005 == 0o005)
        .unwrap_or(false);
    if reachable {
        return (bin.to_path_buf(), None);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let copy = dir.path().join("kdeck");
    std::fs::copy(bin, &copy).expect("copy binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (copy, Some(dir))
}

fn run_as_current() -> Output {
    Command::new(BIN)
        .args(["__child", "timens"])
        .env_remove("KDECK_PROBE_FORCE")
        .output()
        .expect("run kdeck")
}

/// Runs the demo as uid/gid 65534 (via setpriv when we are root; as ourselves if we
/// already are unprivileged).
fn run_as_nobody() -> Output {
    // SAFETY: geteuid never fails.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("not root: the current user is already unprivileged");
        return run_as_current();
    }
    let (bin, _guard) = nobody_binary();
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["__child", "timens"])
        .env_remove("KDECK_PROBE_FORCE")
        .output()
        .expect("run setpriv")
}

/// The lines printed after `##kdeck step <label>` and before the next control line
/// that starts a step.
fn section<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let marker = format!("##kdeck step {label}");
    text.lines()
        .skip_while(|l| *l != marker)
        .skip(1)
        .take_while(|l| !l.starts_with("##kdeck step "))
        .collect()
}

/// The number after `label` on the line that starts (after indentation) with it.
fn value(lines: &[&str], label: &str) -> f64 {
    let line = lines
        .iter()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} line in {lines:#?}"));
    line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"))
}

/// The line right after the one that starts with `prefix`.
fn answer_to<'a>(lines: &[&'a str], prefix: &str) -> &'a str {
    let i = lines
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {lines:#?}"));
    lines
        .get(i + 1)
        .unwrap_or_else(|| panic!("nothing after {prefix:?}"))
}

/// Every live assertion of the demo, for one run.
fn assert_live(out: &Output) {
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(
        text.starts_with("##kdeck probe yes unshare(CLONE_NEWUSER|CLONE_NEWTIME) ok"),
        "probe line: {text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("##kdeck partial"), "{text}");
    assert!(!text.contains("##kdeck unsupported"), "{text}");

    let outside = section(&text, "outside");
    let inside = section(&text, "inside");
    let vdso = section(&text, "vdso");

    let (up_out, up_in) = (
        value(&outside, "/proc/uptime"),
        value(&inside, "/proc/uptime"),
    );
    assert!(
        up_in >= up_out + 365.0 * DAY - 5.0 * SEC,
        "uptime inside {up_in} vs outside {up_out}"
    );
    assert!(up_in < up_out + 365.0 * DAY + 5.0 * SEC);

    let (mono_out, mono_in) = (value(&outside, "monotonic"), value(&inside, "monotonic"));
    assert!((mono_in - mono_out - DAY).abs() < 5.0 * SEC);
    let (boot_out, boot_in) = (value(&outside, "boottime"), value(&inside, "boottime"));
    assert!((boot_in - boot_out - 365.0 * DAY).abs() < 5.0 * SEC);
    let (real_out, real_in) = (value(&outside, "realtime"), value(&inside, "realtime"));
    assert!(
        (real_in - real_out).abs() < SEC,
        "realtime {real_out} → {real_in}"
    );
    assert!(inside.contains(&"  REALTIME is never shifted"));

    let unshare = section(&text, "unshare");
    assert!(unshare.contains(&"  monotonic 86400 0"), "{unshare:#?}");
    assert!(unshare.contains(&"  boottime 31536000 0"), "{unshare:#?}");

    assert!(
        vdso.iter()
            .any(|l| l.starts_with("vDSO mapped at 0x") && l.ends_with("(AT_SYSINFO_EHDR)")),
        "{vdso:#?}"
    );
    let via_vdso = answer_to(&vdso, "$ clock_gettime(CLOCK_MONOTONIC)");
    let shifted: f64 = via_vdso
        .trim_start()
        .strip_prefix("= ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("vDSO line {via_vdso:?}"));
    assert!(
        shifted >= mono_out + DAY && shifted < mono_out + DAY + 5.0 * SEC,
        "vDSO monotonic {shifted} vs outside {mono_out}"
    );
    let raw = answer_to(&vdso, "$ syscall(SYS_clock_gettime, CLOCK_MONOTONIC)");
    assert!(raw.starts_with("  = -1 EPERM"), "raw syscall line {raw:?}");

    let verdict = text.lines().last().unwrap_or_default();
    assert!(
        verdict.starts_with("✓ inside the time namespace uptime is +1 year")
            && verdict.contains("vDSO"),
        "verdict {verdict:?}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with('✓')).count(), 1);
}

#[test]
fn live_run_shifts_clocks_and_keeps_the_vdso() {
    assert_live(&run_as_current());
}

#[test]
fn live_run_as_nobody() {
    let out = run_as_nobody();
    assert_live(&out);
}

#[test]
fn forced_probe_no_falls_back() {
    let out = Command::new(BIN)
        .args(["__child", "timens"])
        .env("KDECK_PROBE_FORCE", "timens=no")
        .output()
        .expect("run kdeck");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("##kdeck unsupported ")),
        "{text}"
    );
    assert!(!text.contains("##kdeck step"), "{text}");
}
