//! A demo run's event stream as an asciicast recording: lines become `"o"` events,
//! steps `"m"` markers, the probe and the outcome go into the header's `kdeck` object.

use crate::cast::{Cast, CastWriter, Header, host_meta};
use crate::demo::{DemoEvent, DemoMode, LineKind, Outcome, RunSummary};

/// How the run went, for the header's `mode`: the [`RunSummary`]'s mode.
pub fn mode_of(id: &str, events: &[DemoEvent]) -> DemoMode {
    RunSummary::fold(id, events).mode()
}

/// Builds the recording of one run of demo `id` at the given terminal size.
pub fn cast_from_events(id: &str, events: &[DemoEvent], width: u16, height: u16) -> Cast {
    let mut meta = host_meta(id, mode_of(id, events).as_str());
    let mut header = Header::new(width, height);
    header.title = Some(format!("kdeck demo {id}"));
    header.timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64);
    header.env.insert("TERM".into(), "xterm-256color".into());
    let mut w = CastWriter::new(header);
    let mut last_t = 0.0;
    for ev in events {
        match ev {
            DemoEvent::Output { line, .. } => {
                last_t = line.t;
                match line.kind {
                    LineKind::Step => w.marker(line.t, &line.text),
                    LineKind::Probe { .. } => meta.probe = Some(line.shown()),
                    LineKind::Replayed => w.line(line.t, &format!("◌ {}", line.text)),
                    LineKind::Verdict { .. } => {
                        meta.verdict = Some(line.text.clone());
                        w.line(line.t, &line.text);
                    }
                    LineKind::Stdout | LineKind::Stderr => w.line(line.t, &line.text),
                }
            }
            DemoEvent::Exited {
                outcome, seconds, ..
            } => {
                let code = match outcome {
                    Outcome::Passed => 0,
                    Outcome::Failed { .. } => 1,
                    _ => 2,
                };
                meta.exit = Some(code);
                w.exit(seconds.max(last_t), code);
            }
            DemoEvent::Started { .. } | DemoEvent::FellBack { .. } => {}
        }
    }
    w.header_mut().kdeck = Some(meta);
    w.finish()
}
