//! Hostile files: another user's symlinks in shared directories (every path kdeck
//! writes), and special or huge files where kdeck expects a regular file (slides,
//! deck.toml, recordings, kspp inputs). Nothing is written through a planted
//! symlink, nothing hangs, every error names the file and what it is.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use common::hostile::{as_nobody, fifo, kdeck, kdeck_env, s, shared_dir, sparse};

const PRECIOUS: &str = "precious\n";

/// A root-owned file an attacker would like overwritten, in its own directory.
fn victim() -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let f = d.path().join("victim");
    std::fs::write(&f, PRECIOUS).unwrap();
    (d, f)
}

#[test]
fn matrix_never_uses_a_fixed_dir_in_the_shared_temp_dir() {
    assert!(
        common::child::is_root(),
        "this test runs as root (setpriv to nobody)"
    );
    let tmp = shared_dir();
    let victim_dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(victim_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // nobody gets there first: the old fixed path, with `host` pointing at root's dir.
    let planted = tmp.path().join("kdeck-matrix");
    as_nobody(&format!(
        "mkdir '{0}' && ln -s '{1}' '{0}/host'",
        s(&planted),
        s(victim_dir.path())
    ));
    let r = kdeck_env(&["matrix"], &[("TMPDIR", s(tmp.path()))], 120);
    assert!(r.code == 0 || r.code == 1, "{}{}", r.out, r.err);
    assert_eq!(
        std::fs::read_dir(victim_dir.path()).unwrap().count(),
        0,
        "kdeck wrote through nobody's symlink"
    );
    let names: Vec<_> = std::fs::read_dir(&planted)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["host"], "kdeck wrote into nobody's directory");
    // It used a fresh private directory and said which.
    let used = r
        .out
        .lines()
        .find_map(|l| l.split("files in ").nth(1))
        .map(|p| p.trim_end_matches(')').to_string())
        .unwrap_or_else(|| panic!("no 'files in' line: {}", r.out));
    let used = Path::new(&used);
    assert!(
        used.starts_with(tmp.path()) && used != planted,
        "{}",
        used.display()
    );
    let meta = std::fs::symlink_metadata(used).unwrap();
    assert!(meta.is_dir());
    assert_eq!((meta.uid(), meta.mode() & 0o7777), (0, 0o700));
    assert!(used.join("host/summary.json").is_file());
}

#[test]
fn matrix_out_owned_by_another_user_is_refused() {
    let tmp = shared_dir();
    let out = tmp.path().join("out");
    as_nobody(&format!("mkdir '{}'", s(&out)));
    let r = kdeck(&["matrix", "--no-host", "--out", s(&out)]);
    assert_eq!(r.code, 2, "{}{}", r.out, r.err);
    assert!(
        r.err.contains(&format!(
            "{}: is a directory owned by uid 65534, not by uid 0 running kdeck: refusing to write into another user's directory",
            out.display()
        )),
        "{}",
        r.err
    );
}

/// Every file path `kdeck record`, `demo --record` and `matrix` write: a symlink
/// planted there by nobody (in nobody's own directory, where the kernel's
/// protected_symlinks does not apply) is refused, and its target is untouched.
#[test]
fn no_write_path_follows_another_users_symlink() {
    let tmp = shared_dir();
    let (_vd, victim) = victim();
    let nd = tmp.path().join("nobody");
    let out = tempfile::tempdir().unwrap();
    let names = [
        "json", "junit", "cast", "frames", "summary", "record", "mjson", "mmd",
    ];
    let mut script = format!("mkdir '{}'", s(&nd));
    for n in names {
        script += &format!(" && ln -s '{}' '{}/{n}'", s(&victim), s(&nd));
    }
    as_nobody(&script);
    let p = |n: &str| nd.join(n).display().to_string();
    let record = |extra: &[&str], envs: &[(&str, &str)]| {
        let mut args = vec![
            "record",
            "--only",
            "kspp",
            "--mode",
            "recorded",
            "--out",
            s(out.path()),
        ];
        args.extend_from_slice(extra);
        kdeck_env(&args, envs, 120)
    };
    let cases: Vec<(String, common::hostile::Out)> = vec![
        (p("json"), record(&["--json", &p("json")], &[])),
        (p("junit"), record(&["--junit", &p("junit")], &[])),
        (p("cast"), record(&["--walkthrough", &p("cast")], &[])),
        (p("frames"), record(&["--frames", &p("frames")], &[])),
        (
            p("summary"),
            record(&[], &[("GITHUB_STEP_SUMMARY", &p("summary"))]),
        ),
        (
            p("record"),
            kdeck(&[
                "demo",
                "kspp",
                "--recorded",
                "--speed",
                "0",
                "--record",
                &p("record"),
            ]),
        ),
        (
            p("mjson"),
            kdeck(&["matrix", "--no-host", "--json", &p("mjson")]),
        ),
        (
            p("mmd"),
            kdeck(&["matrix", "--no-host", "--markdown", &p("mmd")]),
        ),
    ];
    for (path, r) in cases {
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            PRECIOUS,
            "{path}"
        );
        assert_eq!(r.code, 2, "{path}: {}{}", r.out, r.err);
        assert!(
            r.err.contains(&format!(
                "{path}: is a symlink owned by uid 65534: kdeck does not write through another user's symlink"
            )),
            "{path}: {}",
            r.err
        );
    }
    // record --out in nobody's directory: refused before anything is written.
    let r = kdeck(&[
        "record",
        "--only",
        "kspp",
        "--mode",
        "recorded",
        "--out",
        s(&nd),
    ]);
    assert_eq!(r.code, 2, "{}", r.err);
    assert!(
        r.err.contains("is a directory owned by uid 65534"),
        "{}",
        r.err
    );
    assert!(!nd.join("kspp.cast").exists());
}

