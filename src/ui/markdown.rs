//! Slide bodies to terminal lines: headings, wrapped paragraphs, nested lists, quotes,
//! tables and highlighted code, for a given width.
//!
//! The work is bounded by what a screen can show, whatever the slide holds: at most
//! [`MAX_ROWS`] lines are made (the text after them is never wrapped), a code block
//! has at most that many lines of at most [`CODE_LINE_MAX`] characters highlighted, and
//! a table lays out only the columns that fit and the rows that are needed.

use std::borrow::Cow;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::table::render_table;
use super::theme;
use super::wrap::{truncate, wrap_max};
use crate::deck::{Block, Inline};
use crate::highlight;

/// Values for `{name}` placeholders in slide text (e.g. `{probe:landlock.abi}`, filled
/// in at run time from this kernel's probe; see [`crate::facts`]).
pub use crate::facts::Vars;

/// The text with every known `{name}` replaced, or `None` when it has no placeholder.
fn substitute(text: &str, vars: &Vars) -> Option<String> {
    let out = crate::facts::fill(text, vars);
    (out != text).then_some(out)
}

/// The most lines a slide body is rendered to: more than any terminal has rows. A
/// rendering with more than this many lines (it then has `MAX_ROWS + 1`) was cut.
pub const MAX_ROWS: usize = 200;

/// Code lines are highlighted and shown up to this many characters, then cut with `…`.
pub const CODE_LINE_MAX: usize = 1000;

/// Renders blocks at `width` columns, a blank line between top-level blocks; at most
/// [`MAX_ROWS`] + 1 lines (the extra one says the slide goes on).
pub fn render(blocks: &[Block], width: usize, vars: &Vars) -> Vec<Line<'static>> {
    let room = MAX_ROWS + 1;
    let mut out = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if out.len() >= room {
            break;
        }
        if i > 0 {
            out.push(Line::default());
        }
        let left = room.saturating_sub(out.len());
        render_block(vars, block, width, 0, left, &mut out);
    }
    out.truncate(room);
    out
}

/// Styled text pieces of inlines, placeholders filled in, link URLs after their text.
pub(super) fn pieces(inlines: &[Inline], base: Style, vars: &Vars) -> Vec<(Style, String)> {
    inlines
        .iter()
        .map(|i| {
            let style = base.patch(theme::inline(i.style));
            let text = if let Some(value) = substitute(&i.text, vars) {
                value
            } else if i.style.url {
                format!(" ({})", i.text)
            } else {
                i.text.clone()
            };
            (style, text)
        })
        .collect()
}

/// Adds at most `room` lines for `block` to `out`.
fn render_block(
    vars: &Vars,
    block: &Block,
    width: usize,
    depth: usize,
    room: usize,
    out: &mut Vec<Line<'static>>,
) {
    match block {
        Block::Heading { level, inlines } => {
            let style = match level {
                1 => theme::H1,
                2 => theme::H2,
                _ => theme::H3,
            };
            out.extend(wrap_max(
                &pieces(inlines, style, vars),
                width,
                &[],
                &[],
                room,
            ));
        }
        Block::Paragraph(inlines) => out.extend(wrap_max(
            &pieces(inlines, Style::default(), vars),
            width,
            &[],
            &[],
            room,
        )),
        Block::List { start, items } => render_list(vars, *start, items, width, depth, room, out),
        Block::Quote(inner) => {
            let mut lines = Vec::new();
            for (i, b) in inner.iter().enumerate() {
                if lines.len() >= room {
                    break;
                }
                if i > 0 {
                    lines.push(Line::default());
                }
                let left = room.saturating_sub(lines.len());
                render_block(vars, b, width.saturating_sub(2), depth, left, &mut lines);
            }
            lines.truncate(room);
            for line in lines {
                let mut spans = vec![Span::styled("│ ", theme::DIM)];
                spans.extend(line.spans.into_iter().map(|s| {
                    let style = theme::QUOTE.patch(s.style);
                    Span::styled(s.content, style)
                }));
                out.push(Line::from(spans));
            }
        }
        Block::Code { lang, code } => render_code(lang, code, width, room, out),
        Block::Table {
            aligns,
            header,
            rows,
        } => render_table(vars, aligns, header, rows, width, room, out),
        Block::Rule => out.push(Line::styled("─".repeat(width), theme::DIM)),
    }
}

