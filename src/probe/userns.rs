//! User namespaces from a throwaway forked child (see [`super::fork`]): entering one,
//! and the sysctls that explain why the kernel refused one.

use super::{errno_name, last_errno, read_trimmed};

/// The sysctls that can refuse unprivileged user namespaces: (name, /proc/sys path).
const SYSCTLS: [(&str, &str); 3] = [
    (
        "user.max_user_namespaces",
        "/proc/sys/user/max_user_namespaces",
    ),
    (
        "kernel.unprivileged_userns_clone",
        "/proc/sys/kernel/unprivileged_userns_clone",
    ),
    (
        "kernel.apparmor_restrict_unprivileged_userns",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    ),
];

/// The user-namespace sysctls this kernel has, as (name, value), in a fixed order;
/// those that don't exist (or can't be read) are left out.
pub fn sysctls() -> Vec<(&'static str, String)> {
    SYSCTLS
        .iter()
        .filter_map(|(name, path)| read_trimmed(path).ok().map(|v| (*name, v)))
        .collect()
}

/// In a forked child: `unshare(CLONE_NEWUSER | extra)` and map uid 0 inside to our
/// uid outside. The error says which call failed and why, in plain words.
pub fn enter_userns(extra: libc::c_int) -> Result<(), String> {
    // SAFETY: getuid never fails.
    let outer = unsafe { libc::getuid() };
    // SAFETY: unshare(2) of the calling (forked, single-threaded) child.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | extra) } < 0 {
        return Err(userns_refused(last_errno()));
    }
    std::fs::write("/proc/self/uid_map", format!("0 {outer} 1")).map_err(|e| {
        let n = e.raw_os_error().unwrap_or(0);
        format!("write /proc/self/uid_map: {}", errno_name(n))
    })
}

/// Why unshare(CLONE_NEWUSER) failed, with the sysctls that usually explain it.
pub fn userns_refused(errno: i32) -> String {
    let mut why = format!("unshare(CLONE_NEWUSER): {}", errno_name(errno));
    for (name, v) in sysctls() {
        why.push_str(&format!("; {name} = {v}"));
    }
    why
}

/// `mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)` failed with this errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("mount / MS_REC|MS_PRIVATE: {}", errno_name(*errno))]
pub struct PrivateMountsError {
    pub errno: i32,
}

/// In a forked child that has its own mount namespace: make every mount private, so
/// nothing mounted later propagates back to the host.
pub fn make_mounts_private() -> Result<(), PrivateMountsError> {
    // SAFETY: static NUL-terminated strings; null source/type/data are allowed here.
    let rc = unsafe {
        libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if rc < 0 {
        return Err(PrivateMountsError {
            errno: last_errno(),
        });
    }
    Ok(())
}
