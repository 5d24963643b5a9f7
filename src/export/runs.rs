//! Which recording each demo of the hand-out shows, and the badge that says how it ran.
//!
//! With `--runs DIR`, the folder `kdeck record --out DIR` wrote: one `<id>.cast` per
//! demo and, when `--json` was pointed into it too, the run summary (the one `*.json`
//! file in DIR, schema in [`crate::record::report`]). The summary's `mode` and `reason`
//! make the badge; without a summary the recording's own header does. Without `--runs`,
//! the recordings shipped in the binary, labelled as such.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::ExportError;
use crate::cast::{self as asciicast, Cast, KdeckMeta};
use crate::deck::Deck;
use crate::demo::Recordings;
use crate::record::report::{DemoReport, RunReport};

/// How a run went, as the badge shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeKind {
    Live,
    Partial,
    Recorded,
    Failed,
}

impl BadgeKind {
    /// The badge's word.
    pub fn label(self) -> &'static str {
        match self {
            BadgeKind::Live => "LIVE",
            BadgeKind::Partial => "PARTIAL",
            BadgeKind::Recorded => "RECORDED",
            BadgeKind::Failed => "FAILED",
        }
    }

    /// The value of the slides' `{probe:<id>}` placeholder: how the shown run went.
    pub fn placeholder(self) -> &'static str {
        match self {
            BadgeKind::Live => "✓ live",
            BadgeKind::Partial => "◐ partly",
            BadgeKind::Recorded => "◌ recorded",
            BadgeKind::Failed => "✗ failed",
        }
    }

    /// CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            BadgeKind::Live => "live",
            BadgeKind::Partial => "partial",
            BadgeKind::Recorded => "recorded",
            BadgeKind::Failed => "failed",
        }
    }
}

/// The badge beside a recording: its word and the where/when/why after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub kind: BadgeKind,
    pub detail: String,
}

impl Badge {
    /// `LIVE on 6.18.44, 2026-11-28 12:40 UTC`.
    pub fn text(&self) -> String {
        format!("{} {}", self.kind.label(), self.detail)
    }
}

/// The badge of one run: from the run summary's row when there is one, else from the
/// recording's header. The one function that decides it.
pub fn badge(meta: &KdeckMeta, row: Option<&DemoReport>, shipped: bool) -> Badge {
    let kernel = if meta.kernel.is_empty() {
        "an unknown kernel"
    } else {
        meta.kernel.as_str()
    };
    let when = format!("{kernel}, {}", date(&meta.date));
    let reason = row.map(|r| r.reason.trim()).filter(|r| !r.is_empty());
    let (kind, detail) = if shipped {
        (
            BadgeKind::Recorded,
            format!("shipped recording, made on {when}"),
        )
    } else {
        match row.map_or(meta.mode.as_str(), |r| r.mode.as_str()) {
            "live" => (BadgeKind::Live, format!("on {when}")),
            "partial" => (
                BadgeKind::Partial,
                format!(
                    "on {when}; {}",
                    reason.unwrap_or("a step was shown from its recording")
                ),
            ),
            "failed" => (
                BadgeKind::Failed,
                format!("on {when}: {}", reason.unwrap_or("the demo failed")),
            ),
            _ => (
                BadgeKind::Recorded,
                format!(
                    "{} (run on {when})",
                    reason.unwrap_or("fell back to its recording")
                ),
            ),
        }
    };
    Badge { kind, detail }
}

/// `2026-11-28T12:40:50Z` → `2026-11-28 12:40 UTC`; other text as it is.
fn date(rfc3339: &str) -> String {
    let b = rfc3339.as_bytes();
    if rfc3339.is_empty() {
        "an unknown date".into()
    } else if b.len() >= 16 && b[10] == b'T' && rfc3339.ends_with('Z') && rfc3339.is_ascii() {
        format!("{} {} UTC", &rfc3339[..10], &rfc3339[11..16])
    } else {
        rfc3339.to_string()
    }
}

/// One demo's recording as the hand-out shows it.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    /// Where it came from, as named to the user.
    pub source: String,
    pub cast: Cast,
    pub badge: Badge,
}

/// The runs of every demo of a deck, by demo id.
#[derive(Debug, Clone, Default)]
pub struct Runs {
    runs: BTreeMap<String, Run>,
    /// "shipped recordings" or the `--runs` directory.
    pub origin: String,
}