/// Adds at most `room` lines for the list to `out`.
fn render_list(
    vars: &Vars,
    start: Option<u64>,
    items: &[Vec<Block>],
    width: usize,
    depth: usize,
    room: usize,
    out: &mut Vec<Line<'static>>,
) {
    let number_width = start
        .map(|s| format!("{}.", s.saturating_add(items.len() as u64)).len())
        .unwrap_or(0);
    let limit = out.len() + room;
    for (n, item) in items.iter().enumerate() {
        if out.len() >= limit {
            break;
        }
        let marker = match start {
            Some(s) => format!(
                "{:>w$} ",
                format!("{}.", s.saturating_add(n as u64)),
                w = number_width
            ),
            None => format!("{} ", ["•", "◦", "▪"][depth % 3]),
        };
        let indent = " ".repeat(marker.width());
        let first = vec![Span::styled(marker, Style::new().fg(theme::ACCENT))];
        let rest = vec![Span::raw(indent.clone())];
        let inner_width = width.saturating_sub(indent.len());
        let mut first_line = true;
        for block in item {
            let left = limit.saturating_sub(out.len());
            if left == 0 {
                break;
            }
            let mut lines = Vec::new();
            match block {
                Block::Paragraph(inlines) if first_line => {
                    out.extend(wrap_max(
                        &pieces(inlines, Style::default(), vars),
                        width,
                        &first,
                        &rest,
                        left,
                    ));
                    first_line = false;
                    continue;
                }
                Block::List { start, items } => render_list(
                    vars,
                    *start,
                    items,
                    inner_width,
                    depth + 1,
                    left,
                    &mut lines,
                ),
                other => render_block(vars, other, inner_width, depth + 1, left, &mut lines),
            }
            for (i, line) in lines.into_iter().enumerate() {
                let prefix = if first_line && i == 0 {
                    first.clone()
                } else {
                    rest.clone()
                };
                let mut spans = prefix;
                spans.extend(line.spans);
                out.push(Line::from(spans));
            }
            first_line = false;
        }
        if first_line {
            out.push(Line::from(first));
        }
    }
    out.truncate(limit);
}

/// The part of a code block that can be on screen with `room` rows: its first `room`
/// lines, each cut at [`CODE_LINE_MAX`] characters, and which lines were cut.
fn visible_code(code: &str, room: usize) -> (Cow<'_, str>, Vec<bool>) {
    let mut cut = Vec::new();
    let mut shown = String::new();
    let mut whole = true;
    for (i, line) in code.lines().enumerate() {
        if i >= room {
            whole = false;
            break;
        }
        if i > 0 {
            shown.push('\n');
        }
        match line.char_indices().nth(CODE_LINE_MAX) {
            Some((at, _)) => {
                shown.push_str(&line[..at]);
                cut.push(true);
                whole = false;
            }
            None => {
                shown.push_str(line);
                cut.push(false);
            }
        }
    }
    if whole {
        (Cow::Borrowed(code), cut)
    } else {
        (Cow::Owned(shown), cut)
    }
}

/// Adds at most `room` lines of highlighted code to `out`; code keeps its spaces, so a
/// long line is split at the width instead of wrapped at words.
fn render_code(lang: &str, code: &str, width: usize, room: usize, out: &mut Vec<Line<'static>>) {
    let bg = Style::new().bg(theme::CODE_BG);
    let inner = width.saturating_sub(2).max(1);
    let limit = out.len() + room;
    let (shown, cut) = visible_code(code, room);
    for (i, pieces) in highlight::highlight(lang, &shown).into_iter().enumerate() {
        let mut pieces: Vec<(Style, String)> =
            pieces.into_iter().map(|(s, t)| (bg.patch(s), t)).collect();
        if cut.get(i).copied().unwrap_or(false) {
            pieces.push((bg.patch(theme::DIM), "…".to_string()));
        }
        let mut line: Vec<Span<'static>> = vec![Span::styled(" ", bg)];
        let mut used = 0;
        for (style, text) in pieces {
            let mut rest = text.as_str();
            while !rest.is_empty() {
                // A part's str width can exceed the sum truncate counted (controls,
                // emoji sequences): saturate, and always make progress.
                let room = inner.saturating_sub(used);
                let mut part = truncate(rest, room);
                if part.is_empty() && used == 0 {
                    // Not even one character fits an empty line (a wide one in a
                    // one-column pane): take it anyway rather than loop.
                    part = rest.chars().next().map(String::from).unwrap_or_default();
                }
                if part.is_empty() {
                    pad(&mut line, used, inner, bg);
                    out.push(Line::from(std::mem::replace(
                        &mut line,
                        vec![Span::styled(" ", bg)],
                    )));
                    if out.len() >= limit {
                        return;
                    }
                    used = 0;
                    continue;
                }
                used += part.width();
                rest = &rest[part.len()..];
                line.push(Span::styled(part, style));
            }
        }
        pad(&mut line, used, inner, bg);
        out.push(Line::from(line));
        if out.len() >= limit {
            return;
        }
    }
}

