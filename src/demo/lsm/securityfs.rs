//! Reading securityfs' `lsm` file, mounting securityfs if needed only inside a
//! forked child's private mount namespace (never on the host).

use crate::probe::ima::{SECURITYFS, mount_securityfs};
use crate::probe::lsm::SECURITYFS_LSM;
use crate::probe::{errno_name, last_errno, userns};
use crate::sys::fork::{self, Exit, PROBE_TIMEOUT};

/// The mount, as the audience sees it.
pub const MOUNT_CMD: &str = "mount -t securityfs none /sys/kernel/security";

/// What the child that mounted securityfs saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mounted {
    /// It mounted securityfs (after `unshare(flags)`) and read this list.
    List { flags: String, list: String },
    /// `call` failed with `errno` (after `unshare(flags)` when `flags` is not empty).
    Failed {
        flags: String,
        call: String,
        errno: i32,
    },
    /// The child did not report back (crash or timeout).
    NoAnswer(String),
}

/// Reads securityfs' lsm file on the host: the list, or the errno.
pub fn read_host() -> Result<String, i32> {
    std::fs::read_to_string(SECURITYFS_LSM)
        .map(|s| s.trim().to_string())
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
}

/// Forks a child that unshares a mount namespace (with a user namespace if plain
/// CLONE_NEWNS is refused), makes `/` rprivate, mounts securityfs on
/// /sys/kernel/security and reads the lsm file. The mount dies with the child.
pub fn mount_in_child() -> Mounted {
    // The demo process is single-threaded; the child runs ordinary code.
    let report = match fork::run(PROBE_TIMEOUT, |rep| {
        rep.line(child_mount());
        0
    }) {
        Ok(r) => r,
        Err(e) => return Mounted::NoAnswer(format!("fork: {}", errno_name(e))),
    };
    if report.status != Exit::Exited(0) {
        return Mounted::NoAnswer(format!("the mount child ended {:?}", report.status));
    }
    parse_report(&report.lines.join("\n"))
}

/// Child side; returns "ok\tflags\tlist" or "err\tflags\tcall\terrno".
fn child_mount() -> String {
    let flags = match unshare_mount_ns() {
        Ok(f) => f,
        Err(e) => return format!("err\t\tunshare(CLONE_NEWNS)\t{e}"),
    };
    let fail = |call: &str, errno: i32| format!("err\t{flags}\t{call}\t{errno}");
    if let Err(e) = userns::make_mounts_private() {
        return fail("mount --make-rprivate /", e.errno);
    }
    if let Err(e) = mount_securityfs(SECURITYFS) {
        return fail(MOUNT_CMD, e);
    }
    match read_host() {
        Ok(list) => format!("ok\t{flags}\t{list}"),
        Err(e) => format!("err\t{flags}\tcat {SECURITYFS_LSM}\t{e}"),
    }
}

/// unshare(CLONE_NEWNS), or CLONE_NEWUSER|CLONE_NEWNS if that is refused.
fn unshare_mount_ns() -> Result<&'static str, i32> {
    // SAFETY: plain syscalls in the single-threaded child.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } == 0 {
        return Ok("CLONE_NEWNS");
    }
    // SAFETY: as above.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNS) } == 0 {
        return Ok("CLONE_NEWUSER|CLONE_NEWNS");
    }
    Err(last_errno())
}

fn parse_report(text: &str) -> Mounted {
    let parts: Vec<&str> = text.splitn(4, '\t').collect();
    match parts.as_slice() {
        ["ok", flags, list] => Mounted::List {
            flags: flags.to_string(),
            list: list.to_string(),
        },
        ["err", flags, call, errno] => match errno.parse() {
            Ok(errno) => Mounted::Failed {
                flags: flags.to_string(),
                call: call.to_string(),
                errno,
            },
            Err(_) => Mounted::NoAnswer(format!("bad report {text:?}")),
        },
        _ => Mounted::NoAnswer(format!("bad report {text:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse() {
        assert_eq!(
            parse_report("ok\tCLONE_NEWNS\tlockdown,capability"),
            Mounted::List {
                flags: "CLONE_NEWNS".into(),
                list: "lockdown,capability".into()
            }
        );
        assert_eq!(
            parse_report("err\tCLONE_NEWUSER|CLONE_NEWNS\tmount -t securityfs\t1"),
            Mounted::Failed {
                flags: "CLONE_NEWUSER|CLONE_NEWNS".into(),
                call: "mount -t securityfs".into(),
                errno: 1
            }
        );
        assert!(matches!(parse_report("junk"), Mounted::NoAnswer(_)));
    }
}
