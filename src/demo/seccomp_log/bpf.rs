//! The demo's hand-written classic-BPF seccomp filter, its installer, and a small
//! disassembler that prints it one instruction per line for the audience.

use libc::sock_filter;

/// `BPF_LD | BPF_W | BPF_ABS` (0x00 | 0x00 | 0x20): load a 32-bit word of
/// `struct seccomp_data`.
pub const LD_W_ABS: u16 = 0x20;
/// `BPF_JMP | BPF_JEQ | BPF_K` (0x05 | 0x10 | 0x00): compare the accumulator with a
/// constant.
pub const JMP_JEQ_K: u16 = 0x15;
/// `BPF_RET | BPF_K` (0x06 | 0x00): return a constant seccomp action.
pub const RET_K: u16 = 0x06;

/// Offset of `nr` in `struct seccomp_data`.
pub const OFF_NR: u32 = 0;
/// Offset of `arch` in `struct seccomp_data`.
pub const OFF_ARCH: u32 = 4;

/// `AUDIT_ARCH_X86_64` (EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// `AUDIT_ARCH_AARCH64` (EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE).
pub const AUDIT_ARCH_AARCH64: u32 = 0xc000_00b7;

/// The audit arch of the CPU kdeck was built for, if the demo knows it.
pub fn native_arch() -> Option<u32> {
    if cfg!(target_arch = "x86_64") {
        Some(AUDIT_ARCH_X86_64)
    } else if cfg!(target_arch = "aarch64") {
        Some(AUDIT_ARCH_AARCH64)
    } else {
        None
    }
}

/// The `arch=` value as the audit record prints it ("c000003e").
pub fn arch_hex(arch: u32) -> String {
    format!("{arch:x}")
}

/// The syscall number of getppid on this CPU (110 on x86_64, 173 on aarch64).
pub fn getppid_nr() -> u32 {
    // Syscall numbers are small non-negative constants.
    u32::try_from(libc::SYS_getppid).unwrap_or(u32::MAX)
}

/// The name of a syscall number the demo knows.
pub fn syscall_name(nr: u32) -> Option<&'static str> {
    (nr == getppid_nr()).then_some("getppid")
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The filter: on `arch`, syscall `nr` → SECCOMP_RET_LOG; everything else → ALLOW.
pub fn log_filter(arch: u32, nr: u32) -> Vec<sock_filter> {
    vec![
        stmt(LD_W_ABS, OFF_ARCH),
        jump(JMP_JEQ_K, arch, 0, 3),
        stmt(LD_W_ABS, OFF_NR),
        jump(JMP_JEQ_K, nr, 0, 1),
        stmt(RET_K, libc::SECCOMP_RET_LOG),
        stmt(RET_K, libc::SECCOMP_RET_ALLOW),
    ]
}

/// Name of a seccomp return value ("LOG", "ALLOW", "ERRNO(1)", ...).
pub fn action_name(ret: u32) -> String {
    let data = ret & libc::SECCOMP_RET_DATA;
    match ret & libc::SECCOMP_RET_ACTION_FULL {
        libc::SECCOMP_RET_KILL_PROCESS => "KILL_PROCESS".into(),
        libc::SECCOMP_RET_KILL_THREAD => "KILL_THREAD".into(),
        libc::SECCOMP_RET_TRAP => format!("TRAP({data})"),
        libc::SECCOMP_RET_ERRNO => format!("ERRNO({data})"),
        libc::SECCOMP_RET_USER_NOTIF => "USER_NOTIF".into(),
        libc::SECCOMP_RET_TRACE => format!("TRACE({data})"),
        libc::SECCOMP_RET_LOG => "LOG".into(),
        libc::SECCOMP_RET_ALLOW => "ALLOW".into(),
        other => format!("{other:#x}"),
    }
}

