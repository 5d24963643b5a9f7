//! Decks: a directory of Markdown slide files (ordered by file name) with TOML front
//! matter between `+++` lines, plus an optional `deck.toml`. The built-in talk is
//! embedded in the binary. This module never imports ratatui or crossterm.

mod error;
pub mod markdown;
mod slide;
pub mod text;

use std::path::Path;

pub use error::{DeckError, DeckErrors};
pub use markdown::{Block, Inline, InlineStyle};
pub use slide::{Layout, Slide, Source};

use include_dir::{Dir, include_dir};
use serde::Deserialize;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/slides");

/// Deck-level settings from `deck.toml` (all optional).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeckMeta {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub presenter: Option<String>,
    /// Total time budget in minutes.
    pub minutes: Option<f64>,
}

/// A parsed deck.
#[derive(Debug, Clone)]
pub struct Deck {
    pub meta: DeckMeta,
    pub slides: Vec<Slide>,
    /// Where it came from: "embedded" or the directory given.
    pub origin: String,
}

impl Deck {
    /// The talk built into the binary.
    pub fn embedded(known_demos: &[&str]) -> Result<Deck, DeckErrors> {
        let files = EMBEDDED
            .files()
            .map(|f| {
                (
                    format!("slides/{}", f.path().display()),
                    f.contents().to_vec(),
                )
            })
            .collect();
        Deck::from_files("embedded", files, known_demos)
    }

    /// A deck from a directory on disk (same format as the embedded one).
    pub fn from_dir(dir: &Path, known_demos: &[&str]) -> Result<Deck, DeckErrors> {
        let shown = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| one(&shown, 0, format!("can't read deck directory: {e}")))?;
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(DeckError::new(
                        &shown,
                        0,
                        format!("can't list deck directory: {e}"),
                    ));
                    continue;
                }
            };
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_string();
            if !is_deck_file(&name) {
                continue;
            }
            // Every *.md and deck.toml is read or reported: a directory, a FIFO, a
            // device or a broken symlink with a slide's name is a problem, not skipped.
            match crate::files::read_regular(&path, crate::files::SLIDE_CAP, "a slide") {
                Ok(bytes) => files.push((path.display().to_string(), bytes)),
                Err(e) => errors.push(DeckError::new(
                    path.display().to_string(),
                    0,
                    format!("can't read: {}", e.reason()),
                )),
            }
        }
        // The files that could be read are checked too: all problems at once.
        match Deck::from_files(&shown, files, known_demos) {
            Ok(deck) if errors.is_empty() => Ok(deck),
            Ok(_) => Err(DeckErrors(errors)),
            Err(DeckErrors(mut more)) => {
                more.retain(|e| !e.message.starts_with("no slides") || errors.is_empty());
                errors.append(&mut more);
                errors.sort_by(|a, b| base_name(&a.file).cmp(base_name(&b.file)));
                Err(DeckErrors(errors))
            }
        }
    }

    /// A deck from (file name, contents) pairs; `*.md` are slides, `deck.toml` settings,
    /// anything else is ignored. Collects every problem instead of stopping at the first.
    pub fn from_files(
        origin: &str,
        mut files: Vec<(String, Vec<u8>)>,
        known_demos: &[&str],
    ) -> Result<Deck, DeckErrors> {
        files.sort_by_cached_key(|f| base_name(&f.0).to_string());
        let mut errors = Vec::new();
        let mut meta = DeckMeta::default();
        let mut slides: Vec<Slide> = Vec::new();
        // The last section a slide named: the slides after it without one are in it;
        // before any, a slide is its own (its title), so a deck without sections doesn't
        // show its first slide's title on every slide.
        let mut named: Option<String> = None;
        for (name, bytes) in &files {
            let base = base_name(name);
            if !is_deck_file(base) {
                continue;
            }
            let text = match utf8(name, bytes) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if base == "deck.toml" {
                match toml::from_str::<DeckMeta>(text) {
                    Ok(m) => {
                        if let Some(e) = check_minutes(name, text, m.minutes) {
                            errors.push(e);
                        }
                        meta = m;
                    }
                    Err(e) => errors.push(toml_error(name, text, 1, &e)),
                }
                continue;
            }
            match Slide::parse(name, text, known_demos) {
                Ok((mut s, section_given)) => {
                    if section_given {
                        named = Some(s.section.clone());
                    } else if let Some(section) = &named {
                        s.section = section.clone();
                    }
                    slides.push(s)
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if slides.is_empty() && errors.is_empty() {
            errors.push(DeckError::new(
                origin,
                0,
                "no slides: a deck needs at least one *.md file",
            ));
        }
        if !errors.is_empty() {
            return Err(DeckErrors(errors));
        }
        Ok(Deck {
            meta,
            slides,
            origin: origin.to_string(),
        })
    }

    /// The deck's title: deck.toml's, else the first slide's.
    pub fn title(&self) -> &str {
        self.meta
            .title
            .as_deref()
            .or_else(|| self.slides.first().map(|s| s.title.as_str()))
            .unwrap_or("kdeck")
    }

    /// The time budget in minutes: deck.toml's `minutes`, else the sum of the slides'
    /// `minutes` (a slide without one counts as one minute).
    pub fn budget_minutes(&self) -> f64 {
        self.meta
            .minutes
            .unwrap_or_else(|| self.slides.iter().map(|s| s.minutes.unwrap_or(1.0)).sum())
    }

    /// Minutes planned up to the start of slide `index`, scaled to the budget.
    pub fn planned_before(&self, index: usize) -> f64 {
        let per: Vec<f64> = self
            .slides
            .iter()
            .map(|s| s.minutes.unwrap_or(1.0))
            .collect();
        let total: f64 = per.iter().sum();
        if total <= 0.0 {
            return 0.0;
        }
        per.iter().take(index).sum::<f64>() * self.budget_minutes() / total
    }
}

/// `minutes` must be finite and positive; the error points at its line.
fn check_minutes(file: &str, text: &str, minutes: Option<f64>) -> Option<DeckError> {
    let m = minutes?;
    if m.is_finite() && m > 0.0 {
        return None;
    }
    // key_line counts a front matter's `+++` as line 1; deck.toml has none.
    let line = slide::key_line(text, "minutes").saturating_sub(1).max(1);
    Some(DeckError::new(
        file,
        line,
        format!("minutes must be a positive number, got {m}"),
    ))
}

fn is_deck_file(name: &str) -> bool {
    !name.starts_with('.') && (name.ends_with(".md") || name == "deck.toml")
}

fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn one(file: &str, line: usize, msg: String) -> DeckErrors {
    DeckErrors(vec![DeckError::new(file, line, msg)])
}

fn utf8<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, DeckError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        DeckError::new(
            name,
            line,
            format!("not valid UTF-8 (bad byte at offset {at})"),
        )
    })
}

/// A toml error as `file:line: message`, `first_line` being the line of `text`'s start.
pub(crate) fn toml_error(
    file: &str,
    text: &str,
    first_line: usize,
    e: &toml::de::Error,
) -> DeckError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count())
        .unwrap_or(0)
        + first_line;
    DeckError::new(file, line, e.message().trim().to_string())
}
