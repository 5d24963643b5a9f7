//! Integration tests of the learner playground: each playable demo run from several
//! specs (`KDECK_SPEC`, as `kdeck demo ID --spec FILE` passes it) as the test user and
//! as `nobody`, asserting the kernel's real answers; `--print-spec` / `--spec` on the
//! command line, and malformed specs rejected with file:line before anything runs.

mod common;

use std::process::Command;

use common::child::{Run, child, child_as_nobody, is_root};

/// The run as the test user, then (when root) as nobody: `(as_nobody, run)`.
fn both(id: &str, spec: &str) -> Vec<(bool, Run)> {
    let env = [("KDECK_SPEC", spec)];
    let mut runs = vec![(!is_root(), child(id, &env))];
    if let Some(r) = child_as_nobody(id, &env) {
        runs.push((true, r));
    }
    runs
}

/// Asserts the run printed its results and passed.
fn ran(r: &Run) {
    assert_eq!(r.code, 0, "exit code; out:\n{}\nerr:\n{}", r.out, r.err);
    assert_eq!(
        r.verdict(),
        "✓ ran the variant: the results above are the kernel's answers",
        "{}",
        r.out
    );
}

/// Asserts the kernel refused `step` with `errno` (shown and explained; exit 0).
fn refused(r: &Run, step: &str, errno: &str) {
    assert_eq!(r.code, 0, "out:\n{}\nerr:\n{}", r.out, r.err);
    assert_eq!(
        r.verdict(),
        format!("✓ kernel answered: {step} refused with {errno}"),
        "{}",
        r.out
    );
    assert!(
        r.out
            .contains(&format!("  the kernel refused {step}: {errno} — ")),
        "{}",
        r.out
    );
}

const LANDLOCK_DEFAULT: &str = r#"no_new_privs = true
handled_fs = ["execute", "write_file", "read_file", "read_dir", "remove_file", "make_reg"]
handled_net = ["bind_tcp", "connect_tcp"]
scopes = ["abstract_unix_socket", "signal"]
[[rule]]
dir = "/"
access = ["execute", "read_file", "read_dir"]
[[rule]]
dir = "allowed"
access = ["execute", "write_file", "read_file", "read_dir", "remove_file", "make_reg"]
"#;

#[test]
fn landlock_default_denies_next_door() {
    for (_, r) in both("landlock", LANDLOCK_DEFAULT) {
        ran(&r);
        for line in [
            "  write allowed/: ok",
            "  create allowed/: ok",
            "  remove allowed/: ok",
            "  write sibling/: EACCES",
            "  create sibling/: EACCES",
            "  remove sibling/: EACCES",
            "  read sibling/: ok",
            "  execute sibling/: ok",
            "  tcp bind (free port): EACCES",
            "  tcp connect (listener): EACCES",
            "  signal parent (kill 0): EPERM",
            "  abstract unix connect: EPERM",
        ] {
            r.assert_line(line);
        }
    }
}

#[test]
fn landlock_write_allowed_in_sibling_and_no_scopes() {
    let spec = r#"no_new_privs = true
handled_fs = ["write_file", "make_reg", "read_file"]
handled_net = ["connect_tcp"]
[[rule]]
dir = "/"
access = ["read_file"]
[[rule]]
dir = "sibling"
access = ["write_file"]
[[port]]
port = "listener"
access = ["connect_tcp"]
"#;
    for (_, r) in both("landlock", spec) {
        ran(&r);
        for line in [
            "  write sibling/: ok",
            "  create sibling/: EACCES",
            "  write allowed/: EACCES",
            "  tcp bind (free port): ok",
            "  tcp connect (listener): ok",
            "  signal parent (kill 0): ok",
            "  abstract unix connect: ok",
        ] {
            r.assert_line(line);
        }
    }
}

#[test]
fn landlock_without_no_new_privs_needs_cap_sys_admin() {
    let spec = "no_new_privs = false\nhandled_fs = [\"write_file\"]\n";
    for (nobody, r) in both("landlock", spec) {
        if nobody {
            refused(&r, "landlock_restrict_self", "EPERM");
        } else {
            ran(&r);
            r.assert_line("  write sibling/: EACCES");
        }
    }
}

#[test]
fn landlock_rule_on_a_missing_dir_is_refused() {
    let spec = "no_new_privs = true\nhandled_fs = [\"read_file\"]\n[[rule]]\ndir = \"/nonexistent-kdeck-play\"\naccess = [\"read_file\"]\n";
    for (_, r) in both("landlock", spec) {
        refused(&r, "open(O_PATH) of a rule's dir", "ENOENT");
    }
}

/// The `type=1326` line under `syscall`'s result, if any.
fn record_after<'a>(r: &'a Run, syscall: &str) -> Option<&'a str> {
    let lines = r.lines();
    let at = lines
        .iter()
        .position(|l| l.starts_with(&format!("  {syscall}: ")))?;
    lines
        .get(at + 1)
        .filter(|l| l.starts_with("    type=1326"))
        .copied()
}

