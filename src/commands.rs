//! The plain-terminal subcommands (`probe`, `list`, `check`, `demo`), as library
//! functions that return text and exit codes so tests can call them directly.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use serde::Serialize;

use crate::cast as asciicast;
use crate::deck::Deck;
use crate::demo::{
    self, DemoCommand, DemoEvent, DemoMode, Engine, LineKind, Recordings, RunMode, RunSummary,
    Verdict,
};
use crate::probe::Probe;

/// One row of `kdeck probe`.
#[derive(Debug, Serialize)]
pub struct ProbeRow {
    pub demo: &'static str,
    pub title: &'static str,
    #[serde(flatten)]
    pub probe: Probe,
}

/// Runs every demo's probe in this process (probes fork throwaway children for
/// anything that changes process state).
pub fn probe_all() -> Vec<ProbeRow> {
    demo::registry()
        .iter()
        .map(|d| ProbeRow {
            demo: d.id,
            title: d.title,
            probe: demo::run_probe(d),
        })
        .collect()
}

/// The `kdeck probe` table.
pub fn probe_table(rows: &[ProbeRow]) -> String {
    let mut out = String::new();
    let kernel = asciicast::uname()
        .map(|(k, a)| format!("Linux {k} {a}"))
        .unwrap_or_default();
    out.push_str(&format!(
        "What this kernel supports ({kernel}, uid {}):\n\n",
        nix::unistd::getuid()
    ));
    out.push_str(&format!("{:<12} {:<8} {}\n", "DEMO", "LIVE?", "EVIDENCE"));
    for r in rows {
        let mark = match r.probe.support {
            crate::probe::Support::Yes => "✓ yes",
            crate::probe::Support::Partial => "◐ partly",
            crate::probe::Support::No => "✗ no",
        };
        out.push_str(&format!(
            "{:<12} {:<8} {}\n",
            r.demo, mark, r.probe.evidence
        ));
    }
    out.push_str("\nyes: runs live · partly: some steps come from the recording · no: the recording is replayed\n");
    out
}

/// One row of `kdeck list`.
#[derive(Debug, Serialize)]
pub struct ListRow<'a> {
    pub n: usize,
    pub file: &'a str,
    pub section: &'a str,
    pub title: &'a str,
    pub demo: Option<&'a str>,
    pub minutes: Option<f64>,
}

pub fn list_rows(deck: &Deck) -> Vec<ListRow<'_>> {
    deck.slides
        .iter()
        .enumerate()
        .map(|(i, s)| ListRow {
            n: i + 1,
            file: &s.file,
            section: &s.section,
            title: &s.title,
            demo: s.demo.as_deref(),
            minutes: s.minutes,
        })
        .collect()
}

pub fn list_table(deck: &Deck) -> String {
    let rows = list_rows(deck);
    let sw = rows
        .iter()
        .map(|r| r.section.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{}  ({} slides, {:.0} min)\n\n{:>3}  {:<sw$}  {:<40}  DEMO\n",
        deck.title(),
        rows.len(),
        deck.budget_minutes(),
        "#",
        "SECTION",
        "TITLE"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>3}  {:<sw$}  {:<40}  {}\n",
            r.n,
            r.section,
            r.title,
            r.demo.unwrap_or("")
        ));
    }
    out
}

