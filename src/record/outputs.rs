//! Where `kdeck record` writes its reports (`--json`, `--junit`, `--markdown`,
//! `--walkthrough`, `--frames`, and `$GITHUB_STEP_SUMMARY`). Every path is checked
//! before any demo runs: its parent directories are created (like `--out`) and the file
//! is opened for writing then, so a typo costs seconds, not a whole run. `-` means
//! standard output (for one of them at most; the table then goes to standard error).
//!
//! A file is opened without truncating it and rewritten at the end, so a run that stops
//! half-way leaves an existing report as it was.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use super::error::RecordError;

/// One report's destination.
#[derive(Debug)]
pub enum Sink {
    /// `-`: standard output.
    Stdout,
    /// A file, opened (not yet truncated) before the run.
    File { path: PathBuf, file: File },
}

impl Sink {
    /// Replaces the file's contents with `text` (or prints it).
    pub fn write(&mut self, text: &str) -> Result<(), RecordError> {
        match self {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(RecordError::write("standard output"))
            }
            Sink::File { path, file } => file
                .set_len(0)
                .and_then(|()| file.rewind())
                .and_then(|()| file.write_all(text.as_bytes()))
                .map_err(RecordError::write(path.clone())),
        }
    }

    /// Adds `text` at the end (for `$GITHUB_STEP_SUMMARY`, which other steps share).
    pub fn append(&mut self, text: &str) -> Result<(), RecordError> {
        match self {
            Sink::Stdout => self.write(text),
            Sink::File { path, file } => file
                .seek(std::io::SeekFrom::End(0))
                .and_then(|_| file.write_all(text.as_bytes()))
                .map_err(RecordError::write(path.clone())),
        }
    }

    /// What to call it in messages.
    pub fn name(&self) -> String {
        match self {
            Sink::Stdout => "standard output".into(),
            Sink::File { path, .. } => path.display().to_string(),
        }
    }
}

/// Every report destination of one run.
#[derive(Debug, Default)]
pub struct Outputs {
    pub json: Option<Sink>,
    pub junit: Option<Sink>,
    pub markdown: Option<Sink>,
    pub walkthrough: Option<Sink>,
    pub frames: Option<Sink>,
    /// `$GITHUB_STEP_SUMMARY`, when set and not empty.
    pub step_summary: Option<Sink>,
}

/// The flags that take an output path, as (flag, path).
pub type Requested<'a> = [(&'static str, Option<&'a Path>); 5];

impl Outputs {
    /// Checks and opens every requested output: at most one `-`, parent directories
    /// created, each file opened for writing. `requested` is in the order
    /// --json, --junit, --markdown, --walkthrough, --frames.
    pub fn open(
        requested: Requested<'_>,
        step_summary: Option<&Path>,
    ) -> Result<Outputs, RecordError> {
        let dashes: Vec<&'static str> = requested
            .iter()
            .filter(|(_, p)| p.is_some_and(is_stdout))
            .map(|(flag, _)| *flag)
            .collect();
        if dashes.len() > 1 {
            return Err(RecordError::StdoutTwice(dashes.join(", ")));
        }
        let open = |(flag, path): (&'static str, Option<&Path>)| match path {
            None => Ok(None),
            Some(p) if is_stdout(p) => Ok(Some(Sink::Stdout)),
            Some(p) => open_file(flag, p, false).map(Some),
        };
        let [json, junit, markdown, walkthrough, frames] = requested;
        Ok(Outputs {
            json: open(json)?,
            junit: open(junit)?,
            markdown: open(markdown)?,
            walkthrough: open(walkthrough)?,
            frames: open(frames)?,
            step_summary: match step_summary {
                Some(p) => Some(open_file("$GITHUB_STEP_SUMMARY", p, true)?),
                None => None,
            },
        })
    }

    /// Whether a report goes to standard output (then the table must not).
    pub fn uses_stdout(&self) -> bool {
        [
            &self.json,
            &self.junit,
            &self.markdown,
            &self.walkthrough,
            &self.frames,
        ]
        .iter()
        .any(|s| matches!(s, Some(Sink::Stdout)))
    }
}

/// `-` (standard output).
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Creates `path`'s parent directories and opens it for writing (appending for the
/// step summary), without truncating.
fn open_file(flag: &'static str, path: &Path, append: bool) -> Result<Sink, RecordError> {
    let fail = |why: String| RecordError::Output {
        flag,
        path: path.to_path_buf(),
        why,
    };
    if path.is_dir() {
        return Err(fail("is a directory, not a file".into()));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| fail(format!("can't create directory {}: {e}", parent.display())))?;
    }
    let mode = if append {
        crate::files::WriteMode::Append
    } else {
        crate::files::WriteMode::Keep
    };
    let file = crate::files::open_for_write(path, mode).map_err(|e| fail(e.reason()))?;
    Ok(Sink::File {
        path: path.to_path_buf(),
        file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(json: Option<&'a Path>, junit: Option<&'a Path>) -> Requested<'a> {
        [
            ("--json", json),
            ("--junit", junit),
            ("--markdown", None),
            ("--walkthrough", None),
            ("--frames", None),
        ]
    }

    #[test]
    fn parents_are_created_and_files_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/report.json");
        let mut out = Outputs::open(req(Some(&path), None), None).unwrap();
        assert!(path.is_file());
        let sink = out.json.as_mut().unwrap();
        sink.write("first, longer text").unwrap();
        sink.write("second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert!(!out.uses_stdout());
    }

    #[test]
    fn one_dash_at_most_and_no_directories() {
        let dash = Path::new("-");
        let out = Outputs::open(req(Some(dash), None), None).unwrap();
        assert!(out.uses_stdout());
        let err = Outputs::open(req(Some(dash), Some(dash)), None).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--json, --junit"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = Outputs::open(req(None, Some(dir.path())), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "--junit {}: is a directory, not a file",
                dir.path().display()
            )
        );
        assert_eq!(err.exit_code(), 2);
    }
}