/// Whether this run could read the kernel log (it says so when it can't).
fn log_readable(r: &Run) -> bool {
    !r.out.contains("\nkernel log: ")
}

#[test]
fn seccomp_log_on_getpid_writes_a_record() {
    let spec = "no_new_privs = true\n[[rule]]\nsyscall = \"getpid\"\naction = \"log\"\n";
    for (nobody, r) in both("seccomp-log", spec) {
        ran(&r);
        let line = r.one_line_starting("  getpid: = ");
        let pid: u32 = line["  getpid: = ".len()..].parse().expect("pid");
        if log_readable(&r) {
            let rec = record_after(&r, "getpid").unwrap_or_else(|| panic!("{}", r.out));
            assert!(
                rec.starts_with(&format!("    type=1326 record: pid {pid}, syscall ")),
                "{rec}"
            );
            assert!(rec.ends_with("code=0x7ffc0000 (LOG)"), "{rec}");
        } else {
            assert!(nobody, "root reads the kernel log: {}", r.out);
        }
    }
}

#[test]
fn seccomp_errno_trap_and_kill() {
    let spec = r#"no_new_privs = true
log_flag = true
[[rule]]
syscall = "getuid"
action = "errno"
errno = 13
[[rule]]
syscall = "gettid"
action = "trap"
[[rule]]
syscall = "getgid"
action = "kill_process"
[[rule]]
syscall = "getppid"
action = "allow"
"#;
    for (_, r) in both("seccomp-log", spec) {
        ran(&r);
        r.assert_line("  getuid: -1 EACCES");
        r.assert_line("  gettid: killed by SIGSYS");
        r.assert_line("  getgid: killed by SIGSYS");
        assert!(r.line_starting("  getppid: = ").is_some(), "{}", r.out);
        assert_eq!(record_after(&r, "getppid"), None, "ALLOW is never logged");
        if log_readable(&r) {
            let rec = record_after(&r, "getuid").unwrap_or_else(|| panic!("{}", r.out));
            assert!(rec.ends_with("code=0x50000 (ERRNO)"), "{rec}");
            let rec = record_after(&r, "getgid").unwrap_or_else(|| panic!("{}", r.out));
            assert!(rec.ends_with("code=0x80000000 (KILL_PROCESS)"), "{rec}");
        }
    }
}

#[test]
fn seccomp_without_no_new_privs_needs_cap_sys_admin() {
    let spec = "no_new_privs = false\n[[rule]]\nsyscall = \"getppid\"\naction = \"errno\"\n";
    for (nobody, r) in both("seccomp-log", spec) {
        if nobody {
            refused(&r, "seccomp(SET_MODE_FILTER)", "EACCES");
        } else {
            ran(&r);
            r.assert_line("  getppid: -1 EPERM");
        }
    }
}

#[test]
fn namespaces_default_is_root_pid_1_and_a_lone_loopback() {
    let spec = r#"unshare = ["user", "pid", "uts", "net", "mount", "ipc"]
deny_setgroups = true
hostname = "play"
[[uid_map]]
inside = 0
[[gid_map]]
inside = 0
"#;
    for (_, r) in both("namespaces", spec) {
        ran(&r);
        for line in [
            "  uid: 0",
            "  gid: 0",
            "  pid: 1",
            "  hostname: play",
            "  interfaces: lo (down)",
            "  make / private: ok",
            "  mount tmpfs on the temp dir: ok",
        ] {
            r.assert_line(line);
        }
    }
}

#[test]
fn namespaces_without_a_user_namespace_need_root() {
    let spec = "unshare = [\"uts\", \"net\"]\nhostname = \"play2\"\n";
    for (nobody, r) in both("namespaces", spec) {
        if nobody {
            refused(&r, "unshare(UTS|NET)", "EPERM");
        } else {
            ran(&r);
            r.assert_line("  uid: 0");
            r.assert_line("  hostname: play2");
            r.assert_line("  interfaces: lo (down)");
            assert!(!r.has_line("  pid: 1"), "no pid namespace: {}", r.out);
        }
    }
}

#[test]
fn namespaces_overlapping_uid_map_is_refused() {
    let spec =
        "unshare = [\"user\"]\n[[uid_map]]\ninside = 0\n[[uid_map]]\ninside = 0\noutside = 1\n";
    for (_, r) in both("namespaces", spec) {
        refused(&r, "writing /proc/self/uid_map", "EINVAL");
    }
}

#[test]
fn namespaces_mapping_someone_else_is_refused_unprivileged() {
    let spec = "unshare = [\"user\"]\n[[uid_map]]\ninside = 0\noutside = 0\n";
    for (nobody, r) in both("namespaces", spec) {
        if nobody {
            refused(&r, "writing /proc/self/uid_map", "EPERM");
        } else {
            ran(&r);
            r.assert_line("  uid: 0");
        }
    }
}

/// A clock's shift ("  monotonic shift: +86400 s" → 86400).
fn shift(r: &Run, clock: &str) -> i64 {
    let prefix = format!("  {clock} shift: ");
    let line = r.one_line_starting(&prefix);
    line[prefix.len()..]
        .trim_end_matches(" s")
        .parse()
        .unwrap_or_else(|_| panic!("{line}"))
}

