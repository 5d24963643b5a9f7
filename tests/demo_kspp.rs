//! The `kspp` demo and the `kdeck kspp` library API: the live table of this machine
//! checked against values the test reads itself, fixture configs with exact scores,
//! the JSON shape, malformed input, and memfd_secret vs /proc/PID/mem live.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::child::{assert_forced_fallback, child, child_as_nobody, child_as_root};
use kdeck::demo::kspp::{self, KsppError, SysctlSource};
use serde_json::Value;

const ID: &str = "kspp";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kspp")
        .join(name)
}

/// JSON report of `kdeck kspp --config <fixture> --sysctl <fixture> --json`.
fn fixture_report(stem: &str) -> Value {
    let cfg = fixture(&format!("{stem}.config"));
    let sys = fixture(&format!("{stem}.sysctl"));
    let json = kspp::run_cli(Some(&cfg), Some(&sys), true).expect("run_cli");
    serde_json::from_str(&json).expect("valid JSON")
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no row for {name}"))
}

/// The pane row of a setting: "  ✗ kernel.kptr_restrict             0".
fn pane_row<'a>(text: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix("  ")?;
        let (mark, rest) = rest.split_once(' ')?;
        let (n, value) = rest.split_once(' ')?;
        (n == name).then_some((mark, value.trim()))
    })
}

// ---- live: this machine ------------------------------------------------------------

#[test]
fn live_kptr_restrict_row_matches_proc_sys() {
    let raw =
        std::fs::read_to_string("/proc/sys/kernel/kptr_restrict").expect("read kptr_restrict");
    let value = raw.trim();
    let want_pass = value.parse::<i64>().expect("number") >= 1;

    let report: Value =
        serde_json::from_str(&kspp::run_cli(None, None, true).expect("run_cli")).expect("json");
    let row = check(&report, "kernel.kptr_restrict");
    assert_eq!(row["actual"], value);
    assert_eq!(row["pass"], want_pass);
    assert_eq!(row["kind"], "sysctl");
    assert_eq!(report["sysctl_source"], "/proc/sys (live)");

    let r = child(ID, &[]);
    let text = &r.out;
    let (mark, shown) = pane_row(text, "kernel.kptr_restrict").expect("pane row");
    assert_eq!(mark, if want_pass { "✓" } else { "✗" }, "{text}");
    assert_eq!(shown, value);
}

/// The running config, read by the test itself with zcat (or from /boot).
fn independent_config() -> Option<(String, String)> {
    if Path::new("/proc/config.gz").exists() {
        let out = Command::new("zcat")
            .arg("/proc/config.gz")
            .output()
            .expect("zcat");
        assert!(out.status.success(), "zcat /proc/config.gz failed");
        return Some((
            "/proc/config.gz".into(),
            String::from_utf8_lossy(&out.stdout).into(),
        ));
    }
    let release = String::from_utf8(
        Command::new("uname")
            .arg("-r")
            .output()
            .expect("uname")
            .stdout,
    )
    .expect("utf8");
    let path = format!("/boot/config-{}", release.trim());
    std::fs::read_to_string(&path).ok().map(|t| (path, t))
}

#[test]
fn live_config_rows_match_the_config_file() {
    let report: Value =
        serde_json::from_str(&kspp::run_cli(None, None, true).expect("run_cli")).expect("json");
    let Some((source, text)) = independent_config() else {
        println!("SKIP config part: no /proc/config.gz or /boot/config-<release> here");
        assert_eq!(report["config_source"], "unavailable");
        let checks = report["checks"].as_array().expect("checks");
        assert!(checks.iter().all(|c| c["kind"] == "sysctl"));
        return;
    };
    assert_eq!(report["config_source"], source.as_str());
    for name in ["CONFIG_INIT_ON_ALLOC_DEFAULT_ON", "CONFIG_VMAP_STACK"] {
        let set = text.lines().any(|l| l == format!("{name}=y"));
        let not_set = text.lines().any(|l| l == format!("# {name} is not set"));
        let row = check(&report, name);
        assert_eq!(row["kind"], "config");
        assert_eq!(row["pass"], set, "{name}");
        let want = if set {
            "y"
        } else if not_set {
            "not set"
        } else {
            "missing"
        };
        assert_eq!(row["actual"], want, "{name}");
    }
}

