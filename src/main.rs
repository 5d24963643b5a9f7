use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kdeck::app::{App, Options};
use kdeck::commands;
use kdeck::deck::Deck;
use kdeck::demo::{self, Engine, Recordings, RunMode};
use kdeck::event::Events;

#[derive(Parser)]
#[command(
    name = "kdeck",
    version,
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
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    speed: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Present the talk in the terminal (the default).
    Present(PresentArgs),
    /// What this kernel supports, with the evidence for each answer.
    Probe {
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
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
        #[arg(long, value_name = "X", default_value_t = 1.0)]
        speed: f64,
    },
    /// Validate a deck and its recordings; exit 1 with file:line errors.
    Check {
        #[arg(long, value_name = "DIR")]
        deck: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        recordings: Option<PathBuf>,
    },
    /// The slides with their sections and demos.
    List {
        #[arg(long, value_name = "DIR")]
        deck: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// KSPP hardening checks of this kernel, or of another kernel's config and sysctls.
    Kspp {
        /// A kernel config (plain or gzip), e.g. /boot/config-6.12.0 (default: the running kernel's).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// A saved `sysctl -a` output (default: the running kernel's /proc/sys).
        #[arg(long, value_name = "FILE")]
        sysctl: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Run every demo headless (CI): recordings, JSON, JUnit, walkthrough.
    Record(kdeck::record::cli::RecordArgs),
    /// Every demo on real kernels booted under qemu, as a table.
    Matrix(kdeck::matrix::MatrixArgs),
    /// Internal: the init of a `kdeck matrix` guest.
    #[command(name = "__guest-init", hide = true)]
    GuestInit(kdeck::matrix::GuestArgs),
    /// Internal: run a demo's live body in this (child) process.
    #[command(name = "__child", hide = true)]
    Child { id: String },
}

fn main() -> ExitCode {
    // `kdeck list | head` should end quietly, like any Unix tool, not report EPIPE.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread exists.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    if kdeck::matrix::is_guest_init() {
        return ExitCode::from(kdeck::matrix::init::main(&Default::default()) as u8);
    }
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kdeck: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child { id }) => {
            Ok(ExitCode::from(demo::child_main(&id).clamp(0, 255) as u8))
        }
        Some(Command::Present(args)) => present(args),
        Some(Command::Record(args)) => match kdeck::record::cli::run(&args) {
            Ok(code) => Ok(ExitCode::from(code)),
            Err(e) => {
                eprintln!("kdeck record: {e}");
                Ok(ExitCode::from(e.exit_code()))
            }
        },
        Some(Command::Matrix(args)) => Ok(ExitCode::from(kdeck::matrix::run(&args)? as u8)),
        Some(Command::GuestInit(args)) => Ok(ExitCode::from(
            kdeck::matrix::init::main(&args).clamp(0, 255) as u8,
        )),
        None => present(cli.present),
        Some(Command::Probe { json }) => {
            let rows = commands::probe_all();
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                print!("{}", commands::probe_table(&rows));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::List { deck, json }) => {
            let Some(deck) = load_deck(deck.as_ref())? else {
                return Ok(ExitCode::from(1));
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&commands::list_rows(&deck))?
                );
            } else {
                print!("{}", commands::list_table(&deck));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Check { deck, recordings }) => {
            let Some(deck) = load_deck(deck.as_ref())? else {
                return Ok(ExitCode::from(1));
            };
            let (report, errors) = commands::check(&deck, &recordings_from(recordings));
            print!("{report}");
            Ok(if errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Kspp {
            config,
            sysctl,
            json,
        }) => {
            print!(
                "{}",
                kdeck::demo::kspp::run_cli(config.as_deref(), sysctl.as_deref(), json)?
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo {
            id,
            recorded,
            record,
            recordings,
            speed,
        }) => {
            if demo::find(&id).is_none() {
                eprintln!(
                    "kdeck: unknown demo {id:?}; demos: {}",
                    demo::ids().join(", ")
                );
                return Ok(ExitCode::from(2));
            }
            let mode = if recorded || forced_recorded() {
                RunMode::Recorded
            } else {
                RunMode::Auto
            };
            let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
            let (events, passed) = commands::run_demo_plain(
                &exe,
                recordings_from(recordings),
                &id,
                mode,
                speed,
                &mut std::io::stdout(),
            )?;
            if let Some(path) = record {
                let cast = kdeck::record::demo_cast::cast_from_events(&id, &events, 80, 30);
                std::fs::write(&path, kdeck::cast::write_v2(&cast))
                    .with_context(|| format!("can't write {}", path.display()))?;
                eprintln!("recorded to {}", path.display());
            }
            Ok(if passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
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
            eprintln!("{errors}");
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
    };
    let mut app = App::new(deck, options);
    let mut events = Events::new().context("can't create the wake-up pipe")?;
    let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
    let exe_for_probes = exe.clone();
    let mut engine = Engine::new(exe, recordings_from(args.recordings), events.demo_sink())
        .with_speed(args.speed);
    events
        .spawn_signals()
        .context("can't install the SIGTERM/SIGHUP handler")?;
    let started = std::time::Instant::now();
    let mut terminal = kdeck::terminal::init().context("can't set up the terminal")?;
    // First frame before anything else competes for the CPU.
    let mut ui = kdeck::ui::UiState::default();
    let first = kdeck::tui::draw(&mut terminal, &mut app, &mut ui);
    events.spawn_clock(started);
    events.spawn_probes(exe_for_probes);
    let result = first
        .and_then(|_| kdeck::tui::run(&mut terminal, &mut app, &mut ui, &mut events, &mut engine));
    engine.stop_all();
    kdeck::terminal::restore();
    result.context("drawing failed")?;
    Ok(ExitCode::SUCCESS)
}
