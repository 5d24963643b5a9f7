//! Where the links are on the drawn screen, and their full targets. A URL is wrapped as
//! one word (see `wrap`), so it sits on one row, shortened with "…" when it is longer
//! than the column; this finds each on the buffer after drawing and pairs it with its
//! full target from the slide. The terminal backend ([`crate::hyperlink`]) then emits
//! the cells as OSC 8 hyperlinks; the buffer itself stays plain text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::deck::{Block, Inline};
use crate::hyperlink::Link;

/// Whether a word is a URL that must not be broken.
pub fn is_url(word: &str) -> bool {
    word.contains("://")
}

/// Every URL a slide's body and notes mention.
pub fn targets(blocks: &[Block], notes: &str) -> Vec<String> {
    let mut out = Vec::new();
    fn inlines(list: &[Inline], out: &mut Vec<String>) {
        for i in list {
            out.extend(i.text.split_whitespace().filter_map(clean));
        }
    }
    fn walk(blocks: &[Block], out: &mut Vec<String>) {
        for b in blocks {
            match b {
                Block::Heading { inlines: l, .. } | Block::Paragraph(l) => inlines(l, out),
                Block::List { items, .. } => items.iter().for_each(|i| walk(i, out)),
                Block::Quote(inner) => walk(inner, out),
                Block::Table { header, rows, .. } => {
                    header.iter().for_each(|c| inlines(c, out));
                    rows.iter().flatten().for_each(|c| inlines(c, out));
                }
                Block::Code { .. } | Block::Rule => {}
            }
        }
    }
    walk(blocks, &mut out);
    out.extend(notes.split_whitespace().filter_map(clean));
    out.sort();
    out.dedup();
    out
}

/// The URL inside a word: from its scheme to its end, without wrapping punctuation.
fn clean(word: &str) -> Option<String> {
    let start = word.find("http://").or_else(|| word.find("https://"))?;
    let url = word[start..].trim_end_matches([')', ',', '.', ';', ':', '"', '\'', '>']);
    (url.len() > "https://".len()).then(|| url.to_string())
}

/// The links shown in `area` of the buffer: each URL on a row, full or shortened with
/// "…", matched to its target in `targets` (a full URL not in the list links to itself).
pub fn find(buf: &Buffer, area: Rect, targets: &[String]) -> Vec<Link> {
    let mut links = Vec::new();
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        if !has_http(buf, area, y) {
            continue;
        }
        // The row's text, and the column each byte of it came from.
        let mut text = String::new();
        let mut column = Vec::new();
        for x in area.left()..area.right() {
            let symbol = buf[(x, y)].symbol();
            column.extend(std::iter::repeat_n(x, symbol.len()));
            text.push_str(symbol);
        }
        let mut from = 0;
        while let Some(at) = text[from..].find("http").map(|i| i + from) {
            let end = text[at..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| e + at);
            from = end.max(at + 1);
            let word = &text[at..end];
            let (shown, target) = match word.strip_suffix('…') {
                Some(prefix) => (
                    word,
                    targets.iter().find(|t| t.starts_with(prefix)).cloned(),
                ),
                None => match clean(word) {
                    Some(url) => {
                        let len = url.len();
                        (&word[..len], Some(url))
                    }
                    None => continue,
                },
            };
            let Some(url) = target else { continue };
            if !is_url(&url) {
                continue;
            }
            let x = column[at];
            let last = column[at + shown.len() - 1];
            links.push(Link {
                x,
                y,
                width: last - x + 1,
                url,
            });
        }
    }
    links
}

/// Whether row `y` of `area` shows "http" in four cells running: most rows don't, and
/// this check (done every frame) costs far less than gathering the row's text.
fn has_http(buf: &Buffer, area: Rect, y: u16) -> bool {
    let start = buf.index_of(area.left(), y);
    let row = &buf.content[start..start + area.width as usize];
    (0..row.len().saturating_sub(3)).any(|i| {
        row[i].symbol() == "h"
            && row[i + 1].symbol() == "t"
            && row[i + 2].symbol() == "t"
            && row[i + 3].symbol() == "p"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    #[test]
    fn finds_full_and_shortened_urls_with_their_targets() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 3));
        buf.set_string(0, 0, "see (https://lwn.net/x).", Style::default());
        buf.set_string(2, 1, "(https://docs.kernel.org/us…", Style::default());
        let targets = vec![
            "https://docs.kernel.org/userspace-api/landlock.html".to_string(),
            "https://lwn.net/x".to_string(),
        ];
        let links = find(&buf, buf.area, &targets);
        assert_eq!(
            links,
            vec![
                Link {
                    x: 5,
                    y: 0,
                    width: 17,
                    url: "https://lwn.net/x".into()
                },
                Link {
                    x: 3,
                    y: 1,
                    width: 27,
                    url: targets[0].clone()
                },
            ]
        );
    }

    #[test]
    fn targets_come_from_text_links_and_notes() {
        let blocks =
            crate::deck::markdown::parse("[LWN](https://lwn.net/a), see <https://b.org/c>.")
                .unwrap();
        assert_eq!(
            targets(&blocks, "also https://c.net/d."),
            vec!["https://b.org/c", "https://c.net/d", "https://lwn.net/a"]
        );
    }
}
