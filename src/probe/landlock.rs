//! Probe for the `landlock` demo: asks the kernel for its Landlock ABI version with
//! `landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)`.

use super::{Probe, errno_name, last_errno};

/// `LANDLOCK_CREATE_RULESET_VERSION` from `<linux/landlock.h>`.
const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;

/// The first ABI with TCP bind/connect rules.
pub const ABI_NET: i32 = 4;
/// The first ABI with scoping (abstract unix sockets, signals).
pub const ABI_SCOPE: i32 = 6;
/// The newest ABI kdeck knows (9: `LANDLOCK_ACCESS_FS_RESOLVE_UNIX`, 2026).
pub const ABI_KNOWN: i32 = 9;

/// The `landlock.abi` fact: the number, marked when it is newer than kdeck knows.
pub fn abi_fact(abi: i32) -> String {
    if abi > ABI_KNOWN {
        format!("{abi} (newer than kdeck's table, which ends at {ABI_KNOWN})")
    } else {
        abi.to_string()
    }
}

/// The running kernel's Landlock ABI version, straight from the raw syscall:
/// `Ok(abi)` or `Err(errno)` (ENOSYS: not built in; EOPNOTSUPP: not enabled at boot).
pub fn abi_version() -> Result<i32, i32> {
    // SAFETY: with a NULL attr and size 0 the kernel reads no memory; the VERSION flag
    // only returns a number and creates no file descriptor.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    if ret < 0 {
        return Err(last_errno());
    }
    i32::try_from(ret).map_err(|_| libc::EINVAL)
}

/// Plain-words reason for a failed VERSION call, for evidence and the audience.
pub fn why_missing(errno: i32) -> String {
    let what = match errno {
        libc::ENOSYS => "not built into this kernel",
        libc::EOPNOTSUPP => "built but not enabled: add landlock to the lsm= boot parameter",
        _ => "Landlock unavailable",
    };
    format!(
        "landlock_create_ruleset(VERSION): {} — {what}",
        errno_name(errno)
    )
}

/// Calls the feature and maps the answer: ABI ≥ 6 → yes; 1..=5 → partial (no TCP
/// rules below 4, no scoping below 6); an errno → no.
pub fn probe() -> Probe {
    let fact = match abi_version() {
        Ok(abi) => abi_fact(abi),
        Err(errno) => format!("none ({})", errno_name(errno)),
    };
    answer().with_fact("landlock.abi", fact)
}

fn answer() -> Probe {
    match abi_version() {
        Ok(abi) if abi >= ABI_SCOPE => Probe::yes(
            "landlock",
            format!("landlock_create_ruleset(VERSION) = {abi}"),
        ),
        Ok(abi) if abi >= 1 => {
            let lacks = if abi < ABI_NET {
                "no TCP rules (ABI 4), no scoping (ABI 6)"
            } else {
                "no signal/socket scoping (ABI 6)"
            };
            Probe::partial(
                "landlock",
                format!("landlock_create_ruleset(VERSION) = {abi}; {lacks}"),
            )
        }
        Ok(abi) => Probe::no(
            "landlock",
            format!("landlock_create_ruleset(VERSION) = {abi}"),
        ),
        Err(errno) => Probe::no("landlock", why_missing(errno)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abi_newer_than_the_table_says_so() {
        assert_eq!(abi_fact(2), "2");
        assert_eq!(abi_fact(ABI_KNOWN), "9");
        assert_eq!(
            abi_fact(11),
            "11 (newer than kdeck's table, which ends at 9)"
        );
    }
}
