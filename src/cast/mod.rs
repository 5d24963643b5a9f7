//! asciicast files: kdeck's demo recordings and headless runs.
//!
//! kdeck **reads** asciicast [v2] and [v3] and **writes** v2 (what `asciinema play`
//! 2.x and 3.x both play). In memory every event carries its *absolute* time in
//! seconds since the start of the recording, whichever version it came from: v3's
//! intervals are summed while parsing.
//!
//! # kdeck's conventions inside the format
//!
//! - **One output line = one `"o"` event** whose data is the line followed by a
//!   terminal newline, `"text\r\n"` ([`CastWriter::line`]). The `\r` matters: a
//!   player writes the data to a raw-mode terminal, where a bare `\n` moves down
//!   without returning to column 0. Readers ([`output_lines`]) still accept any
//!   split of the output (several lines in one event, a line spread over several
//!   events, bare `\n`), so recordings made by `asciinema rec` replay too.
//! - **Steps are `"m"` markers** whose label is the step name (the child's
//!   `step` message). [`step_lines`] returns the lines of one step, which
//!   is what a PARTIAL run shows from the recording.
//! - The exit status of the demo child may be recorded as an `"x"` event (a v3 code;
//!   v2 players ignore codes they don't know) and is also kept in the header.
//! - **Provenance lives in the header** under a top-level `"kdeck"` key
//!   ([`KdeckMeta`]: demo id, kernel release, architecture, kdeck version, date, mode,
//!   probe evidence, exit code, verdict). asciinema ignores header keys it does not
//!   know: the 2.x Python player only looks at `version` (and `idle_time_limit`), the
//!   3.x Rust parser deserializes the header into a struct without
//!   `deny_unknown_fields`.
//!
//! # Reading rules
//!
//! - The header is the first non-blank line; blank lines are skipped everywhere.
//! - `#` comment lines are allowed in v3 only (a v2 player would choke on them).
//! - Event codes kdeck does not know are skipped (the spec tells players to ignore
//!   them; their time still counts), but a malformed event array is an error, as are
//!   an empty code, a time that goes backwards (v2), a negative interval (v3) and a
//!   resize that is not `COLSxROWS`.
//! - v3's `term.type` is kept as `env["TERM"]` (where v2 keeps it) unless `env` has
//!   a `TERM` already. Other header keys (`duration`, `idle_time_limit`, `theme`, ...)
//!   are not kept.
//! - [`parse`] stops at the first problem, [`parse_all`] goes on and collects them all;
//!   [`validate_recording`] adds what a kdeck fallback must have (see its module).
//! - Errors name the file and the 1-based line: `demos/x/recorded.cast:5: event time
//!   goes backwards (3.2 after 4.0)`. No input makes the parser panic.
//!
//! [v2]: https://docs.asciinema.org/manual/asciicast/v2/
//! [v3]: https://docs.asciinema.org/manual/asciicast/v3/

mod lines;
mod meta;
mod parse;
mod validate;
mod write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::sys::host::{now_rfc3339_utc, rfc3339_utc, uname};
pub use lines::{LineOrMarker, output_lines, step_lines};
pub use meta::host_meta;
pub use parse::{Parsed, header_of, parse, parse_all};
pub use validate::{RecordingErrors, validate_recording};
pub use write::{CastWriter, write_v2};

/// The header line of a recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Initial terminal width (columns).
    pub width: u16,
    /// Initial terminal height (rows).
    pub height: u16,
    /// Unix time of the start of the recording. Written only when non-negative
    /// (asciinema 3 rejects a negative one).
    pub timestamp: Option<i64>,
    pub title: Option<String>,
    /// Captured environment; non-string values in a file are dropped.
    pub env: BTreeMap<String, String>,
    /// kdeck's provenance record, `None` in recordings kdeck did not make.
    pub kdeck: Option<KdeckMeta>,
}

impl Header {
    /// A header with just a terminal size.
    pub fn new(width: u16, height: u16) -> Self {
        Header {
            width,
            height,
            timestamp: None,
            title: None,
            env: BTreeMap::new(),
            kdeck: None,
        }
    }
}

/// Where and how a kdeck recording was made; the `"kdeck"` object of the header.
///
/// Every field defaults when missing so that older recordings still parse; the first
/// six are required of a recording kdeck writes, and `kdeck check` can ask
/// [`KdeckMeta::missing_fields`] for the ones that are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KdeckMeta {
    /// Demo id (`demos/<id>/`).
    pub demo: String,
    /// Kernel release, as uname(2) reports it.
    pub kernel: String,
    /// Machine architecture, as uname(2) reports it (`x86_64`, `aarch64`).
    pub arch: String,
    pub kdeck_version: String,
    /// RFC 3339 UTC, e.g. `2026-11-28T12:00:00Z`.
    pub date: String,
    /// How the run went: `live`, `partial`, `recorded` or `failed` (older recordings
    /// say `replayed` for `recorded`).
    pub mode: String,
    /// The probe's answer and its evidence: `<yes|partial|no> — <evidence>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// Exit code of the demo child.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
    /// The ✓/✗ verdict line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Typed probe facts measured with this recording (`"landlock.abi": "7"`), shown
    /// by slide placeholders in recorded mode, labelled with `kernel`.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub facts: std::collections::BTreeMap<String, String>,
    /// The `kdeck matrix` boot profile of the guest it was recorded in (absent in
    /// recordings made on a host, and in older ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The playground spec (TOML) of a variant run (`kdeck demo ID --spec FILE
    /// --record OUT`); absent when the demo ran its default, and in older recordings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
}