#[test]
fn timens_offsets_shift_the_clocks() {
    for (mono, boot) in [(86_400, 31_536_000), (-60, 3_600)] {
        let spec = format!("user_namespace = true\nmonotonic = {mono}\nboottime = {boot}\n");
        for (_, r) in both("timens", &spec) {
            ran(&r);
            assert_eq!(shift(&r, "monotonic"), mono, "{}", r.out);
            assert_eq!(shift(&r, "boottime"), boot, "{}", r.out);
            assert_eq!(shift(&r, "realtime"), 0, "{}", r.out);
        }
    }
}

#[test]
fn timens_refusals() {
    let below_zero = "user_namespace = true\nmonotonic = -100000000000\nboottime = 0\n";
    for (_, r) in both("timens", below_zero) {
        refused(&r, "writing the monotonic offset", "ERANGE");
    }
    let no_userns = "user_namespace = false\nmonotonic = 10\nboottime = 10\n";
    for (nobody, r) in both("timens", no_userns) {
        if nobody {
            refused(&r, "unshare(CLONE_NEWTIME)", "EPERM");
        } else {
            ran(&r);
            assert_eq!(shift(&r, "monotonic"), 10, "{}", r.out);
        }
    }
}

fn kdeck(args: &[&str]) -> std::process::Output {
    Command::new(common::exe())
        .args(args)
        .env_remove("KDECK_SPEC")
        .output()
        .expect("run kdeck")
}

#[test]
fn print_spec_then_spec_runs_the_default_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    for id in ["landlock", "seccomp-log", "namespaces", "timens"] {
        let printed = kdeck(&["demo", id, "--print-spec"]);
        assert!(printed.status.success(), "{printed:?}");
        let path = dir.path().join(format!("{id}.toml"));
        std::fs::write(&path, &printed.stdout).expect("write spec");
        let run = kdeck(&["demo", id, "--spec", path.to_str().expect("utf-8")]);
        let out = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{id}: {out}");
        assert!(
            out.contains("✓ ran the variant: the results above are the kernel's answers"),
            "{out}"
        );
        assert!(out.contains("(ran live"), "{out}");
    }
    let other = kdeck(&["demo", "kspp", "--print-spec"]);
    assert_eq!(other.status.code(), Some(2));
}

#[test]
fn malformed_specs_are_rejected_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "landlock",
            "no_new_privs = true\nhandled_fs = [\"write_file\"]\nhandled_net = [\"fly\"]\n",
            ":3: unknown variant `fly`",
        ),
        (
            "seccomp-log",
            "no_new_privs = true\n[[rule]]\nsyscall = \"getpid\"\naction = \"LOG\"\n",
            ":4: unknown variant `LOG`",
        ),
        (
            "namespaces",
            "unshare = [\"user\"]\ncolour = 1\n",
            ":2: unknown field `colour`",
        ),
        ("timens", "user_namespace = true\nmonotonic = \n", ":2: "),
    ];
    for (id, text, want) in cases {
        let path = dir.path().join(format!("{id}.toml"));
        std::fs::write(&path, text).expect("write spec");
        let p = path.to_str().expect("utf-8");
        let run = kdeck(&["demo", id, "--spec", p]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{id}: {err}");
        assert!(run.stdout.is_empty(), "nothing runs: {:?}", run.stdout);
        assert!(err.starts_with(&format!("kdeck: {p}{want}")), "{id}: {err}");
    }
}

#[test]
fn recording_a_variant_notes_its_spec_in_the_header() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = dir.path().join("timens.toml");
    let text = "user_namespace = true\nmonotonic = 7200\nboottime = 0\n";
    std::fs::write(&spec, text).expect("write spec");
    let cast = dir.path().join("variant.cast");
    let (s, c) = (spec.to_str().expect("utf-8"), cast.to_str().expect("utf-8"));
    let run = kdeck(&["demo", "timens", "--spec", s, "--record", c]);
    assert!(run.status.success(), "{run:?}");
    let recorded = std::fs::read_to_string(&cast).expect("the recording");
    let checked = kdeck::cast::validate_recording(&recorded, c, 600.0)
        .unwrap_or_else(|e| panic!("the validator accepts it: {e}"));
    let meta = checked.header.kdeck.expect("kdeck header");
    let noted = meta.spec.expect("the spec is noted");
    assert!(noted.contains("monotonic = 7200"), "{noted}");
    assert!(noted.contains("boottime = 0"), "{noted}");
    assert!(recorded.contains("monotonic shift: +7200 s"), "{recorded}");
    // The default's recording notes no spec.
    let default = dir.path().join("default.cast");
    let d = default.to_str().expect("utf-8");
    let run = kdeck(&["demo", "timens", "--record", d]);
    assert!(run.status.success(), "{run:?}");
    let recorded = std::fs::read_to_string(&default).expect("the recording");
    assert!(!recorded.lines().next().unwrap_or("").contains("\"spec\""));
}
