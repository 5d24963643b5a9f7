//! Integration tests of the `timens` demo: run the real binary as `kdeck __child timens`
//! (as the current user and as `nobody`) and check the clocks it printed.

mod common;

use common::child::{Run, assert_forced_fallback, child, child_as_nobody};

const ID: &str = "timens";
const SEC: f64 = 1.0;
const DAY: f64 = 86_400.0;

/// The demo as uid 65534, or as the current user if that is already unprivileged.
fn run_as_nobody() -> Run {
    child_as_nobody(ID, &[]).unwrap_or_else(|| {
        eprintln!("not root: the current user is already unprivileged");
        child(ID, &[])
    })
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
fn assert_live(r: &Run) {
    let text = &r.out;
    assert!(
        text.starts_with("» probe yes unshare(CLONE_NEWUSER|CLONE_NEWTIME) ok"),
        "probe line: {text}"
    );
    assert_eq!(r.code, 0, "{text}");
    assert!(r.partial_steps().is_empty(), "{text}");
    assert!(!text.contains("» unsupported"), "{text}");

    let outside = r.section("outside");
    let inside = r.section("inside");
    let vdso = r.section("vdso");

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

    let unshare = r.section("unshare");
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

    let verdict = r.verdict();
    assert!(
        verdict.starts_with("✓ inside the time namespace uptime is +1 year")
            && verdict.contains("vDSO"),
        "verdict {verdict:?}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with('✓')).count(), 1);
}

#[test]
fn live_run_shifts_clocks_and_keeps_the_vdso() {
    assert_live(&child(ID, &[]));
}

#[test]
fn live_run_as_nobody() {
    assert_live(&run_as_nobody());
}

#[test]
fn forced_probe_no_falls_back() {
    assert_forced_fallback(ID);
}
