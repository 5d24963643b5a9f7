//! Boots Debian 12's 6.1 kernel (profiles `default` and `no-userns`) and its 6.12
//! kernel (profiles `no-landlock` and `audit`) under qemu with kdeck as /init, in two
//! `kdeck matrix` runs side by side, and checks real outcomes: the exact errno of each
//! fallback, as root and as nobody, and what audit=1 changes. The kernel dirs come from KDECK_TEST_KERNEL_61 and KDECK_TEST_KERNEL_612
//! (scripts/ci-matrix.sh fetches them and prints the variables). Without them the test
//! fails under CI=true and is skipped, with the reason printed, elsewhere.

use std::path::PathBuf;
use std::process::Command;

use kdeck::matrix::{Cell, Matrix};

fn kernel(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(k) if !k.is_empty() => Some(PathBuf::from(k)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{var} is not set: under CI the matrix test must run. \
             Run `eval \"$(scripts/ci-matrix.sh)\"` first (it installs qemu and fetches the kernels)."
        ),
        _ => {
            eprintln!("skipped: {var} is not set (eval \"$(scripts/ci-matrix.sh)\" sets it)");
            None
        }
    }
}

fn cast_text(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cast = kdeck::cast::parse(&text, &path.display().to_string()).expect("a valid cast");
    kdeck::cast::output_lines(&cast)
        .into_iter()
        .filter_map(|(_, l)| match l {
            kdeck::cast::LineOrMarker::Line(t) => Some(t),
            kdeck::cast::LineOrMarker::Marker(_) => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn debian_kernels_with_boot_profiles_under_qemu() {
    let (Some(k61), Some(k612)) = (
        kernel("KDECK_TEST_KERNEL_61"),
        kernel("KDECK_TEST_KERNEL_612"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |kernel: &std::path::Path, profiles: &[&str], sub: &str| {
        let out_dir = dir.path().join(sub);
        Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args([
                "matrix",
                "--no-host",
                "--timeout",
                "150",
                "--jobs",
                "1",
                "--kernel",
            ])
            .arg(kernel)
            .arg("--profile")
            .args(profiles)
            .arg("--out")
            .arg(&out_dir)
            .arg("--json")
            .arg(dir.path().join(format!("{sub}.json")))
            .spawn()
            .expect("run kdeck matrix")
    };
    // Two guests at a time: the two 6.1 profiles one after the other, the two 6.12
    // profiles one after the other beside them.
    let mut a = run(&k61, &["default", "no-userns"], "k61");
    let mut b = run(&k612, &["no-landlock", "audit"], "k612");
    assert!(a.wait().unwrap().success(), "kdeck matrix on 6.1 failed");
    assert!(b.wait().unwrap().success(), "kdeck matrix on 6.12 failed");
    let read = |sub: &str| -> Matrix {
        serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("{sub}.json"))).unwrap(),
        )
        .unwrap()
    };
    let m61 = read("k61");
    let m612 = read("k612");
    check_61_default(&m61, &dir.path().join("k61"));
    check_61_no_userns(&m61);
    check_612_no_landlock(&m612, &dir.path().join("k612"));
    check_612_audit(
        &m612,
        &dir.path().join("k612"),
        &m61,
        &dir.path().join("k61"),
    );
}

fn cell<'a>(m: &'a Matrix, kernel: &str, demo: &str, user: &str) -> &'a Cell {
    m.cells
        .iter()
        .find(|c| c.demo == demo && c.user == user && c.kernel == kernel)
        .unwrap_or_else(|| panic!("no cell for {demo} as {user} on {kernel}"))
}

