//! Live tests of the `landlock` demo: run the real binary as `kdeck __child landlock`
//! (as root, and as `nobody` through setpriv) and check the kernel's answers.

mod common;

use std::path::PathBuf;

use common::child::{Run, assert_forced_fallback, child, child_as_nobody};

const ID: &str = "landlock";

/// The kernel's Landlock ABI, asked independently of kdeck: Ok(abi) or Err(errno).
fn kernel_abi() -> Result<i64, i32> {
    // SAFETY: NULL attr, size 0, flag LANDLOCK_CREATE_RULESET_VERSION (1): reads nothing.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            1u32,
        )
    };
    if ret < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(ret)
    }
}

/// The temp dir the demo announced.
fn temp_dir(r: &Run) -> PathBuf {
    PathBuf::from(
        r.one_line_starting("Temp dir /")
            .trim_start_matches("Temp dir "),
    )
}

/// Checks common to root and nobody.
fn assert_live_run(r: &Run, abi: i64) {
    r.assert_line(&format!(
        "» probe yes landlock_create_ruleset(VERSION) = {abi}"
    ));
    r.assert_line(&format!(
        "$ landlock_create_ruleset(NULL, 0, VERSION) = {abi}"
    ));
    r.assert_line("$ landlock_restrict_self() → fully enforced");
    r.assert_line("write allowed/ok.txt: ok");
    r.assert_line("write sibling/blocked.txt: EACCES (Permission denied)");
    // Reading outside allowed/ still works.
    let read = r.one_line_starting("read /");
    assert!(
        read.contains(": ok (") && read.ends_with(" bytes)"),
        "{read}"
    );
    let eacces = ": EACCES (Permission denied)";
    assert!(r.one_line_starting("connect 127.0.0.1:").ends_with(eacces));
    assert!(r.one_line_starting("bind 127.0.0.1:").ends_with(eacces));
    r.assert_line("connect abstract socket: EPERM (Operation not permitted)");
    let kill_denied: Vec<&str> = r
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("kill(") && l.ends_with(", 0): EPERM (Operation not permitted)"))
        .collect();
    assert_eq!(kill_denied.len(), 1, "{}", r.out);
    r.assert_line(&format!(
        "✓ Landlock (ABI {abi}) denied the write outside allowed/, TCP connect and bind, \
         and signals and abstract sockets out of the sandbox"
    ));
    assert_eq!(r.verdict(), r.one_line_starting("✓ "));
    assert_eq!(r.code, 0, "output:\n{}", r.out);
    // Nothing left behind: the temp dir (the only place written) is gone.
    let dir = temp_dir(r);
    assert!(dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    assert!(!dir.exists(), "{} still exists", dir.display());
    r.assert_line("Temp dir removed (by a helper outside)");
}

#[test]
fn live_as_root() {
    let abi = match kernel_abi() {
        Ok(abi) => abi,
        Err(errno) => {
            eprintln!("skip: landlock_create_ruleset(VERSION) errno {errno}: no Landlock here");
            let r = child(ID, &[]);
            assert_eq!(r.code, 3);
            assert!(
                r.out
                    .contains("» probe no landlock_create_ruleset(VERSION)")
            );
            return;
        }
    };
    if abi < 6 {
        eprintln!("skip: Landlock ABI {abi} < 6 on this kernel (this machine has 7)");
        let r = child(ID, &[]);
        assert!(r.out.contains("» probe partial"), "{}", r.out);
        assert!(r.out.contains("» partial signals"), "{}", r.out);
        return;
    }
    let r = child(ID, &[]);
    assert_live_run(&r, abi);
    // As root the parent (this test process) is ours to signal before the sandbox.
    let me = std::process::id();
    r.assert_line(&format!(
        "kill(parent {me}, 0) = 0 (signal 0 sends nothing)"
    ));
    r.assert_line(&format!(
        "kill(parent {me}, 0): EPERM (Operation not permitted)"
    ));
    r.one_line_starting("  as uid 0, no_new_privs = 1");
}

#[test]
fn live_as_nobody() {
    let Ok(abi) = kernel_abi() else {
        eprintln!("skip: no Landlock on this kernel");
        return;
    };
    if abi < 6 {
        eprintln!("skip: Landlock ABI {abi} < 6 on this kernel");
        return;
    }
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    assert_live_run(&r, abi);
    r.one_line_starting("  as uid 65534, no_new_privs = 1");
    // The parent (this root test process) is not nobody's to signal, so the demo
    // shows the scoping on its own cleanup helper, which it could signal before.
    let not_ours = r.one_line_starting("kill(parent ");
    assert!(not_ours.ends_with(": EPERM — not ours"), "{not_ours}");
    let helper = r.one_line_starting("  so: our cleanup helper ");
    let pid = helper.trim_start_matches("  so: our cleanup helper ");
    let pid = pid.trim_end_matches(" instead");
    r.assert_line(&format!(
        "kill(helper {pid}, 0): EPERM (Operation not permitted)"
    ));
}

#[test]
fn forced_unsupported_falls_back() {
    let r = assert_forced_fallback(ID);
    // The probe decided before anything was written: no temp dir at all.
    assert!(!r.out.contains("Temp dir"), "{}", r.out);
}