impl KdeckMeta {
    /// Names of the required fields that are empty, in declaration order.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        [
            ("demo", &self.demo),
            ("kernel", &self.kernel),
            ("arch", &self.arch),
            ("kdeck_version", &self.kdeck_version),
            ("date", &self.date),
            ("mode", &self.mode),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| k)
        .collect()
    }

    /// The `probe` field's two parts: the answer's word and the evidence.
    pub fn probe_parts(&self) -> Option<(&str, String)> {
        let (word, evidence) = self.probe.as_deref()?.split_once(" — ")?;
        Some((word.trim(), evidence.trim().to_string()))
    }
}

/// What an event is. Codes kdeck does not know are skipped while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `"o"`: data written to the terminal.
    Output,
    /// `"i"`: keyboard input.
    Input,
    /// `"m"`: a marker; data is its label (kdeck: the step name).
    Marker,
    /// `"r"`: the terminal was resized; data is `COLSxROWS`.
    Resize,
    /// `"x"`: the recorded process exited; data is its status.
    Exit,
}

impl EventKind {
    /// The one-letter code in the file.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Output => "o",
            EventKind::Input => "i",
            EventKind::Marker => "m",
            EventKind::Resize => "r",
            EventKind::Exit => "x",
        }
    }

    /// The kind for a code; `None` for codes kdeck does not know.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "o" => EventKind::Output,
            "i" => EventKind::Input,
            "m" => EventKind::Marker,
            "r" => EventKind::Resize,
            "x" => EventKind::Exit,
            _ => return None,
        })
    }
}

/// One event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Absolute seconds since the start of the recording (for v2 and v3 alike).
    pub time: f64,
    pub kind: EventKind,
    pub data: String,
}

/// A whole recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Cast {
    pub header: Header,
    pub events: Vec<Event>,
}

impl Cast {
    /// Time of the last event (0 for an empty stream).
    pub fn duration(&self) -> f64 {
        self.events.last().map_or(0.0, |e| e.time)
    }

    /// Marker labels in order.
    pub fn markers(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter(|e| e.kind == EventKind::Marker)
            .map(|e| e.data.as_str())
            .collect()
    }
}

/// A recording that could not be read: `file:line: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {kind}")]
pub struct CastError {
    /// The source name given to [`parse`].
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    pub kind: CastErrorKind,
}

/// What is wrong with a recording.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CastErrorKind {
    #[error("empty file (expected an asciicast header line)")]
    Empty,
    #[error("truncated or invalid JSON: {0}")]
    Json(String),
    #[error("header is not a JSON object")]
    HeaderNotObject,
    #[error("header has no \"version\"")]
    NoVersion,
    /// The version as it appears in the file (`1`, `"2"`).
    #[error("unsupported asciicast version {0} (kdeck reads v2 and v3)")]
    UnsupportedVersion(String),
    /// `width`, `height`, `term`, `term.cols`, `term.rows`.
    #[error("header has no \"{0}\"")]
    MissingField(&'static str),
    #[error("header field \"{field}\" {why}")]
    BadField { field: &'static str, why: String },
    #[error("malformed event: {0}")]
    MalformedEvent(String),
    #[error("event time goes backwards ({time:?} after {prev:?})")]
    TimeBackwards { time: f64, prev: f64 },
    #[error("negative event interval {0:?}")]
    NegativeInterval(f64),
    #[error("comment lines are only allowed in asciicast v3")]
    CommentInV2,
    #[error("invalid resize {0:?} (expected COLSxROWS)")]
    BadResize(String),
    #[error("header has no \"kdeck\" object (where and when was it recorded?)")]
    NoKdeckHeader,
    #[error("header lacks kdeck fields: {0}")]
    KdeckFieldsMissing(String),
    #[error("unknown event code {0:?} (a kdeck recording uses o, m and x)")]
    UnknownCode(String),
    #[error("exit status {0:?} is not an integer")]
    BadExit(String),
    #[error("event at {time} s is past the {max} s a replay of this demo may take")]
    TooLate { time: f64, max: f64 },
    #[error("no output: the recording has no \"o\" event")]
    NoOutput,
    #[error("no exit event (\"x\"): the recording ends before the demo did (cut short?)")]
    NoExit,
}
