//! The child side of the demo protocol: what a live demo body calls to talk to the
//! audience and to the parent. Every call sends one typed [`ChildMsg`] on the report
//! descriptor (see [`super::protocol`]); nothing is parsed back out of text.

use std::os::fd::BorrowedFd;
use std::sync::OnceLock;

use super::protocol::{ChildMsg, REPORT_FD_ENV};
pub use super::protocol::{EXIT_FAIL, EXIT_PASS, EXIT_UNSUPPORTED};

/// The report descriptor: [`REPORT_FD_ENV`] if set to a number, else stdout.
fn report_fd() -> i32 {
    static FD: OnceLock<i32> = OnceLock::new();
    *FD.get_or_init(|| {
        std::env::var(REPORT_FD_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|fd: &i32| *fd >= 0)
            .unwrap_or(libc::STDOUT_FILENO)
    })
}

/// Sends one message (one write of one line, so forked children's lines never mix).
fn emit(msg: ChildMsg) {
    let mut bytes = msg.to_line().into_bytes();
    bytes.push(b'\n');
    // SAFETY: the report descriptor stays open for the whole life of the child (the
    // runner placed it; stdout otherwise); it is only borrowed for this write.
    let fd = unsafe { BorrowedFd::borrow_raw(report_fd()) };
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        match nix::unistd::write(fd, rest) {
            Ok(0) => return,
            Ok(n) => rest = &rest[n..],
            Err(nix::errno::Errno::EINTR) => continue,
            // A closed pipe (parent gone) is not worth a panic in the child.
            Err(_) => return,
        }
    }
}

/// Lines for the audience.
pub fn say(text: impl AsRef<str>) {
    for line in text.as_ref().lines() {
        emit(ChildMsg::Line {
            text: line.to_string(),
        });
    }
}

/// Starts a new step: a marker in recordings, a heading-like line in the pane.
pub fn step(label: &str) {
    emit(ChildMsg::Step {
        label: label.to_string(),
    });
}

/// The probe's answer (sent by the child before the body runs).
pub fn probe(support: crate::probe::Support, evidence: &str) {
    emit(ChildMsg::Probe {
        support,
        evidence: one_line(evidence),
    });
}

/// The ✓ verdict; returns the exit code to return from the body.
pub fn pass(verdict: impl AsRef<str>) -> i32 {
    emit(ChildMsg::Verdict {
        passed: true,
        text: one_line(verdict.as_ref()),
    });
    EXIT_PASS
}

/// The ✗ verdict; returns the exit code to return from the body.
pub fn fail(verdict: impl AsRef<str>) -> i32 {
    emit(ChildMsg::Verdict {
        passed: false,
        text: one_line(verdict.as_ref()),
    });
    EXIT_FAIL
}

/// The feature is missing on this kernel or for this user: the parent falls back to
/// the recording. Returns the exit code to return from the body.
pub fn unsupported(why: impl AsRef<str>) -> i32 {
    emit(ChildMsg::Unsupported {
        why: one_line(why.as_ref()),
    });
    EXIT_UNSUPPORTED
}

/// Step `step` could not run live (e.g. the kernel log is not readable without
/// CAP_SYSLOG): the parent shows that step from the recording and badges the run PARTIAL.
pub fn partial(step: &str, why: impl AsRef<str>) {
    emit(ChildMsg::Partial {
        step: step.to_string(),
        why: one_line(why.as_ref()),
    });
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
