//! Boots Debian 12's 6.1 kernel under qemu with kdeck as /init and checks real
//! outcomes. The kernel dir comes from KDECK_TEST_KERNEL_61 (scripts/ci-matrix.sh
//! fetches it and prints the variable). Without it the test fails under CI=true and is
//! skipped, with the reason printed, elsewhere.

use std::path::PathBuf;
use std::process::Command;

use kdeck::matrix::Matrix;

fn kernel_61() -> Option<PathBuf> {
    match std::env::var_os("KDECK_TEST_KERNEL_61") {
        Some(k) if !k.is_empty() => Some(PathBuf::from(k)),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "KDECK_TEST_KERNEL_61 is not set: under CI the matrix test must run. \
             Run `eval \"$(scripts/ci-matrix.sh)\"` first (it installs qemu and fetches the kernel)."
        ),
        _ => {
            eprintln!(
                "skipped: KDECK_TEST_KERNEL_61 is not set (eval \"$(scripts/ci-matrix.sh)\" sets it)"
            );
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
fn debian_6_1_under_qemu() {
    let Some(kernel) = kernel_61() else { return };
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("matrix.json");
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["matrix", "--no-host", "--timeout", "150", "--kernel"])
        .arg(&kernel)
        .arg("--out")
        .arg(dir.path())
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run kdeck matrix");
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "kdeck matrix failed: {:?}",
        out.status
    );
    let m: Matrix = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(m.kernels.len(), 1);
    let k = &m.kernels[0];
    assert!(k.release.starts_with("6.1.0-"), "{k:?}");
    assert_eq!(k.error, None);
    assert_eq!(
        k.landlock_abi,
        Some(2),
        "Debian 12's 6.1 has Landlock ABI 2"
    );
    assert!(k.lsms.iter().any(|l| l == "apparmor"), "{:?}", k.lsms);
    let cell = |demo: &str, user: &str| {
        m.cells
            .iter()
            .find(|c| c.demo == demo && c.user == user && c.kernel == k.name)
            .unwrap_or_else(|| panic!("no cell for {demo} as {user}"))
    };
    let root = dir.path().join(&k.release).join("root");

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

    // Namespaces and seccomp logging run live as root.
    for demo in ["namespaces", "seccomp-log"] {
        let c = cell(demo, "root");
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