fn check_61_default(m: &Matrix, out: &std::path::Path) {
    assert_eq!(m.kernels.len(), 2, "{:?}", m.kernels);
    let k = &m.kernels[0];
    assert!(k.release.starts_with("6.1.0-"), "{k:?}");
    assert_eq!(k.profile, "default");
    assert_eq!(k.name, format!("{}/default", k.release));
    assert_eq!(k.error, None);
    assert!(k.cmdline.ends_with("kdeck.profile=default"), "{k:?}");
    assert_eq!(
        k.landlock_abi,
        Some(2),
        "Debian 12's 6.1 has Landlock ABI 2"
    );
    assert!(k.lsms.iter().any(|l| l == "apparmor"), "{:?}", k.lsms);
    let root = out.join(&k.release).join("default").join("root");
    let cell = |demo: &str, user: &str| cell(m, &k.name, demo, user);

    // Landlock: ABI 2, the filesystem part live, the network part skipped.
    let ll = cell("landlock", "root");
    assert_eq!(ll.mode.as_str(), "partial", "{ll:?}");
    assert!(ll.reason.contains("ABI 2 < 4"), "{ll:?}");
    let text = cast_text(&root.join("landlock.cast"));
    assert!(
        text.contains("landlock_create_ruleset(NULL, 0, VERSION) = 2"),
        "{text}"
    );
    assert!(text.contains("can't restrict TCP — skipped"), "{text}");
    assert!(ll.verdict_line.starts_with('✓'), "{ll:?}");
    // Every cast says its kernel and profile.
    let cast = std::fs::read_to_string(root.join("landlock.cast")).unwrap();
    let cast = kdeck::cast::parse(&cast, "landlock.cast").unwrap();
    let meta = cast.header.kdeck.unwrap();
    assert_eq!(
        (meta.kernel.as_str(), meta.profile.as_deref()),
        (k.release.as_str(), Some("default"))
    );

    // LSM: no lsm_list_modules() before 6.8 → securityfs, which lists apparmor.
    let lsm = cell("lsm", "root");
    assert_eq!(lsm.verdict.as_str(), "pass", "{lsm:?}");
    let text = cast_text(&root.join("lsm.cast"));
    assert!(text.contains("= -1 ENOSYS"), "{text}");
    assert!(
        text.contains("falling back to /sys/kernel/security/lsm"),
        "{text}"
    );
    assert!(lsm.verdict_line.contains("apparmor"), "{lsm:?}");

    // Namespaces and seccomp logging run live as root; user namespaces as nobody too.
    for (demo, user) in [
        ("namespaces", "root"),
        ("seccomp-log", "root"),
        ("namespaces", "nobody"),
        ("container", "nobody"),
    ] {
        let c = cell(demo, user);
        assert_eq!(
            (c.mode.as_str(), c.verdict.as_str()),
            ("live", "pass"),
            "{c:?}"
        );
    }
    // As nobody, dmesg_restrict=1 keeps the log from being read: partial.
    assert_eq!(cell("seccomp-log", "nobody").mode.as_str(), "partial");
    // WireGuard's module (and its dependencies) loaded from the initramfs.
    assert!(
        k.modules.iter().any(|m| m == "wireguard.ko: ok"),
        "{:?}",
        k.modules
    );
    assert_eq!(cell("wireguard", "root").mode.as_str(), "live");
}

/// user.max_user_namespaces=0: unshare(CLONE_NEWUSER) fails with ENOSPC for root and
/// nobody alike, and every demo that needs a user namespace says so.
fn check_61_no_userns(m: &Matrix) {
    let k = &m.kernels[1];
    assert_eq!(k.profile, "no-userns", "{k:?}");
    assert_eq!(k.error, None);
    assert_eq!(k.sysctls, ["user.max_user_namespaces=0: ok"]);
    for user in ["root", "nobody"] {
        let uid = if user == "root" { 0 } else { 65534 };
        for demo in ["namespaces", "container"] {
            let c = cell(m, &k.name, demo, user);
            assert_eq!(
                (c.mode.as_str(), c.verdict.as_str()),
                ("recorded", "fallback"),
                "{c:?}"
            );
            assert!(
                c.reason.starts_with(&format!(
                    "unshare(CLONE_NEWUSER): ENOSPC as uid {uid}; user.max_user_namespaces = 0 (none allowed)"
                )),
                "{c:?}"
            );
        }
        let c = cell(m, &k.name, "timens", user);
        assert_eq!(c.mode.as_str(), "recorded", "{c:?}");
        assert!(
            c.reason.starts_with("unshare(CLONE_NEWUSER|CLONE_NEWTIME): ENOSPC (user namespaces refused); user.max_user_namespaces = 0"),
            "{c:?}"
        );
        let c = cell(m, &k.name, "wireguard", user);
        assert_eq!(c.mode.as_str(), "recorded", "{c:?}");
        assert!(
            c.reason.starts_with("user namespaces refused here: unshare(CLONE_NEWUSER): ENOSPC; user.max_user_namespaces = 0"),
            "{c:?}"
        );
        let c = cell(m, &k.name, "audit", user);
        assert_eq!(c.mode.as_str(), "partial", "{c:?}");
        assert!(
            c.reason.starts_with("step userns: user namespaces refused here: unshare(CLONE_NEWUSER): ENOSPC; user.max_user_namespaces = 0"),
            "{c:?}"
        );
        // What needs no user namespace stays as it was.
        assert_eq!(cell(m, &k.name, "lsm", user).mode.as_str(), "live");
    }
}

/// lsm= without landlock: the syscall exists but answers EOPNOTSUPP, and the demo
/// falls back with that reason, as root and as nobody.
fn check_612_no_landlock(m: &Matrix, out: &std::path::Path) {
    assert_eq!(m.kernels.len(), 2, "{:?}", m.kernels);
    let k = &m.kernels[0];
    assert!(k.release.starts_with("6.12."), "{k:?}");
    assert_eq!(
        (k.profile.as_str(), k.error.as_deref()),
        ("no-landlock", None)
    );
    assert_eq!(k.landlock_abi, None, "{k:?}");
    assert!(!k.lsms.iter().any(|l| l == "landlock"), "{:?}", k.lsms);
    assert!(k.cmdline.contains(" lsm=lockdown,yama,"), "{k:?}");
    for user in ["root", "nobody"] {
        let c = cell(m, &k.name, "landlock", user);
        assert_eq!(
            (c.mode.as_str(), c.verdict.as_str()),
            ("recorded", "fallback"),
            "{c:?}"
        );
        assert_eq!(
            c.reason,
            "landlock_create_ruleset(VERSION): EOPNOTSUPP — built but not enabled: add landlock to the lsm= boot parameter",
            "{c:?}"
        );
        // The LSM demo lists the active LSMs, landlock not among them.
        let lsm = cell(m, &k.name, "lsm", user);
        assert_eq!(lsm.mode.as_str(), "live", "{lsm:?}");
        assert!(!lsm.verdict_line.contains("landlock"), "{lsm:?}");
    }
    let cast = std::fs::read_to_string(out.join(&k.release).join("no-landlock/root/landlock.cast"))
        .unwrap();
    let cast = kdeck::cast::parse(&cast, "landlock.cast").unwrap();
    assert_eq!(
        cast.header.kdeck.unwrap().profile.as_deref(),
        Some("no-landlock")
    );
}

