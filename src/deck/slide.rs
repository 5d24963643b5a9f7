//! One slide file: `+++` TOML front matter `+++`, a Markdown body, and speaker notes
//! after a line that is exactly `???`.

use serde::Deserialize;

use crate::text::printable_line;

use super::error::DeckError;
use super::markdown::{self, Block};

/// Front matter keys; anything else is an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    section: Option<String>,
    demo: Option<String>,
    minutes: Option<f64>,
    #[serde(default)]
    layout: Layout,
    #[serde(default)]
    sources: Vec<Source>,
}

/// One entry of the front matter's `sources`: where a claim on the slide comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A primary source (kernel docs, LWN, a man page, a commit).
    pub url: String,
    /// What on the slide it backs ("Now: not merged, last series v14").
    pub backs: String,
}

/// How the slide's text sits in its pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// From the top left (the default).
    #[default]
    Normal,
    /// Centred both ways: title slides, section breaks.
    Center,
}

/// A parsed slide.
#[derive(Debug, Clone)]
pub struct Slide {
    /// The file it came from, as named to the user.
    pub file: String,
    pub title: String,
    /// The talk section (defaults to the last section a slide before named, or else the
    /// slide's own title).
    pub section: String,
    pub demo: Option<String>,
    pub minutes: Option<f64>,
    pub layout: Layout,
    pub body: Vec<Block>,
    pub notes: String,
    /// Sources of the slide's claims (front matter `sources`).
    pub sources: Vec<Source>,
    /// The file line of the body's `**Now:**` line, if it has one (it needs a source).
    pub now_line: Option<usize>,
    /// Lower-cased title, body and notes, for `/` search.
    pub search_text: String,
}

const FENCE: &str = "+++";
const NOTES: &str = "???";

impl Slide {
    /// Parses one slide file; `known_demos` are the valid `demo` ids. A slide without
    /// its own `section` gets its title as section; the second value says whether the
    /// section was given (else the deck puts the slide in the last section named before
    /// it, see `Deck::from_files`).
    pub fn parse(
        file: &str,
        text: &str,
        known_demos: &[&str],
    ) -> Result<(Slide, bool), Vec<DeckError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let parts = front_matter(file, text)?;
        let fm_text = &text[parts.fm_start..parts.fm_end];
        let fm: FrontMatter =
            toml::from_str(fm_text).map_err(|e| vec![super::toml_error(file, fm_text, 2, &e)])?;
        let (body_start, close_line) = (parts.body_start, parts.close_line);
        let rest = &text[body_start..];
        let mut errors = check_front_matter(file, fm_text, &fm, known_demos);
        errors.extend(check_placeholders(file, rest, close_line, known_demos));
        if !errors.is_empty() {
            return Err(errors);
        }
        let (body_src, notes) = split_notes(rest);
        let now_line = body_src
            .lines()
            .position(|l| l.trim_start().starts_with("**Now:**"))
            .map(|i| close_line + 1 + i);
        let body = markdown::parse(body_src).map_err(|e| {
            let line = text[..body_start + e.offset()].matches('\n').count() + 1;
            vec![DeckError::new(file, line, e.to_string())]
        })?;
        // One-line fields shown in headers, lists and frames: no escape sequences.
        let title = printable_line(&fm.title).into_owned();
        let given = fm
            .section
            .filter(|s| !s.trim().is_empty())
            .map(|s| printable_line(&s).into_owned());
        let section_given = given.is_some();
        let section = given.unwrap_or_else(|| title.clone());
        let search_text =
            format!("{}\n{}\n{}", title, markdown::plain_text(&body), notes).to_lowercase();
        let slide = Slide {
            file: file.to_string(),
            title,
            section,
            demo: fm.demo,
            minutes: fm.minutes,
            layout: fm.layout,
            body,
            notes: notes.trim().to_string(),
            sources: fm.sources,
            now_line,
            search_text,
        };
        Ok((slide, section_given))
    }
}

