//! Word wrapping of styled text into terminal lines, with a prefix for the first line
//! and another for the following ones (list bullets, quote bars, indents).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A word: styled pieces with no white space between them.
type Word = Vec<(Style, String)>;

enum Token {
    Word(Word),
    Space,
    Break,
}

/// The tokens of styled text, made as they are asked for: wrapping that stops after a
/// screenful never looks at the rest of a huge paragraph.
struct Tokens<'a> {
    chars: Box<dyn Iterator<Item = (Style, char)> + 'a>,
    /// A token found while finishing a word, handed out next.
    queued: Option<Token>,
    last_was_space: bool,
}

impl<'a> Tokens<'a> {
    fn new(pieces: &'a [(Style, String)]) -> Self {
        Tokens {
            chars: Box::new(
                pieces
                    .iter()
                    .flat_map(|(style, text)| text.chars().map(move |c| (*style, c))),
            ),
            queued: None,
            last_was_space: false,
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if let Some(t) = self.queued.take() {
            return Some(t);
        }
        let mut word: Word = Vec::new();
        for (style, ch) in self.chars.by_ref() {
            let separator = match ch {
                '\n' => Some(Token::Break),
                c if c.is_whitespace() => {
                    (!self.last_was_space || !word.is_empty()).then_some(Token::Space)
                }
                c => {
                    match word.last_mut() {
                        Some((s, t)) if *s == style => t.push(c),
                        _ => word.push((style, c.to_string())),
                    }
                    continue;
                }
            };
            let Some(sep) = separator else { continue };
            self.last_was_space = matches!(sep, Token::Space);
            if word.is_empty() {
                return Some(sep);
            }
            self.queued = Some(sep);
            return Some(Token::Word(word));
        }
        self.last_was_space = false;
        (!word.is_empty()).then_some(Token::Word(word))
    }
}

fn word_width(w: &Word) -> usize {
    w.iter().map(|(_, t)| t.width()).sum()
}

/// Wraps `pieces` to `width` columns. `first` prefixes the first line, `rest` the others;
/// both count towards the width. A word longer than a line is split.
pub fn wrap(
    pieces: &[(Style, String)],
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
) -> Vec<Line<'static>> {
    wrap_max(pieces, width, first, rest, usize::MAX)
}

