//! Live tests of the `landlock` demo: run the real binary as `kdeck __child landlock`
//! (as root, and as `nobody` through setpriv) and check the kernel's answers.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kdeck");

/// The kernel's Landlock ABI, asked independently of kdeck: Ok(abi) or Err(errno).
fn kernel_abi() -> Result<i64, i32> {
    // SAFETY: NULL attr, size 0, flag LANDLOCK_CREATE_RULESET_VERSION (1): reads nothing.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            1u32,
        )
    };
    if ret < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(ret)
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
    fn has(&self, line: &str) -> bool {
        self.lines().contains(&line)
    }
    fn assert_line(&self, line: &str) {
        assert!(
            self.has(line),
            "missing line {line:?} in:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
    }
    /// The one line that starts with `prefix`.
    fn line_starting(&self, prefix: &str) -> &str {
        let found: Vec<&str> = self
            .lines()
            .into_iter()
            .filter(|l| l.starts_with(prefix))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "want one {prefix:?} line in:\n{}",
            self.stdout
        );
        found[0]
    }
    /// The temp dir the demo announced.
    fn temp_dir(&self) -> PathBuf {
        PathBuf::from(
            self.line_starting("Temp dir /")
                .trim_start_matches("Temp dir "),
        )
    }
}

fn run(mut cmd: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("spawn kdeck");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

fn child() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["__child", "landlock"])
        .env_remove("KDECK_PROBE_FORCE");
    cmd
}

/// Checks common to root and nobody.
fn assert_live_run(r: &Run, abi: i64) {
    r.assert_line(&format!(
        "##kdeck probe yes landlock_create_ruleset(VERSION) = {abi}"
    ));
    r.assert_line(&format!(
        "$ landlock_create_ruleset(NULL, 0, VERSION) = {abi}"
    ));
    r.assert_line("$ landlock_restrict_self() → fully enforced");
    r.assert_line("write allowed/ok.txt: ok");
    r.assert_line("write sibling/blocked.txt: EACCES (Permission denied)");
    // Reading outside allowed/ still works.
    let read = r.line_starting("read /");
    assert!(
        read.contains(": ok (") && read.ends_with(" bytes)"),
        "{read}"
    );
    let eacces = ": EACCES (Permission denied)";
    assert!(r.line_starting("connect 127.0.0.1:").ends_with(eacces));
    assert!(r.line_starting("bind 127.0.0.1:").ends_with(eacces));
    r.assert_line("connect abstract socket: EPERM (Operation not permitted)");
    let kill_denied: Vec<&str> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("kill(") && l.ends_with(", 0): EPERM (Operation not permitted)"))
        .collect();
    assert_eq!(kill_denied.len(), 1, "{}", r.stdout);
    r.assert_line(&format!(
        "✓ Landlock (ABI {abi}) denied the write outside allowed/, TCP connect and bind, \
         and signals and abstract sockets out of the sandbox"
    ));
    assert_eq!(
        r.lines().last().copied().unwrap_or(""),
        r.line_starting("✓ ")
    );
    assert_eq!(r.code, Some(0), "output:\n{}", r.stdout);
    // Nothing left behind: the temp dir (the only place written) is gone.
    let dir = r.temp_dir();
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    assert!(!dir.exists(), "{} still exists", dir.display());
    r.assert_line("Temp dir removed (by a helper outside)");
}

#[test]
fn live_as_root() {
    let abi = match kernel_abi() {
        Ok(abi) => abi,
        Err(errno) => {
            eprintln!("skip: landlock_create_ruleset(VERSION) errno {errno}: no Landlock here");
            let r = run(child());
            assert_eq!(r.code, Some(3));
            assert!(
                r.stdout
                    .contains("##kdeck probe no landlock_create_ruleset(VERSION)")
            );
            return;
        }
    };
    if abi < 6 {
        eprintln!("skip: Landlock ABI {abi} < 6 on this kernel (this machine has 7)");
        let r = run(child());
        assert!(r.stdout.contains("##kdeck probe partial"), "{}", r.stdout);
        assert!(r.stdout.contains("##kdeck partial signals"), "{}", r.stdout);
        return;
    }
    let r = run(child());
    assert_live_run(&r, abi);
    // As root the parent (this test process) is ours to signal before the sandbox.
    let me = std::process::id();
    r.assert_line(&format!(
        "kill(parent {me}, 0) = 0 (signal 0 sends nothing)"
    ));
    r.assert_line(&format!(
        "kill(parent {me}, 0): EPERM (Operation not permitted)"
    ));
    r.line_starting("  as uid 0, no_new_privs = 1");
}

/// True if `nobody` can reach and execute `path`: every ancestor dir is o+x.
fn others_can_exec(path: &Path) -> bool {
    path.ancestors().all(|p| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    })
}

/// The binary as `nobody` can run it: the build output itself if reachable, else a
/// copy in a world-readable temp dir.
fn binary_for_nobody() -> (Option<tempfile::TempDir>, PathBuf) {
    if others_can_exec(Path::new(BIN)) {
        return (None, PathBuf::from(BIN));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = dir.path().join("kdeck");
    std::fs::copy(BIN, &bin).expect("copy kdeck");
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    (Some(dir), bin)
}

/// Runs as nobody; retries if exec of a fresh copy raced with a fork elsewhere in this
/// test binary (ETXTBSY: another thread's child still held the copy's write fd).
fn run_as_nobody(bin: &Path) -> Run {
    for _ in 0..20 {
        let r = run(as_nobody(bin));
        if !r.stderr.contains("Text file busy") {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run(as_nobody(bin))
}

fn as_nobody(bin: &Path) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin)
        .args(["__child", "landlock"])
        .env_remove("KDECK_PROBE_FORCE")
        .current_dir("/");
    cmd
}

#[test]
fn live_as_nobody() {
    if !is_root() {
        eprintln!("skip: not root, can't switch to nobody with setpriv");
        return;
    }
    let Ok(abi) = kernel_abi() else {
        eprintln!("skip: no Landlock on this kernel");
        return;
    };
    if abi < 6 {
        eprintln!("skip: Landlock ABI {abi} < 6 on this kernel");
        return;
    }
    let (_keep, bin) = binary_for_nobody();
    let r = run_as_nobody(&bin);
    assert_live_run(&r, abi);
    r.line_starting("  as uid 65534, no_new_privs = 1");
    // The parent (this root test process) is not nobody's to signal, so the demo
    // shows the scoping on its own cleanup helper, which it could signal before.
    let not_ours = r.line_starting("kill(parent ");
    assert!(not_ours.ends_with(": EPERM — not ours"), "{not_ours}");
    let helper = r.line_starting("  so: our cleanup helper ");
    let pid = helper.trim_start_matches("  so: our cleanup helper ");
    let pid = pid.trim_end_matches(" instead");
    r.assert_line(&format!(
        "kill(helper {pid}, 0): EPERM (Operation not permitted)"
    ));
}

#[test]
fn forced_unsupported_falls_back() {
    let mut cmd = child();
    cmd.env("KDECK_PROBE_FORCE", "landlock=no");
    let r = run(cmd);
    assert_eq!(r.code, Some(3), "output:\n{}", r.stdout);
    r.line_starting("##kdeck unsupported ");
    // The probe decided before anything was written: no temp dir at all.
    assert!(!r.stdout.contains("Temp dir"), "{}", r.stdout);
    assert!(!r.stdout.contains("##kdeck step"), "{}", r.stdout);
}

fn is_root() -> bool {
    // SAFETY: geteuid never fails and touches no memory.
    unsafe { libc::geteuid() == 0 }
}
