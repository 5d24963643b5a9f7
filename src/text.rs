//! Text from files made safe to print on a terminal: every plain-text command passes
//! what it prints through [`printable`] (or [`printable_line`] for one-line fields).
//! A slide title, a recording's header or output, or a file name could otherwise
//! carry escape sequences that retitle, clear or reprogram the user's terminal.
//!
//! Escape sequences (CSI `ESC [ … final`, OSC/DCS/APC/PM/SOS strings up to BEL or
//! `ESC \`, and two-character `ESC x`) are removed whole; other control characters
//! (C0, DEL, C1) and the Unicode bidirectional overrides are removed; a tab becomes a
//! space. [`printable`] keeps newlines, [`printable_line`] turns them into spaces.

use std::borrow::Cow;

/// `s` without escape sequences or control characters; newlines kept.
pub fn printable(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

/// `s` on one line: like [`printable`], with line breaks turned into spaces.
pub fn printable_line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// How many problems of one file are listed before "… and N more".
pub const MAX_LISTED: usize = 50;

/// Problems one per line, the first [`MAX_LISTED`] of them, then how many more there
/// are (a 16 MiB file of garbage must not print a million lines).
pub fn list_problems<T: std::fmt::Display>(problems: &[T]) -> String {
    let mut lines: Vec<String> = problems
        .iter()
        .take(MAX_LISTED)
        .map(ToString::to_string)
        .collect();
    if problems.len() > MAX_LISTED {
        lines.push(format!(
            "… and {} more problem(s)",
            problems.len() - MAX_LISTED
        ));
    }
    lines.join("\n")
}

/// How many problems a [`list_problems`] text stands for (its lines, with the
/// "… and N more" line counted as N).
pub fn count_problems(text: &str) -> usize {
    text.lines()
        .map(|l| {
            l.strip_prefix("… and ")
                .and_then(|r| r.strip_suffix(" more problem(s)"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(1)
        })
        .sum::<usize>()
        .max(1)
}

/// Bidirectional overrides and isolates: they reorder what follows on the line.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

fn needs_cleaning(c: char, keep_newlines: bool) -> bool {
    (c.is_control() && !(keep_newlines && c == '\n')) || is_bidi_control(c)
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_cleaning(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte @..~
                Some('[') => while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {},
                // OSC, DCS, SOS, PM, APC: a string ended by BEL or ESC \
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                            break;
                        }
                    }
                }
                _ => {}
            },
            // C1 CSI / OSC as single characters.
            '\u{9b}' => while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {},
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\t' => out.push(' '),
            c if needs_cleaning(c, keep_newlines) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_listed_up_to_a_limit_and_counted() {
        let many: Vec<String> = (1..=60).map(|n| format!("f:{n}: bad")).collect();
        let text = list_problems(&many);
        assert_eq!(text.lines().count(), MAX_LISTED + 1);
        assert!(
            text.ends_with("f:50: bad\n… and 10 more problem(s)"),
            "{text}"
        );
        assert_eq!(count_problems(&text), 60);
        assert_eq!(count_problems("one line"), 1);
    }

    #[test]
    fn escapes_and_controls_are_removed() {
        assert_eq!(printable("plain ✓ text\n"), "plain ✓ text\n");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[31mred\x1b[0m b"), "ared b");
        assert_eq!(printable("t\x1b]0;pwned\x07itle"), "title");
        assert_eq!(printable("t\x1b]8;;http://x\x1b\\link"), "tlink");
        assert_eq!(printable("x\x1bcy\x07z\x08\x7f\u{9b}2Jw"), "xyzw");
        assert_eq!(printable("a\tb\r\nc"), "a b\nc");
        assert_eq!(printable_line("a\nb\u{202e}c"), "a bc");
        assert_eq!(printable("cut \x1b["), "cut ");
    }
}
