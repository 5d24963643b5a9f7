//! `kdeck record`: every demo of the deck headless, for CI. Needs no terminal (stdin
//! may be closed, stdout a file).
//!
//! Exit codes:
//! - **0**: every demo passed live, or fell back (recorded or partial) as allowed;
//! - **1**: a demo failed: its own ✗ verdict, a crash or timeout, a recording that
//!   was needed but is missing or corrupt (the reason names the file and line), a demo
//!   that can't run live under `--mode live`;
//! - **2**: usage or I/O: a bad flag (clap), an unknown `--only` id, a deck that does
//!   not load, `--update-fallbacks` without a recordings directory, an output that
//!   can't be written (checked before any demo runs), two reports on standard output;
//! - **4**: no failure, but a demo fell back under `--on-fallback fail`. A *partial*
//!   run (one step shown from the recording) is a fallback too.
//!
//! 1 wins over 4 when both apply.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::demo_cast::cast_from_events;
use super::error::RecordError;
use super::github;
use super::headless::{DemoRun, Runner, report_for};
use super::outputs::Outputs;
use super::report::{self, DemoMode, DemoReport, OnFallback, RunReport, Summary};
use super::walkthrough::{self, Settings};
use crate::cast::{self as asciicast, write_v2};
use crate::deck::Deck;
use crate::demo::{self, Recordings, RunMode};
use crate::files;

/// Terminal size of each demo's own cast (plain lines, like `kdeck demo --record`).
const DEMO_CAST_SIZE: (u16, u16) = (80, 30);

/// The flags of `kdeck record`.
#[derive(clap::Args, Debug, Clone)]
pub struct RecordArgs {
    /// Write one asciicast v2 file per demo, <id>.cast, into DIR (created).
    #[arg(long, value_name = "DIR", default_value = "kdeck-recordings")]
    pub out: PathBuf,
    /// Run only these demos (space- or comma-separated ids; default: the deck's demos).
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub only: Vec<String>,
    /// auto: live where the kernel allows, else the recording; live: never fall back
    /// (a demo that can't run live fails); recorded: replay every recording.
    /// [default: auto, or recorded when KDECK_FORCE_RECORDED=1]
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
    /// A fallback (recorded or partial) is reported silently (pass), in the table and on
    /// stderr (warn), or makes the run exit 4 (fail).
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = OnFallback::Warn)]
    pub on_fallback: OnFallback,
    /// Write the results as JSON to FILE, - for standard output (format: README "JSON
    /// formats").
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the results as JUnit XML to FILE, - for standard output (a fallback is a
    /// skipped test).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the Markdown summary (what goes to $GITHUB_STEP_SUMMARY) to FILE, - for
    /// standard output.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// After a live, passing run, rewrite <recordings>/<id>/recorded.cast from it.
    #[arg(long)]
    pub update_fallbacks: bool,
    /// Render the whole talk through the UI into one asciicast (- for standard output).
    #[arg(long, value_name = "FILE.cast")]
    pub walkthrough: Option<PathBuf>,
    /// The walkthrough's screens as masked plain-text frames, for diffing.
    #[arg(long, value_name = "FILE.txt")]
    pub frames: Option<PathBuf>,
    /// Terminal size of the walkthrough.
    #[arg(long, value_name = "COLSxROWS", default_value = "100x30", value_parser = parse_size)]
    pub size: Size,
    /// Use the deck in DIR instead of the built-in talk.
    #[arg(long, value_name = "DIR")]
    pub deck: Option<PathBuf>,
    /// Read (and with --update-fallbacks write) recordings as DIR/<id>/recorded.cast
    /// [default: the built-in ones; `demos` for --update-fallbacks].
    #[arg(long, value_name = "DIR")]
    pub recordings: Option<PathBuf>,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Auto,
    Live,
    Recorded,
}

/// `--size COLSxROWS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cols: u16,
    pub rows: u16,
}

fn parse_size(s: &str) -> Result<Size, String> {
    let bad = || format!("{s:?} is not COLSxROWS (e.g. 100x30, each 1 to 1000)");
    let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let n = |v: &str| {
        v.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
    };
    match (n(c), n(r)) {
        (Some(cols), Some(rows)) => Ok(Size { cols, rows }),
        _ => Err(bad()),
    }
}

