//! `kdeck present` (and plain `kdeck`) and `kdeck speaker`: the two terminal screens.
//! Presenting sets up the app, the demo engine, the speaker socket and live reload,
//! draws the first frame before anything else competes for the CPU, then runs the loop
//! and always restores the terminal.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use kdeck::app::{App, Message, NotesMode, Options};
use kdeck::demo::{self, Engine};
use kdeck::event::Events;
use kdeck::speaker::server::Server;

use super::{load_deck, parse_speed, recordings_from};

/// The flags of `kdeck present`.
#[derive(clap::Args, Default, Clone)]
pub struct PresentArgs {
    /// Present a deck from this directory instead of the built-in talk.
    #[arg(long, value_name = "DIR")]
    deck: Option<PathBuf>,
    /// Open at slide N (1-based).
    #[arg(long, value_name = "N", default_value_t = 1)]
    start: usize,
    /// Replay every demo from its recording (also KDECK_FORCE_RECORDED=1).
    #[arg(long)]
    recorded: bool,
    /// Read recordings from DIR/<id>/recorded.cast instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    recordings: Option<PathBuf>,
    /// Replay speed of recordings (2 = twice as fast, 0 = instant).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
    speed: f64,
    /// Where the speaker notes show: auto hides them while a speaker view is connected.
    #[arg(long, value_enum, default_value_t = NotesMode::Auto)]
    notes: NotesMode,
    /// Name this presentation for `kdeck speaker --session NAME` (default: the deck's
    /// directory name, or "talk").
    #[arg(long, value_name = "NAME")]
    session: Option<String>,
}

/// `kdeck present`: needs a terminal; a deck with problems exits 1 after listing them.
pub fn present(args: PresentArgs) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!(
            "kdeck: not a terminal: presenting needs one. Try `kdeck list` for the slides or `kdeck record` for a headless run."
        );
        return Ok(ExitCode::from(2));
    }
    let Some(mut app) = app_for(&args)? else {
        return Ok(ExitCode::from(1));
    };
    let mut events = Events::new().context("can't create the wake-up pipe")?;
    let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
    let recordings = recordings_from(args.recordings.clone());
    let mut engine =
        Engine::new(exe.clone(), recordings, events.demo_sink()).with_speed(args.speed);
    events
        .spawn_signals()
        .context("can't install the signal handlers")?;
    let started = std::time::Instant::now();
    let mut terminal = kdeck::terminal::init().context("can't set up the terminal")?;
    kdeck::signals::install_fatal();
    let mut ui = kdeck::ui::UiState::default();
    let first = first_frame(&mut terminal, &mut app, &mut ui, &events);
    // After the first frame: a speaker view can only connect once the slide is up
    // anyway, and a failure shows in the status line from the next frame on.
    let server = speaker_server(&args, &mut app, &events);
    // With --deck DIR, a saved slide is on screen within a few tens of milliseconds.
    let _watch = args.deck.as_ref().and_then(|dir| {
        kdeck::reload::watch(dir.clone(), demo::ids(), events.notifier())
            .map_err(|e| app.status = Some(format!("live reload off: {e}")))
            .ok()
    });
    let mut publish = |app: &App| {
        if let Some(s) = &server {
            s.publish_with(|| kdeck::speaker::state::of(app));
        }
    };
    events.spawn_clock(started);
    events.spawn_probes(exe);
    let result = first.and_then(|_| {
        kdeck::tui::run_with(
            &mut terminal,
            &mut app,
            &mut ui,
            &mut events,
            &mut engine,
            &mut publish,
        )
    });
    drop(server);
    engine.stop_all();
    kdeck::terminal::restore();
    if let Some(sig) = kdeck::signals::caught() {
        // Quit because of a signal: the terminal is back and the demos are gone, now
        // end the way that signal ends a process.
        kdeck::signals::die_by(sig);
    }
    result.context("drawing failed")?;
    Ok(ExitCode::SUCCESS)
}

/// The app on the deck `args` name, at its start slide, with its recorded facts; `None`
/// after printing the deck's problems.
fn app_for(args: &PresentArgs) -> anyhow::Result<Option<App>> {
    let Some(deck) = load_deck(args.deck.as_ref())? else {
        return Ok(None);
    };
    let kernel = kdeck::cast::uname().map(|(k, _)| k).unwrap_or_default();
    let options = Options {
        start: args.start.saturating_sub(1),
        force_recorded: args.recorded || demo::force_recorded(),
        kernel,
        notes: args.notes,
    };
    let mut app = App::new(deck, options);
    if args.recordings.is_some() {
        // Recorded facts from these recordings, not the built-in ones.
        app.use_recordings(&recordings_from(args.recordings.clone()));
    }
    Ok(Some(app))
}

/// The socket speaker views connect to, named by --session, else the deck directory's
/// name, else "talk"; without it the talk goes on, and its status line says why.
fn speaker_server(args: &PresentArgs, app: &mut App, events: &Events) -> Option<Server> {
    let name = args.session.clone().unwrap_or_else(|| {
        args.deck
            .as_ref()
            .and_then(|d| d.canonicalize().ok())
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "talk".into())
    });
    Server::start(&name, events.notifier())
        .map_err(|e| app.status = Some(format!("no speaker view: {e}")))
        .ok()
}

/// The first frame, before anything else competes for the CPU. A user deck's code
/// blocks not highlighted yet show plain in it; the highlighting thread then does them
/// (and the slides around) and wakes the loop, whose next frame has them in colour.
fn first_frame(
    terminal: &mut kdeck::terminal::Tui,
    app: &mut App,
    ui: &mut kdeck::ui::UiState,
    events: &Events,
) -> std::io::Result<()> {
    let (first, plain) = kdeck::highlight::plain_if_missing(|| kdeck::tui::draw(terminal, app, ui));
    if plain {
        app.content_version += 1;
    }
    let redraw = events.notifier();
    kdeck::highlight::ahead::start(&app.deck, app.current, move || {
        // Resize carries no size: it only makes the loop draw again.
        redraw.send(Message::Resize);
    });
    first
}

/// `kdeck speaker`: the speaker view, which needs a terminal on both ends.
pub fn speaker(session: Option<String>) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!("kdeck speaker: not a terminal: the speaker view needs one.");
        return Ok(ExitCode::from(2));
    }
    kdeck::speaker::client::run(session)?;
    Ok(ExitCode::SUCCESS)
}
