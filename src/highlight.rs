//! Code highlighting with syntect (onig regexes). The built-in talk's code blocks come
//! highlighted from a precompiled dump (`assets/highlighted.json`, kept current by a
//! test), so presenting it never loads syntect: its first frame has highlighted code
//! and no syntax set in memory. Other decks load the syntax set on first use (syntect
//! deserialises syntax contexts lazily, ~1 ms in release); every block is cached. The theme is
//! kdeck's own, in the terminal's 16 ANSI colours: it follows the user's palette, so
//! code reads on dark and light terminals and on projectors (and no theme set is
//! deserialised at start-up).

pub mod ahead;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use ratatui::style::{Color, Modifier, Style};
use std::str::FromStr;
use syntect::easy::HighlightLines;

use syntect::highlighting::{
    Color as SynColor, FontStyle, ScopeSelectors, StyleModifier, Theme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

static THEME_ANSI: OnceLock<Option<Theme>> = OnceLock::new();

fn theme() -> Option<&'static Theme> {
    THEME_ANSI.get_or_init(ansi_theme).as_ref()
}

static DEFAULTS: OnceLock<SyntaxSet> = OnceLock::new();
static EXTRA: OnceLock<Option<SyntaxSet>> = OnceLock::new();

/// kdeck's own syntaxes, for languages syntect's defaults lack (TOML): compiled from
/// assets/syntaxes by build.rs, loaded on first use.
const EXTRA_DUMP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/syntaxes.bin"));

fn extra() -> Option<&'static SyntaxSet> {
    EXTRA
        .get_or_init(|| syntect::dumps::from_uncompressed_data(EXTRA_DUMP).ok())
        .as_ref()
}

/// The syntax for a code fence's language token ("rust", "c", "sh", "toml"...) and the
/// set it belongs to (syntect's defaults, then kdeck's own); `None` for plain text and
/// unknown languages.
pub fn find_syntax(lang: &str) -> Option<(&'static SyntaxReference, &'static SyntaxSet)> {
    let token = match lang {
        "" | "text" | "txt" | "plain" => return None,
        "sh" | "shell" | "console" => "bash",
        other => other,
    };
    let defaults = DEFAULTS.get_or_init(SyntaxSet::load_defaults_newlines);
    if let Some(s) = defaults.find_syntax_by_token(token) {
        return Some((s, defaults));
    }
    let extra = extra()?;
    extra.find_syntax_by_token(token).map(|s| (s, extra))
}

/// An ANSI palette index stored in a syntect colour (alpha 0 marks it, as bat does).
const fn ansi(index: u8) -> SynColor {
    SynColor {
        r: index,
        g: 0,
        b: 0,
        a: 0,
    }
}

/// Scope selectors and their ANSI colour (and font style).
const THEME: &[(&str, u8, FontStyle)] = &[
    (
        "comment, punctuation.definition.comment",
        8,
        FontStyle::ITALIC,
    ),
    (
        "string, constant.character, punctuation.definition.string",
        2,
        FontStyle::empty(),
    ),
    (
        "constant.numeric, constant.language, constant.other",
        5,
        FontStyle::empty(),
    ),
    (
        "keyword, storage, keyword.operator.word",
        4,
        FontStyle::BOLD,
    ),
    (
        "keyword.operator, punctuation.separator",
        7,
        FontStyle::empty(),
    ),
    (
        "entity.name.function, support.function, meta.function-call variable.function",
        6,
        FontStyle::empty(),
    ),
    (
        "entity.name.type, support.type, storage.type, entity.name.struct, entity.name.enum",
        3,
        FontStyle::empty(),
    ),
    (
        "support.macro, entity.name.macro, meta.preprocessor, keyword.control.import",
        5,
        FontStyle::empty(),
    ),
    (
        "variable.parameter, variable.language",
        1,
        FontStyle::empty(),
    ),
    (
        "entity.name.tag, entity.other.attribute-name",
        6,
        FontStyle::empty(),
    ),
];

fn ansi_theme() -> Option<Theme> {
    let mut scopes = Vec::new();
    for (selector, colour, font) in THEME {
        scopes.push(ThemeItem {
            scope: ScopeSelectors::from_str(selector).ok()?,
            style: StyleModifier {
                foreground: Some(ansi(*colour)),
                background: None,
                font_style: Some(*font),
            },
        });
    }
    let settings = ThemeSettings {
        foreground: Some(ansi(7)),
        ..ThemeSettings::default()
    };
    Some(Theme {
        name: Some("kdeck ANSI".into()),
        author: None,
        settings,
        scopes,
    })
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
    let cache = CACHE.get_or_init(|| Mutex::new(precompiled()));
    let key = (lang.to_string(), code.to_string());
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    if PLAIN_IF_MISSING.load(Ordering::Relaxed) {
        SERVED_PLAIN.store(true, Ordering::Relaxed);
        return plain(code);
    }
    let lines = highlight_uncached(lang, code);
    if let Ok(mut c) = cache.lock() {
        c.insert(key, lines.clone());
    }
    lines
}

/// Set while [`plain_if_missing`] runs.
static PLAIN_IF_MISSING: AtomicBool = AtomicBool::new(false);
/// Whether [`highlight`] gave plain lines while [`plain_if_missing`] ran.
static SERVED_PLAIN: AtomicBool = AtomicBool::new(false);

