//! Integration tests of the `audit` demo: the real binary as `kdeck __child audit`.

mod common;

use common::child::{
    Run, assert_fits_pane, assert_forced_fallback, child, child_as_nobody, is_root,
};

const ID: &str = "audit";

/// Our own read-only AUDIT_GET, independent of the crate: Ok(enabled) or Err(errno).
fn own_audit_get() -> Result<u32, i32> {
    let errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    // SAFETY: plain syscalls on buffers we own; every result is checked.
    unsafe {
        let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 9);
        assert!(fd >= 0, "socket(NETLINK_AUDIT): errno {}", errno());
        let tv = libc::timeval {
            tv_sec: 1,
            tv_usec: 0,
        };
        let rc = libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            (&tv as *const libc::timeval).cast(),
            std::mem::size_of::<libc::timeval>() as u32,
        );
        assert_eq!(rc, 0);
        // nlmsghdr: len 16, type AUDIT_GET (1000), flags NLM_F_REQUEST, seq 1, pid 0.
        let mut req = Vec::new();
        req.extend_from_slice(&16u32.to_ne_bytes());
        req.extend_from_slice(&1000u16.to_ne_bytes());
        req.extend_from_slice(&1u16.to_ne_bytes());
        req.extend_from_slice(&1u32.to_ne_bytes());
        req.extend_from_slice(&0u32.to_ne_bytes());
        let mut dst: libc::sockaddr_nl = std::mem::zeroed();
        dst.nl_family = libc::AF_NETLINK as u16;
        let n = libc::sendto(
            fd,
            req.as_ptr().cast(),
            req.len(),
            0,
            (&dst as *const libc::sockaddr_nl).cast(),
            std::mem::size_of::<libc::sockaddr_nl>() as u32,
        );
        assert_eq!(n, 16, "sendto: errno {}", errno());
        let mut buf = [0u8; 8192];
        let n = libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0);
        let e = errno();
        libc::close(fd);
        assert!(n >= 16, "recv: errno {e}");
        let ty = u16::from_ne_bytes([buf[4], buf[5]]);
        let word = |at: usize| u32::from_ne_bytes(buf[at..at + 4].try_into().unwrap());
        match ty {
            2 => Err(-(word(16) as i32)),
            1000 => Ok(word(16 + 4)),
            other => panic!("unexpected reply type {other}"),
        }
    }
}

fn assert_steps_in_order(r: &Run) {
    r.assert_steps_in_order(&["status", "userns", "ids"]);
}

fn assert_userns_refused_and_no_containerid(r: &Run) {
    let out = &r.out;
    assert!(
        out.contains("inside a user namespace (uid 0 there):\n  AUDIT_GET → ECONNREFUSED"),
        "ECONNREFUSED in the user namespace"
    );
    assert!(r.partial_steps().is_empty(), "every step ran live");
    assert!(
        out.contains(
            "$ stat /proc/self/audit_containerid\n  ENOENT: the audit container ID series"
        )
    );
    assert!(
        out.contains("✓ audit refused the user namespace (ECONNREFUSED); no container id in /proc")
    );
    assert_eq!(r.marks(), 1);
}

#[test]
fn root_status_matches_our_own_audit_get() {
    if !is_root() {
        eprintln!("skip: AUDIT_GET needs root (CAP_AUDIT_CONTROL)");
        return;
    }
    let enabled = own_audit_get().expect("AUDIT_GET as root");
    let r = child(ID, &[]);
    assert_eq!(r.code, 0);
    assert!(r.out.starts_with(&format!(
        "» probe yes NETLINK_AUDIT socket ok; AUDIT_GET: enabled={enabled}"
    )));
    assert_steps_in_order(&r);
    assert!(
        r.out.contains(&format!("\n  enabled={enabled} (")),
        "enabled={enabled} printed"
    );
    assert!(r.out.contains("  auditd pid="));
    assert!(!r.out.contains("EPERM"));
    assert_userns_refused_and_no_containerid(&r);
    // The child inherits our loginuid; the demo must print the real value.
    let loginuid = std::fs::read_to_string("/proc/self/loginuid").unwrap();
    assert!(r.out.contains(&format!("  loginuid  {}", loginuid.trim())));
    // And the file really is absent.
    let e = std::fs::metadata("/proc/self/audit_containerid").unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
}

#[test]
fn nobody_gets_eperm_and_still_sees_the_refusal() {
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    assert_eq!(r.code, 0);
    assert!(r.out.starts_with(
        "» probe yes NETLINK_AUDIT socket ok; AUDIT_GET: EPERM (needs CAP_AUDIT_CONTROL)"
    ));
    assert_steps_in_order(&r);
    assert!(r.out.contains(
        "$ AUDIT_GET over NETLINK_AUDIT (uid 65534)\n  AUDIT_GET: EPERM — needs CAP_AUDIT_CONTROL\n  in the initial user namespace"
    ));
    assert_userns_refused_and_no_containerid(&r);
}

#[test]
fn forced_no_falls_back() {
    assert_forced_fallback(ID);
}

#[test]
fn output_fits_the_pane() {
    assert_fits_pane(&child(ID, &[]).out, 30, 56);
}
