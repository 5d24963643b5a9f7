//! What a valid kdeck recording is: the one check that `kdeck check`, `kdeck demo`,
//! `kdeck record` and the TUI all apply before replaying a fallback.
//!
//! A recording that asciinema would play can still be wrong as a fallback. Besides
//! parsing (see the parent module), a kdeck recording must have:
//! - the header's `"kdeck"` object with its required fields (where and when it was
//!   recorded: the badge says so);
//! - at least one output event, only codes kdeck knows (`o`, `i`, `m`, `r`, `x`);
//! - an exit event (`"x"`) whose status is an integer: a recording without one was cut
//!   short;
//! - no event later than `max_seconds` (the demo's own timeout): a replay gets the
//!   same time as a live run.
//!
//! Every problem is reported, each as `file:line: problem`.

use std::fmt;

use super::parse::parse_all;
use super::{Cast, CastError, CastErrorKind, EventKind};

/// All problems of one recording.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RecordingErrors(pub Vec<CastError>);

impl fmt::Display for RecordingErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::text::list_problems(&self.0))
    }
}

/// Parses `text` as a kdeck recording and checks it (see the module doc).
pub fn validate_recording(
    text: &str,
    source: &str,
    max_seconds: f64,
) -> Result<Cast, RecordingErrors> {
    let parsed = parse_all(text, source);
    let mut errors = parsed.errors;
    let err = |line: usize, kind: CastErrorKind| CastError {
        file: source.to_string(),
        line,
        kind,
    };
    if parsed.header_line == 0 || errors.iter().any(|e| e.line == parsed.header_line) {
        return Err(RecordingErrors(errors));
    }
    let header = parsed.header_line;
    match &parsed.cast.header.kdeck {
        None => errors.push(err(header, CastErrorKind::NoKdeckHeader)),
        Some(meta) => {
            let missing = meta.missing_fields();
            if !missing.is_empty() {
                errors.push(err(
                    header,
                    CastErrorKind::KdeckFieldsMissing(missing.join(", ")),
                ));
            }
        }
    }
    for (line, code) in &parsed.unknown_codes {
        errors.push(err(*line, CastErrorKind::UnknownCode(code.clone())));
    }
    let events = parsed.cast.events.iter().zip(&parsed.event_lines);
    let mut exits = 0;
    for (event, &line) in events {
        if event.time > max_seconds {
            errors.push(err(
                line,
                CastErrorKind::TooLate {
                    time: event.time,
                    max: max_seconds,
                },
            ));
        }
        if event.kind == EventKind::Exit {
            exits += 1;
            if event.data.trim().parse::<i32>().is_err() {
                errors.push(err(line, CastErrorKind::BadExit(event.data.clone())));
            }
        }
    }
    let end = parsed.last_line;
    if !parsed
        .cast
        .events
        .iter()
        .any(|e| e.kind == EventKind::Output)
    {
        errors.push(err(end, CastErrorKind::NoOutput));
    }
    if exits == 0 {
        errors.push(err(end, CastErrorKind::NoExit));
    }
    if errors.is_empty() {
        Ok(parsed.cast)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(RecordingErrors(errors))
    }
}
