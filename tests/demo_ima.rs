//! Integration tests of the `ima` demo: the real binary as `kdeck __child ima`.

mod common;

use common::child::{
    Run, assert_fits_pane, assert_forced_fallback, child, child_as_nobody, is_root,
};

const ID: &str = "ima";

/// Our own look for IMA, independent of the crate: its securityfs directory, or LSM
/// id 111 in lsm_list_modules() (syscall 461).
fn ima_present() -> bool {
    if std::path::Path::new("/sys/kernel/security/ima").is_dir() {
        return true;
    }
    let mut ids = [0u64; 32];
    let mut size = std::mem::size_of_val(&ids) as u32;
    // SAFETY: ids holds `size` bytes.
    let n = unsafe { libc::syscall(461, ids.as_mut_ptr(), &mut size as *mut u32, 0u32) };
    n > 0 && ids[..n as usize].contains(&111)
}

fn securityfs_on_host() -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.contains(" - securityfs "))
}

const EPERM_LINES: &str = "inside a user namespace (uid 0 there):\n  mount securityfs → EPERM\n";
/// What the EPERM shows where IMA is active.
const WITH_IMA: &str = "  so a container can't reach IMA's files:\n  no per-container view (the IMA namespace\n  series, v14 Sep 2022, was never merged)\n";
/// What it shows where there is no IMA: only securityfs's refusal.
const WITHOUT_IMA: &str =
    "  securityfs's own refusal: this kernel has\n  no IMA, so it says nothing about IMA\n";

fn assert_refusal(r: &Run) {
    let u = r.out.find("» step userns").expect("userns step");
    assert!(
        r.out[u..]
            .contains("$ unshare(CLONE_NEWUSER|CLONE_NEWNS)\n$ mount -t securityfs securityfs ")
    );
    assert!(r.out[u..].contains(EPERM_LINES), "the EPERM lines");
    assert_eq!(r.marks(), 1);
}

fn assert_no_ima_run(r: &Run) {
    assert_eq!(r.code, 0);
    assert!(r.out.starts_with("» probe partial "));
    assert!(
        r.out
            .contains("lsm list lacks ima) — only the namespace refusal runs live")
    );
    let measurements = r.section("measurements");
    assert!(
        measurements
            .first()
            .is_some_and(|l| l.starts_with("» partial measurements ")),
        "{measurements:?}"
    );
    assert_refusal(r);
    assert!(r.out.contains(WITHOUT_IMA), "{}", r.out);
    assert!(!r.out.contains("per-container"), "{}", r.out);
    assert!(r.out.contains(
        "✓ a user namespace can't mount securityfs (EPERM); no IMA in this kernel, so that is all it shows"
    ));
}

#[test]
fn here_measurements_partial_and_userns_refused() {
    let mounted_before = securityfs_on_host();
    let r = child(ID, &[]);
    if ima_present() {
        eprintln!("this kernel has IMA: checking the live measurement list");
        assert_eq!(r.code, 0);
        assert!(r.out.starts_with("» probe yes IMA active"));
        if is_root() {
            assert!(r.out.contains("$ wc -l ima/ascii_runtime_measurements\n  "));
            assert!(!r.partial_steps().contains(&"measurements"));
        }
        assert_refusal(&r);
        assert!(r.out.contains(WITH_IMA), "{}", r.out);
    } else {
        assert_no_ima_run(&r);
        if is_root() {
            // Root could look inside securityfs (mounted in a throwaway namespace).
            assert!(
                r.out
                    .contains("» partial measurements this kernel has no IMA (CONFIG_IMA off)")
            );
            assert!(
                r.out
                    .contains("(no ima/ in securityfs; lsm list lacks ima)")
            );
        }
    }
    // Nothing was mounted on the host.
    assert_eq!(securityfs_on_host(), mounted_before);
}

#[test]
fn as_nobody_the_same_refusal() {
    if ima_present() {
        eprintln!("note: this kernel has IMA; nobody can't read its list either");
    }
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    if ima_present() {
        assert_eq!(r.code, 0);
        assert!(r.out.contains("» partial measurements "));
        assert_refusal(&r);
    } else {
        assert_no_ima_run(&r);
        assert!(
            r.out
                .contains("securityfs not mounted, mounting it needs root")
        );
    }
}

#[test]
fn forced_no_falls_back() {
    assert_forced_fallback(ID);
}

#[test]
fn output_fits_the_pane() {
    assert_fits_pane(&child(ID, &[]).out, 30, 56);
}
