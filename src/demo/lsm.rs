//! Live body of the `lsm` demo: the kernel lists its stacked LSMs through the 6.8
//! LSM syscalls (`lsm_list_modules`, `lsm_get_self_attr`), compared with securityfs,
//! and which of the exclusive ("major") LSMs is active.

mod securityfs;

use self::securityfs::Mounted;
use super::out;
use crate::probe::lsm::{
    self as lprobe, LSM_ATTR_CURRENT, PROC_ATTR_CURRENT, SECURITYFS_LSM, SYS_LSM_GET_SELF_ATTR,
    lsm_name,
};
use crate::probe::{Probe, errno_name, last_errno};

/// Label-keeping LSMs; the first three carry LSM_FLAG_EXCLUSIVE.
const MAJORS: &[&str] = &["selinux", "smack", "apparmor", "tomoyo"];

/// Runs the demo; see the module docs.
pub fn body(_probe: &Probe) -> i32 {
    out::step("list");
    let ids = match list_step() {
        Ok(ids) => ids,
        Err(code) => return code,
    };
    out::step("securityfs");
    let sfs_names = securityfs_step(ids.as_deref());
    let names: Vec<String> = match (&ids, sfs_names) {
        (Some(ids), _) => ids.iter().map(|&i| lsm_name(i)).collect(),
        (None, Some(names)) => names,
        (None, None) => {
            return out::unsupported(
                "no lsm_list_modules() and securityfs not readable: no list of LSMs",
            );
        }
    };
    out::step("self-attr");
    self_attr_step(ids.is_some());
    out::step("majors");
    majors_step(&names);
    out::pass(format!(
        "the kernel reports {} stacked LSMs: {}",
        names.len(),
        names.join(", ")
    ))
}

/// Step "list": `Ok(Some(ids))`, `Ok(None)` on ENOSYS, or `Err(exit code)`.
fn list_step() -> Result<Option<Vec<u64>>, i32> {
    out::say("$ lsm_list_modules(NULL, &size=0, 0)");
    let size = match lprobe::list_modules_size() {
        Ok(size) => size,
        Err(libc::ENOSYS) => {
            out::say("  = -1 ENOSYS");
            out::say("  kernel < 6.8: no lsm_list_modules()");
            out::say(format!("  falling back to {SECURITYFS_LSM}"));
            return Ok(None);
        }
        Err(e) => return Err(syscall_error("lsm_list_modules()", e)),
    };
    out::say(format!(
        "  = -1 E2BIG, size = {size} ({} ids x 8 bytes)",
        size / 8
    ));
    let ids = match lprobe::list_modules(size) {
        Ok(ids) => ids,
        Err(e) => return Err(syscall_error("lsm_list_modules(buf)", e)),
    };
    out::say(format!(
        "$ lsm_list_modules(u64[{}], &size={size}, 0) = {}",
        size / 8,
        ids.len()
    ));
    out::say("  in call order:");
    for id in &ids {
        out::say(format!("  {id:>5}  {}", lsm_name(*id)));
    }
    Ok(Some(ids))
}

/// EPERM/EOPNOTSUPP (e.g. a seccomp policy) → fall back; anything else is a failure.
fn syscall_error(call: &str, e: i32) -> i32 {
    out::say(format!("  = -1 {}", errno_name(e)));
    let why = format!("{call}: {}", errno_name(e));
    match e {
        libc::EPERM | libc::EOPNOTSUPP | libc::ENOSYS => out::unsupported(why),
        _ => out::fail(why),
    }
}

/// Step "securityfs": the list as securityfs shows it (mounting securityfs in a
/// child's private mount namespace if the host has none), compared with the syscall.
fn securityfs_step(ids: Option<&[u64]>) -> Option<Vec<String>> {
    out::say(format!("$ cat {SECURITYFS_LSM}"));
    let list = match securityfs::read_host() {
        Ok(list) => {
            out::say(format!("  {list}"));
            list
        }
        Err(e) => {
            out::say(format!(
                "  {}: securityfs is not mounted here",
                errno_name(e)
            ));
            mounted_list()?
        }
    };
    let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    if let Some(ids) = ids {
        let from_syscall: Vec<String> = ids.iter().map(|&i| lsm_name(i)).collect();
        if from_syscall == names {
            out::say("  same LSMs, same order as lsm_list_modules()");
        } else {
            out::say("  differs from lsm_list_modules():");
            out::say(format!("  {}", from_syscall.join(",")));
        }
    }
    Some(names)
}

