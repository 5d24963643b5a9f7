//! Integration tests of the `lsm` demo: run the real binary as `kdeck __child lsm`
//! (as the current user and as `nobody`) and compare the LSM list it printed with
//! what `lsm_list_modules` tells this test process directly.

mod common;

use std::path::Path;

use common::child::{Run, assert_forced_fallback, child, child_as_nobody, is_root};

const ID: &str = "lsm";
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

/// The demo as uid 65534, or as the current user if that is already unprivileged.
fn run_as_nobody() -> Run {
    child_as_nobody(ID, &[]).unwrap_or_else(|| {
        eprintln!("not root: the current user is already unprivileged");
        child(ID, &[])
    })
}

/// The ids the demo printed in step "list" ("    108  lockdown").
fn printed_ids(r: &Run) -> Vec<u64> {
    r.section("list")
        .iter()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let id = w.next()?.parse().ok()?;
            let _name = w.next()?;
            w.next().is_none().then_some(id)
        })
        .collect()
}

/// Assertions common to every live run.
fn assert_live(r: &Run) {
    let text = &r.out;
    let ids = match kernel_ids() {
        Ok(ids) => ids,
        Err(libc::ENOSYS) => {
            eprintln!("SKIP live list check: kernel has no lsm_list_modules (ENOSYS)");
            assert!(!text.starts_with("» probe yes"), "{text}");
            return;
        }
        Err(e) => panic!("lsm_list_modules from the test: errno {e}"),
    };
    assert!(
        text.starts_with(&format!(
            "» probe yes lsm_list_modules(): {} LSMs",
            ids.len()
        )),
        "{text}"
    );
    assert_eq!(r.code, 0, "{text}");
    assert_eq!(printed_ids(r), ids, "{text}");
    let list = r.section("list");
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

    let attr = r.section("self-attr");
    match self_attr_count() {
        Err(libc::EOPNOTSUPP) => assert!(attr.contains(&"  = -1 EOPNOTSUPP"), "{attr:#?}"),
        Ok(n) => assert!(attr.contains(&format!("  = {n}").as_str()), "{attr:#?}"),
        Err(e) => eprintln!("lsm_get_self_attr from the test: errno {e}"),
    }

    let verdict = r.verdict();
    assert!(
        verdict.starts_with(&format!(
            "✓ the kernel reports {} stacked LSMs: ",
            ids.len()
        )),
        "verdict {verdict:?}"
    );
    assert_eq!(text.lines().filter(|l| l.starts_with('✓')).count(), 1);
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
    let r = child(ID, &[]);
    assert_live(&r);
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
        let sfs = r.section("securityfs");
        assert!(
            sfs.contains(&"  same LSMs, same order as lsm_list_modules()"),
            "{sfs:#?}"
        );
        assert!(r.partial_steps().is_empty(), "{}", r.out);
    }
}

#[test]
fn live_list_as_nobody() {
    let r = run_as_nobody();
    assert_live(&r);
    if kernel_ids().is_err() || host_has_securityfs() {
        return;
    }
    let sfs = r.section("securityfs");
    assert!(
        sfs.contains(&"$ mount -t securityfs none /sys/kernel/security")
            && sfs.contains(&"  = -1 EPERM"),
        "{sfs:#?}"
    );
    assert!(
        r.line_starting("» partial securityfs mounting securityfs needs CAP_SYS_ADMIN")
            .is_some(),
        "{}",
        r.out
    );
}

#[test]
fn forced_probe_no_falls_back() {
    assert_forced_fallback(ID);
}
