//! Writing asciicast v2, and [`CastWriter`] to build a recording as a demo runs.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use super::{Cast, Event, EventKind, Header, KdeckMeta};

/// The v2 header line, in the order people expect to read it.
#[derive(Serialize)]
struct V2Header<'a> {
    version: u8,
    width: u16,
    height: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    env: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kdeck: Option<&'a KdeckMeta>,
}

/// Serializes a recording as asciicast v2: the header line (with the `"kdeck"` object
/// when present), then one `[time, "code", "data"]` line per event, every line ending
/// in `\n` and no blank lines (asciinema 2 fails on those).
///
/// Times are absolute, rounded to microseconds. A time that is not finite, negative
/// or earlier than the previous one is written as the previous time, so the output
/// always parses. A negative header timestamp is left out.
pub fn write_v2(cast: &Cast) -> String {
    let h = &cast.header;
    let header = V2Header {
        version: 2,
        width: h.width,
        height: h.height,
        timestamp: h.timestamp.filter(|t| *t >= 0),
        title: h.title.as_deref(),
        env: &h.env,
        kdeck: h.kdeck.as_ref(),
    };
    // Serializing integers, strings and a derived struct of them cannot fail; should
    // it ever, a minimal header still makes a playable file.
    let header_line = serde_json::to_string(&header).unwrap_or_else(|_| {
        format!(
            r#"{{"version":2,"width":{},"height":{}}}"#,
            h.width, h.height
        )
    });

    let mut out = String::with_capacity(header_line.len() + 1 + cast.events.len() * 32);
    out.push_str(&header_line);
    out.push('\n');
    let mut last_micros = 0_u64;
    for event in &cast.events {
        let micros = to_micros(event.time).max(last_micros);
        last_micros = micros;
        out.push('[');
        out.push_str(&format_micros(micros));
        out.push_str(", ");
        out.push_str(&Value::from(event.kind.code()).to_string());
        out.push_str(", ");
        out.push_str(&Value::from(event.data.as_str()).to_string());
        out.push_str("]\n");
    }
    out
}

fn to_micros(t: f64) -> u64 {
    if t.is_finite() && t > 0.0 {
        // `as` saturates for absurdly large times.
        (t * 1e6).round() as u64
    } else {
        0
    }
}

/// `12.3`, `0.0`, `1.000001`: seconds with up to six decimals, at least one.
fn format_micros(micros: u64) -> String {
    let secs = micros / 1_000_000;
    let frac = micros % 1_000_000;
    let mut s = format!("{secs}.{frac:06}");
    while s.ends_with('0') && !s.ends_with(".0") {
        s.pop();
    }
    s
}

/// Builds a recording while a demo runs. Times are seconds since the writer was
/// created ([`CastWriter::elapsed`]) or given by the caller (a runner that stamps lines
/// as they arrive); a time earlier than the previous event's is moved up to it, so the
/// events stay in order.
#[derive(Debug, Clone)]
pub struct CastWriter {
    header: Header,
    start: Instant,
    events: Vec<Event>,
}

impl CastWriter {
    /// Starts the clock.
    pub fn new(header: Header) -> Self {
        CastWriter {
            header,
            start: Instant::now(),
            events: Vec::new(),
        }
    }

    /// Seconds since [`CastWriter::new`].
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// The header, e.g. to fill in the exit code and verdict before [`finish`](Self::finish).
    pub fn header_mut(&mut self) -> &mut Header {
        &mut self.header
    }

    /// The events so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn push(&mut self, t: f64, kind: EventKind, data: String) {
        let last = self.events.last().map_or(0.0, |e| e.time);
        let time = if t.is_finite() && t > last { t } else { last };
        self.events.push(Event { time, kind, data });
    }

    /// Raw terminal output, exactly as given.
    pub fn output(&mut self, t: f64, text: &str) {
        self.push(t, EventKind::Output, text.to_string());
    }

    /// One line of output in kdeck's convention: an `"o"` event `"text\r\n"`. Text
    /// with line breaks in it becomes one event per line.
    pub fn line(&mut self, t: f64, text: &str) {
        let text = text.strip_suffix('\n').unwrap_or(text);
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.push(t, EventKind::Output, format!("{line}\r\n"));
        }
    }

    /// A step boundary.
    pub fn marker(&mut self, t: f64, label: &str) {
        self.push(t, EventKind::Marker, label.to_string());
    }

    /// The recorded process exited with `status`.
    pub fn exit(&mut self, t: f64, status: i32) {
        self.push(t, EventKind::Exit, status.to_string());
    }

    pub fn finish(self) -> Cast {
        Cast {
            header: self.header,
            events: self.events,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_format_like_asciinema() {
        assert_eq!(format_micros(0), "0.0");
        assert_eq!(format_micros(1_000_001), "1.000001");
        assert_eq!(format_micros(12_300_000), "12.3");
        assert_eq!(format_micros(12_000_003), "12.000003");
        assert_eq!(to_micros(0.1 + 0.2), 300_000);
        assert_eq!(to_micros(f64::NAN), 0);
        assert_eq!(to_micros(-1.0), 0);
    }

    #[test]
    fn writer_keeps_events_in_order() {
        let mut w = CastWriter::new(Header::new(80, 24));
        w.line(1.0, "a");
        w.line(0.5, "b\nc\n");
        w.marker(f64::NAN, "step");
        w.exit(2.0, 0);
        let cast = w.finish();
        let times: Vec<f64> = cast.events.iter().map(|e| e.time).collect();
        assert_eq!(times, [1.0, 1.0, 1.0, 1.0, 2.0]);
        let data: Vec<&str> = cast.events.iter().map(|e| e.data.as_str()).collect();
        assert_eq!(data, ["a\r\n", "b\r\n", "c\r\n", "step", "0"]);
    }
}
