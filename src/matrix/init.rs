//! kdeck as the matrix guest's `/init` (PID 1): mount the usual filesystems, load the
//! modules the initramfs lists, run every demo as root and as `nobody` (each run a
//! child `kdeck __guest-init --demos-out DIR`, killed at its deadline), send the
//! results framed over the second serial port, power off. Never hangs: a watchdog
//! powers off at the budget (`kdeck.budget=` on the kernel command line), and any
//! error is printed before powering off.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::collect;
use super::guest::{KernelReport, run_demos_logged};

/// Where the initramfs lists the modules to load, one path per line, in load order.
pub const MODULE_LIST: &str = "etc/kdeck/modules";
/// The port only kdeck writes to (the console, ttyS0, carries the kernel's noise).
pub const RESULTS_TTY: &str = "/dev/ttyS1";
const RESULTS: &str = "/tmp/results";
const NOBODY: u32 = 65_534;
/// `MODULE_INIT_COMPRESSED_FILE` from `<linux/module.h>` (6.x with MODULE_DECOMPRESS).
const MODULE_INIT_COMPRESSED_FILE: libc::c_uint = 4;

/// Arguments of the hidden `kdeck __guest-init`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct GuestArgs {
    /// Run every demo with this process's privileges and write the casts and
    /// summary.json to DIR (what PID 1 starts once per user).
    #[arg(long, value_name = "DIR")]
    pub demos_out: Option<PathBuf>,
}

/// True when kdeck was started by the kernel as the initramfs' `/init`.
pub fn is_guest_init() -> bool {
    std::process::id() == 1
        && std::env::args_os()
            .next()
            .is_some_and(|a| a.to_string_lossy().ends_with("init"))
}

/// Entry point of `kdeck __guest-init` (and of `/init`). Returns an exit code for the
/// `--demos-out` mode; as PID 1 it never returns.
pub fn main(args: &GuestArgs) -> i32 {
    if let Some(dir) = &args.demos_out {
        return match run_demos_logged(dir, true) {
            Ok(s) => i32::from(s.exit_code),
            Err(e) => {
                eprintln!("kdeck: {e}");
                1
            }
        };
    }
    if std::process::id() != 1 {
        eprintln!(
            "kdeck: __guest-init is the init of a `kdeck matrix` guest and must run as PID 1"
        );
        return 2;
    }
    mount_all();
    let budget = cmdline_param("kdeck.budget")
        .and_then(|v| v.parse().ok())
        .unwrap_or(110u64);
    let _ = std::thread::Builder::new()
        .name("watchdog".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_secs(budget));
            eprintln!("kdeck guest: budget of {budget} s exceeded, powering off");
            power_off();
        });
    if let Err(e) = pid1(budget) {
        eprintln!("kdeck guest: {e}");
    }
    power_off()
}

fn pid1(budget: u64) -> Result<(), String> {
    let start = Instant::now();
    ensure_users()?;
    let _ = nix::unistd::sethostname("kdeck-guest");
    let modules = load_modules();
    let sysctls = apply_profile();
    std::fs::create_dir_all(RESULTS).map_err(|e| format!("{RESULTS}: {e}"))?;
    // Each run gets what is left of the budget, minus time to send the results.
    let mut runs = Vec::new();
    for (user, uid) in [("root", 0), ("nobody", NOBODY)] {
        let left = budget.saturating_sub(start.elapsed().as_secs() + 10).max(5);
        let per_run = if uid == 0 { left / 2 } else { left };
        runs.push(run_as(user, uid, Duration::from_secs(per_run)));
    }
    let mut report = KernelReport::of_running();
    report.modules = modules;
    report.runs = runs;
    report.sysctls = sysctls;
    let json = serde_json::to_vec_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(Path::new(RESULTS).join("kernel.json"), json).map_err(|e| e.to_string())?;
    send(Path::new(RESULTS))
}

