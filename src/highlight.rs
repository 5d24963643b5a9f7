//! Code highlighting with syntect (onig regexes). The syntax and theme sets are loaded
//! on first use (syntect deserialises syntax contexts lazily, ~1 ms in release), and the
//! UI caches each highlighted block, so the highlighter never delays a frame noticeably.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ratatui::style::{Color, Modifier, Style};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

struct Assets {
    syntaxes: SyntaxSet,
    theme: Theme,
}

static ASSETS: OnceLock<Option<Assets>> = OnceLock::new();

fn assets() -> Option<&'static Assets> {
    ASSETS
        .get_or_init(|| {
            let syntaxes = SyntaxSet::load_defaults_newlines();
            let mut themes = ThemeSet::load_defaults();
            let theme = themes.themes.remove("base16-ocean.dark")?;
            Some(Assets { syntaxes, theme })
        })
        .as_ref()
}

/// One highlighted line: (style, text) pieces.
pub type StyledLine = Vec<(Style, String)>;

/// Highlighted blocks by (language, code).
type Cache = HashMap<(String, String), Vec<StyledLine>>;

static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();

/// Highlights `code` as `lang` (a fence token like "rust", "c", "sh"), cached: each block
/// is highlighted once per process. Unknown languages and highlighter errors give plain
/// lines; this never fails.
pub fn highlight(lang: &str, code: &str) -> Vec<StyledLine> {
    let cache = CACHE.get_or_init(Mutex::default);
    let key = (lang.to_string(), code.to_string());
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let lines = highlight_uncached(lang, code);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, lines.clone());
    }
    lines
}

fn highlight_uncached(lang: &str, code: &str) -> Vec<StyledLine> {
    let plain = || {
        code.lines()
            .map(|l| vec![(Style::default(), l.to_string())])
            .collect()
    };
    let Some(a) = assets() else { return plain() };
    let token = match lang {
        "" | "text" | "txt" | "plain" => return plain(),
        "sh" | "shell" | "console" => "bash",
        other => other,
    };
    let Some(syntax) = a.syntaxes.find_syntax_by_token(token) else {
        return plain();
    };
    let mut h = HighlightLines::new(syntax, &a.theme);
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(ranges) = h.highlight_line(line, &a.syntaxes) else {
            return plain();
        };
        let pieces = ranges
            .into_iter()
            .filter_map(|(s, text)| {
                let text = text.trim_end_matches(['\n', '\r']);
                (!text.is_empty()).then(|| (convert(s), text.to_string()))
            })
            .collect();
        out.push(pieces);
    }
    out
}

fn convert(s: syntect::highlighting::Style) -> Style {
    let mut style = Style::default().fg(Color::Rgb(s.foreground.r, s.foreground.g, s.foreground.b));
    if s.font_style.contains(FontStyle::BOLD) {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.font_style.contains(FontStyle::ITALIC) {
        style = style.add_modifier(Modifier::ITALIC);
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_gets_several_colours() {
        let lines = highlight("rust", "fn main() {\n    let x = 1;\n}");
        assert_eq!(lines.len(), 3);
        let colours: std::collections::HashSet<_> =
            lines.iter().flatten().map(|(s, _)| s.fg).collect();
        assert!(colours.len() >= 3, "{colours:?}");
        let text: String = lines[1].iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(text, "    let x = 1;");
    }

    #[test]
    fn unknown_language_is_plain() {
        assert_eq!(
            highlight("klingon", "a\nb"),
            vec![
                vec![(Style::default(), "a".to_string())],
                vec![(Style::default(), "b".to_string())]
            ]
        );
    }
}