impl RecordArgs {
    /// The run mode: `--mode`, else KDECK_FORCE_RECORDED=1 → recorded, else auto.
    pub fn run_mode(&self) -> RunMode {
        match self.mode {
            Some(ModeArg::Auto) => RunMode::Auto,
            Some(ModeArg::Live) => RunMode::Live,
            Some(ModeArg::Recorded) => RunMode::Recorded,
            None if crate::demo::force_recorded() => RunMode::Recorded,
            None => RunMode::Auto,
        }
    }
}

/// Runs `kdeck record`; returns the exit code (see the module doc).
pub fn run(args: &RecordArgs) -> Result<u8, RecordError> {
    let mode = args.run_mode();
    let deck = load_deck(args)?;
    let plan = plan(&deck, &args.only)?;
    let update_dir = args
        .recordings
        .clone()
        .unwrap_or_else(|| PathBuf::from("demos"));
    if args.update_fallbacks && !update_dir.is_dir() {
        return Err(RecordError::NoRecordingsDir(update_dir));
    }
    let recordings = args
        .recordings
        .as_ref()
        .map_or_else(Recordings::embedded, Recordings::from_dir);
    let exe = std::env::current_exe().map_err(RecordError::Exe)?;
    files::own_dir(&args.out)?;
    let mut outputs = open_outputs(args)?;
    let (kernel, arch) = asciicast::uname().unwrap_or_else(|| ("unknown".into(), "unknown".into()));
    let date = asciicast::now_rfc3339_utc();

    let mut runner = Runner::new(exe.clone(), recordings.clone(), mode);
    let settings = Settings {
        cols: args.size.cols,
        rows: args.size.rows,
        kernel: kernel.clone(),
        force_recorded: mode == RunMode::Recorded,
        exe: exe.clone(),
    };
    let runs = record_walkthrough(args, &deck, &plan, &mut runner, &settings, &mut outputs)?;
    let ordered = run_plan(&plan, runs, &mut runner)?;
    runner.stop_all();

    let (demos, casts) = write_casts(args, &exe, &ordered, mode, &recordings)?;
    let exit_code = report::exit_code(&demos, args.on_fallback);
    let mut report = RunReport {
        kdeck_version: env!("CARGO_PKG_VERSION").to_string(),
        kernel,
        arch,
        uid: nix::unistd::getuid().as_raw(),
        date,
        mode: mode_name(mode).to_string(),
        summary: Summary::of(&demos),
        demos,
        exit_code,
    };
    // The report files first: if one can't be written the run exits 2 (an I/O error),
    // and the table and the JSON (when it could be written) say so.
    let failed_write = write_reports(&mut outputs, &mut report, &ordered).err();
    print_table(&outputs, &report);
    tell(&report, args.on_fallback);
    if let Some(e) = failed_write {
        return Err(e);
    }
    if args.update_fallbacks {
        update_fallbacks(&report, &casts, &update_dir)?;
    }
    Ok(report.exit_code)
}

/// The deck of `--deck DIR`, else the built-in talk.
fn load_deck(args: &RecordArgs) -> Result<Deck, RecordError> {
    let ids = demo::ids();
    match &args.deck {
        Some(d) => Deck::from_dir(d, &ids),
        None => Deck::embedded(&ids),
    }
    .map_err(|e| RecordError::Deck(e.to_string()))
}

/// With `--walkthrough` or `--frames`: the walkthrough through the plan, written to its
/// outputs; returns the demo runs it made (none without those flags).
fn record_walkthrough(
    args: &RecordArgs,
    deck: &Deck,
    plan: &[String],
    runner: &mut Runner,
    settings: &Settings,
    outputs: &mut Outputs,
) -> Result<Vec<DemoRun>, RecordError> {
    if args.walkthrough.is_none() && args.frames.is_none() {
        return Ok(Vec::new());
    }
    let wt = walkthrough::render(deck.clone(), plan, runner, settings)?;
    if let Some(sink) = &mut outputs.walkthrough {
        sink.write(&write_v2(&wt.cast))?;
        eprintln!("walkthrough: {} ({} frames)", sink.name(), wt.frame_count);
    }
    if let Some(sink) = &mut outputs.frames {
        sink.write(&wt.frames)?;
        eprintln!("frames: {} ({} frames)", sink.name(), wt.frame_count);
    }
    Ok(wt.runs)
}

