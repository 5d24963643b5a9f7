//! Deck errors: every one names the file and (where it applies) the line.

use std::fmt;

/// One problem found in a deck, rendered as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DeckError {
    /// Path of the file as the user named it (e.g. `slides/03-ima.md`).
    pub file: String,
    /// 1-based line, or 0 when the problem is about the whole file or deck.
    pub line: usize,
    pub message: String,
}

impl DeckError {
    pub fn new(file: impl Into<String>, line: usize, message: impl Into<String>) -> Self {
        DeckError {
            file: file.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for DeckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// All problems of a deck (loading collects them instead of stopping at the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DeckErrors(pub Vec<DeckError>);

impl fmt::Display for DeckErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}
