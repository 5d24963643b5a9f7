//! Reading asciicast v2 and v3 (see the parent module for the rules).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Cast, CastError, CastErrorKind, Event, EventKind, Header, KdeckMeta};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V2,
    V3,
}

/// Parses a v2 or v3 recording; `source` names it in errors (usually its path).
/// Stops at the first problem; [`parse_all`] reports all of them.
pub fn parse(text: &str, source: &str) -> Result<Cast, CastError> {
    let parsed = parse_all(text, source);
    match parsed.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(parsed.cast),
    }
}

/// The header of a recording from its first line alone (`None` when that line is not
/// a valid header); for reading facts from many recordings without their events.
pub fn header_of(first_line: &str) -> Option<Header> {
    parse_header(first_line, first_line).ok().map(|(_, h)| h)
}

/// A recording read as far as it goes: the events that parsed, every problem found,
/// and where each event and each skipped (unknown) code was, for stricter checks.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub cast: Cast,
    /// Every problem, in line order; a bad header stops the reading.
    pub errors: Vec<CastError>,
    /// The 1-based line of each event of `cast.events`.
    pub event_lines: Vec<usize>,
    /// (line, code) of each event whose code kdeck does not know (skipped).
    pub unknown_codes: Vec<(usize, String)>,
    /// The line of the header (0 when there is none).
    pub header_line: usize,
    /// The last non-blank line.
    pub last_line: usize,
}

/// Parses a recording, collecting every problem instead of stopping at the first.
pub fn parse_all(text: &str, source: &str) -> Parsed {
    let err = |line: usize, kind: CastErrorKind| CastError {
        file: source.to_string(),
        line,
        kind,
    };
    let mut parsed = Parsed::empty();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());

    let Some((header_no, header_line)) = lines.next() else {
        parsed.errors.push(err(1, CastErrorKind::Empty));
        return parsed;
    };
    parsed.header_line = header_no;
    parsed.last_line = header_no;
    let version = match parse_header(header_line, text) {
        Ok((version, header)) => {
            parsed.cast.header = header;
            version
        }
        Err(kind) => {
            parsed.errors.push(err(header_no, kind));
            return parsed;
        }
    };

    let mut prev = 0.0_f64;
    for (no, line) in lines {
        parsed.last_line = no;
        if let Err(kind) = parsed.read_event(no, line, version, &mut prev) {
            parsed.errors.push(err(no, kind));
        }
    }
    parsed
}

impl Parsed {
    /// Nothing read yet: an 80x24 header and no events.
    fn empty() -> Parsed {
        Parsed {
            cast: Cast {
                header: Header::new(80, 24),
                events: Vec::new(),
            },
            errors: Vec::new(),
            event_lines: Vec::new(),
            unknown_codes: Vec::new(),
            header_line: 0,
            last_line: 0,
        }
    }

    /// Reads line `no` after the header: a comment (v3 only), an event, or an event
    /// with an unknown code (skipped, noted). `prev` is the time of the last event
    /// read; the error is the line's problem.
    fn read_event(
        &mut self,
        no: usize,
        line: &str,
        version: Version,
        prev: &mut f64,
    ) -> Result<(), CastErrorKind> {
        if line.starts_with('#') {
            return match version {
                Version::V2 => Err(CastErrorKind::CommentInV2),
                Version::V3 => Ok(()),
            };
        }
        let (raw_time, code, data) = parse_event(line)?;
        let time = event_time(version, raw_time, *prev)?;
        *prev = time;
        // Unknown codes are skipped; their time has still moved the clock.
        let Some(kind) = EventKind::from_code(&code) else {
            self.unknown_codes.push((no, code));
            return Ok(());
        };
        if kind == EventKind::Resize && !valid_resize(&data) {
            return Err(CastErrorKind::BadResize(data));
        }
        self.cast.events.push(Event { time, kind, data });
        self.event_lines.push(no);
        Ok(())
    }
}

/// An event's time from the recording since its start: v2 stores it (never negative,
/// never going back), v3 stores the interval since the previous event.
fn event_time(version: Version, raw_time: f64, prev: f64) -> Result<f64, CastErrorKind> {
    match version {
        Version::V2 if raw_time < 0.0 => Err(CastErrorKind::MalformedEvent(format!(
            "negative time {raw_time:?}"
        ))),
        Version::V2 if raw_time < prev => Err(CastErrorKind::TimeBackwards {
            time: raw_time,
            prev,
        }),
        Version::V2 => Ok(raw_time),
        Version::V3 if raw_time < 0.0 => Err(CastErrorKind::NegativeInterval(raw_time)),
        Version::V3 => Ok(prev + raw_time),
    }
}

fn json_error(e: &serde_json::Error) -> CastErrorKind {
    // serde_json appends " at line L column C"; the line is always 1 here (one JSON
    // value per line), so keep only the column.
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = match msg.strip_suffix(&suffix) {
        Some(m) => format!("{m} (column {})", e.column()),
        None => msg,
    };
    CastErrorKind::Json(msg)
}

fn parse_header(line: &str, whole: &str) -> Result<(Version, Header), CastErrorKind> {
    let obj = header_object(line, whole)?;
    let version = version_of(&obj)?;
    let mut env = string_map(&obj, "env")?;
    let (width, height) = size_of(&obj, version, &mut env)?;
    let timestamp = timestamp_of(&obj)?;
    let title = title_of(&obj)?;
    let kdeck = match obj.get("kdeck") {
        None | Some(Value::Null) => None,
        Some(v) => Some(KdeckMeta::deserialize_value(v.clone())?),
    };
    Ok((
        version,
        Header {
            width,
            height,
            timestamp,
            title,
            env,
            kdeck,
        },
    ))
}