/// audit=1: AUDIT_GET answers enabled=1 where 6.1's default boot says 0, and the
/// seccomp-log demo's RET_LOG record (type=1326) names the demo's child and getppid.
fn check_612_audit(m: &Matrix, out: &std::path::Path, m61: &Matrix, out61: &std::path::Path) {
    let k = &m.kernels[1];
    assert!(k.release.starts_with("6.12."), "{k:?}");
    assert_eq!((k.profile.as_str(), k.error.as_deref()), ("audit", None));
    assert!(
        k.cmdline.split_whitespace().any(|w| w == "audit=1"),
        "{k:?}"
    );
    let root = out.join(&k.release).join("audit").join("root");
    let text = cast_text(&root.join("audit.cast"));
    assert!(text.contains("\n  enabled=1 (on)  failure="), "{text}");
    let k61 = &m61.kernels[0];
    assert_eq!(k61.profile, "default");
    let text61 = cast_text(&out61.join(&k61.release).join("default/root/audit.cast"));
    assert!(text61.contains("\n  enabled=0 (off)  failure="), "{text61}");

    let c = cell(m, &k.name, "seccomp-log", "root");
    assert_eq!(
        (c.mode.as_str(), c.verdict.as_str()),
        ("live", "pass"),
        "{c:?}"
    );
    let text = cast_text(&root.join("seccomp-log.cast"));
    let pid = text
        .lines()
        .find_map(|l| l.strip_prefix("In this child, pid ")?.strip_suffix(':'))
        .unwrap_or_else(|| panic!("no child pid:\n{text}"));
    // The raw record, word-wrapped after "  raw: ".
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("  raw: "))
        .unwrap_or_else(|| panic!("no raw record:\n{text}"));
    let raw: Vec<&str> = std::iter::once(&lines[at]["  raw: ".len()..])
        .chain(
            lines[at + 1..]
                .iter()
                .take_while(|l| l.starts_with("       "))
                .copied(),
        )
        .flat_map(str::split_whitespace)
        .collect();
    for field in ["type=1326", &format!("pid={pid}"), "syscall=110"] {
        assert!(raw.contains(&field), "{field} not in {raw:?}");
    }
}

#[test]
fn profiles_are_listed_and_an_unknown_one_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["matrix", "--list-profiles"])
        .output()
        .expect("run kdeck");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let table = kdeck::matrix::profiles::all().unwrap();
    assert_eq!(
        names,
        table.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(names.len(), 6);
    assert!(
        text.contains("sysctls: user.max_user_namespaces=0"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args([
            "matrix",
            "--kernel",
            "/nonexistent",
            "--profile",
            "default",
            "nope",
        ])
        .output()
        .expect("run kdeck");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "kdeck matrix: unknown profile \"nope\" (known: default, no-landlock, no-userns, ima-tcb, audit, hardened)\n"
    );
}

/// The shipped IMA recording was made by `kdeck matrix --update-recordings
/// ima=…/ima-tcb`: a guest booted with ima_policy=tcb, where IMA measured the files
/// that ran, kdeck's own binary among them.
#[test]
fn shipped_ima_recording_comes_from_the_ima_tcb_profile() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demos/ima/recorded.cast");
    let raw = std::fs::read_to_string(&path).unwrap();
    let cast = kdeck::cast::parse(&raw, "recorded.cast").unwrap();
    let meta = cast.header.kdeck.unwrap();
    assert_eq!(meta.profile.as_deref(), Some("ima-tcb"), "{meta:?}");
    assert!(meta.kernel.starts_with("6."), "{meta:?}");
    assert_eq!(meta.mode.as_str(), "live", "{meta:?}");
    let text = cast_text(&path);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("$ grep ") && l.ends_with(" (kdeck itself)"))
        .unwrap_or_else(|| panic!("no grep for kdeck's binary:\n{text}"));
    let exe = lines[at]
        .strip_prefix("$ grep ")
        .and_then(|l| l.strip_suffix(" (kdeck itself)"))
        .unwrap();
    let entry = lines[at + 1];
    assert!(
        entry.contains(" sha256:") && entry.ends_with(&format!(" {exe}")),
        "{entry}"
    );
    assert!(meta.verdict.unwrap_or_default().starts_with("✓ IMA listed"));
}