/// Runs `f` (the first frame) with [`highlight`] giving plain lines, uncached, for blocks
/// not highlighted yet instead of running syntect; returns what `f` returned and whether
/// any block was plain (then the caller draws again once [`ahead`] has them).
pub fn plain_if_missing<R>(f: impl FnOnce() -> R) -> (R, bool) {
    SERVED_PLAIN.store(false, Ordering::Relaxed);
    PLAIN_IF_MISSING.store(true, Ordering::Relaxed);
    let r = f();
    PLAIN_IF_MISSING.store(false, Ordering::Relaxed);
    (r, SERVED_PLAIN.swap(false, Ordering::Relaxed))
}

fn plain(code: &str) -> Vec<StyledLine> {
    code.lines()
        .map(|l| vec![(Style::default(), l.to_string())])
        .collect()
}

/// Whether `code` as `lang` is highlighted already (in the dump or the cache).
fn is_cached(lang: &str, code: &str) -> bool {
    let cache = CACHE.get_or_init(|| Mutex::new(precompiled()));
    cache
        .lock()
        .is_ok_and(|c| c.contains_key(&(lang.to_string(), code.to_string())))
}

/// Highlights `code` as `lang` into the cache unless it is there (for [`ahead`]).
fn warm(lang: &str, code: &str) {
    if !is_cached(lang, code) {
        let lines = highlight_uncached(lang, code);
        if let Ok(mut c) = CACHE.get_or_init(|| Mutex::new(precompiled())).lock() {
            c.insert((lang.to_string(), code.to_string()), lines);
        }
    }
}

/// One block of the dump: language, code, and per line (ANSI colour or 255 for none,
/// flags 1 bold 2 italic, text) pieces.
type Dumped = (String, String, Vec<Vec<(u8, u8, String)>>);

static DUMP: &str = include_str!("../assets/highlighted.json");

fn precompiled() -> Cache {
    let blocks: Vec<Dumped> = serde_json::from_str(DUMP).unwrap_or_default();
    blocks
        .into_iter()
        .map(|(lang, code, lines)| {
            let lines = lines
                .into_iter()
                .map(|pieces| {
                    pieces
                        .into_iter()
                        .map(|(fg, flags, text)| {
                            let mut style = Style::default();
                            if fg != 255 {
                                style = style.fg(Color::Indexed(fg));
                            }
                            if flags & 1 != 0 {
                                style = style.add_modifier(Modifier::BOLD);
                            }
                            if flags & 2 != 0 {
                                style = style.add_modifier(Modifier::ITALIC);
                            }
                            (style, text)
                        })
                        .collect()
                })
                .collect();
            ((lang, code), lines)
        })
        .collect()
}

/// The dump of `blocks` (language, code), highlighted with syntect now; what
/// `assets/highlighted.json` must hold for the embedded deck.
pub fn dump(blocks: &[(String, String)]) -> String {
    let dumped: Vec<Dumped> = blocks
        .iter()
        .map(|(lang, code)| {
            let lines = highlight_uncached(lang, code)
                .into_iter()
                .map(|pieces| {
                    pieces
                        .into_iter()
                        .map(|(style, text)| {
                            let fg = match style.fg {
                                Some(Color::Indexed(i)) => i,
                                _ => 255,
                            };
                            let flags = u8::from(style.add_modifier.contains(Modifier::BOLD))
                                | (u8::from(style.add_modifier.contains(Modifier::ITALIC)) << 1);
                            (fg, flags, text)
                        })
                        .collect()
                })
                .collect();
            (lang.clone(), code.clone(), lines)
        })
        .collect();
    serde_json::to_string(&dumped).unwrap_or_else(|_| "[]".into()) + "\n"
}

fn highlight_uncached(lang: &str, code: &str) -> Vec<StyledLine> {
    let (Some((syntax, set)), Some(theme)) = (find_syntax(lang), theme()) else {
        return plain(code);
    };
    let mut h = HighlightLines::new(syntax, theme);
    let mut out = Vec::new();
    for line in LinesWithEndings::from(code) {
        let Ok(ranges) = h.highlight_line(line, set) else {
            return plain(code);
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
    let fg = s.foreground;
    let colour = if fg.a == 0 {
        Color::Indexed(fg.r)
    } else {
        Color::Rgb(fg.r, fg.g, fg.b)
    };
    let mut style = Style::default().fg(colour);
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
    fn toml_is_highlighted_with_kdecks_own_syntax() {
        let lines = highlight(
            "toml",
            "# deps\n[dependencies]\nserde = { version = \"1\", default-features = false }\nn = 0x1F",
        );
        let colour = |line: usize, text: &str| {
            lines[line]
                .iter()
                .find(|(_, t)| t.trim() == text)
                .map(|(s, _)| s.fg)
                .unwrap_or_else(|| panic!("{text:?} in {:?}", lines[line]))
        };
        let ansi = |i| Some(Color::Indexed(i));
        assert_eq!(colour(0, "# deps"), ansi(8), "comment");
        assert_eq!(colour(1, "dependencies"), ansi(3), "table name");
        assert_eq!(colour(2, "serde"), ansi(6), "key");
        assert_eq!(colour(2, "version"), ansi(6), "key in an inline table");
        assert_eq!(colour(2, "1"), ansi(2), "string");
        assert_eq!(colour(2, "false"), ansi(5), "boolean");
        assert_eq!(colour(3, "0x1F"), ansi(5), "hex integer");
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