#[test]
fn live_demo_as_root_shows_eio_for_the_secret_page() {
    let Some(r) = child_as_root(ID, &[]) else {
        return;
    };
    let text = &r.out;
    assert_eq!(r.code, 0, "{text}");
    assert!(text.contains("» step checks"), "{text}");
    assert!(text.contains("» step xpfo"), "{text}");
    if kspp::memfd_secret().is_err() {
        println!("SKIP EIO part: memfd_secret unavailable on this kernel");
        assert!(
            text.contains("» partial xpfo memfd_secret unavailable"),
            "{text}"
        );
        return;
    }
    assert!(text.contains("» probe yes"), "{text}");
    assert!(
        text.contains("  anonymous page → \"plain anonymous page\""),
        "{text}"
    );
    assert!(text.contains("  secret page    → -1 EIO"), "{text}");
    assert!(text.contains("$ memfd_secret(0) = "), "{text}");

    // The score in the verdict is the one the library computes for this machine.
    let report: Value =
        serde_json::from_str(&kspp::run_cli(None, None, true).expect("run_cli")).expect("json");
    let score = report["score"].as_str().expect("score");
    let verdict = text.lines().last().expect("a last line");
    assert_eq!(
        verdict,
        format!(
            "✓ KSPP: {score} checks pass on this kernel; reading a memfd_secret page via \
             /proc/PID/mem gave EIO, an ordinary page read back"
        )
    );
    assert!(
        text.contains(&format!("\n{score} KSPP checks pass\n")),
        "{text}"
    );
}

#[test]
fn live_pane_lists_failures_with_why_then_passes() {
    let text = child(ID, &[]).out;
    let fail_at = text.find("Failing (").expect("failing header");
    let pass_at = text.find("Passing (").expect("passing header");
    assert!(fail_at < pass_at);
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if l.starts_with("  ✗ ") {
            assert!(lines[i + 1].starts_with("      "), "no why after {l}");
        }
        if !l.starts_with("»") && !l.starts_with("✓ ") {
            assert!(l.chars().count() <= 56, "too wide for the pane: {l:?}");
        }
    }
}

#[test]
fn as_nobody_exits_zero_with_the_eio_demo_or_a_yama_partial() {
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    let text = &r.out;
    assert_eq!(r.code, 0, "{text}");
    let eio = text.contains("  secret page    → -1 EIO")
        && text.contains("  anonymous page → \"plain anonymous page\"");
    let partial = text.lines().any(|l| {
        l.starts_with("» partial xpfo ")
            && (l.contains("ptrace_scope") || l.contains("memfd_secret unavailable"))
    });
    assert!(eio || partial, "{text}");
    // bpf_jit_harden is root-only (0600) on this kernel: not decided as nobody.
    let harden = std::fs::metadata("/proc/sys/net/core/bpf_jit_harden");
    if harden.is_ok_and(|m| m.permissions().mode() & 0o004 == 0) {
        let (mark, why) = pane_row(text, "net.core.bpf_jit_harden").expect("row");
        assert_eq!((mark, why), ("?", "EACCES"), "{text}");
    }
}

#[test]
fn forced_no_falls_back_with_exit_3() {
    assert_forced_fallback(ID);
}

// ---- fixtures -----------------------------------------------------------------------

#[test]
fn hardened_fixture_scores_32_of_32() {
    let r = fixture_report("hardened");
    assert_eq!(
        (r["passed"].as_u64(), r["total"].as_u64()),
        (Some(32), Some(32))
    );
    assert_eq!(r["score"], "32/32");
    assert_eq!(r["skipped"].as_array().map(Vec::len), Some(0));
    assert_eq!(check(&r, "kernel.kptr_restrict")["actual"], "2");
    assert_eq!(check(&r, "CONFIG_DEVMEM")["actual"], "y");
    assert_eq!(
        check(&r, "CONFIG_DEVMEM")["matched"],
        "CONFIG_IO_STRICT_DEVMEM=y"
    );
}

#[test]
fn default_fixture_scores_14_of_32() {
    let r = fixture_report("default");
    assert_eq!(r["score"], "14/32");
    let sig = check(&r, "CONFIG_MODULE_SIG_FORCE");
    assert_eq!(
        (&sig["pass"], &sig["actual"]),
        (&Value::Bool(false), &Value::from("missing"))
    );
    assert_eq!(sig["desired"], "y, or CONFIG_MODULES not set");
    let bpf = check(&r, "kernel.unprivileged_bpf_disabled");
    assert_eq!(
        (&bpf["pass"], &bpf["desired"]),
        (
            &Value::Bool(true),
            &Value::from("1 or 2, or CONFIG_BPF_SYSCALL not set")
        )
    );
    assert_eq!(check(&r, "CONFIG_SLAB_MERGE_DEFAULT")["actual"], "y");
}

