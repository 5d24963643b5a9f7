//! The `kdeck` binary: the command line (clap) and its dispatch to the handlers in
//! [`cli`], which call into the library; the only place using anyhow.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use kdeck::text::printable;

mod cli;

use cli::demo::DemoArgs;
use cli::present::PresentArgs;

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
    Demo(DemoArgs),
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
        Some(Command::Child { id }) => Ok(ExitCode::from(
            kdeck::demo::child_main(&id).clamp(0, 255) as u8,
        )),
        Some(Command::Present(args)) => cli::present::present(args),
        None => cli::present::present(cli.present),
        Some(Command::Speaker { session }) => cli::present::speaker(session),
        Some(Command::Record(args)) => cli::batch::record(&args),
        Some(Command::Export(args)) => cli::batch::export(&args),
        Some(Command::Matrix(args)) => cli::batch::matrix(&args),
        Some(Command::GuestInit(args)) => Ok(ExitCode::from(
            kdeck::matrix::init::main(&args).clamp(0, 255) as u8,
        )),
        Some(Command::Probe { json }) => cli::info::probe(json),
        Some(Command::List { deck, json }) => cli::info::list(deck.as_ref(), json),
        Some(Command::Check { deck, recordings }) => cli::info::check(deck.as_ref(), recordings),
        Some(Command::Kspp {
            config,
            sysctl,
            cmdline,
            json,
            fail_under,
        }) => cli::info::kspp(
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
        Some(Command::Demo(args)) => cli::demo::run(args),
    }
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
