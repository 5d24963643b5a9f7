//! The hand-written seccomp filter of the `timens` demo: `clock_gettime` → EPERM,
//! everything else allowed. Seven cBPF instructions, installed with the raw
//! `seccomp(2)` syscall after `no_new_privs`.

/// `AUDIT_ARCH_*` of this build's CPU, as `seccomp_data.arch` reports it.
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: Option<u32> = Some(0xc000_003e);
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: Option<u32> = Some(0xc000_00b7);
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const AUDIT_ARCH: Option<u32> = None;

/// Offsets into `struct seccomp_data`.
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;

/// Number of instructions in [`program`].
pub const LEN: usize = 7;

/// `(AUDIT_ARCH, clock_gettime syscall number)` for this CPU (228 on x86_64, 113 on
/// aarch64), or `None` where the demo has no arch constant.
pub fn target() -> Option<(u32, u32)> {
    let nr = u32::try_from(libc::SYS_clock_gettime).ok()?;
    AUDIT_ARCH.map(|arch| (arch, nr))
}

fn stmt(code: u32, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

/// The filter: wrong arch → kill; syscall `nr` → ERRNO(EPERM); else allow.
pub fn program(arch: u32, nr: u32) -> [libc::sock_filter; LEN] {
    use libc::{BPF_ABS, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET, BPF_W};
    let eperm = libc::SECCOMP_RET_ERRNO | (libc::EPERM as u32 & libc::SECCOMP_RET_DATA);
    [
        stmt(BPF_LD | BPF_W | BPF_ABS, OFF_ARCH),
        jump(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        stmt(BPF_RET | BPF_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD | BPF_W | BPF_ABS, OFF_NR),
        jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        stmt(BPF_RET | BPF_K, eperm),
        stmt(BPF_RET | BPF_K, libc::SECCOMP_RET_ALLOW),
    ]
}

/// Sets `no_new_privs` and installs [`program`] on the calling thread.
/// The error names the call that failed and its errno.
pub fn install(arch: u32, nr: u32) -> Result<(), (&'static str, i32)> {
    // SAFETY: prctl with integer arguments only.
    let r = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    if r != 0 {
        return Err(("prctl(PR_SET_NO_NEW_PRIVS)", crate::probe::last_errno()));
    }
    let mut prog = program(arch, nr);
    let fprog = libc::sock_fprog {
        len: LEN as u16,
        filter: prog.as_mut_ptr(),
    };
    // SAFETY: fprog points at a live array of LEN instructions for the whole call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &fprog as *const libc::sock_fprog,
        )
    };
    if r != 0 {
        return Err(("seccomp(SET_MODE_FILTER)", crate::probe::last_errno()));
    }
    Ok(())
}
