//! Booting a kernel with its initramfs under `qemu-system-x86_64`: the console
//! (ttyS0, kernel noise) and the results port (ttyS1, only kdeck writes there) go to
//! files. KVM is tried when /dev/kvm opens; when it fails (an internal error, or no
//! console output at all within a few seconds) qemu is killed and TCG (`-cpu max`) is
//! used instead, and the failure is remembered for the rest of the run and in the
//! cache, for this host kernel. Every boot is killed at its timeout.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use super::MatrixError;

pub const QEMU: &str = "qemu-system-x86_64";
/// How long a KVM guest may stay silent before KVM is taken to be broken.
const KVM_GRACE: Duration = Duration::from_secs(6);

/// Which accelerator to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Accel {
    /// KVM if it works here, else TCG.
    #[default]
    Auto,
    Kvm,
    Tcg,
}

/// 0 unknown, 1 works, 2 broken.
static KVM_STATE: AtomicU8 = AtomicU8::new(0);

/// One boot's outputs.
#[derive(Debug, Clone)]
pub struct Boot {
    pub console: String,
    pub results: String,
    pub seconds: f64,
    pub accel: &'static str,
    pub timed_out: bool,
    /// qemu's own stderr (warnings, errors).
    pub stderr: String,
}

/// Boots `kernel` with `initrd` and `cmdline` appended to kdeck's own command line,
/// logs in `dir`; kills qemu after `timeout`.
pub fn boot(
    kernel: &Path,
    initrd: &Path,
    dir: &Path,
    timeout: Duration,
    accel: Accel,
    cmdline: &str,
) -> Result<Boot, MatrixError> {
    let try_kvm = match accel {
        Accel::Tcg => false,
        Accel::Kvm => true,
        Accel::Auto => kvm_usable(),
    };
    if try_kvm {
        let b = run(kernel, initrd, dir, timeout, true, cmdline)?;
        let broken = b.stderr.contains("KVM internal error") || b.console.is_empty();
        if !broken || accel == Accel::Kvm {
            KVM_STATE.store(1, Ordering::Relaxed);
            return Ok(b);
        }
        KVM_STATE.store(2, Ordering::Relaxed);
        remember_kvm_broken();
    }
    run(kernel, initrd, dir, timeout, false, cmdline)
}

fn run(
    kernel: &Path,
    initrd: &Path,
    dir: &Path,
    timeout: Duration,
    kvm: bool,
    cmdline: &str,
) -> Result<Boot, MatrixError> {
    let console = dir.join("console.log");
    let results = dir.join("results.log");
    let stderr_path = dir.join("qemu.stderr");
    for p in [&console, &results] {
        let _ = std::fs::remove_file(p);
    }
    let stderr =
        std::fs::File::create(&stderr_path).map_err(|e| MatrixError::io(&stderr_path, e))?;
    let budget = timeout.as_secs().saturating_sub(5).max(10);
    let mut cmd = qemu_command(
        kernel,
        initrd,
        [console.as_path(), results.as_path()],
        budget,
        kvm,
        cmdline,
    );
    cmd.stderr(stderr);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| MatrixError::Tool {
        tool: QEMU.into(),
        why: format!(
            "{e} (install it: apt-get install -y --no-install-recommends qemu-system-x86)"
        ),
    })?;
    let timed_out = watch(&mut child, start, timeout, kvm, &console, &stderr_path)?;
    Ok(Boot {
        console: read_lossy(&console),
        results: read_lossy(&results),
        seconds: start.elapsed().as_secs_f64(),
        accel: if kvm { "kvm" } else { "tcg" },
        timed_out,
        stderr: read_lossy(&stderr_path),
    })
}

/// qemu booting `kernel` with `initrd`: serial 0 (the console) and serial 1 (the
/// results) into the two files, the guest told its time budget.
fn qemu_command(
    kernel: &Path,
    initrd: &Path,
    [console, results]: [&Path; 2],
    budget: u64,
    kvm: bool,
    cmdline: &str,
) -> Command {
    let mut append =
        format!("console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init kdeck.budget={budget}");
    if !cmdline.trim().is_empty() {
        append.push(' ');
        append.push_str(cmdline.trim());
    }
    let mut cmd = Command::new(QEMU);
    if kvm {
        cmd.args(["-accel", "kvm", "-cpu", "host"]);
    } else {
        cmd.args(["-accel", "tcg", "-cpu", "max"]);
    }
    cmd.args([
        "-m",
        "512",
        "-smp",
        "1",
        "-nographic",
        "-monitor",
        "none",
        "-no-reboot",
        "-nodefaults",
    ])
    .arg("-serial")
    .arg(format!("file:{}", console.display()))
    .arg("-serial")
    .arg(format!("file:{}", results.display()))
    .arg("-kernel")
    .arg(kernel)
    .arg("-initrd")
    .arg(initrd)
    .arg("-append")
    .arg(append)
    .stdin(Stdio::null())
    .stdout(Stdio::null());
    cmd
}

/// Waits for qemu to power off; kills it at the timeout (true) or when KVM stays
/// silent past its grace time (false: the caller retries under TCG).
fn watch(
    child: &mut std::process::Child,
    start: Instant,
    timeout: Duration,
    kvm: bool,
    console: &Path,
    stderr_path: &Path,
) -> Result<bool, MatrixError> {
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(false),
            Ok(None) => {}
            Err(e) => return Err(MatrixError::io("waiting for qemu", e)),
        }
        let silent_kvm = kvm
            && start.elapsed() > KVM_GRACE
            && (std::fs::metadata(console).map_or(0, |m| m.len()) == 0
                || read_lossy(stderr_path).contains("KVM internal error"));
        if start.elapsed() > timeout || silent_kvm {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(!silent_kvm);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_lossy(p: &Path) -> String {
    std::fs::read(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// /dev/kvm opens read-write, and KVM has not failed on this host kernel before.
fn kvm_usable() -> bool {
    match KVM_STATE.load(Ordering::Relaxed) {
        1 => return true,
        2 => return false,
        _ => {}
    }
    let opens = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    opens && !kvm_known_broken()
}

fn broken_marker() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let host = crate::cast::uname().map(|(r, _)| r).unwrap_or_default();
    Some(base.join("kdeck").join(format!("kvm-broken-{host}")))
}

fn kvm_known_broken() -> bool {
    broken_marker().is_some_and(|p| p.exists())
}

fn remember_kvm_broken() {
    if let Some(p) = broken_marker() {
        if let Some(d) = p.parent() {
            let _ = std::fs::create_dir_all(d);
        }
        let _ = std::fs::write(
            p,
            "KVM failed to boot a guest on this host kernel; kdeck uses TCG\n",
        );
    }
}