#[test]
fn ancient_fixture_scores_6_of_32() {
    let r = fixture_report("ancient");
    assert_eq!(r["score"], "6/32");
    // DEBUG_RODATA was STRICT_KERNEL_RWX before 4.11.
    let rwx = check(&r, "CONFIG_STRICT_KERNEL_RWX");
    assert_eq!(rwx["pass"], true);
    assert_eq!(rwx["matched"], "CONFIG_DEBUG_RODATA=y");
    // KEXEC=y before KEXEC_CORE existed: absent KEXEC_CORE is no excuse.
    assert_eq!(check(&r, "kernel.kexec_load_disabled")["pass"], false);
    // No CONFIG_DEVMEM symbol at all: /dev/mem was always there.
    assert_eq!(check(&r, "CONFIG_DEVMEM")["pass"], false);
    assert_eq!(check(&r, "kernel.kptr_restrict")["actual"], "missing");
    assert_eq!(check(&r, "CONFIG_STACKPROTECTOR_STRONG")["pass"], false);
}

#[test]
fn json_shape_names_settings_exactly() {
    let r = fixture_report("default");
    for key in [
        "checks",
        "skipped",
        "passed",
        "total",
        "score",
        "config_source",
        "sysctl_source",
    ] {
        assert!(r.get(key).is_some(), "missing key {key}");
    }
    assert!(
        r["config_source"]
            .as_str()
            .expect("str")
            .ends_with("default.config")
    );
    let checks = r["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 32);
    for c in checks {
        let name = c["name"].as_str().expect("name");
        for key in ["kind", "desired", "actual", "pass", "why"] {
            assert!(c.get(key).is_some(), "{name}: missing {key}");
        }
        match c["kind"].as_str() {
            Some("config") => assert!(name.starts_with("CONFIG_"), "{name}"),
            Some("sysctl") => assert!(name.contains('.') && !name.contains(' '), "{name}"),
            other => panic!("{name}: kind {other:?}"),
        }
    }
    for name in [
        "CONFIG_INIT_ON_ALLOC_DEFAULT_ON",
        "kernel.kptr_restrict",
        "net.core.bpf_jit_harden",
    ] {
        check(&r, name);
    }
}

#[test]
fn text_output_is_a_table_with_the_score() {
    let text = kspp::run_cli(
        Some(&fixture("ancient.config")),
        Some(&fixture("ancient.sysctl")),
        false,
    )
    .expect("run_cli");
    assert!(text.contains("ancient.config"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("✗ CONFIG_INIT_ON_ALLOC_DEFAULT_ON ")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("✓ fs.suid_dumpable ")),
        "{text}"
    );
    assert!(text.trim_end().ends_with("6/32 KSPP checks pass"), "{text}");
}

#[test]
fn gzipped_config_reads_like_plain() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let gz = dir.path().join("config.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create"),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(fixture("default.config")).expect("read"))
        .expect("write");
    enc.finish().expect("finish");
    let json = kspp::run_cli(Some(&gz), Some(&fixture("default.sysctl")), true).expect("run_cli");
    let r: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(r["score"], "14/32");
}