/// The header line as a JSON object.
fn header_object(line: &str, whole: &str) -> Result<Map<String, Value>, CastErrorKind> {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            // An asciicast v1 file is one (usually pretty-printed) JSON object: say
            // "unsupported version 1" rather than "invalid JSON" on its first line.
            if line.trim_start().starts_with('{')
                && let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(whole)
                && let Some(v) = obj.get("version")
            {
                return Err(CastErrorKind::UnsupportedVersion(v.to_string()));
            }
            return Err(json_error(&e));
        }
    };
    match value {
        Value::Object(obj) => Ok(obj),
        _ => Err(CastErrorKind::HeaderNotObject),
    }
}

/// The header's `version`: 2 or 3.
fn version_of(obj: &Map<String, Value>) -> Result<Version, CastErrorKind> {
    match obj.get("version") {
        None | Some(Value::Null) => Err(CastErrorKind::NoVersion),
        Some(v) => match v.as_u64() {
            Some(2) => Ok(Version::V2),
            Some(3) => Ok(Version::V3),
            _ => Err(CastErrorKind::UnsupportedVersion(v.to_string())),
        },
    }
}

/// The terminal's columns and rows: v2's `width`/`height`, v3's `term` object (whose
/// `type` becomes `TERM` in `env` unless that names one already).
fn size_of(
    obj: &Map<String, Value>,
    version: Version,
    env: &mut BTreeMap<String, String>,
) -> Result<(u16, u16), CastErrorKind> {
    match version {
        Version::V2 => Ok((dim(obj, "width", "width")?, dim(obj, "height", "height")?)),
        Version::V3 => {
            let term = match obj.get("term") {
                None | Some(Value::Null) => return Err(CastErrorKind::MissingField("term")),
                Some(Value::Object(t)) => t,
                Some(_) => {
                    return Err(CastErrorKind::BadField {
                        field: "term",
                        why: "is not an object".into(),
                    });
                }
            };
            if let Some(Value::String(t)) = term.get("type") {
                env.entry("TERM".to_string()).or_insert_with(|| t.clone());
            }
            Ok((
                dim(term, "cols", "term.cols")?,
                dim(term, "rows", "term.rows")?,
            ))
        }
    }
}

/// The header's optional `timestamp` in whole Unix seconds.
fn timestamp_of(obj: &Map<String, Value>) -> Result<Option<i64>, CastErrorKind> {
    match obj.get("timestamp") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match (v.as_i64(), v.as_f64()) {
            (Some(i), _) => Ok(Some(i)),
            // Some writers emit a float; keep whole seconds.
            (None, Some(f)) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.trunc() as i64)),
            _ => Err(CastErrorKind::BadField {
                field: "timestamp",
                why: format!("is not a Unix time: {v}"),
            }),
        },
    }
}

/// The header's optional `title`.
fn title_of(obj: &Map<String, Value>) -> Result<Option<String>, CastErrorKind> {
    match obj.get("title") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(CastErrorKind::BadField {
            field: "title",
            why: format!("is not a string: {v}"),
        }),
    }
}

impl KdeckMeta {
    fn deserialize_value(v: Value) -> Result<Self, CastErrorKind> {
        serde_json::from_value(v).map_err(|e| CastErrorKind::BadField {
            field: "kdeck",
            why: format!("is invalid: {e}"),
        })
    }
}

/// A terminal dimension: an integer in 1..=65535.
fn dim(obj: &Map<String, Value>, key: &str, field: &'static str) -> Result<u16, CastErrorKind> {
    match obj.get(key) {
        None | Some(Value::Null) => Err(CastErrorKind::MissingField(field)),
        Some(v) => match v.as_u64().and_then(|n| u16::try_from(n).ok()) {
            Some(n) if n > 0 => Ok(n),
            _ => Err(CastErrorKind::BadField {
                field,
                why: format!("is not an integer in 1..=65535: {v}"),
            }),
        },
    }
}

/// `env`: an object whose string values are kept (asciinema 2 may write `null`s).
fn string_map(
    obj: &Map<String, Value>,
    key: &'static str,
) -> Result<BTreeMap<String, String>, CastErrorKind> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => Ok(m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()),
        Some(v) => Err(CastErrorKind::BadField {
            field: key,
            why: format!("is not an object: {v}"),
        }),
    }
}

/// One event line → (time or interval, code, data).
fn parse_event(line: &str) -> Result<(f64, String, String), CastErrorKind> {
    let value: Value = serde_json::from_str(line).map_err(|e| json_error(&e))?;
    let malformed = |what: &str| CastErrorKind::MalformedEvent(what.to_string());
    let Value::Array(items) = value else {
        return Err(malformed("expected an array [time, code, data]"));
    };
    let [time, code, data] = items.as_slice() else {
        return Err(CastErrorKind::MalformedEvent(format!(
            "expected 3 elements [time, code, data], got {}",
            items.len()
        )));
    };
    let time = match time.as_f64() {
        Some(t) if t.is_finite() => t,
        _ => return Err(malformed("time is not a number")),
    };
    let code = match code {
        Value::String(c) if !c.is_empty() => c.clone(),
        Value::String(_) => return Err(malformed("empty event code")),
        _ => return Err(malformed("event code is not a string")),
    };
    let data = match data {
        Value::String(d) => d.clone(),
        // An exit status written as a number rather than the spec's string.
        Value::Number(n) if code == "x" => n.to_string(),
        _ => return Err(malformed("event data is not a string")),
    };
    Ok((time, code, data))
}

fn valid_resize(data: &str) -> bool {
    data.split_once('x').is_some_and(|(c, r)| {
        c.parse::<u16>().is_ok_and(|n| n > 0) && r.parse::<u16>().is_ok_and(|n| n > 0)
    })
}