/// Mounts securityfs in a child's private mount namespace and reads the list.
fn mounted_list() -> Option<String> {
    out::say("Mounting it in a child's private mount ns:");
    let show_unshare = |flags: &str| {
        if !flags.is_empty() {
            out::say(format!("$ unshare({flags})"));
            out::say("$ mount --make-rprivate /");
        }
    };
    match securityfs::mount_in_child() {
        Mounted::List { flags, list } => {
            show_unshare(&flags);
            out::say(format!("$ {}", securityfs::MOUNT_CMD));
            out::say(format!("$ cat {SECURITYFS_LSM}"));
            out::say(format!("  {list}"));
            Some(list)
        }
        Mounted::Failed { flags, call, errno } => {
            show_unshare(&flags);
            out::say(format!("$ {call}"));
            out::say(format!("  = -1 {}", errno_name(errno)));
            let why = if errno == libc::EPERM && flags.contains("NEWUSER") {
                out::say("  needs CAP_SYS_ADMIN in the initial user ns");
                "mounting securityfs needs CAP_SYS_ADMIN in the initial user \
                 namespace (run as root to compare the lists)"
                    .to_string()
            } else {
                format!("{call}: {}", errno_name(errno))
            };
            out::partial("securityfs", why);
            None
        }
        Mounted::NoAnswer(why) => {
            out::say(format!("  {why}"));
            out::partial("securityfs", why);
            None
        }
    }
}

/// Step "self-attr": this process's LSM labels via `lsm_get_self_attr(CURRENT)`.
fn self_attr_step(have_syscalls: bool) {
    if !have_syscalls {
        out::say(format!("$ cat {PROC_ATTR_CURRENT}"));
        match crate::probe::read_trimmed(PROC_ATTR_CURRENT) {
            Ok(label) => out::say(format!("  {label}")),
            Err(e) => out::say(format!("  {e}")),
        }
        return;
    }
    out::say("$ lsm_get_self_attr(LSM_ATTR_CURRENT, buf, &size, 0)");
    match get_self_attr() {
        Ok(ctxs) if ctxs.is_empty() => out::say("  = 0: no labels"),
        Ok(ctxs) => {
            out::say(format!("  = {}", ctxs.len()));
            for (id, ctx) in ctxs {
                out::say(format!("  {id:>5}  {}: {ctx}", lsm_name(id)));
            }
        }
        Err(libc::EOPNOTSUPP) => {
            out::say("  = -1 EOPNOTSUPP");
            out::say("  no LSM here keeps a per-process label");
            out::say("  (no SELinux, AppArmor or Smack active)");
        }
        Err(e) => out::say(format!("  = -1 {}", errno_name(e))),
    }
}

/// `lsm_get_self_attr(LSM_ATTR_CURRENT)`: `(lsm id, context)` per answering LSM.
fn get_self_attr() -> Result<Vec<(u64, String)>, i32> {
    let mut buf = vec![0u64; 512];
    for _ in 0..2 {
        let mut size = (buf.len() * 8) as u32;
        // SAFETY: buf holds `size` bytes, 8-aligned as struct lsm_ctx needs.
        let r = unsafe {
            libc::syscall(
                SYS_LSM_GET_SELF_ATTR,
                LSM_ATTR_CURRENT,
                buf.as_mut_ptr(),
                &mut size as *mut u32,
                0u32,
            )
        };
        if r >= 0 {
            let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
            return Ok(parse_ctxs(&bytes, r as usize));
        }
        let e = last_errno();
        if e != libc::E2BIG {
            return Err(e);
        }
        buf = vec![0u64; (size as usize).div_ceil(8)];
    }
    Err(libc::E2BIG)
}

/// Walks `count` `struct lsm_ctx { u64 id, flags, len, ctx_len; u8 ctx[]; }`.
fn parse_ctxs(bytes: &[u8], count: usize) -> Vec<(u64, String)> {
    let word = |at: usize| -> Option<u64> {
        let b = bytes.get(at..at + 8)?;
        Some(u64::from_ne_bytes(b.try_into().ok()?))
    };
    let mut out = Vec::new();
    let mut at = 0usize;
    for _ in 0..count {
        let (Some(id), Some(len), Some(ctx_len)) = (word(at), word(at + 16), word(at + 24)) else {
            break;
        };
        let start = at + 32;
        let Some(raw) = bytes.get(start..start + ctx_len as usize) else {
            break;
        };
        let text = String::from_utf8_lossy(raw);
        out.push((id, text.trim_end_matches('\0').to_string()));
        if len < 32 {
            break;
        }
        at += len as usize;
    }
    out
}

/// Step "majors": which label-keeping LSMs are active; the exclusivity fact.
fn majors_step(names: &[String]) {
    let active: Vec<&str> = MAJORS
        .iter()
        .copied()
        .filter(|m| names.iter().any(|n| n == m))
        .collect();
    let shown = if active.is_empty() {
        "none".to_string()
    } else {
        active.join(", ")
    };
    out::say(format!("Major (label-keeping) LSMs active: {shown}"));
    out::say("SELinux, Smack and AppArmor carry");
    out::say("  LSM_FLAG_EXCLUSIVE: at most one per boot.");
    out::say("Two at once (SELinux + AppArmor): not in");
    out::say("  mainline; \"LSM: No exclusive LSMs\" is an");
    out::say("  RFC (Jun 2025)");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lsm_ctx_parses() {
        let mut b = Vec::new();
        for w in [104u64, 0, 48, 11] {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b.extend_from_slice(b"unconfined\0");
        b.resize(48, 0);
        assert_eq!(parse_ctxs(&b, 1), vec![(104, "unconfined".to_string())]);
        assert_eq!(parse_ctxs(&b[..20], 1), vec![]);
    }
}
