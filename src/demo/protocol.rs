//! The child protocol: what a live demo's child (`kdeck __child <id>`) tells the
//! parent, as one JSON object per line on its own descriptor (never in-band on
//! stdout). The parent passes the descriptor's number in [`REPORT_FD_ENV`]; without
//! it the child reports on stdout (a run by hand, or the demo tests).
//!
//! Exit codes stay the contract for how the run ended: [`EXIT_PASS`] (the ✓ verdict),
//! [`EXIT_FAIL`] (the ✗ verdict), [`EXIT_UNSUPPORTED`] (after an `unsupported`
//! message). Anything else, or a signal, is a crash.

use serde::{Deserialize, Serialize};

use crate::probe::Support;

/// The environment variable that names the report descriptor in the child.
pub const REPORT_FD_ENV: &str = "KDECK_REPORT_FD";
/// The descriptor number the runner gives the child.
pub const REPORT_FD: i32 = 3;

pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_UNSUPPORTED: i32 = 3;

/// One message from the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum ChildMsg {
    /// The probe's answer and the evidence it rests on.
    Probe { support: Support, evidence: String },
    /// A step boundary (an asciicast "m" marker).
    Step { label: String },
    /// A line for the audience.
    Line { text: String },
    /// The verdict: ✓ (`passed`) or ✗, and what it says.
    Verdict { passed: bool, text: String },
    /// Step `step` can't run live here: the parent shows it from the recording.
    Partial { step: String, why: String },
    /// The feature itself is missing here: the parent falls back to the recording.
    Unsupported { why: String },
}

impl ChildMsg {
    /// The message as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        // A enum of strings and bools always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses one line the child wrote; `None` for anything that is not a message.
    pub fn parse(line: &str) -> Option<ChildMsg> {
        serde_json::from_str(line).ok()
    }
}

/// The verdict as the audience sees it: `✓ text` or `✗ text`.
pub fn verdict_line(passed: bool, text: &str) -> String {
    format!("{} {text}", if passed { '✓' } else { '✗' })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_json_lines() {
        let msgs = [
            ChildMsg::Probe {
                support: Support::Partial,
                evidence: "no IMA — only the userns part".into(),
            },
            ChildMsg::Step {
                label: "filter".into(),
            },
            ChildMsg::Line {
                text: "✓ looks like a verdict but is a line".into(),
            },
            ChildMsg::Verdict {
                passed: false,
                text: "nope".into(),
            },
            ChildMsg::Partial {
                step: "audit-log".into(),
                why: "needs CAP_SYSLOG".into(),
            },
            ChildMsg::Unsupported {
                why: "ENOSYS".into(),
            },
        ];
        for m in msgs {
            let line = m.to_line();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(ChildMsg::parse(&line), Some(m));
        }
        assert_eq!(
            ChildMsg::Step { label: "x".into() }.to_line(),
            r#"{"msg":"step","label":"x"}"#
        );
        assert_eq!(ChildMsg::parse("hello"), None);
        assert_eq!(ChildMsg::parse(r#"{"msg":"nosuch"}"#), None);
    }
}
