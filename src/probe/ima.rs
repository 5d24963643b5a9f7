//! Probe for the `ima` demo: is IMA active in this kernel?
//!
//! Two independent witnesses: the `ima/` directory in securityfs (mounted on the host,
//! or — as root, when it is not — mounted in a throwaway child's private mount
//! namespace, never on the host), and `lsm_list_modules()` (syscall 461, 6.8+) listing
//! LSM id 111 (IMA is an LSM since 6.9). Without IMA only the namespace refusal runs
//! live: Partial.

use super::{Probe, errno_name, last_errno, lsm, userns};
use crate::sys::fork::{self, PROBE_TIMEOUT};

/// `LSM_ID_IMA`.
pub const LSM_ID_IMA: u64 = 111;
/// Where securityfs is mounted by convention (the directory exists in sysfs).
pub const SECURITYFS: &str = "/sys/kernel/security";
/// IMA's directory in securityfs.
pub const IMA_DIR: &str = "/sys/kernel/security/ima";

/// What one witness says about IMA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// IMA is there (evidence).
    Present(String),
    /// IMA is definitely not there (evidence).
    Absent(String),
    /// This witness can't tell (why).
    Unknown(String),
}

impl Seen {
    /// The evidence or reason, in plain words.
    pub fn text(&self) -> &str {
        match self {
            Seen::Present(s) | Seen::Absent(s) | Seen::Unknown(s) => s,
        }
    }
}

/// Both witnesses' answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detect {
    /// The `ima/` directory in securityfs.
    pub securityfs: Seen,
    /// `lsm_list_modules()`.
    pub lsm: Seen,
}

impl Detect {
    /// True when a witness saw IMA.
    pub fn present(&self) -> bool {
        matches!(self.securityfs, Seen::Present(_)) || matches!(self.lsm, Seen::Present(_))
    }

    /// True when every witness says IMA is definitely absent.
    pub fn surely_absent(&self) -> bool {
        matches!(self.securityfs, Seen::Absent(_)) && matches!(self.lsm, Seen::Absent(_))
    }
}

/// Asks both witnesses.
pub fn detect() -> Detect {
    Detect {
        securityfs: securityfs_witness(),
        lsm: lsm_witness(),
    }
}

/// True if securityfs is mounted in our mount namespace (per /proc/self/mountinfo).
pub fn securityfs_mounted() -> bool {
    procfs::process::Process::myself()
        .and_then(|me| me.mountinfo())
        .is_ok_and(|mounts| mounts.iter().any(|m| m.fs_type == "securityfs"))
}

fn securityfs_witness() -> Seen {
    if std::path::Path::new(IMA_DIR).is_dir() {
        return Seen::Present(format!("{IMA_DIR} exists"));
    }
    if securityfs_mounted() {
        return Seen::Absent("no ima/ in securityfs".into());
    }
    // SAFETY: geteuid never fails.
    if unsafe { libc::geteuid() } != 0 {
        return Seen::Unknown("securityfs not mounted, mounting it needs root".into());
    }
    private_mount_witness()
}

/// As root with securityfs unmounted: mount it in a throwaway child's private mount
/// namespace and look for `ima/`. The host's mounts are never touched.
fn private_mount_witness() -> Seen {
    let report = fork::run(PROBE_TIMEOUT, |rep| {
        if let Err(e) = mount_private_securityfs() {
            rep.kv("err", e);
            return 1;
        }
        let has = std::path::Path::new(IMA_DIR).is_dir();
        rep.kv("ima", if has { "yes" } else { "no" });
        0
    });
    match report {
        Err(e) => Seen::Unknown(format!("fork: {}", errno_name(e))),
        Ok(r) => match (r.get("ima"), r.get("err")) {
            (Some("yes"), _) => Seen::Present("ima/ in securityfs".into()),
            (Some(_), _) => Seen::Absent("no ima/ in securityfs".into()),
            (None, Some(e)) => Seen::Unknown(e.to_string()),
            (None, None) => Seen::Unknown(format!("securityfs check: {:?}", r.status)),
        },
    }
}

/// Why [`mount_private_securityfs`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateSecurityfsError {
    /// unshare(CLONE_NEWNS) failed with this errno (it needs CAP_SYS_ADMIN).
    #[error("unshare(CLONE_NEWNS): {}", errno_name(*.0))]
    Unshare(i32),
    /// Making the new namespace's mounts private failed.
    #[error(transparent)]
    Private(#[from] userns::PrivateMountsError),
    /// The mount itself failed with this errno.
    #[error("mount securityfs: {}", errno_name(*.0))]
    Mount(i32),
}

/// In a forked child: a private mount namespace of its own, with securityfs mounted
/// on [`SECURITYFS`] there (never on the host).
pub fn mount_private_securityfs() -> Result<(), PrivateSecurityfsError> {
    // SAFETY: unshare(2) in the forked child only.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } < 0 {
        return Err(PrivateSecurityfsError::Unshare(last_errno()));
    }
    userns::make_mounts_private()?;
    mount_securityfs(SECURITYFS).map_err(PrivateSecurityfsError::Mount)
}

/// `mount("securityfs", target, "securityfs", 0, NULL)`; the error is the errno.
pub fn mount_securityfs(target: &str) -> Result<(), i32> {
    let target = std::ffi::CString::new(target).map_err(|_| libc::EINVAL)?;
    // SAFETY: NUL-terminated strings; null data is allowed.
    let rc = unsafe {
        libc::mount(
            c"securityfs".as_ptr(),
            target.as_ptr(),
            c"securityfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc < 0 { Err(last_errno()) } else { Ok(()) }
}

fn lsm_witness() -> Seen {
    match lsm::active_ids() {
        Ok(ids) if ids.contains(&LSM_ID_IMA) => {
            Seen::Present("lsm_list_modules lists ima (111)".into())
        }
        Ok(_) => Seen::Absent("lsm list lacks ima".into()),
        Err(e) => Seen::Unknown(format!("lsm_list_modules: {}", errno_name(e))),
    }
}

/// Yes when IMA is seen; Partial otherwise (the user-namespace refusal still runs).
pub fn probe() -> Probe {
    let d = detect();
    let answer = answer(&d);
    if d.present() {
        answer.with_fact("ima.active", "yes")
    } else if d.surely_absent() {
        answer.with_fact("ima.active", "no")
    } else {
        answer
    }
}

fn answer(d: &Detect) -> Probe {
    const F: &str = "ima";
    if d.present() {
        let mut seen: Vec<&str> = Vec::new();
        for w in [&d.securityfs, &d.lsm] {
            if let Seen::Present(s) = w {
                seen.push(s);
            }
        }
        return Probe::yes(F, format!("IMA active: {}", seen.join("; ")));
    }
    let head = if d.surely_absent() {
        "no IMA in this kernel"
    } else {
        "IMA not seen"
    };
    Probe::partial(
        F,
        format!(
            "{head} ({}; {}) — only the namespace refusal runs live",
            d.securityfs.text(),
            d.lsm.text()
        ),
    )
}
