use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use kdeck::app::{App, Message, NotesMode, Options};
use kdeck::commands;
use kdeck::deck::Deck;
use kdeck::demo::{self, Engine, Recordings, RunMode};
use kdeck::event::Events;
use kdeck::text::printable;

#[derive(Parser)]
#[command(
    name = "kdeck",
    version,
    propagate_version = true,
    // The presenting options (`kdeck --deck DIR`) belong to presenting: given before a
    // subcommand (`kdeck --deck DIR list`) they are an error, never silently ignored.
    args_conflicts_with_subcommands = true,
    about = "Present 'Container-Relevant Kernel Developments' and prove each claim live on this kernel"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    present: PresentArgs,
}

#[derive(clap::Args, Default, Clone)]
struct PresentArgs {
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

#[derive(Subcommand)]
enum Command {
    /// Present the talk in the terminal (the default).
    Present(PresentArgs),
    /// What this kernel supports, with the evidence for each answer.
    Probe {
        /// Print the answers as JSON (format: README "JSON formats").
        #[arg(long)]
        json: bool,
    },
    /// Run one demo in the plain terminal (no TUI).
    Demo {
        /// Demo id (see `kdeck list`).
        id: String,
        /// Replay its recording instead of running it live.
        #[arg(long)]
        recorded: bool,
        /// Also write the run as an asciicast v2 recording to FILE.
        #[arg(long, value_name = "FILE")]
        record: Option<PathBuf>,
        /// Read recordings from DIR/<id>/recorded.cast instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
        /// Replay speed of a recording (2 = twice as fast, 0 = instant).
        #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
        speed: f64,
        /// Print the demo's default spec as TOML (landlock, seccomp-log, namespaces, timens).
        #[arg(long, conflicts_with_all = ["recorded", "record", "spec"])]
        print_spec: bool,
        /// Run a variant from this spec file (start from --print-spec); never replayed.
        #[arg(long, value_name = "FILE", conflicts_with = "recorded")]
        spec: Option<PathBuf>,
    },
    /// Validate a deck and its recordings; exit 1 with file:line errors.
    Check {
        /// Check the deck in DIR instead of the built-in talk.
        #[arg(long, value_name = "DIR")]
        deck: Option<PathBuf>,
        /// Check the recordings in DIR/<id>/recorded.cast instead of the built-in ones.
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
    },
    /// The slides with their sections and demos.
    List {
        /// List the deck in DIR instead of the built-in talk.
        #[arg(long, value_name = "DIR")]
        deck: Option<PathBuf>,
        /// Print the slides as JSON (format: README "JSON formats").
        #[arg(long)]
        json: bool,
    },
    /// KSPP hardening checks of this kernel, or of another kernel's config, sysctls and
    /// command line.
    Kspp {
        /// A kernel config (plain or gzip), e.g. /boot/config-6.12.0 (default: the running kernel's).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A saved `sysctl -a` output (default: the running kernel's /proc/sys).
        #[arg(long, value_name = "FILE")]
        sysctl: Option<PathBuf>,
        /// A kernel command line, one line as in /proc/cmdline (default: the running
        /// kernel's, when neither --config nor --sysctl is given).
        #[arg(long, value_name = "FILE")]
        cmdline: Option<PathBuf>,
        /// Print the checks as JSON (format: README "JSON formats").
        #[arg(long)]
        json: bool,
        /// Exit 1 when fewer than N checks pass (a CI gate for a kernel config).
        #[arg(long, value_name = "N")]
        fail_under: Option<usize>,
    },
    /// Run every demo headless (CI): recordings, JSON, JUnit, walkthrough.
    Record(kdeck::record::cli::RecordArgs),
    /// The hand-out: the talk as one self-contained HTML page (or Markdown) with its runs.
    Export(kdeck::export::ExportArgs),
    /// Every demo on real kernels booted under qemu, as a table.
    Matrix(kdeck::matrix::MatrixArgs),
    /// The speaker view of a running presentation, for a second terminal: notes, next
    /// slide, timer, demo state; its navigation keys move the presentation too.
    Speaker {
        /// Which presentation: its --session name or its pid (default: the newest).
        #[arg(long, value_name = "NAME|PID")]
        session: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print kdeck's man page (roff) on standard output, or write every page to a directory.
    Man {
        /// Write kdeck.1 and a kdeck-<subcommand>.1 for each subcommand into DIR (created).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Internal: the init of a `kdeck matrix` guest.
    #[command(name = "__guest-init", hide = true)]
    GuestInit(kdeck::matrix::GuestArgs),
    /// Internal: run a demo's live body in this (child) process.
    #[command(name = "__child", hide = true)]
    Child {
        /// Demo id.
        id: String,
    },
}

fn main() -> ExitCode {
    // `kdeck list | head` should end quietly, like any Unix tool, not report EPIPE.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    if kdeck::matrix::is_guest_init() {
        return ExitCode::from(kdeck::matrix::init::main(&Default::default()) as u8);
    }
    let code = match real_main() {
        Ok(code) => code,
        // What reaches here is kdeck not able to do what was asked (a file it can't
        // read or write, a tool that is missing): 2, like a usage error. A demo, a deck
        // or a check that fails is a result, exit 1, returned as Ok.
        Err(e) => {
            eprintln!("kdeck: {}", printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    };
    if let Some(sig) = kdeck::signals::caught() {
        // A signal ended the command (its demos are stopped and cleaned up): end the
        // way that signal ends a process.
        kdeck::signals::die_by(sig);
    }
    code
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child { id }) => {
            Ok(ExitCode::from(demo::child_main(&id).clamp(0, 255) as u8))
        }
        Some(Command::Present(args)) => present(args),
        None => present(cli.present),
        Some(Command::Speaker { session }) => speaker(session),
        Some(Command::Record(args)) => record(&args),
        Some(Command::Export(args)) => export(&args),
        Some(Command::Matrix(args)) => matrix(&args),
        Some(Command::GuestInit(args)) => Ok(ExitCode::from(
            kdeck::matrix::init::main(&args).clamp(0, 255) as u8,
        )),
        Some(Command::Probe { json }) => probe(json),
        Some(Command::List { deck, json }) => list(deck.as_ref(), json),
        Some(Command::Check { deck, recordings }) => check(deck.as_ref(), recordings),
        Some(Command::Kspp {
            config,
            sysctl,
            cmdline,
            json,
            fail_under,
        }) => kspp(
            config.as_deref(),
            sysctl.as_deref(),
            cmdline.as_deref(),
            json,
            fail_under,
        ),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "kdeck", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man { dir }) => man(dir),
        Some(Command::Demo {
            id,
            recorded,
            record,
            recordings,
            speed,
            print_spec,
            spec,
        }) => {
            if demo::find(&id).is_none() {
                eprintln!(
                    "kdeck: unknown demo {id:?}; demos: {}",
                    demo::ids().join(", ")
                );
                return Ok(ExitCode::from(2));
            }
            kdeck::signals::spawn_reaper().context("can't install the signal handlers")?;
            if print_spec {
                return Ok(print_spec_of(&id));
            }
            let variant = match spec.as_deref().map(|p| demo::play::load(&id, p)) {
                None => None,
                Some(Ok(s)) => Some(s.to_toml().map_err(|e| anyhow::anyhow!("{e}"))?),
                Some(Err(e)) => {
                    eprintln!("kdeck: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let run = DemoRun {
                id: &id,
                recorded,
                recordings,
                speed,
                variant: variant.as_deref(),
            };
            run_demo(&run, record.as_deref())
        }
    }
}

/// `kdeck speaker`: the speaker view, which needs a terminal on both ends.
fn speaker(session: Option<String>) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!("kdeck speaker: not a terminal: the speaker view needs one.");
        return Ok(ExitCode::from(2));
    }
    kdeck::speaker::client::run(session)?;
    Ok(ExitCode::SUCCESS)
}

/// `kdeck record`: the headless run, its own error type choosing the exit code.
fn record(args: &kdeck::record::cli::RecordArgs) -> anyhow::Result<ExitCode> {
    kdeck::signals::spawn_reaper().context("can't install the signal handlers")?;
    match kdeck::record::cli::run(args) {
        Ok(code) => Ok(ExitCode::from(code)),
        Err(e) => {
            eprintln!("kdeck record: {}", printable(&e.to_string()));
            Ok(ExitCode::from(e.exit_code()))
        }
    }
}

/// `kdeck export`: the files written, one line each on stderr.
fn export(args: &kdeck::export::ExportArgs) -> anyhow::Result<ExitCode> {
    match kdeck::export::run(args) {
        Ok(done) => {
            for line in done {
                eprintln!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kdeck export: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `kdeck matrix`: a profile name that is not in the table is a usage error (exit 2).
fn matrix(args: &kdeck::matrix::MatrixArgs) -> anyhow::Result<ExitCode> {
    match kdeck::matrix::run(args) {
        Ok(code) => Ok(ExitCode::from(code as u8)),
        Err(e @ kdeck::matrix::MatrixError::Profile(_)) => {
            eprintln!("kdeck matrix: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}

/// `kdeck probe`: the support table, or JSON.
fn probe(json: bool) -> anyhow::Result<ExitCode> {
    let rows = commands::probe_all();
    if json {
        println!(
            "{}",
            kdeck::schema::pretty_list(kdeck::schema::PROBE, "demos", &rows)?
        );
    } else {
        print!("{}", commands::probe_table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

/// `kdeck list`: the slides, or JSON with what each demo would do here.
fn list(deck: Option<&PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let Some(deck) = load_deck(deck)? else {
        return Ok(ExitCode::from(1));
    };
    if json {
        let rows = commands::list_rows(
            &deck,
            &commands::live_vars(&commands::probe_all(), &Recordings::embedded()),
        );
        println!(
            "{}",
            kdeck::schema::pretty_list(kdeck::schema::LIST, "slides", &rows)?
        );
    } else {
        print!("{}", commands::list_table(&deck));
    }
    Ok(ExitCode::SUCCESS)
}

/// `kdeck check`: the report; exit 1 when it found errors.
fn check(deck: Option<&PathBuf>, recordings: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let Some(deck) = load_deck(deck)? else {
        return Ok(ExitCode::from(1));
    };
    let (report, errors) = commands::check(&deck, &recordings_from(recordings));
    print!("{}", printable(&report));
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `kdeck man`: one page on stdout, or every page into a directory.
fn man(dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let Some(dir) = dir else {
        // As generate_to does: no `help` subcommand (it has no page of its own).
        let cmd = Cli::command().disable_help_subcommand(true);
        clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("can't create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), &dir)
        .with_context(|| format!("can't write the man pages into {}", dir.display()))?;
    eprintln!("man pages written to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// `kdeck demo ID --print-spec`: the demo's default spec as TOML.
fn print_spec_of(id: &str) -> ExitCode {
    match demo::play::Spec::default_for(id).and_then(|s| s.to_toml()) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kdeck: {e}");
            ExitCode::from(2)
        }
    }
}

/// One `kdeck demo` run as asked on the command line.
struct DemoRun<'a> {
    id: &'a str,
    recorded: bool,
    recordings: Option<PathBuf>,
    speed: f64,
    /// A variant's spec as TOML: it was parsed already (errors name file:line, nothing
    /// ran) and runs live only, since a recording of the default would not be its answer.
    variant: Option<&'a str>,
}

/// `kdeck demo ID`: the run on stdout, optionally also written as a recording; exit 1
/// when it failed.
fn run_demo(run: &DemoRun, record: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let mode = if run.variant.is_some() {
        RunMode::Live
    } else if run.recorded || forced_recorded() {
        RunMode::Recorded
    } else {
        RunMode::Auto
    };
    let env: Vec<(&str, &str)> = run
        .variant
        .map(|t| (demo::play::SPEC_ENV, t))
        .into_iter()
        .collect();
    let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
    let (events, passed) = commands::run_demo_plain_with(
        &exe,
        recordings_from(run.recordings.clone()),
        run.id,
        mode,
        run.speed,
        &env,
        &mut std::io::stdout(),
    )?;
    if let Some(path) = record {
        write_demo_cast(&exe, run.id, &events, path, run.variant)?;
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `kdeck demo ID --record FILE`: the run's events as an asciicast stamped with this
/// kernel's facts.
fn write_demo_cast(
    exe: &std::path::Path,
    id: &str,
    events: &[demo::DemoEvent],
    path: &std::path::Path,
    variant: Option<&str>,
) -> anyhow::Result<()> {
    let mut cast = kdeck::record::demo_cast::cast_from_events(id, events, 80, 30);
    if let Some((_, facts)) = kdeck::demo::probe_report(exe) {
        kdeck::facts::stamp(&mut cast, &facts);
    }
    // A variant's recording says which spec it answers.
    if let Some(meta) = cast.header.kdeck.as_mut() {
        meta.spec = variant.map(str::to_string);
    }
    let text = kdeck::cast::write_v2(&cast);
    kdeck::files::write_file(path, text.as_bytes()).context("can't write the recording")?;
    eprintln!("recorded to {}", path.display());
    Ok(())
}

/// `kdeck kspp`: the table or JSON; with `--fail-under N`, exit 1 below N passing checks.
fn kspp(
    config: Option<&std::path::Path>,
    sysctl: Option<&std::path::Path>,
    cmdline: Option<&std::path::Path>,
    json: bool,
    fail_under: Option<usize>,
) -> anyhow::Result<ExitCode> {
    use kdeck::demo::kspp;
    let report = kspp::cli_report(config, sysctl, cmdline)?;
    if json {
        println!("{}", kdeck::schema::pretty(kdeck::schema::KSPP, &report)?);
    } else {
        print!("{}", printable(&kspp::render_text(&report)));
    }
    match fail_under {
        Some(n) if report.passed < n => {
            eprintln!(
                "kdeck kspp: {} of {} checks pass, fewer than --fail-under {n}",
                report.passed, report.total
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// `--speed X`: a finite number, positive or 0 (instant).
fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!(
            "{s:?} is not a replay speed: give a finite number > 0 (2 = twice as fast) or 0 (instant)"
        )),
    }
}

fn forced_recorded() -> bool {
    demo::force_recorded()
}

fn recordings_from(dir: Option<PathBuf>) -> Recordings {
    dir.map_or_else(Recordings::embedded, Recordings::from_dir)
}

/// The deck, or `None` after printing its problems as file:line lines.
fn load_deck(dir: Option<&PathBuf>) -> anyhow::Result<Option<Deck>> {
    let ids = demo::ids();
    let loaded = match dir {
        Some(d) => Deck::from_dir(d, &ids),
        None => Deck::embedded(&ids),
    };
    match loaded {
        Ok(deck) => Ok(Some(deck)),
        Err(errors) => {
            eprintln!("{}", printable(&errors.to_string()));
            eprintln!("kdeck: the deck has {} problem(s)", errors.0.len());
            Ok(None)
        }
    }
}

fn present(args: PresentArgs) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!(
            "kdeck: not a terminal: presenting needs one. Try `kdeck list` for the slides or `kdeck record` for a headless run."
        );
        return Ok(ExitCode::from(2));
    }
    let Some(deck) = load_deck(args.deck.as_ref())? else {
        return Ok(ExitCode::from(1));
    };
    let kernel = kdeck::cast::uname().map(|(k, _)| k).unwrap_or_default();
    let options = Options {
        start: args.start.saturating_sub(1),
        force_recorded: args.recorded || forced_recorded(),
        kernel,
        notes: args.notes,
    };
    let mut app = App::new(deck, options);
    let own_recordings = args.recordings.is_some();
    let recordings = recordings_from(args.recordings);
    if own_recordings {
        // Recorded facts from these recordings, not the built-in ones.
        app.use_recordings(&recordings);
    }
    let mut events = Events::new().context("can't create the wake-up pipe")?;
    let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
    let exe_for_probes = exe.clone();
    let mut engine = Engine::new(exe, recordings, events.demo_sink()).with_speed(args.speed);
    events
        .spawn_signals()
        .context("can't install the signal handlers")?;
    // Speaker views connect here; without the socket the talk goes on, and says so.
    let name = args.session.clone().unwrap_or_else(|| {
        args.deck
            .as_ref()
            .and_then(|d| d.canonicalize().ok())
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "talk".into())
    });
    let server = match kdeck::speaker::server::Server::start(&name, events.notifier()) {
        Ok(s) => Some(s),
        Err(e) => {
            app.status = Some(format!("no speaker view: {e}"));
            None
        }
    };
    let started = std::time::Instant::now();
    let mut terminal = kdeck::terminal::init().context("can't set up the terminal")?;
    kdeck::signals::install_fatal();
    // First frame before anything else competes for the CPU. A user deck's code blocks
    // not highlighted yet show plain in it; the highlighting thread then does them (and
    // the slides around) and wakes the loop, whose next frame has them in colour.
    let mut ui = kdeck::ui::UiState::default();
    let (first, plain) =
        kdeck::highlight::plain_if_missing(|| kdeck::tui::draw(&mut terminal, &mut app, &mut ui));
    if plain {
        app.content_version += 1;
    }
    let redraw = events.notifier();
    kdeck::highlight::ahead::start(&app.deck, app.current, move || {
        // Resize carries no size: it only makes the loop draw again.
        redraw.send(Message::Resize);
    });
    // With --deck DIR, a saved slide is on screen within a few tens of milliseconds.
    let _watch = match &args.deck {
        Some(dir) => match kdeck::reload::watch(dir.clone(), demo::ids(), events.notifier()) {
            Ok(w) => Some(w),
            Err(e) => {
                app.status = Some(format!("live reload off: {e}"));
                None
            }
        },
        None => None,
    };
    let mut publish = |app: &App| {
        if let Some(s) = &server {
            s.publish(&kdeck::speaker::state::of(app));
        }
    };
    events.spawn_clock(started);
    events.spawn_probes(exe_for_probes);
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