#[test]
fn malformed_config_line_names_file_and_line() {
    let path = fixture("malformed.config");
    let err =
        kspp::run_cli(Some(&path), Some(&fixture("default.sysctl")), true).expect_err("malformed");
    assert!(
        matches!(err, KsppError::Malformed { line: 8, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}:8: ", path.display())), "{msg}");
    assert!(msg.contains("CONFIG_VMAP_STACK y"), "{msg}");
}

#[test]
fn malformed_sysctl_line_names_file_and_line() {
    let path = fixture("malformed.sysctl");
    let err =
        kspp::run_cli(Some(&fixture("default.config")), Some(&path), false).expect_err("malformed");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3: ", path.display())),
        "{err}"
    );
}

#[test]
fn unreadable_file_is_named() {
    let err = kspp::run_cli(Some(Path::new("/nonexistent/kspp.config")), None, true)
        .expect_err("missing file");
    assert_eq!(
        err.to_string(),
        "/nonexistent/kspp.config: its directory /nonexistent does not exist"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let err = kspp::run_cli(Some(dir.path()), None, true).expect_err("a directory");
    assert_eq!(
        err.to_string(),
        format!("{}: is a directory", dir.path().display())
    );
}

#[test]
fn without_a_config_only_sysctls_are_scored() {
    let sys = kspp::load_sysctl_file(&fixture("hardened.sysctl")).expect("dump");
    let r = kspp::evaluate(None, &sys).expect("evaluate");
    assert_eq!(r.config_source, "unavailable");
    assert_eq!((r.passed, r.total), (13, 13));
    assert!(r.checks.iter().all(|c| c.kind == kspp::Kind::Sysctl));
    assert_eq!(r.skipped.len(), 19);
    assert!(r.skipped.iter().all(|s| s.reason == "no kernel config"));
    // The live sysctls alone work too.
    let live = kspp::evaluate(None, &SysctlSource::Live).expect("evaluate live");
    assert!(live.total > 0);
}

// ---- command line: agreement with kernel-hardening-checker ----------------------------

/// `kdeck kspp --config --sysctl --cmdline --json` on a 6.12 guest's command line.
fn guest_612_report(profile: &str) -> Value {
    let json = kspp::run_cli_with_cmdline(
        Some(&fixture("guest-6.12.config")),
        Some(&fixture("default.sysctl")),
        Some(&fixture(&format!("guest-6.12-{profile}.cmdline"))),
        true,
    )
    .expect("run_cli");
    serde_json::from_str(&json).expect("json")
}

/// `kdeck kspp --cmdline` on the real /proc/cmdline of Debian's 6.12 booted by
/// `kdeck matrix` (profiles `hardened` and `no-landlock`), with the config symbols the
/// command-line checks read from that kernel's config (guest-6.12.config), against
/// kernel-hardening-checker's own verdicts on the same files. khc-6.12-*.json is the
/// output of kernel-hardening-checker 0.6.17.1 (a13xp0p0v/kernel-hardening-checker:
/// checks.py and engine.py at commit 0adbbd64c62e77b0735bd0d3e1eb0bdf6588dec2, cli.py at
/// commit 2683e2f8cc1b176ea6341bab0c322ba51ed57827), run as
/// `kernel-hardening-checker -c guest-6.12.config -l guest-6.12-PROFILE.cmdline -m json`,
/// filtered to its command-line records with `jq --indent 1 '[.[] | select(.type ==
/// "cmdline")]'` (its other records judge the config, which this test does not compare).
/// Run on Debian's whole config-6.12.117+deb12-amd64 instead, it gives the same
/// command-line records. Every option both check must agree, and kdeck checks every one
/// of its options but the four arm64-only ones.
#[test]
fn cmdline_checks_agree_with_kernel_hardening_checker() {
    for profile in ["hardened", "no-landlock"] {
        let ours = guest_612_report(profile);
        assert!(
            ours["cmdline_source"]
                .as_str()
                .is_some_and(|s| s.ends_with(&format!("guest-6.12-{profile}.cmdline")))
        );
        let theirs: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("khc-6.12-{profile}.json"))).expect("read"),
        )
        .expect("json");
        let mut compared = 0;
        for t in theirs.as_array().expect("array") {
            let name = t["option_name"].as_str().expect("name");
            if name.starts_with("arm64.") {
                continue; // arm64-only options: not checked by kdeck
            }
            let row = check(&ours, name);
            assert_eq!(row["kind"], "cmdline", "{name}");
            assert_eq!(
                row["pass"], t["check_result_bool"],
                "{profile}: {name}: kdeck {row} vs kernel-hardening-checker {}",
                t["check_result"]
            );
            compared += 1;
        }
        let ours_cmdline = ours["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["kind"] == "cmdline")
            .count();
        assert_eq!(compared, ours_cmdline, "{profile}");
        assert_eq!(compared, 60, "{profile}");
    }
    // The hardened profile's command line makes the difference, by the same judge.
    let score = |p: &str| {
        guest_612_report(p)["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["kind"] == "cmdline" && c["pass"] == true)
            .count()
    };
    assert_eq!((score("hardened"), score("no-landlock")), (53, 24));
}