fn mount_all() {
    use nix::mount::{MsFlags, mount};
    let plain = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let mounts: [(&str, &str, &str, MsFlags, Option<&str>); 7] = [
        ("proc", "/proc", "proc", plain, None),
        ("sysfs", "/sys", "sysfs", plain, None),
        (
            "devtmpfs",
            "/dev",
            "devtmpfs",
            MsFlags::MS_NOSUID,
            Some("mode=0755"),
        ),
        (
            "tmpfs",
            "/tmp",
            "tmpfs",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("mode=1777"),
        ),
        (
            "tmpfs",
            "/run",
            "tmpfs",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("mode=0755"),
        ),
        (
            "securityfs",
            "/sys/kernel/security",
            "securityfs",
            plain,
            None,
        ),
        ("cgroup2", "/sys/fs/cgroup", "cgroup2", plain, None),
    ];
    for (src, target, fstype, flags, data) in mounts {
        let _ = std::fs::create_dir_all(target);
        if let Err(e) = mount(Some(src), target, Some(fstype), flags, data) {
            eprintln!("kdeck guest: mount {fstype} on {target}: {e}");
        }
    }
}

/// /etc/passwd and /etc/group with root and nobody (the initramfs ships them; this
/// only adds what is missing).
fn ensure_users() -> Result<(), String> {
    let add = |path: &str, name: &str, line: &str| -> Result<(), String> {
        let have = std::fs::read_to_string(path).unwrap_or_default();
        if have.lines().any(|l| l.starts_with(&format!("{name}:"))) {
            return Ok(());
        }
        let _ = std::fs::create_dir_all("/etc");
        std::fs::write(path, format!("{have}{line}\n")).map_err(|e| format!("{path}: {e}"))
    };
    add("/etc/passwd", "root", "root:x:0:0:root:/root:/bin/sh")?;
    add(
        "/etc/passwd",
        "nobody",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    )?;
    add("/etc/group", "root", "root:x:0:")?;
    add("/etc/group", "nogroup", "nogroup:x:65534:")
}

/// Writes the sysctls of the profile named by `kdeck.profile=` (none for an unknown
/// name or none given); each as `name=value: ok` or the errno.
fn apply_profile() -> Vec<String> {
    let Some(name) = cmdline_param("kdeck.profile") else {
        return Vec::new();
    };
    let profile = match super::profiles::select(&[name]) {
        Ok(mut p) => p.remove(0),
        Err(e) => {
            eprintln!("kdeck guest: {e}");
            return vec![e.to_string()];
        }
    };
    let mut done = Vec::new();
    for (k, v) in &profile.sysctls {
        let path = super::profiles::Profile::sysctl_path(k);
        let result = match std::fs::write(&path, v) {
            Ok(()) => "ok".to_string(),
            Err(e) => crate::probe::errno_name(e.raw_os_error().unwrap_or(0)),
        };
        done.push(format!("{k}={v}: {result}"));
    }
    if !done.is_empty() {
        println!(
            "kdeck guest: profile {} sysctls {}",
            profile.name,
            done.join(", ")
        );
    }
    done
}

/// Loads each listed module with finit_module(2); "already loaded" is fine.
fn load_modules() -> Vec<String> {
    let list = std::fs::read_to_string(Path::new("/").join(MODULE_LIST)).unwrap_or_default();
    let mut done = Vec::new();
    for path in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let name = path.rsplit('/').next().unwrap_or(path);
        let compressed = [".xz", ".zst", ".gz"].iter().any(|s| path.ends_with(s));
        let result = match std::fs::File::open(path) {
            Ok(f) => {
                use std::os::fd::AsRawFd;
                let flags = if compressed {
                    MODULE_INIT_COMPRESSED_FILE
                } else {
                    0
                };
                // SAFETY: a valid fd, a NUL-terminated empty parameter string, flags.
                let r = unsafe {
                    libc::syscall(libc::SYS_finit_module, f.as_raw_fd(), c"".as_ptr(), flags)
                };
                match r {
                    0 => "ok".to_string(),
                    _ => crate::probe::errno_name(crate::probe::last_errno()),
                }
            }
            Err(e) => format!("open: {e}"),
        };
        done.push(format!("{name}: {result}"));
    }
    if !done.is_empty() {
        println!("kdeck guest: modules {}", done.join(", "));
    }
    done
}

