//! `kdeck record --walkthrough / --frames`: the whole talk rendered through the real UI
//! at a fixed size, into one asciicast and into plain text frames.
//!
//! **This file and `walk.rs` are the only ones of `record` that import ratatui**: they
//! drive the UI the way the presenter does, through the presenter's own loop
//! (`tui::run_observed`). Nothing here is a copy of the UI: `walk.rs` is the loop's
//! message source (a `→` key press per slide, `r` on a demo slide, the demo events as
//! [`Message::Demo`], the clock as [`Message::Tick`]) and its commands (the runner), and
//! the loop draws `impl StatefulWidget for &App` into a ratatui `Terminal` over a
//! `CrosstermBackend` that writes into a `Vec<u8>` (a `Viewport::Fixed`, so it never
//! asks a terminal for its size). Those bytes are the cast's `"o"` events; the drawn
//! buffer, handed to the recorder after each frame, gives the text frames.
//!
//! # Frames and time base
//!
//! One frame per slide, shown on arrival. On a slide whose demo is run, one frame per
//! step (drawn when the step is complete: when the next step starts or the run ends)
//! and one at the end of the run. So a run with `s` steps adds `s + 1` frames; a demo
//! shown a second time (on a later slide) is not re-run. Times in the cast are fixed,
//! not measured: a slide frame is held [`SLIDE_HOLD`] seconds, a step frame
//! [`STEP_HOLD`], the end-of-run frame [`SLIDE_HOLD`]. The footer's clock is the
//! deck's planned time at the start of each slide.
//!
//! Each frame starts with an `"m"` marker labelled like its text frame (`frame 12:
//! slide 11/19 · Seccomp logging, live · step audit-log`), so a player can jump
//! between frames; its `"o"` event (if anything changed) follows at the same time.
//! Text frames are separated by `──── frame 12: slide 11/19 · Seccomp logging, live ·
//! step audit-log ────` lines and masked as [`super::mask`] describes.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::cursor::MoveTo;
use ratatui::crossterm::queue;
use ratatui::crossterm::terminal::{Clear, ClearType};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use unicode_width::UnicodeWidthStr;

use super::demo_cast::mode_of;
use super::error::RecordError;
use super::headless::{DemoRun, Runner};
use super::mask::{HostValues, Region, masked_rows};
use super::walk::{self, Cue, Walk, WalkCommands};
pub use super::walk::{SLIDE_HOLD, STEP_HOLD};
use crate::app::{App, Message, Options};
use crate::cast::{Cast, CastWriter, Header, host_meta};
use crate::deck::Deck;
use crate::demo::DemoMode;
use crate::ui::UiState;

/// What the walkthrough produced.
pub struct Walkthrough {
    /// The asciicast of the whole talk.
    pub cast: Cast,
    /// The text frames, masked, with separator lines.
    pub frames: String,
    pub frame_count: usize,
    /// The demo runs, in the order they ran (first showing of each demo).
    pub runs: Vec<DemoRun>,
}

/// How to render.
pub struct Settings {
    pub cols: u16,
    pub rows: u16,
    /// The running kernel's release: shown in the header, masked in text frames.
    pub kernel: String,
    /// Demos play their recordings (`--mode recorded`): the pane says "replay".
    pub force_recorded: bool,
    /// kdeck itself, for `kdeck probe --json` (the answers some slides show).
    pub exe: PathBuf,
}

/// How long to wait for `kdeck probe --json`.
const PROBE_WAIT: Duration = Duration::from_secs(30);

type Term = Terminal<CrosstermBackend<Shared>>;

/// The backend's output: an in-memory buffer the recorder drains after each frame.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Records the loop's frames into the cast and the text.
struct Recorder {
    output: Shared,
    cast: CastWriter,
    frames: String,
    count: usize,
    t: f64,
    host: HostValues,
}

