//! Probe for the `lsm` demo, and the LSM syscalls it uses (Linux 6.8).
//!
//! `lsm_list_modules(NULL, &size=0, 0)` answers E2BIG with the size it needs: the
//! syscalls exist. ENOSYS: an older kernel; the active LSMs may still be readable from
//! securityfs or /proc/self/attr (Partial), else No.

use super::{Probe, errno_name, last_errno};

/// Syscall numbers from the generic table (same on x86_64 and aarch64); libc has no
/// constants for them.
pub const SYS_LSM_GET_SELF_ATTR: libc::c_long = 459;
/// `lsm_set_self_attr` (unused by the demo; listed for completeness).
pub const SYS_LSM_SET_SELF_ATTR: libc::c_long = 460;
/// `lsm_list_modules`.
pub const SYS_LSM_LIST_MODULES: libc::c_long = 461;

/// `LSM_ATTR_CURRENT` from include/uapi/linux/lsm.h.
pub const LSM_ATTR_CURRENT: libc::c_long = 100;

/// securityfs' list of active LSMs, comma-separated, in call order.
pub const SECURITYFS_LSM: &str = "/sys/kernel/security/lsm";
/// The pre-6.8 per-process label file.
pub const PROC_ATTR_CURRENT: &str = "/proc/self/attr/current";

/// LSM ids (include/uapi/linux/lsm.h) and their names.
const LSM_IDS: &[(u64, &str)] = &[
    (100, "capability"),
    (101, "selinux"),
    (102, "smack"),
    (103, "tomoyo"),
    (104, "apparmor"),
    (105, "yama"),
    (106, "loadpin"),
    (107, "safesetid"),
    (108, "lockdown"),
    (109, "bpf"),
    (110, "landlock"),
    (111, "ima"),
    (112, "evm"),
    (113, "ipe"),
];

/// The name of an LSM id ("landlock"), or "id N" for one this table doesn't know.
pub fn lsm_name(id: u64) -> String {
    LSM_IDS
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("id {id}"))
}

/// `lsm_list_modules(NULL, &size=0, 0)`: the byte size the id list needs (the kernel
/// answers E2BIG and writes it), or the errno.
pub fn list_modules_size() -> Result<u32, i32> {
    let mut size: u32 = 0;
    // SAFETY: NULL ids with size 0: the kernel only writes `size`.
    let r = unsafe {
        libc::syscall(
            SYS_LSM_LIST_MODULES,
            std::ptr::null_mut::<u64>(),
            &mut size as *mut u32,
            0u32,
        )
    };
    if r >= 0 {
        return Ok(size);
    }
    match last_errno() {
        libc::E2BIG => Ok(size),
        e => Err(e),
    }
}

/// `lsm_list_modules(buf, &size, 0)` with a buffer of `size` bytes: the active LSM ids
/// in the order the kernel calls them.
pub fn list_modules(size: u32) -> Result<Vec<u64>, i32> {
    let mut ids = vec![0u64; (size as usize).div_ceil(8)];
    let mut usize_: u32 = (ids.len() * 8) as u32;
    // SAFETY: ids has room for `usize_` bytes; the kernel writes at most that.
    let r = unsafe {
        libc::syscall(
            SYS_LSM_LIST_MODULES,
            ids.as_mut_ptr(),
            &mut usize_ as *mut u32,
            0u32,
        )
    };
    if r < 0 {
        return Err(last_errno());
    }
    ids.truncate(r as usize);
    Ok(ids)
}

/// The active LSMs from the syscall: size query, then the list.
pub fn active_ids() -> Result<Vec<u64>, i32> {
    list_modules(list_modules_size()?)
}

/// Probes the LSM syscalls by calling `lsm_list_modules` with size 0.
pub fn probe() -> Probe {
    let answer = answer();
    let (syscalls, list) = match active_ids() {
        Ok(ids) => (
            "yes".to_string(),
            Some(ids.into_iter().map(lsm_name).collect::<Vec<_>>().join(", ")),
        ),
        Err(e) => (
            format!("no ({})", errno_name(e)),
            super::read_trimmed(SECURITYFS_LSM)
                .ok()
                .map(|l| l.split(',').collect::<Vec<_>>().join(", ")),
        ),
    };
    let answer = answer.with_fact("lsm.syscalls", syscalls);
    match list {
        Some(l) => answer.with_fact("lsm.list", l),
        None => answer,
    }
}

fn answer() -> Probe {
    match list_modules_size() {
        Ok(size) => Probe::yes("lsm", format!("lsm_list_modules(): {} LSMs", size / 8)),
        Err(libc::ENOSYS) => fallback_probe(),
        Err(e) => Probe::no("lsm", format!("lsm_list_modules(): {}", errno_name(e))),
    }
}

fn fallback_probe() -> Probe {
    let no_syscall = "lsm_list_modules(): ENOSYS (kernel < 6.8: no LSM syscalls)";
    if let Ok(list) = super::read_trimmed(SECURITYFS_LSM) {
        return Probe::partial("lsm", format!("{no_syscall}; {SECURITYFS_LSM}: {list}"));
    }
    if let Ok(label) = super::read_trimmed(PROC_ATTR_CURRENT) {
        return Probe::partial("lsm", format!("{no_syscall}; {PROC_ATTR_CURRENT}: {label}"));
    }
    Probe::no(
        "lsm",
        format!("{no_syscall}; neither {SECURITYFS_LSM} nor {PROC_ATTR_CURRENT} is readable"),
    )
}