/// Where a slide file's front matter and body are (byte offsets into the text).
struct Parts {
    /// The front matter's first byte, after the opening `+++` line.
    fm_start: usize,
    /// The closing `+++` line's first byte.
    fm_end: usize,
    /// The body's first byte, after the closing `+++` line.
    body_start: usize,
    /// The file line (1-based) of the closing `+++`.
    close_line: usize,
}

/// Finds the `+++` fences around the front matter.
fn front_matter(file: &str, text: &str) -> Result<Parts, Vec<DeckError>> {
    let err = |line: usize, msg: String| vec![DeckError::new(file, line, msg)];
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != FENCE {
        let msg = if text.trim().is_empty() {
            "empty slide file: it needs `+++` front matter with a title"
        } else {
            "missing front matter: the file must start with a line `+++`"
        };
        return Err(err(1, msg.into()));
    }
    let fm_start = first.len();
    let mut offset = fm_start;
    for (i, line) in lines.enumerate() {
        if line.trim_end() == FENCE {
            return Ok(Parts {
                fm_start,
                fm_end: offset,
                body_start: offset + line.len(),
                close_line: i + 2,
            });
        }
        offset += line.len();
    }
    Err(err(
        1,
        "front matter opened here is never closed with a `+++` line".into(),
    ))
}

/// The front matter's errors: an empty title, minutes that are not positive, an unknown
/// demo id, sources without a valid URL or without the claim they back.
fn check_front_matter(
    file: &str,
    fm_text: &str,
    fm: &FrontMatter,
    known_demos: &[&str],
) -> Vec<DeckError> {
    let mut errors = Vec::new();
    if fm.title.trim().is_empty() {
        errors.push(DeckError::new(
            file,
            key_line(fm_text, "title"),
            "title is empty",
        ));
    }
    if let Some(m) = fm.minutes
        && !(m.is_finite() && m > 0.0)
    {
        errors.push(DeckError::new(
            file,
            key_line(fm_text, "minutes"),
            format!("minutes must be a positive number, got {m}"),
        ));
    }
    if let Some(d) = &fm.demo
        && !known_demos.contains(&d.as_str())
    {
        errors.push(DeckError::new(
            file,
            key_line(fm_text, "demo"),
            format!("unknown demo id {d:?} (known: {})", known_demos.join(", ")),
        ));
    }
    for (i, src) in fm.sources.iter().enumerate() {
        let line = fm_text
            .lines()
            .position(|l| l.contains(&src.url) && !src.url.is_empty())
            .map_or_else(|| key_line(fm_text, "sources"), |p| p + 2);
        if let Err(e) = crate::facts::check_url(&src.url) {
            errors.push(DeckError::new(file, line, format!("sources[{i}]: {e}")));
        }
        if src.backs.trim().is_empty() {
            errors.push(DeckError::new(
                file,
                line,
                format!("sources[{i}]: `backs` is empty: say which claim the source backs"),
            ));
        }
    }
    errors
}

/// The body's unknown `{placeholder}`s, each at its file line.
fn check_placeholders(
    file: &str,
    rest: &str,
    close_line: usize,
    known_demos: &[&str],
) -> Vec<DeckError> {
    crate::facts::placeholders(rest)
        .into_iter()
        .filter(|(_, name)| !crate::facts::is_known(name, known_demos))
        .map(|(i, name)| {
            DeckError::new(
                file,
                close_line + 1 + i,
                format!(
                    "unknown placeholder {{{name}}} (known: {})",
                    crate::facts::known_names(known_demos)
                        .iter()
                        .map(|n| format!("{{{n}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
        .collect()
}

/// 1-based line (counting the `+++` line as 1) of `key = ...` in the front matter.
pub(super) fn key_line(fm_text: &str, key: &str) -> usize {
    fm_text
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 2)
        .unwrap_or(1)
}

fn split_notes(rest: &str) -> (&str, &str) {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == NOTES {
            return (&rest[..offset], &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    (rest, "")
}