/// `kdeck check`: the deck's problems (already collected by loading) plus its
/// recordings'. Returns (report, errors found).
pub fn check(deck: &Deck, recordings: &Recordings) -> (String, usize) {
    let mut out = String::new();
    let mut errors = 0;
    let mut demos: Vec<&str> = deck
        .slides
        .iter()
        .filter_map(|s| s.demo.as_deref())
        .collect();
    // Each demo once, in slide order, wherever it repeats.
    let mut seen = std::collections::HashSet::new();
    demos.retain(|id| seen.insert(*id));
    for id in demos {
        match recordings.load(id) {
            Ok(cast) => {
                match cast.header.kdeck.as_ref().map(|m| m.missing_fields()) {
                    Some(missing) if missing.is_empty() => {}
                    Some(missing) => {
                        errors += 1;
                        out.push_str(&format!(
                            "{}:1: header lacks kdeck fields: {}\n",
                            recordings.path_of(id),
                            missing.join(", ")
                        ));
                    }
                    None => {
                        errors += 1;
                        out.push_str(&format!("{}:1: header has no \"kdeck\" object (where and when was it recorded?)\n", recordings.path_of(id)));
                    }
                }
            }
            Err(e) if e.contains("no recording") => out.push_str(&format!(
                "warning: {e}: the demo can't fall back on this machine\n"
            )),
            Err(e) => {
                errors += 1;
                out.push_str(&format!("{e}\n"));
            }
        }
    }
    out.push_str(&format!(
        "{}: {} slides, {} problem(s)\n",
        deck.origin,
        deck.slides.len(),
        errors
    ));
    (out, errors)
}

/// Runs one demo in the plain terminal, printing lines as they come; returns the
/// events (for `--record`) and whether it passed.
pub fn run_demo_plain(
    exe: &std::path::Path,
    recordings: Recordings,
    id: &str,
    mode: RunMode,
    speed: f64,
    out: &mut dyn Write,
) -> std::io::Result<(Vec<DemoEvent>, bool)> {
    let (tx, rx) = mpsc::channel();
    let sink = demo::sink(move |ev| {
        let _ = tx.send(ev);
    });
    let mut engine = Engine::new(exe, recordings, sink).with_speed(speed);
    engine.command(DemoCommand::Start {
        run: 1,
        id: id.to_string(),
        mode,
    });
    let timeout =
        demo::find(id).map_or(demo::DEFAULT_TIMEOUT, |d| d.timeout) + Duration::from_secs(120);
    let mut events = Vec::new();
    let mut summary = RunSummary::new(id);
    loop {
        let Ok(ev) = rx.recv_timeout(timeout) else {
            writeln!(out, "✗ no answer from the demo engine")?;
            return Ok((events, false));
        };
        summary.apply(&ev);
        write_event(&ev, &summary, out)?;
        let done = matches!(ev, DemoEvent::Exited { .. });
        events.push(ev);
        if done {
            return Ok((events, summary.verdict() != Verdict::Fail));
        }
    }
}

fn write_event(ev: &DemoEvent, summary: &RunSummary, out: &mut dyn Write) -> std::io::Result<()> {
    match ev {
        DemoEvent::Started { id, live, .. } => writeln!(
            out,
            "kdeck demo {id} ({})",
            if *live { "live" } else { "recorded" }
        ),
        DemoEvent::Output { line, .. } => match line.kind {
            LineKind::Step => writeln!(out, "── {} ──", line.text),
            LineKind::Probe { .. } => writeln!(out, "probe: {}", line.shown()),
            LineKind::Replayed => writeln!(out, "◌ {}", line.text),
            LineKind::Stdout | LineKind::Stderr | LineKind::Verdict { .. } => {
                writeln!(out, "{}", line.text)
            }
        },
        DemoEvent::FellBack {
            why,
            step: None,
            recording,
            ..
        } => {
            let on = recording.as_ref().map_or("no recording".to_string(), |r| {
                format!("recorded on {} {}, {}", r.kernel, r.arch, r.date)
            });
            writeln!(out, "◌ RECORDED — {why} ({on})")
        }
        DemoEvent::FellBack {
            why,
            step: Some(step),
            ..
        } => writeln!(out, "◐ PARTIAL — step {step} from the recording: {why}"),
        DemoEvent::Exited { seconds, .. } => match summary.mode() {
            DemoMode::Failed => {
                writeln!(out, "(failed after {seconds:.2} s: {})", summary.reason())
            }
            mode => writeln!(out, "({} run, finished in {seconds:.2} s)", mode.as_str()),
        },
    }
}
