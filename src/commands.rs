//! The plain-terminal subcommands (`probe`, `list`, `check`, `demo`), as library
//! functions that return text and exit codes so tests can call them directly.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use serde::Serialize;

use crate::cast as asciicast;
use crate::deck::Deck;
use crate::demo::Outcome;
use crate::demo::{
    self, DemoCommand, DemoEvent, DemoMode, Engine, LineKind, Recordings, RunMode, RunSummary,
    Verdict,
};
use crate::probe::Probe;
use crate::text::{printable, printable_line};

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
    let facts: Vec<(&str, &str)> = rows
        .iter()
        .flat_map(|r| r.probe.facts.iter().map(|(k, v)| (*k, v.as_str())))
        .collect();
    if !facts.is_empty() {
        out.push_str("\nFacts for slide placeholders ({probe:KEY}):\n");
        for (k, v) in facts {
            out.push_str(&format!("  {k:<24} {v}\n"));
        }
    }
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
    /// The slide as plain text, placeholders filled.
    pub body: String,
    /// The speaker notes, placeholders filled.
    pub notes: String,
    pub sources: &'a [crate::deck::Source],
}

/// The rows of `kdeck list`, placeholders in `body` and `notes` filled from `vars`.
pub fn list_rows<'a>(deck: &'a Deck, vars: &crate::facts::Vars) -> Vec<ListRow<'a>> {
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
            body: crate::deck::text::readable(&s.body, vars),
            notes: crate::facts::fill(&s.notes, vars),
            sources: &s.sources,
        })
        .collect()
}

/// Placeholder values from this kernel's probes (run in this process), with recorded
/// values where a probe could not tell.
pub fn live_vars(rows: &[ProbeRow], recordings: &Recordings) -> crate::facts::Vars {
    crate::facts::FactSource {
        kernel: asciicast::uname().map(|(k, _)| k).unwrap_or_default(),
        support: rows
            .iter()
            .map(|r| (r.demo.to_string(), Some(r.probe.support)))
            .collect(),
        live: Some(
            rows.iter()
                .flat_map(|r| r.probe.facts.iter())
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        ),
        recorded: crate::facts::recorded_facts(recordings),
        force_recorded: false,
    }
    .vars()
}

/// Longest section or title `kdeck list` shows; longer ones end in "…".
const LIST_CELL_MAX: usize = 60;

/// A cell of the list: one line, control characters removed, at most
/// [`LIST_CELL_MAX`] characters, padded to `width` (no `format!` width: it is a u16).
fn cell(s: &str, width: usize) -> String {
    let s = printable_line(s);
    let mut out: String = s.chars().take(LIST_CELL_MAX).collect();
    if s.chars().nth(LIST_CELL_MAX).is_some() {
        out.pop();
        out.push('…');
    }
    let n = out.chars().count();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    out
}

pub fn list_table(deck: &Deck) -> String {
    let rows = list_rows(deck, &crate::facts::Vars::new());
    let sw = rows
        .iter()
        .map(|r| r.section.chars().count().min(LIST_CELL_MAX))
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{}  ({} slides, {:.0} min)\n\n{:>3}  {}  {}  DEMO\n",
        printable_line(deck.title()),
        rows.len(),
        deck.budget_minutes(),
        "#",
        cell("SECTION", sw),
        cell("TITLE", 40),
    );
    for r in rows {
        out.push_str(&format!(
            "{:>3}  {}  {}  {}\n",
            r.n,
            cell(r.section, sw),
            cell(r.title, 40),
            printable_line(r.demo.unwrap_or(""))
        ));
    }
    out
}

