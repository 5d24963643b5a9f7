//! The child side of the demo protocol.
//!
//! A live demo body runs in a re-executed, single-threaded kdeck child
//! (`kdeck __child <id>`). It writes plain lines to stdout for the audience and a few
//! control lines, all starting with [`CONTROL_PREFIX`], that the parent's runner turns
//! into events and asciicast markers:
//!
//! | line                                   | meaning                                        |
//! |----------------------------------------|------------------------------------------------|
//! | `##kdeck probe <yes|partial|no> <evidence>` | the probe's answer (printed by the runner)  |
//! | `##kdeck step <label>`                 | a step boundary (asciicast "m" marker)         |
//! | `##kdeck partial <step> <why>`         | step `<step>` can't run live: the parent shows |
//! |                                        | that step from the recording instead          |
//! | `##kdeck unsupported <why>`            | the feature itself is missing here (ENOSYS,    |
//! |                                        | EPERM, EOPNOTSUPP): fall back to the recording |
//!
//! Exit codes: [`EXIT_PASS`] (the ✓ verdict), [`EXIT_FAIL`] (the ✗ verdict),
//! [`EXIT_UNSUPPORTED`] (after an `unsupported` line). Anything else, or a signal, is a
//! crash that the pane reports as FAILED.

use std::io::Write;

pub const CONTROL_PREFIX: &str = "##kdeck ";
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_UNSUPPORTED: i32 = 3;

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (parent gone) is not worth a panic in the child.
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// A line for the audience.
pub fn say(text: impl AsRef<str>) {
    for line in text.as_ref().lines() {
        emit(line);
    }
}

/// Starts a new step: a marker in recordings, a heading-like line in the pane.
pub fn step(label: &str) {
    emit(&format!("{CONTROL_PREFIX}step {label}"));
}

/// The ✓ verdict line; returns the exit code to return from the body.
pub fn pass(verdict: impl AsRef<str>) -> i32 {
    emit(&format!("✓ {}", verdict.as_ref()));
    EXIT_PASS
}

/// The ✗ verdict line; returns the exit code to return from the body.
pub fn fail(verdict: impl AsRef<str>) -> i32 {
    emit(&format!("✗ {}", verdict.as_ref()));
    EXIT_FAIL
}

/// The feature is missing on this kernel or for this user: the parent falls back to
/// the recording. Returns the exit code to return from the body.
pub fn unsupported(why: impl AsRef<str>) -> i32 {
    emit(&format!(
        "{CONTROL_PREFIX}unsupported {}",
        one_line(why.as_ref())
    ));
    EXIT_UNSUPPORTED
}

/// Step `step` could not run live (e.g. the kernel log is not readable without
/// CAP_SYSLOG): the parent shows that step from the recording and badges the run PARTIAL.
pub fn partial(step: &str, why: impl AsRef<str>) {
    emit(&format!(
        "{CONTROL_PREFIX}partial {step} {}",
        one_line(why.as_ref())
    ));
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// A parsed control line, as the parent sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Probe { support: String, evidence: String },
    Step(String),
    Partial { step: String, why: String },
    Unsupported(String),
}

/// Parses a line the child wrote; `None` for an ordinary line.
pub fn parse_control(line: &str) -> Option<Control> {
    let rest = line.strip_prefix(CONTROL_PREFIX)?;
    let (verb, args) = rest.split_once(' ').unwrap_or((rest, ""));
    match verb {
        "probe" => {
            let (support, evidence) = args.split_once(' ').unwrap_or((args, ""));
            Some(Control::Probe {
                support: support.to_string(),
                evidence: evidence.to_string(),
            })
        }
        "step" => Some(Control::Step(args.to_string())),
        "partial" => {
            let (step, why) = args.split_once(' ').unwrap_or((args, ""));
            Some(Control::Partial {
                step: step.to_string(),
                why: why.to_string(),
            })
        }
        "unsupported" => Some(Control::Unsupported(args.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_lines_parse() {
        assert_eq!(parse_control("hello"), None);
        assert_eq!(
            parse_control("##kdeck step filter"),
            Some(Control::Step("filter".into()))
        );
        assert_eq!(
            parse_control("##kdeck partial audit-log needs CAP_SYSLOG"),
            Some(Control::Partial {
                step: "audit-log".into(),
                why: "needs CAP_SYSLOG".into()
            })
        );
        assert_eq!(
            parse_control("##kdeck probe no ENOSYS here"),
            Some(Control::Probe {
                support: "no".into(),
                evidence: "ENOSYS here".into()
            })
        );
        assert_eq!(
            parse_control("##kdeck unsupported x y"),
            Some(Control::Unsupported("x y".into()))
        );
    }
}
