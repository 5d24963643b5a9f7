//! A recording's output as lines, for the replay in the demo pane.

use super::{Cast, EventKind};

/// One item of a recording's output, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOrMarker {
    /// A line of output without its line ending.
    Line(String),
    /// A marker (kdeck: a step boundary) with its label.
    Marker(String),
}

/// Splits the output events into lines, keeping markers in place.
///
/// `"\n"` and `"\r\n"` end a line, wherever the event boundaries fall: one event may
/// hold several lines, a line may span events. A line is stamped with the time of the
/// event that completed it. A partial line is flushed before a marker (a step starts
/// on a fresh line) and at the end. A trailing `"\r"` is stripped; anything else
/// (escape sequences, a `\r` inside a line) is kept as is. Input, resize and exit
/// events are ignored.
pub fn output_lines(cast: &Cast) -> Vec<(f64, LineOrMarker)> {
    let mut out = Vec::new();
    let mut partial = String::new();
    let mut partial_time = 0.0;
    let flush = |out: &mut Vec<(f64, LineOrMarker)>, partial: &mut String, time: f64| {
        let line = partial.strip_suffix('\r').unwrap_or(partial).to_string();
        out.push((time, LineOrMarker::Line(line)));
        partial.clear();
    };
    for event in &cast.events {
        match event.kind {
            EventKind::Output => {
                let mut rest = event.data.as_str();
                while let Some(nl) = rest.find('\n') {
                    partial.push_str(&rest[..nl]);
                    flush(&mut out, &mut partial, event.time);
                    rest = &rest[nl + 1..];
                }
                if !rest.is_empty() {
                    partial.push_str(rest);
                    partial_time = event.time;
                }
            }
            EventKind::Marker => {
                if !partial.is_empty() {
                    flush(&mut out, &mut partial, partial_time);
                }
                out.push((event.time, LineOrMarker::Marker(event.data.clone())));
            }
            EventKind::Input | EventKind::Resize | EventKind::Exit => {}
        }
    }
    if !partial.is_empty() {
        flush(&mut out, &mut partial, partial_time);
    }
    out
}

/// The lines after the first marker labelled `step`, up to the next marker (or the
/// end). Empty when there is no such marker.
pub fn step_lines(cast: &Cast, step: &str) -> Vec<(f64, String)> {
    output_lines(cast)
        .into_iter()
        .skip_while(|(_, item)| !matches!(item, LineOrMarker::Marker(m) if m == step))
        .skip(1)
        .map_while(|(t, item)| match item {
            LineOrMarker::Line(l) => Some((t, l)),
            LineOrMarker::Marker(_) => None,
        })
        .collect()
}
