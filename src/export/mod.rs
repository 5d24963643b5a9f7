//! `kdeck export`: the hand-out. The talk as one self-contained HTML page (every slide,
//! its sources, optionally the speaker notes, and beside each demo slide the demo's
//! recording in an inlined asciinema-player with its LIVE/RECORDED badge), or the same
//! content as plain Markdown.
//!
//! - [`runs`]: which recording each demo shows (a `kdeck record --out DIR` folder, or
//!   the recordings shipped in the binary) and its badge;
//! - [`html`] (page, player) and [`blocks`] (slide bodies) write the HTML, [`code`]
//!   highlights code blocks with syntect's classed HTML;
//! - [`markdown`] writes the Markdown; [`sources`] is the one place that lists a
//!   slide's sources.
//!
//! Files are written through a temp file in the target's directory that is renamed
//! over the target at the end, so a failed export leaves no partial file. This module
//! never imports ratatui or crossterm.

pub mod blocks;
pub mod code;
pub mod html;
pub mod markdown;
pub mod runs;
pub mod sources;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::deck::{Deck, DeckErrors};
pub use runs::{Badge, BadgeKind, Run, Runs};

/// The flags of `kdeck export`.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(group(clap::ArgGroup::new("output").required(true).multiple(true).args(["html", "markdown"])))]
pub struct ExportArgs {
    /// Write the hand-out as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the same content as plain Markdown to FILE (recordings as text blocks).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Export the deck in DIR instead of the built-in talk.
    #[arg(long, value_name = "DIR")]
    pub deck: Option<PathBuf>,
    /// Show the runs in DIR, the --out folder of `kdeck record` [default: the shipped recordings].
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
    /// Include the speaker notes.
    #[arg(long)]
    pub notes: bool,
}

/// Why an export failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the deck has problems:\n{0}")]
    Deck(DeckErrors),
    /// A recording or the run summary is missing or malformed; the text names the file.
    #[error("{0}")]
    Run(String),
    #[error("can't read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("can't write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What goes into a hand-out: the deck, each demo's run, and the options.
pub struct Handout<'a> {
    pub deck: &'a Deck,
    pub runs: &'a Runs,
    /// Include the speaker notes.
    pub notes: bool,
}

impl Handout<'_> {
    /// Values for the slides' placeholders, from the runs the hand-out shows (never from
    /// the machine that exports): `{probe:<id>}` says how each demo's run went, a fact
    /// (`{probe:landlock.abi}`) is the value stored in its demo's run, labelled with the
    /// kernel it ran on, and `{kernel}` names the kernel(s) the runs were made on.
    pub fn vars(&self) -> HashMap<String, String> {
        let mut vars: HashMap<String, String> = crate::demo::ids()
            .into_iter()
            .map(|id| {
                let text = self
                    .runs
                    .get(id)
                    .map_or("◌ not run", |r| r.badge.kind.placeholder());
                (format!("probe:{id}"), text.to_string())
            })
            .collect();
        let mut kernels = std::collections::BTreeSet::new();
        for f in crate::facts::FACTS {
            let meta = self
                .runs
                .get(f.demo)
                .and_then(|r| r.cast.header.kdeck.as_ref());
            let text = match meta.and_then(|m| m.facts.get(f.key).map(|v| (m, v))) {
                Some((m, v)) => format!("{v} (on Linux {})", m.kernel),
                None => "not in this run".to_string(),
            };
            vars.insert(format!("probe:{}", f.key), text);
        }
        for id in crate::demo::ids() {
            if let Some(m) = self.runs.get(id).and_then(|r| r.cast.header.kdeck.as_ref()) {
                kernels.insert(m.kernel.clone());
            }
        }
        let kernel = match kernels.len() {
            0 => "unknown".to_string(),
            1 => kernels.into_iter().next().unwrap_or_default(),
            _ => format!(
                "{} (the runs come from several kernels)",
                kernels.into_iter().collect::<Vec<_>>().join(", ")
            ),
        };
        vars.insert("kernel".into(), kernel);
        vars
    }
}

/// The text with every known `{name}` placeholder replaced.
pub fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    crate::facts::fill(text, vars)
}

/// Runs `kdeck export`: loads the deck and the runs, renders, writes every file asked
/// for. Returns one line per file written, for the user.
pub fn run(args: &ExportArgs) -> Result<Vec<String>, ExportError> {
    let ids = crate::demo::ids();
    let deck = match &args.deck {
        Some(d) => Deck::from_dir(d, &ids),
        None => Deck::embedded(&ids),
    }
    .map_err(ExportError::Deck)?;
    let runs = match &args.runs {
        Some(dir) => Runs::from_dir(&deck, dir)?,
        None => Runs::shipped(&deck)?,
    };
    let handout = Handout {
        deck: &deck,
        runs: &runs,
        notes: args.notes,
    };
    // Render everything before writing anything.
    let mut outputs = Vec::new();
    if let Some(path) = &args.html {
        outputs.push((path, html::page(&handout)));
    }
    if let Some(path) = &args.markdown {
        outputs.push((path, markdown::document(&handout)));
    }
    let mut done = Vec::new();
    for (path, text) in outputs {
        write_atomic(path, &text)?;
        done.push(format!(
            "wrote {} ({} slides, {} recordings, {} KiB)",
            path.display(),
            deck.slides.len(),
            runs.len(),
            text.len().div_ceil(1024)
        ));
    }
    Ok(done)
}

/// Writes `text` to `path` through a fresh temp file in the same directory (created
/// exclusively under a random name, so nothing planted there is followed) renamed over
/// `path` at the end: readers see the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), ExportError> {
    let err = |source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kdeck-export-")
        // An ordinary file (0666 less the umask), not the temp file's 0600.
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(text.as_bytes()).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
