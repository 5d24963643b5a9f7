//! The sources a slide cites, for the hand-out. The one place that reads them from the
//! deck model: the HTML and Markdown writers only render what [`of`] returns.

use crate::deck::Slide;

/// One source: what to show and, when it is a link, where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    pub url: Option<String>,
}

/// The sources of `slide`, in the order the slide lists them. The deck model has no
/// `sources` list in its front matter yet, so this is empty; when it has one, this
/// function maps it and both writers show it.
pub fn of(_slide: &Slide) -> Vec<Source> {
    Vec::new()
}