impl Recorder {
    /// A recorder of a terminal at the walkthrough's size, into a fresh cast.
    fn new(settings: &Settings, title: String) -> Result<(Recorder, Term), RecordError> {
        let viewport = Viewport::Fixed(Rect::new(0, 0, settings.cols, settings.rows));
        let mut output = Shared::default();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(output.clone()),
            TerminalOptions { viewport },
        )
        .map_err(RecordError::Draw)?;
        queue!(output, Clear(ClearType::All), MoveTo(0, 0)).map_err(RecordError::Draw)?;
        let mut header = Header::new(settings.cols, settings.rows);
        header.title = Some(title);
        header.env.insert("TERM".into(), "xterm-256color".into());
        let recorder = Recorder {
            output,
            cast: CastWriter::new(header),
            frames: String::new(),
            count: 0,
            t: 0.0,
            host: HostValues {
                kernel: settings.kernel.clone(),
                ..HostValues::here()
            },
        };
        Ok((recorder, terminal))
    }

    /// The finished walkthrough: the player's terminal left usable, the header's
    /// provenance (one mode if every run had the same, else partial).
    fn finish(mut self, rows: u16, runs: Vec<DemoRun>) -> Walkthrough {
        // Attributes reset, cursor back, below the frame.
        self.cast
            .output(self.t, &format!("\x1b[0m\x1b[{rows};1H\x1b[?25h\r\n"));
        let modes: HashSet<DemoMode> = runs.iter().map(|r| mode_of(&r.id, &r.events)).collect();
        let mode = match (modes.len(), modes.iter().next()) {
            (1, Some(m)) => m.as_str(),
            (0, _) => "live",
            _ => "partial",
        };
        let mut meta = host_meta("walkthrough", mode);
        meta.exit = Some(0);
        self.cast.header_mut().kdeck = Some(meta);
        self.cast.header_mut().timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        Walkthrough {
            cast: self.cast.finish(),
            frames: self.frames,
            frame_count: self.count,
            runs,
        }
    }

    /// The frame the loop just drew, at the cue's time and with its label.
    fn frame(&mut self, app: &App, ui: &UiState, buffer: &Buffer, cue: &Cue) {
        self.t = cue.t;
        let (cells, area) = (cells(buffer), buffer.area);
        let pane = crate::ui::layout(app, ui, area)
            .and_then(|a| a.demo)
            .map(|d| Region {
                x: usize::from(d.x),
                y: usize::from(d.y),
                width: usize::from(d.width),
                height: usize::from(d.height),
            });
        self.count += 1;
        let slide = &app.deck.slides[app.current];
        let mut label = format!(
            "frame {}: slide {}/{} · {}",
            self.count,
            app.current + 1,
            app.deck.slides.len(),
            slide.title
        );
        if let Some(w) = &cue.what {
            label.push_str(" · ");
            label.push_str(w);
        }
        self.frames.push_str(&format!("──── {label} ────\n"));
        self.cast.marker(self.t, &label);
        for row in masked_rows(&cells, pane, &self.host) {
            self.frames.push_str(&row);
            self.frames.push('\n');
        }
        self.flush_output();
    }

    /// What the backend wrote since the last call, as one `"o"` event now.
    fn flush_output(&mut self) {
        let bytes = std::mem::take(&mut *self.output.0.borrow_mut());
        if !bytes.is_empty() {
            self.cast.output(self.t, &String::from_utf8_lossy(&bytes));
        }
    }
}

/// Each row's cell symbols; a cell hidden under a wide symbol is `""`.
fn cells(buf: &Buffer) -> Vec<Vec<String>> {
    let width = usize::from(buf.area.width).max(1);
    buf.content
        .chunks(width)
        .map(|row| {
            let mut skip = 0_usize;
            row.iter()
                .map(|c| {
                    let sym = if skip == 0 { c.symbol() } else { "" };
                    skip = skip.max(c.symbol().width()).saturating_sub(1);
                    sym.to_string()
                })
                .collect()
        })
        .collect()
}

/// Walks through every slide of `deck`, running the demos in `run_ids` (others show
/// their idle pane) through `runner`.
pub fn render(
    deck: Deck,
    run_ids: &[String],
    runner: &mut Runner,
    settings: &Settings,
) -> Result<Walkthrough, RecordError> {
    let title = format!("kdeck walkthrough: {}", deck.title());
    let mut app = App::new(
        deck,
        Options {
            start: 0,
            force_recorded: settings.force_recorded,
            kernel: settings.kernel.clone(),
            ..Default::default()
        },
    );
    // The walkthrough's clock is the plan: its timer runs from the first slide.
    app.timer.start_if_idle(Duration::ZERO, 0);
    probe_first(&mut app, &settings.exe);
    if !app.deck.slides.is_empty() {
        app.update(walk::tick(app.deck.planned_before(0)));
    }
    let (mut rec, mut terminal) = Recorder::new(settings, title)?;
    // The presenter's loop, fed the walk's messages; each frame it draws is recorded.
    let cue = RefCell::new(Cue::default());
    let shared = walk::Shared::new(runner);
    let deck = app.deck.clone();
    let mut walk = Walk::new(&deck, run_ids, &shared, &cue);
    crate::tui::run_observed(
        &mut terminal,
        &mut app,
        &mut UiState::default(),
        &mut walk,
        &mut WalkCommands(&shared),
        &mut |app, ui, buffer| rec.frame(app, ui, buffer, &cue.borrow()),
    )
    .map_err(RecordError::Draw)?;
    if let Some(e) = walk.error {
        return Err(e);
    }
    rec.t = walk.end();
    Ok(rec.finish(settings.rows, walk.runs))
}

/// What this kernel supports, for slides that say so: the TUI's own way (a
/// `kdeck probe --json` child whose answer comes as Message::Probes).
fn probe_first(app: &mut App, exe: &std::path::Path) {
    let (tx, rx) = std::sync::mpsc::channel();
    let exe = exe.to_path_buf();
    std::thread::spawn(move || {
        if let Some((answers, facts)) = crate::demo::probe_report(&exe) {
            let _ = tx.send((Message::Probes(answers), Message::Facts(facts)));
        }
    });
    if let Ok((probes, facts)) = rx.recv_timeout(PROBE_WAIT) {
        app.update(probes);
        app.update(facts);
    }
}