fn arch_name(arch: u32) -> String {
    match arch {
        AUDIT_ARCH_X86_64 => "AUDIT_ARCH_X86_64".into(),
        AUDIT_ARCH_AARCH64 => "AUDIT_ARCH_AARCH64".into(),
        other => format!("{other:#x}"),
    }
}

fn field_name(off: u32) -> String {
    match off {
        OFF_NR => "nr".into(),
        OFF_ARCH => "arch".into(),
        other => other.to_string(),
    }
}

/// Readable form of one instruction at index `i`; `loaded` is the `seccomp_data`
/// offset last loaded (it names the constant compared against).
fn disassemble_one(i: usize, ins: &sock_filter, loaded: Option<u32>) -> String {
    let target = |off: u8| i + 1 + usize::from(off);
    match ins.code {
        LD_W_ABS => format!("ld  [{}]", field_name(ins.k)),
        JMP_JEQ_K => {
            let what = match loaded {
                Some(OFF_ARCH) => arch_name(ins.k),
                Some(OFF_NR) => match syscall_name(ins.k) {
                    Some(name) => format!("{} ({name})", ins.k),
                    None => ins.k.to_string(),
                },
                _ => format!("{:#x}", ins.k),
            };
            format!("jeq #{what}, {}, {}", target(ins.jt), target(ins.jf))
        }
        RET_K => format!("ret {}", action_name(ins.k)),
        code => format!("op {code:#06x} jt {} jf {} k {:#x}", ins.jt, ins.jf, ins.k),
    }
}

/// The program one instruction per line, e.g. `  0: ld  [arch]`,
/// `  1: jeq #AUDIT_ARCH_X86_64, 2, 5`, ..., `  5: ret ALLOW` (jump targets are
/// absolute instruction numbers).
pub fn disassemble(prog: &[sock_filter]) -> Vec<String> {
    let mut loaded = None;
    prog.iter()
        .enumerate()
        .map(|(i, ins)| {
            let line = format!("{i:>3}: {}", disassemble_one(i, ins, loaded));
            if ins.code == LD_W_ABS {
                loaded = Some(ins.k);
            }
            line
        })
        .collect()
}

/// `prctl(PR_SET_NO_NEW_PRIVS, 1)`, which lets an unprivileged process install a filter.
pub fn set_no_new_privs() -> Result<(), i32> {
    // SAFETY: plain prctl with integer arguments.
    let rc = unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(crate::probe::last_errno())
    }
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog)` on the calling thread.
pub fn install(prog: &[sock_filter]) -> Result<(), i32> {
    install_with_flags(prog, 0)
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)` (e.g. SECCOMP_FILTER_FLAG_LOG).
pub fn install_with_flags(prog: &[sock_filter], flags: u32) -> Result<(), i32> {
    let len = u16::try_from(prog.len()).map_err(|_| libc::EINVAL)?;
    let fprog = libc::sock_fprog {
        len,
        filter: prog.as_ptr().cast_mut(),
    };
    // SAFETY: `fprog` points at `prog`, which outlives the call; the kernel copies it.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &fprog as *const libc::sock_fprog,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(crate::probe::last_errno())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disassembles_the_demo_filter() {
        let lines = disassemble(&log_filter(AUDIT_ARCH_X86_64, 110));
        let nr = if getppid_nr() == 110 {
            "110 (getppid)"
        } else {
            "110"
        };
        assert_eq!(
            lines,
            vec![
                "  0: ld  [arch]".to_string(),
                "  1: jeq #AUDIT_ARCH_X86_64, 2, 5".into(),
                "  2: ld  [nr]".into(),
                format!("  3: jeq #{nr}, 4, 5"),
                "  4: ret LOG".into(),
                "  5: ret ALLOW".into(),
            ]
        );
    }

    #[test]
    fn names_actions() {
        assert_eq!(action_name(0x7ffc_0000), "LOG");
        assert_eq!(action_name(0x0005_0001), "ERRNO(1)");
        assert_eq!(action_name(0x8000_0000), "KILL_PROCESS");
    }
}
