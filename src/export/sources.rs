//! The sources a slide cites, for the hand-out. The one place that reads them from the
//! deck model: the HTML and Markdown writers only render what [`of`] returns.

use crate::deck::Slide;

/// One source: what to show and, when it is a link, where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    pub url: Option<String>,
}

/// The sources of `slide`, in the order its front matter lists them: "what it backs" as
/// the text, the URL as the link (only http(s) URLs become links; `kdeck check` already
/// rejects anything else, this keeps a hand-written deck from smuggling `javascript:`).
pub fn of(slide: &Slide) -> Vec<Source> {
    slide
        .sources
        .iter()
        .map(|s| Source {
            text: s.backs.clone(),
            url: (s.url.starts_with("https://") || s.url.starts_with("http://"))
                .then(|| s.url.clone()),
        })
        .collect()
}