/// Runs `kdeck __guest-init --demos-out /tmp/results/<user>` as that uid, bounded.
fn run_as(user: &str, uid: u32, limit: Duration) -> String {
    let dir = Path::new(RESULTS).join(user);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return format!("{user}: {}: {e}", dir.display());
    }
    let _ = nix::unistd::chown(&dir, Some(uid.into()), Some(uid.into()));
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/bin/kdeck"));
    let mut cmd = Command::new(exe);
    cmd.arg("__guest-init")
        .arg("--demos-out")
        .arg(&dir)
        .env_clear()
        .env("PATH", "/bin:/usr/bin:/sbin:/usr/sbin")
        .env("HOME", if uid == 0 { "/root" } else { "/tmp" })
        .env("TMPDIR", "/tmp")
        .env("USER", user)
        .stdin(Stdio::null())
        .current_dir("/tmp")
        .process_group(0);
    if uid != 0 {
        // SAFETY: only async-signal-safe calls (setgroups, setgid, setuid) between fork
        // and exec; each failure is returned as the errno.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(uid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return format!("{user}: can't start: {e}"),
    };
    let pid = child.id() as i32;
    loop {
        match child.try_wait() {
            Ok(Some(st)) => {
                return format!("{user}: {st} in {:.1} s", start.elapsed().as_secs_f64());
            }
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                // SAFETY: kills the run's own process group.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                let _ = child.wait();
                return format!("{user}: killed after {} s (its budget)", limit.as_secs());
            }
            Err(e) => return format!("{user}: wait: {e}"),
        }
    }
}

/// Sends every file under `dir` (names relative to it) over the results port.
fn send(dir: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files);
    let text = collect::encode(&files);
    match open_raw(RESULTS_TTY) {
        Ok(mut tty) => {
            tty.write_all(text.as_bytes())
                .map_err(|e| format!("{RESULTS_TTY}: {e}"))?;
            tty.flush().map_err(|e| e.to_string())?;
            let _ = nix::sys::termios::tcdrain(&tty);
            Ok(())
        }
        Err(e) => {
            eprintln!("kdeck guest: {RESULTS_TTY}: {e}; sending on the console instead");
            let mut out = std::io::stdout();
            out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())
        }
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_files(root, &p, out);
        } else if let (Ok(data), Ok(rel)) = (std::fs::read(&p), p.strip_prefix(root)) {
            out.push((rel.to_string_lossy().into_owned(), data));
        }
    }
}

fn open_raw(path: &str) -> Result<std::fs::File, String> {
    use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)
        .map_err(|e| e.to_string())?;
    let mut t = tcgetattr(&f).map_err(|e| e.to_string())?;
    cfmakeraw(&mut t);
    tcsetattr(&f, SetArg::TCSANOW, &t).map_err(|e| e.to_string())?;
    Ok(f)
}

/// `name=value` from /proc/cmdline.
pub fn cmdline_param(name: &str) -> Option<String> {
    let line = std::fs::read_to_string("/proc/cmdline").ok()?;
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(name)?.strip_prefix('=').map(String::from))
}

fn power_off() -> ! {
    // SAFETY: sync(2) and reboot(2) take no pointers.
    unsafe {
        libc::sync();
        libc::reboot(libc::RB_POWER_OFF);
    }
    // Not PID 1 or reboot refused: exiting PID 1 panics the kernel, and panic=-1
    // with qemu's -no-reboot ends the VM all the same.
    std::process::exit(1)
}