/// `kdeck check`: the deck's problems (already collected by loading) plus its
/// recordings'. Returns (report, errors found).
pub fn check(deck: &Deck, recordings: &Recordings) -> (String, usize) {
    let mut out = String::new();
    let mut errors = 0;
    for s in &deck.slides {
        if let Some(line) = s.now_line
            && s.sources.is_empty()
        {
            errors += 1;
            out.push_str(&format!(
                "{}:{line}: a \"Now\" line needs its source: add `sources = [{{ url = \"https://…\", backs = \"…\" }}]` to the front matter\n",
                s.file
            ));
        }
    }
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
            Ok(_) => {}
            Err(e) if e.ends_with(": no recording of this demo") => out.push_str(&format!(
                "warning: {}: the demo can't fall back on this machine\n",
                printable(&e)
            )),
            Err(e) => {
                errors += crate::text::count_problems(&e);
                out.push_str(&format!("{}\n", printable(&e)));
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
    run_demo_plain_with(exe, recordings, id, mode, speed, &[], out)
}

/// [`run_demo_plain`] with extra environment for the child (a `--spec` variant).
pub fn run_demo_plain_with(
    exe: &std::path::Path,
    recordings: Recordings,
    id: &str,
    mode: RunMode,
    speed: f64,
    child_env: &[(&str, &str)],
    out: &mut dyn Write,
) -> std::io::Result<(Vec<DemoEvent>, bool)> {
    let (tx, rx) = mpsc::channel();
    let sink = demo::sink(move |ev| {
        let _ = tx.send(ev);
    });
    let mut engine = child_env.iter().fold(
        Engine::new(exe, recordings, sink).with_speed(speed),
        |e, (k, v)| e.with_child_env(k, v),
    );
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
        if matches!(ev, DemoEvent::Exited { .. }) {
            for line in demo::tryit::lines(id) {
                writeln!(out, "{line}")?;
            }
        }
        summary.apply(&ev);
        write_event(&ev, &summary, out)?;
        let done = matches!(ev, DemoEvent::Exited { .. });
        events.push(ev);
        if done {
            return Ok((events, summary.verdict() != Verdict::Fail));
        }
    }
}

/// One event as plain lines; everything that came from a file or a child (lines, a
/// recording's header fields) passes through [`printable_line`]. The header names only
/// the demo when a live run starts (it may still fall back); the last line says what
/// actually ran, from the run's summary.
fn write_event(ev: &DemoEvent, summary: &RunSummary, out: &mut dyn Write) -> std::io::Result<()> {
    let p = printable_line;
    match ev {
        DemoEvent::Started { id, live: true, .. } => writeln!(out, "kdeck demo {}", p(id)),
        DemoEvent::Started {
            id, live: false, ..
        } => writeln!(out, "kdeck demo {} (recorded)", p(id)),
        DemoEvent::Output { line, .. } => match line.kind {
            LineKind::Step => writeln!(out, "── {} ──", p(&line.text)),
            LineKind::Probe { .. } => writeln!(out, "probe: {}", p(&line.shown())),
            LineKind::Replayed => writeln!(out, "◌ {}", p(&line.text)),
            LineKind::Stdout | LineKind::Stderr | LineKind::Verdict { .. } => {
                writeln!(out, "{}", p(&line.text))
            }
        },
        DemoEvent::FellBack {
            why,
            step: None,
            recording,
            ..
        } => {
            let on = recording.as_ref().map_or("no recording".to_string(), |r| {
                format!(
                    "recorded on {} {}, {}",
                    p(&r.kernel),
                    p(&r.arch),
                    p(&r.date)
                )
            });
            writeln!(out, "◌ RECORDED — {} ({on})", p(why))
        }
        DemoEvent::FellBack {
            why,
            step: Some(step),
            ..
        } => writeln!(
            out,
            "◐ PARTIAL — step {} from the recording: {}",
            p(step),
            p(why)
        ),
        DemoEvent::Exited {
            outcome, seconds, ..
        } => {
            if let Outcome::NoRecording { error } = outcome {
                writeln!(out, "✗ recording missing or invalid:")?;
                for l in error.lines() {
                    writeln!(out, "  {}", p(l))?;
                }
            }
            let ran = match summary.mode() {
                DemoMode::Live => "ran live",
                DemoMode::Partial => "ran partly live, a step from the recording",
                DemoMode::Recorded => "replayed the recording",
                DemoMode::Failed => {
                    return writeln!(
                        out,
                        "(failed after {seconds:.2} s: {})",
                        p(&summary.reason())
                    );
                }
            };
            writeln!(out, "({ran}, finished in {seconds:.2} s)")
        }
    }
}
