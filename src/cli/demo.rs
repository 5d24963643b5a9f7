//! `kdeck demo ID`: one demo in the plain terminal (live, recorded, or a variant from a
//! spec file), optionally written as an asciicast; `--print-spec` prints its default
//! spec instead.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kdeck::commands;
use kdeck::demo::{self, RunMode};

use super::{parse_speed, recordings_from};

/// The flags of `kdeck demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
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
}

/// `kdeck demo`: an unknown id or a spec that doesn't parse is a usage error (exit 2).
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if demo::find(&args.id).is_none() {
        eprintln!(
            "kdeck: unknown demo {:?}; demos: {}",
            args.id,
            demo::ids().join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    kdeck::signals::spawn_reaper().context("can't install the signal handlers")?;
    if args.print_spec {
        return Ok(print_spec_of(&args.id));
    }
    let variant = match args.spec.as_deref().map(|p| demo::play::load(&args.id, p)) {
        None => None,
        Some(Ok(s)) => Some(s.to_toml().map_err(|e| anyhow::anyhow!("{e}"))?),
        Some(Err(e)) => {
            eprintln!("kdeck: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    run_demo(&args, variant.as_deref())
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

/// `kdeck demo ID`: the run on stdout, optionally also written as a recording; exit 1
/// when it failed. `variant` is a variant's spec as TOML: it was parsed already (errors
/// name file:line, nothing ran) and runs live only, since a recording of the default
/// would not be its answer.
fn run_demo(args: &DemoArgs, variant: Option<&str>) -> anyhow::Result<ExitCode> {
    let mode = if variant.is_some() {
        RunMode::Live
    } else if args.recorded || demo::force_recorded() {
        RunMode::Recorded
    } else {
        RunMode::Auto
    };
    let env: Vec<(&str, &str)> = variant
        .map(|t| (demo::play::SPEC_ENV, t))
        .into_iter()
        .collect();
    let exe = std::env::current_exe().context("can't find kdeck's own executable")?;
    let (events, passed) = commands::run_demo_plain_with(
        &exe,
        recordings_from(args.recordings.clone()),
        &args.id,
        mode,
        args.speed,
        &env,
        &mut std::io::stdout(),
    )?;
    if let Some(path) = &args.record {
        write_demo_cast(&exe, &args.id, &events, path, variant)?;
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
    exe: &Path,
    id: &str,
    events: &[demo::DemoEvent],
    path: &Path,
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
