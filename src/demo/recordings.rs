//! The recorded fallbacks: `demos/<id>/recorded.cast`, embedded in the binary or read
//! from a directory laid out the same way (`--recordings DIR`).

use std::path::PathBuf;

use include_dir::{Dir, include_dir};

use super::RecordingInfo;
use crate::cast::{self as asciicast, Cast};
use crate::files;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/demos");

/// Where recordings come from.
#[derive(Debug, Clone, Default)]
pub struct Recordings {
    dir: Option<PathBuf>,
}

impl Recordings {
    /// The recordings built into the binary.
    pub fn embedded() -> Self {
        Recordings { dir: None }
    }

    /// Recordings from `dir/<id>/recorded.cast`.
    pub fn from_dir(dir: impl Into<PathBuf>) -> Self {
        Recordings {
            dir: Some(dir.into()),
        }
    }

    /// The path a demo's recording has, as shown to users.
    pub fn path_of(&self, id: &str) -> String {
        match &self.dir {
            Some(d) => d.join(id).join("recorded.cast").display().to_string(),
            None => format!("demos/{id}/recorded.cast"),
        }
    }

    /// Loads a demo's recording and checks it with the one validator
    /// ([`asciicast::validate_recording`]): the error names the file and line of
    /// every problem. A file on disk must be a regular file of at most 16 MiB.
    /// The header of `id`'s recording. An embedded recording (checked whole by the
    /// tests) is read from its first line only, so start-up doesn't bring every
    /// recording's pages into memory; one from a directory is loaded and checked whole.
    pub fn load_header(&self, id: &str) -> Option<asciicast::Header> {
        if self.dir.is_some() {
            return self.load(id).ok().map(|c| c.header);
        }
        let bytes = EMBEDDED.get_file(format!("{id}/recorded.cast"))?.contents();
        let first = bytes.split(|b| *b == b'\n').next()?;
        asciicast::header_of(std::str::from_utf8(first).ok()?)
    }

    pub fn load(&self, id: &str) -> Result<Cast, String> {
        let path = self.path_of(id);
        let text = match &self.dir {
            Some(_) => files::read_text(
                std::path::Path::new(&path),
                files::RECORDING_CAP,
                "a recording",
            )
            .map_err(|e| e.to_string())?,
            None => {
                let file = EMBEDDED
                    .get_file(format!("{id}/recorded.cast"))
                    .ok_or_else(|| format!("{path}: no recording of this demo"))?;
                files::utf8(&path, file.contents().to_vec()).map_err(|e| e.to_string())?
            }
        };
        let max = super::find(id).map_or(super::DEFAULT_TIMEOUT, |d| d.timeout);
        asciicast::validate_recording(&text, &path, max.as_secs_f64()).map_err(|e| e.to_string())
    }
}

/// Where and when a recording was made, from its header.
pub fn info(cast: &Cast, source: &str) -> RecordingInfo {
    let meta = cast.header.kdeck.clone().unwrap_or_default();
    let date = meta.date.split('T').next().unwrap_or("").to_string();
    RecordingInfo {
        kernel: or_unknown(meta.kernel),
        arch: or_unknown(meta.arch),
        date: or_unknown(date),
        source: source.to_string(),
    }
}

fn or_unknown(s: String) -> String {
    if s.is_empty() { "unknown".into() } else { s }
}