/// One run per demo of the plan, in its order: the walkthrough's run where it made one,
/// else a run of its own.
fn run_plan(
    plan: &[String],
    mut runs: Vec<DemoRun>,
    runner: &mut Runner,
) -> Result<Vec<DemoRun>, RecordError> {
    let mut ordered = Vec::with_capacity(plan.len());
    for id in plan {
        match runs.iter().position(|r| &r.id == id) {
            Some(i) => ordered.push(runs.swap_remove(i)),
            None => ordered.push(runner.run(id)?),
        }
    }
    Ok(ordered)
}

/// Each run as `OUT/<id>.cast`, the typed facts (`landlock.abi`, ...) in its header;
/// returns each demo's report and each cast's text.
fn write_casts(
    args: &RecordArgs,
    exe: &std::path::Path,
    runs: &[DemoRun],
    mode: RunMode,
    recordings: &Recordings,
) -> Result<(Vec<DemoReport>, Vec<String>), RecordError> {
    let facts = crate::demo::probe_report(exe)
        .map(|(_, f)| f)
        .unwrap_or_default();
    let mut demos = Vec::with_capacity(runs.len());
    let mut casts = Vec::with_capacity(runs.len());
    for run in runs {
        let mut cast = cast_from_events(&run.id, &run.events, DEMO_CAST_SIZE.0, DEMO_CAST_SIZE.1);
        crate::facts::stamp(&mut cast, &facts);
        let text = write_v2(&cast);
        write(&args.out.join(format!("{}.cast", run.id)), &text)?;
        demos.push(report_for(run, &cast, mode, recordings));
        casts.push(text);
    }
    Ok((demos, casts))
}

/// The summary table: beside a report on standard output it goes to stderr.
fn print_table(outputs: &Outputs, report: &RunReport) {
    if outputs.uses_stdout() {
        eprint!("{}", crate::text::printable(&report::table(report)));
    } else {
        print!("{}", crate::text::printable(&report::table(report)));
        let _ = std::io::stdout().flush();
    }
}

/// `--json`, `--junit`, `--markdown` and the step summary of `$GITHUB_STEP_SUMMARY`.
/// When one can't be written, the report's exit code becomes 2 and the JSON (if its
/// own sink still works) is rewritten to say so.
fn write_reports(
    outputs: &mut Outputs,
    report: &mut RunReport,
    runs: &[DemoRun],
) -> Result<(), RecordError> {
    let written = write_each(outputs, report, runs);
    if written.is_err() {
        report.exit_code = 2;
        if let Some(sink) = &mut outputs.json
            && let Ok(json) = crate::schema::pretty(crate::schema::RECORD, &*report)
        {
            let _ = sink.write(&(json + "\n"));
        }
    }
    written
}

fn write_each(
    outputs: &mut Outputs,
    report: &RunReport,
    runs: &[DemoRun],
) -> Result<(), RecordError> {
    if let Some(sink) = &mut outputs.json {
        let json = crate::schema::pretty(crate::schema::RECORD, report)?;
        sink.write(&(json + "\n"))?;
    }
    if let Some(sink) = &mut outputs.junit {
        sink.write(&report::junit(report, runs)?)?;
    }
    if let Some(sink) = &mut outputs.markdown {
        sink.write(&report::markdown(report))?;
    }
    if let Some(sink) = &mut outputs.step_summary {
        sink.append(&report::markdown(report))?;
    }
    Ok(())
}

fn mode_name(mode: RunMode) -> &'static str {
    match mode {
        RunMode::Auto => "auto",
        RunMode::Live => "live",
        RunMode::Recorded => "recorded",
    }
}