/// [`wrap`], stopping once `max_lines` lines are made (the text after them is never
/// looked at).
pub fn wrap_max(
    pieces: &[(Style, String)],
    width: usize,
    first: &[Span<'static>],
    rest: &[Span<'static>],
    max_lines: usize,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let prefix_width = |p: &[Span<'static>]| p.iter().map(|s| s.content.width()).sum::<usize>();
    let mut cur: Vec<Span<'static>> = first.to_vec();
    let mut avail = width.saturating_sub(prefix_width(first)).max(1);
    let mut used = 0usize;
    let mut pending_space = false;
    let new_line = |cur: &mut Vec<Span<'static>>,
                    lines: &mut Vec<Line<'static>>,
                    used: &mut usize,
                    avail: &mut usize| {
        lines.push(Line::from(std::mem::replace(cur, rest.to_vec())));
        *used = 0;
        *avail = width.saturating_sub(prefix_width(rest)).max(1);
    };
    for token in Tokens::new(pieces) {
        if lines.len() >= max_lines {
            lines.truncate(max_lines);
            return lines;
        }
        match token {
            Token::Space => pending_space = used > 0,
            Token::Break => {
                new_line(&mut cur, &mut lines, &mut used, &mut avail);
                pending_space = false;
            }
            Token::Word(word) => {
                let w = word_width(&word);
                let space = usize::from(pending_space);
                if used > 0 && used + space + w > avail {
                    new_line(&mut cur, &mut lines, &mut used, &mut avail);
                } else if pending_space {
                    cur.push(Span::raw(" "));
                    used += 1;
                }
                pending_space = false;
                if w > avail && is_url(&word) {
                    // A URL is never broken: on its own line, shortened with "…" (the
                    // hyperlink keeps the full target).
                    for (style, text) in shorten(word, avail) {
                        cur.push(Span::styled(text, style));
                    }
                    used = avail;
                } else if used > 0 || w <= avail {
                    for (style, text) in word {
                        cur.push(Span::styled(text, style));
                    }
                    used += w;
                } else {
                    split_long(word, &mut cur, &mut lines, &mut used, &mut avail, &new_line);
                }
            }
        }
    }
    lines.push(Line::from(cur));
    lines.truncate(max_lines);
    lines
}

fn is_url(word: &Word) -> bool {
    super::links::is_url(&word.iter().map(|(_, t)| t.as_str()).collect::<String>())
}

/// A word cut to `width` columns, ending with "…".
fn shorten(word: Word, width: usize) -> Word {
    let mut room = width.saturating_sub(1);
    let mut out: Word = Vec::new();
    for (style, text) in word {
        let part = truncate(&text, room);
        room -= part.width();
        let cut = part.len() < text.len();
        out.push((style, part));
        if cut {
            break;
        }
    }
    if let Some((_, last)) = out.last_mut() {
        last.push('…');
    }
    out
}

type NewLine<'a> =
    dyn Fn(&mut Vec<Span<'static>>, &mut Vec<Line<'static>>, &mut usize, &mut usize) + 'a;

fn split_long(
    word: Word,
    cur: &mut Vec<Span<'static>>,
    lines: &mut Vec<Line<'static>>,
    used: &mut usize,
    avail: &mut usize,
    new_line: &NewLine<'_>,
) {
    for (style, text) in word {
        let mut chunk = String::new();
        for ch in text.chars() {
            let cw = ch.width().unwrap_or(0);
            if *used + cw > *avail && *used > 0 {
                if !chunk.is_empty() {
                    cur.push(Span::styled(std::mem::take(&mut chunk), style));
                }
                new_line(cur, lines, used, avail);
            }
            chunk.push(ch);
            *used += cw;
        }
        if !chunk.is_empty() {
            cur.push(Span::styled(chunk, style));
        }
    }
}

/// Cuts a string to at most `width` columns (no ellipsis).
pub fn truncate(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width {
            break;
        }
        used += w;
        out.push(ch);
    }
    out
}

/// Cuts a string to `width` columns, ending with `…` when it had to cut.
pub fn ellipsize(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    format!("{}…", truncate(s, width - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_words_with_prefixes() {
        let p = vec![(
            Style::default(),
            "the quick brown fox jumps over".to_string(),
        )];
        let lines = wrap(&p, 12, &[Span::raw("• ")], &[Span::raw("  ")]);
        assert_eq!(
            text(&lines),
            vec!["• the quick", "  brown fox", "  jumps over"]
        );
    }

    #[test]
    fn splits_words_longer_than_a_line() {
        let p = vec![(Style::default(), "abcdefghij xy".to_string())];
        assert_eq!(
            text(&wrap(&p, 4, &[], &[])),
            vec!["abcd", "efgh", "ij", "xy"]
        );
    }

    #[test]
    fn hard_breaks_and_styles_inside_words() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let p = vec![
            (bold, "bold".to_string()),
            (Style::default(), ", then\nnext".to_string()),
        ];
        let lines = wrap(&p, 40, &[], &[]);
        assert_eq!(text(&lines), vec!["bold, then", "next"]);
        assert_eq!(lines[0].spans[0].style, bold);
    }

    #[test]
    fn a_url_moves_to_its_own_line_and_is_shortened_never_broken() {
        let p = vec![(
            Style::default(),
            "see https://lwn.net/Articles/1/ and https://docs.kernel.org/userspace-api/landlock.html now"
                .to_string(),
        )];
        assert_eq!(
            text(&wrap(&p, 30, &[], &[])),
            vec![
                "see",
                "https://lwn.net/Articles/1/",
                "and",
                "https://docs.kernel.org/users…",
                "now"
            ]
        );
        let p = vec![(
            Style::default(),
            "read (https://lwn.net/x) today".to_string(),
        )];
        assert_eq!(
            text(&wrap(&p, 20, &[], &[])),
            vec!["read", "(https://lwn.net/x)", "today"]
        );
    }

    #[test]
    fn wrap_max_stops_early_and_agrees_with_wrap() {
        let words = "alpha  beta\ngamma delta epsilon zeta eta theta ".repeat(50);
        let p = vec![(Style::default(), words)];
        let all = wrap(&p, 11, &[Span::raw("• ")], &[Span::raw("  ")]);
        for max in [0, 1, 5, 17, all.len(), all.len() + 3] {
            let some = wrap_max(&p, 11, &[Span::raw("• ")], &[Span::raw("  ")], max);
            assert_eq!(text(&some), text(&all[..max.min(all.len())]), "max {max}");
        }
        let huge = vec![(Style::default(), "word ".repeat(4_000_000))];
        assert_eq!(wrap_max(&huge, 80, &[], &[], 10).len(), 10);
    }

    #[test]
    fn zero_width_never_panics() {
        let p = vec![(Style::default(), "a b c".to_string())];
        for w in 0..4 {
            let _ = wrap(&p, w, &[Span::raw("> ")], &[Span::raw("  ")]);
        }
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize("ab", 4), "ab");
    }
}
