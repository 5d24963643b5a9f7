//! Integration tests of the `lsm` demo: run the real binary as `kdeck __child lsm`
//! (as the current user and as `nobody`) and compare the LSM list it printed with
//! what `lsm_list_modules` tells this test process directly.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kdeck");
const SYS_LSM_GET_SELF_ATTR: libc::c_long = 459;
const SYS_LSM_LIST_MODULES: libc::c_long = 461;
const LSM_ATTR_CURRENT: libc::c_long = 100;

/// `lsm_list_modules` called from the test process (read-only): ids, or the errno.
fn kernel_ids() -> Result<Vec<u64>, i32> {
    let errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    let mut size: u32 = 0;
    // SAFETY: NULL buffer with size 0: the kernel only writes `size`.
    let r = unsafe {
        libc::syscall(
            SYS_LSM_LIST_MODULES,
            std::ptr::null_mut::<u64>(),
            &mut size as *mut u32,
            0u32,
        )
    };
    if r < 0 && errno() != libc::E2BIG {
        return Err(errno());
    }
    let mut ids = vec![0u64; size as usize / 8];
    // SAFETY: ids has room for `size` bytes.
    let n = unsafe {
        libc::syscall(
            SYS_LSM_LIST_MODULES,
            ids.as_mut_ptr(),
            &mut size as *mut u32,
            0u32,
        )
    };
    if n < 0 {
        return Err(errno());
    }
    ids.truncate(n as usize);
    Ok(ids)
}

/// `lsm_get_self_attr(LSM_ATTR_CURRENT)` from the test process: count or errno.
fn self_attr_count() -> Result<i64, i32> {
    let mut buf = vec![0u64; 512];
    let mut size: u32 = 4096;
    // SAFETY: buf holds 4096 bytes.
    let r = unsafe {
        libc::syscall(
            SYS_LSM_GET_SELF_ATTR,
            LSM_ATTR_CURRENT,
            buf.as_mut_ptr(),
            &mut size as *mut u32,
            0u32,
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(r)
    }
}

/// A path `nobody` can execute (see tests/demo_timens.rs).
fn nobody_binary() -> (PathBuf, Option<tempfile::TempDir>) {
    let bin = Path::new(BIN);
    let reachable = bin.ancestors().skip(1).all(|d| {
        std::fs::metadata(d)
            .map(|m| m.permissions().mode() & 0o001 != 0)
            .unwrap_or(false)
    }) && std::fs::metadata(bin)
        .map(|m| m.permissions().mode() & 0o005 == 0o005)
        .unwrap_or(false);
    if reachable {
        return (bin.to_path_buf(), None);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let copy = dir.path().join("kdeck");
    std::fs::copy(bin, &copy).expect("copy binary");
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (copy, Some(dir))
}

fn is_root() -> bool {
    // SAFETY: geteuid never fails.
    unsafe { libc::geteuid() == 0 }
}

fn run_as_current() -> Output {
    Command::new(BIN)
        .args(["__child", "lsm"])
        .env_remove("KDECK_PROBE_FORCE")
        .output()
        .expect("run kdeck")
}

fn run_as_nobody() -> Output {
    if !is_root() {
        eprintln!("not root: the current user is already unprivileged");
        return run_as_current();
    }
    let (bin, _guard) = nobody_binary();
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["__child", "lsm"])
        .env_remove("KDECK_PROBE_FORCE")
        .output()
        .expect("run setpriv")
}

fn section<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let marker = format!("##kdeck step {label}");
    text.lines()
        .skip_while(|l| *l != marker)
        .skip(1)
        .take_while(|l| !l.starts_with("##kdeck step "))
        .collect()
}

/// The ids the demo printed in step "list" ("    108  lockdown").
fn printed_ids(text: &str) -> Vec<u64> {
    section(text, "list")
        .iter()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let id = w.next()?.parse().ok()?;
            let _name = w.next()?;
            w.next().is_none().then_some(id)
        })
        .collect()
}

/// Assertions common to every live run; returns the output text.
fn assert_live(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!("{text}");
    let ids = match kernel_ids() {
        Ok(ids) => ids,
        Err(libc::ENOSYS) => {
            eprintln!("SKIP live list check: kernel has no lsm_list_modules (ENOSYS)");
            assert!(!text.starts_with("##kdeck probe yes"), "{text}");
            return text;
        }
        Err(e) => panic!("lsm_list_modules from the test: errno {e}"),
    };
    assert!(
        text.starts_with(&format!(
            "##kdeck probe yes lsm_list_modules(): {} LSMs",
            ids.len()
        )),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(printed_ids(&text), ids, "{text}");
    let list = section(&text, "list");
    assert!(
        list.contains(
            &format!(
                "  = -1 E2BIG, size = {} ({} ids x 8 bytes)",
                ids.len() * 8,
                ids.len()
            )
            .as_str()
        ),
        "{list:#?}"
    );

    let attr = section(&text, "self-attr");
    match self_attr_count() {
        Err(libc::EOPNOTSUPP) => assert!(attr.contains(&"  = -1 EOPNOTSUPP"), "{attr:#?}"),
        Ok(n) => assert!(attr.contains(&format!("  = {n}").as_str()), "{attr:#?}"),
        Err(e) => eprintln!("lsm_get_self_attr from the test: errno {e}"),
    }

    let verdict = text.lines().last().unwrap_or_default();
    assert!(
        verdict.starts_with(&format!(
            "✓ the kernel reports {} stacked LSMs: ",
            ids.len()
        )),
        "verdict {verdict:?}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with('✓')).count(), 1);
    text
}

fn host_has_securityfs() -> bool {
    Path::new("/sys/kernel/security/lsm").exists()
}

/// Whether the test process's (= the host's) mount table has a securityfs mount.
fn securityfs_mounts() -> usize {
    std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .filter(|l| l.contains(" - securityfs "))
        .count()
}

#[test]
fn live_list_matches_the_syscall() {
    let mounts_before = securityfs_mounts();
    let text = assert_live(&run_as_current());
    assert_eq!(
        securityfs_mounts(),
        mounts_before,
        "the demo must not mount securityfs on the host"
    );
    if kernel_ids().is_err() {
        return;
    }
    if is_root() || host_has_securityfs() {
        // As root securityfs is mounted in the child's private mount namespace.
        let sfs = section(&text, "securityfs");
        assert!(
            sfs.contains(&"  same LSMs, same order as lsm_list_modules()"),
            "{sfs:#?}"
        );
        assert!(!text.contains("##kdeck partial"), "{text}");
    }
}

#[test]
fn live_list_as_nobody() {
    let text = assert_live(&run_as_nobody());
    if kernel_ids().is_err() || host_has_securityfs() {
        return;
    }
    let sfs = section(&text, "securityfs");
    assert!(
        sfs.contains(&"$ mount -t securityfs none /sys/kernel/security")
            && sfs.contains(&"  = -1 EPERM"),
        "{sfs:#?}"
    );
    assert!(
        text.lines()
            .any(|l| l
                .starts_with("##kdeck partial securityfs mounting securityfs needs CAP_SYS_ADMIN")),
        "{text}"
    );
}

#[test]
fn forced_probe_no_falls_back() {
    let out = Command::new(BIN)
        .args(["__child", "lsm"])
        .env("KDECK_PROBE_FORCE", "lsm=no")
        .output()
        .expect("run kdeck");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("##kdeck unsupported ")),
        "{text}"
    );
    assert!(!text.contains("##kdeck step"), "{text}");
}