/// The demos to run: the deck's, in slide order, each once; with `--only`, those of
/// the deck in slide order, then any others named, in the order given.
fn plan(deck: &Deck, only: &[String]) -> Result<Vec<String>, RecordError> {
    for id in only {
        if demo::find(id).is_none() {
            return Err(RecordError::UnknownDemo {
                id: id.clone(),
                known: demo::ids().join(", "),
            });
        }
    }
    let mut plan: Vec<String> = Vec::new();
    let in_deck = deck.slides.iter().filter_map(|s| s.demo.clone());
    for id in in_deck.chain(only.iter().cloned()) {
        if (only.is_empty() || only.contains(&id)) && !plan.contains(&id) {
            plan.push(id);
        }
    }
    Ok(plan)
}

/// Every report destination, checked and opened before any demo runs.
fn open_outputs(args: &RecordArgs) -> Result<Outputs, RecordError> {
    let summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    Outputs::open(
        [
            ("--json", args.json.as_deref()),
            ("--junit", args.junit.as_deref()),
            ("--markdown", args.markdown.as_deref()),
            ("--walkthrough", args.walkthrough.as_deref()),
            ("--frames", args.frames.as_deref()),
        ],
        summary.as_deref(),
    )
}

/// Failures always, and fallbacks unless `--on-fallback pass`, on stderr; under
/// GitHub Actions also as `::error`/`::warning` workflow commands.
fn tell(report: &RunReport, on_fallback: OnFallback) {
    let github = github::in_actions();
    for d in &report.demos {
        let what = match d.mode {
            DemoMode::Failed => "FAILED",
            DemoMode::Recorded => "fell back to its recording",
            DemoMode::Partial => "ran partly from its recording",
            DemoMode::Live => continue,
        };
        if d.mode != DemoMode::Failed && on_fallback == OnFallback::Pass {
            continue;
        }
        let level = match (d.mode, on_fallback) {
            (DemoMode::Failed, _) | (_, OnFallback::Fail) => "error",
            _ => "warning",
        };
        let reason = crate::text::printable(&d.reason);
        eprintln!("kdeck record: {level}: {} {what}: {reason}", d.id);
        if github {
            eprintln!(
                "{}",
                github::annotation(level, &d.id, &format!("{what}: {reason}"))
            );
        }
    }
    if report.exit_code == 4 {
        eprintln!("kdeck record: fallbacks are errors under --on-fallback fail (exit 4)");
    }
}

/// `--update-fallbacks`: live passing runs replace `<dir>/<id>/recorded.cast`. A run
/// that was partial or replayed never does (that would record a replay of itself).
fn update_fallbacks(report: &RunReport, casts: &[String], dir: &Path) -> Result<(), RecordError> {
    for (d, text) in report.demos.iter().zip(casts) {
        let target = dir.join(&d.id).join("recorded.cast");
        if d.mode != DemoMode::Live {
            eprintln!(
                "kept {}: {} did not run fully live ({})",
                target.display(),
                d.id,
                d.mode.as_str()
            );
            continue;
        }
        files::own_dir(&dir.join(&d.id))?;
        write(&target, text)?;
        eprintln!("updated {}", target.display());
    }
    Ok(())
}

/// Writes a file where the user asked, never through another user's symlink.
fn write(path: &Path, text: &str) -> Result<(), RecordError> {
    Ok(files::write_file(path, text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(
            parse_size("100x30"),
            Ok(Size {
                cols: 100,
                rows: 30
            })
        );
        assert_eq!(parse_size("80X24"), Ok(Size { cols: 80, rows: 24 }));
        for bad in ["", "100", "0x30", "100x", "x30", "abcxdef", "2000x30"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plan_follows_the_deck() {
        let deck = Deck::embedded(&demo::ids()).unwrap();
        let all = plan(&deck, &[]).unwrap();
        assert_eq!(all.len(), 10);
        assert_eq!(all[0], "ima");
        let some = plan(&deck, &["kspp".into(), "landlock".into()]).unwrap();
        assert_eq!(some, ["landlock", "kspp"]);
        let err = plan(&deck, &["nope".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("landlock"), "{err}");
    }
}