impl Runs {
    /// The recordings built into the binary.
    pub fn shipped(deck: &Deck) -> Result<Runs, ExportError> {
        let recordings = Recordings::embedded();
        let mut runs = BTreeMap::new();
        for id in demo_ids(deck) {
            let cast = recordings.load(&id).map_err(ExportError::Run)?;
            let meta = cast.header.kdeck.clone().unwrap_or_default();
            let run = Run {
                source: recordings.path_of(&id),
                badge: badge(&meta, None, true),
                id: id.clone(),
                cast,
            };
            runs.insert(id, run);
        }
        Ok(Runs {
            runs,
            origin: "the recordings shipped with kdeck".into(),
        })
    }

    /// The runs `kdeck record --out DIR` wrote. Every demo of the deck must have one.
    pub fn from_dir(deck: &Deck, dir: &Path) -> Result<Runs, ExportError> {
        let summary = summary(dir)?;
        let mut runs = BTreeMap::new();
        for id in demo_ids(deck) {
            let row = summary
                .as_ref()
                .and_then(|(_, s)| s.demos.iter().find(|d| d.id == id));
            let name = match row {
                Some(r) if is_plain_name(&r.cast) => r.cast.clone(),
                Some(r) => {
                    let path = summary.as_ref().map(|(p, _)| p.display().to_string());
                    return Err(ExportError::Run(format!(
                        "{}: demo {id}: cast {:?} is not a file name in {}",
                        path.unwrap_or_default(),
                        r.cast,
                        dir.display()
                    )));
                }
                None => format!("{id}.cast"),
            };
            let path = dir.join(&name);
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ExportError::Run(if e.kind() == std::io::ErrorKind::NotFound {
                    format!(
                        "{shown}: missing: the deck's demo {id} has no recording in {} (make it with `kdeck record --out {}`)",
                        dir.display(),
                        dir.display()
                    )
                } else {
                    format!("{shown}: {e}")
                })
            })?;
            let cast =
                asciicast::parse(&text, &shown).map_err(|e| ExportError::Run(e.to_string()))?;
            let meta = cast.header.kdeck.clone().unwrap_or_default();
            if !meta.demo.is_empty() && meta.demo != id {
                return Err(ExportError::Run(format!(
                    "{shown}: a recording of demo {:?}, expected {id:?}",
                    meta.demo
                )));
            }
            let run = Run {
                source: shown,
                badge: badge(&meta, row, false),
                id: id.clone(),
                cast,
            };
            runs.insert(id, run);
        }
        Ok(Runs {
            runs,
            origin: format!("the runs in {}", dir.display()),
        })
    }

    pub fn get(&self, id: &str) -> Option<&Run> {
        self.runs.get(id)
    }

    /// Number of demos with a run.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

/// The deck's demo ids in slide order, each once.
fn demo_ids(deck: &Deck) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in deck.slides.iter().filter_map(|s| s.demo.as_ref()) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".."
}

/// The run summary in `dir`: its one `*.json` file, if any.
fn summary(dir: &Path) -> Result<Option<(PathBuf, RunReport)>, ExportError> {
    let read_err = |source| ExportError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    let path = match found.as_slice() {
        [] => return Ok(None),
        [one] => one.clone(),
        several => {
            let names: Vec<String> = several.iter().map(|p| p.display().to_string()).collect();
            return Err(ExportError::Run(format!(
                "{}: several JSON files ({}); keep only the summary `kdeck record --json` wrote",
                dir.display(),
                names.join(", ")
            )));
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ExportError::Read {
        path: path.clone(),
        source,
    })?;
    let report: RunReport = serde_json::from_str(&text).map_err(|e| {
        ExportError::Run(format!(
            "{}:{}: not a `kdeck record --json` summary: {e}",
            path.display(),
            e.line()
        ))
    })?;
    Ok(Some((path, report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_utc_minutes() {
        assert_eq!(date("2026-11-28T12:40:50Z"), "2026-11-28 12:40 UTC");
        assert_eq!(date(""), "an unknown date");
        assert_eq!(date("yesterday"), "yesterday");
    }

    #[test]
    fn badges_say_where_and_why() {
        let meta = KdeckMeta {
            kernel: "6.18.44".into(),
            date: "2026-11-28T12:40:50Z".into(),
            mode: "live".into(),
            ..KdeckMeta::default()
        };
        assert_eq!(
            badge(&meta, None, false).text(),
            "LIVE on 6.18.44, 2026-11-28 12:40 UTC"
        );
        assert_eq!(
            badge(&meta, None, true).text(),
            "RECORDED shipped recording, made on 6.18.44, 2026-11-28 12:40 UTC"
        );
        let replayed = KdeckMeta {
            mode: "replayed".into(),
            ..meta
        };
        assert_eq!(
            badge(&replayed, None, false).text(),
            "RECORDED fell back to its recording (run on 6.18.44, 2026-11-28 12:40 UTC)"
        );
    }
}