#[test]
fn the_users_own_symlink_is_followed() {
    let d = tempfile::tempdir().unwrap();
    let target = d.path().join("real.json");
    symlink(&target, d.path().join("link.json")).unwrap();
    let out = d.path().join("out");
    let r = kdeck(&[
        "record",
        "--only",
        "kspp",
        "--mode",
        "recorded",
        "--out",
        s(&out),
        "--json",
        &d.path().join("link.json").display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .contains("\"exit_code\": 0")
    );
}

/// A directory, a FIFO, a device, a dangling symlink, a symlink loop and an oversized
/// file: (name, what the error says).
fn special_files(dir: &Path, name: &str, cap: u64) -> Vec<(std::path::PathBuf, &'static str)> {
    let p = |k: &str| dir.join(format!("{k}-{name}"));
    std::fs::create_dir(p("dir")).unwrap();
    fifo(&p("fifo"));
    symlink("/dev/zero", p("zero")).unwrap();
    symlink("/dev/urandom", p("urandom")).unwrap();
    symlink(dir.join("nowhere"), p("dangling")).unwrap();
    symlink(p("loop"), p("loop")).unwrap();
    sparse(&p("huge"), cap + 1);
    vec![
        (p("dir"), "is a directory"),
        (p("fifo"), "is a FIFO (named pipe), not a regular file"),
        (p("zero"), "is a character device, not a regular file"),
        (p("urandom"), "is a character device, not a regular file"),
        (
            p("dangling"),
            "is a dangling symlink (its target does not exist)",
        ),
        (
            p("loop"),
            "too many levels of symbolic links (a symlink loop)",
        ),
        (p("huge"), "is larger than the"),
    ]
}

#[test]
fn special_slide_files_are_each_reported_without_hanging() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("00-good.md"),
        "+++\ntitle = \"Good\"\n+++\nHi\n",
    )
    .unwrap();
    let bad = special_files(d.path(), "x.md", 4 << 20);
    fifo(&d.path().join("deck.toml"));
    let r = kdeck_env(&["check", "--deck", s(d.path())], &[], 20);
    assert_eq!(r.code, 1, "{}", r.err);
    for (path, why) in &bad {
        assert!(
            r.err
                .contains(&format!("{}: can't read: {why}", path.display())),
            "{}: {}",
            path.display(),
            r.err
        );
    }
    assert!(
        r.err
            .contains("huge-x.md: can't read: is larger than the 4 MiB limit for a slide"),
        "{}",
        r.err
    );
    assert!(
        r.err.contains("deck.toml: can't read: is a FIFO"),
        "{}",
        r.err
    );
    assert!(r.err.contains("the deck has 8 problem(s)"), "{}", r.err);
}

#[test]
fn special_recordings_are_refused_without_hanging() {
    let d = tempfile::tempdir().unwrap();
    let ids = [
        "landlock",
        "kspp",
        "timens",
        "lsm",
        "ima",
        "audit",
        "container",
    ];
    let kinds = special_files(d.path(), "cast", 16 << 20);
    for (id, (path, _)) in ids.iter().zip(&kinds) {
        std::fs::create_dir(d.path().join(id)).unwrap();
        std::fs::rename(path, d.path().join(id).join("recorded.cast")).unwrap();
    }
    // The loop's link now points at its old name: make it a loop again in place.
    let looped = d.path().join("audit/recorded.cast");
    std::fs::remove_file(&looped).unwrap();
    symlink(&looped, &looped).unwrap();
    let r = kdeck_env(&["check", "--recordings", s(d.path())], &[], 30);
    assert_eq!(r.code, 1, "{}", r.out);
    for (id, (_, why)) in ids.iter().zip(&kinds) {
        let path = d.path().join(id).join("recorded.cast");
        assert!(
            r.out.contains(&format!("{}: {why}", path.display())),
            "{id}: {}",
            r.out
        );
    }
    assert!(
        r.out
            .contains("is larger than the 16 MiB limit for a recording"),
        "{}",
        r.out
    );
    let r = kdeck_env(
        &["demo", "lsm", "--recorded", "--recordings", s(d.path())],
        &[],
        30,
    );
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(
        r.out
            .contains("recorded.cast: is a character device, not a regular file"),
        "{}",
        r.out
    );
}

#[test]
fn kspp_inputs_must_be_regular_files() {
    let d = tempfile::tempdir().unwrap();
    for (path, why) in special_files(d.path(), "config", 16 << 20) {
        for flag in ["--config", "--sysctl"] {
            let r = kdeck_env(&["kspp", flag, s(&path)], &[], 20);
            assert_eq!(r.code, 2, "{flag} {}", path.display());
            assert!(
                r.err.contains(&format!("{}: {why}", path.display())),
                "{flag}: {}",
                r.err
            );
            assert!(!r.err.contains("errno"), "{}", r.err);
        }
    }
}

#[test]
fn speed_must_be_finite_and_not_negative() {
    for bad in ["nan", "inf", "-inf", "-1", "abc", "", "1e400"] {
        let arg = format!("--speed={bad}");
        for args in [
            vec!["demo", "kspp", "--recorded", &arg],
            vec!["present", &arg],
        ] {
            let r = kdeck(&args);
            assert_eq!(r.code, 2, "{args:?}: {}", r.err);
            assert!(r.err.contains("is not a replay speed: give a finite number > 0 (2 = twice as fast) or 0 (instant)"), "{}", r.err);
        }
    }
    let r = kdeck(&["demo", "kspp", "--recorded", "--speed", "0"]);
    assert_eq!(r.code, 0, "{}", r.err);
}
