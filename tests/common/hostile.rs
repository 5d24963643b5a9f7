//! Helpers for the hostile-input tests: kdeck run with a deadline (a hang is a
//! failure, not a stuck test), files made by `nobody` through setpriv, special files.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a kdeck run gave.
pub struct Out {
    pub code: i32,
    pub out: String,
    pub err: String,
}

/// Runs kdeck with `args` and `envs`, stdin closed; panics if it runs past `secs`.
pub fn kdeck_env(args: &[&str], envs: &[(&str, &str)], secs: u64) -> Out {
    let mut child = Command::new(super::exe())
        .args(args)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("KDECK_FORCE_RECORDED")
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kdeck starts");
    let deadline = Instant::now() + Duration::from_secs(secs);
    // Read both pipes on threads so a chatty child never blocks on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut s).ok();
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut s).ok();
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("kdeck {args:?} hung for more than {secs} s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Out {
        code: status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&t_out.join().unwrap()).into_owned(),
        err: String::from_utf8_lossy(&t_err.join().unwrap()).into_owned(),
    }
}

/// [`kdeck_env`] without extra environment, 60 s deadline.
pub fn kdeck(args: &[&str]) -> Out {
    kdeck_env(args, &[], 60)
}

/// Runs `sh -c script` as uid/gid 65534 (nobody) with no groups.
pub fn as_nobody(script: &str) {
    let st = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "sh",
            "-c",
            script,
        ])
        .status()
        .expect("setpriv runs");
    assert!(st.success(), "as nobody: {script}");
}

/// A directory like /tmp: world-writable and sticky, owned by root.
pub fn shared_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o1777)).unwrap();
    d
}

/// A FIFO at `path` (nobody ever writes to it).
pub fn fifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
}

/// A sparse regular file of `len` bytes.
pub fn sparse(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

/// `path` as &str.
pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Whether text holds a control character other than newline (an escape reached the
/// terminal).
pub fn has_controls(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

/// A valid kdeck recording header for demo `id` with `kernel` (anything else fixed).
pub fn header(id: &str, kernel: &str) -> String {
    serde_json::json!({
        "version": 2, "width": 80, "height": 30,
        "kdeck": {"demo": id, "kernel": kernel, "arch": "x86_64", "kdeck_version": "0.1.0",
                  "date": "2026-01-02T03:04:05Z", "mode": "live", "exit": 0,
                  "verdict": "✓ fine"}
    })
    .to_string()
}

/// A recordings dir with `demos/<id>/recorded.cast` = `text` for each pair.
pub fn recordings(casts: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (id, text) in casts {
        std::fs::create_dir_all(d.path().join(id)).unwrap();
        std::fs::write(d.path().join(id).join("recorded.cast"), text).unwrap();
    }
    d
}

pub fn cast(lines: &[&str]) -> String {
    let mut t = header("kspp", "6.1.0");
    for l in lines {
        t.push('\n');
        t.push_str(l);
    }
    t + "\n"
}

pub const OK_EVENTS: &[&str] = &[r#"[0.1, "o", "hello\r\n"]"#, r#"[0.2, "x", "0"]"#];

/// `kdeck record --only kspp --mode recorded` with recordings from `dir`.
pub fn record_kspp(dir: &Path, out: &Path) -> Out {
    kdeck(&[
        "record",
        "--only",
        "kspp",
        "--mode",
        "recorded",
        "--recordings",
        s(dir),
        "--out",
        s(out),
    ])
}
