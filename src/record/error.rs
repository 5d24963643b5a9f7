//! What can go wrong in `kdeck record` itself (as opposed to a demo failing, which is a
//! result, not an error), and the exit code each error maps to.

use std::path::PathBuf;

/// An error that stops `kdeck record`.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// `--only` named a demo that does not exist.
    #[error("unknown demo {id:?}; demos: {known}")]
    UnknownDemo { id: String, known: String },
    /// `--update-fallbacks` needs the recordings directory to exist.
    #[error(
        "--update-fallbacks: recordings directory {} does not exist (run from the repository root, or pass --recordings DIR)",
        .0.display()
    )]
    NoRecordingsDir(PathBuf),
    /// The deck could not be loaded; the text has its `file:line` problems.
    #[error("the deck has problems:\n{0}")]
    Deck(String),
    /// More than one report asked for standard output (`-`).
    #[error("{0}: only one report can go to standard output (-)")]
    StdoutTwice(String),
    /// An output path that can't be written, found before any demo ran.
    #[error("{flag} {}: {why}", path.display())]
    Output {
        flag: &'static str,
        path: PathBuf,
        why: String,
    },
    #[error("can't find kdeck's own executable: {0}")]
    Exe(#[source] std::io::Error),
    #[error("can't write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The engine never reported the end of a run (it has its own timeout, so this
    /// means a bug or a wedged machine).
    #[error("no answer from the demo engine for {id} after {seconds} s")]
    NoAnswer { id: String, seconds: u64 },
    /// A file kdeck was asked to write (or the directory for it) can't be.
    #[error("can't write {0}")]
    File(#[from] crate::files::FileError),
    #[error("drawing the walkthrough failed: {0}")]
    Draw(#[source] std::io::Error),
    #[error("JUnit XML: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl RecordError {
    /// 2 for usage and I/O errors (like clap's own: kdeck could not do what was asked),
    /// 1 for everything else (the engine never answered, a report could not be built).
    pub fn exit_code(&self) -> u8 {
        match self {
            RecordError::UnknownDemo { .. }
            | RecordError::NoRecordingsDir(_)
            | RecordError::StdoutTwice(_)
            | RecordError::Output { .. }
            | RecordError::Deck(_)
            | RecordError::Exe(_)
            | RecordError::Write { .. }
            | RecordError::File(_) => 2,
            RecordError::NoAnswer { .. }
            | RecordError::Draw(_)
            | RecordError::Junit(_)
            | RecordError::Json(_) => 1,
        }
    }

    /// A write error for `path`.
    pub fn write(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> RecordError {
        let path = path.into();
        move |source| RecordError::Write { path, source }
    }
}