fn pad(line: &mut Vec<Span<'static>>, used: usize, inner: usize, bg: Style) {
    line.push(Span::styled(" ".repeat(inner.saturating_sub(used) + 1), bg));
}

/// Marks every case-insensitive occurrence of `needle` in rendered lines.
pub fn mark_matches(lines: &mut [Line<'static>], needle: &str) {
    if needle.is_empty() {
        return;
    }
    let needle = needle.to_lowercase();
    for line in lines.iter_mut() {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let lower = text.to_lowercase();
        if lower.len() != text.len() || !lower.contains(&needle) {
            continue;
        }
        let mut marks = vec![false; text.len()];
        for (at, _) in lower.match_indices(&needle) {
            marks[at..at + needle.len()]
                .iter_mut()
                .for_each(|m| *m = true);
        }
        let mut spans = Vec::new();
        let mut offset = 0;
        for span in &line.spans {
            let content = span.content.as_ref();
            let mut start = 0;
            for (i, _) in content
                .char_indices()
                .chain(std::iter::once((content.len(), ' ')))
            {
                if i == start {
                    continue;
                }
                let boundary = i == content.len() || marks[offset + i] != marks[offset + start];
                if boundary {
                    let style = if marks[offset + start] {
                        span.style.patch(theme::MATCH).add_modifier(Modifier::BOLD)
                    } else {
                        span.style
                    };
                    spans.push(Span::styled(content[start..i].to_string(), style));
                    start = i;
                }
            }
            offset += content.len();
        }
        *line = Line::from(spans);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Vec<crate::deck::Block> {
        crate::deck::markdown::parse(src).unwrap()
    }

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn list_nesting_and_numbering() {
        let lines = render(
            &parse("- one two three\n  - inner\n1. a\n2. b\n"),
            10,
            &Vars::new(),
        );
        assert_eq!(
            text(&lines),
            vec!["• one two", "  three", "  ◦ inner", "", "1. a", "2. b"]
        );
    }

    #[test]
    fn link_text_then_url() {
        let lines = render(&parse("[LWN](https://lwn.net)"), 40, &Vars::new());
        assert_eq!(text(&lines), vec!["LWN (https://lwn.net)"]);
    }

    #[test]
    fn table_fits_width() {
        let lines = render(
            &parse("| a | bbbbbbbbbb |\n|---|---|\n| 1 | 2 |\n"),
            12,
            &Vars::new(),
        );
        for l in &lines {
            assert!(l.width() <= 12, "{:?}", text(&lines));
        }
        assert_eq!(text(&lines)[0], "a │ bbbbbbbb");
    }

    #[test]
    fn quotes_and_code_keep_width() {
        let lines = render(
            &parse("> a quoted line here\n\n```c\nint main(void) { return 0; }\n```"),
            14,
            &Vars::new(),
        );
        assert!(text(&lines)[0].starts_with("│ a quoted"));
        assert!(lines.iter().all(|l| l.width() <= 14), "{:?}", text(&lines));
    }

    #[test]
    fn placeholders_are_filled_before_wrapping() {
        let vars: Vars = [("probe:x".to_string(), "✓ live".to_string())].into();
        let lines = render(
            &parse("| a | b |\n|---|---|\n| 1 | `x` {probe:x} |\n"),
            40,
            &vars,
        );
        assert_eq!(text(&lines)[2], "1 │ x ✓ live");
    }

    #[test]
    fn matches_are_marked() {
        let mut lines = vec![Line::from("Seccomp logs seccomp")];
        mark_matches(&mut lines, "SECCOMP");
        assert_eq!(lines[0].spans.len(), 3);
        assert_eq!(
            lines[0].spans[0].style,
            theme::MATCH.add_modifier(Modifier::BOLD)
        );
    }
}
