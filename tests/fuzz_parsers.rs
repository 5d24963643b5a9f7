//! Property tests: random and adversarial Markdown, front matter and asciicast
//! recordings go through the parsers, the recording validator and the renderer
//! (ratatui's TestBackend at random sizes, down to 1x1). Nothing may panic, and the
//! work stays bounded: what comes out is never larger than a fixed multiple of what
//! went in. Nesting depth is kept to 50 here (deeper nesting has its own limits and
//! tests). The number of cases is fixed so `cargo test` stays quick.

mod common;

use kdeck::app::{App, Options};
use kdeck::cast::{self as asciicast, validate_recording};
use kdeck::deck::{Deck, Slide};
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Pieces that make parsers and wrapping work: Markdown syntax, escapes, wide and
/// zero-width characters, bidi overrides, carriage returns, long words.
const MD_PIECES: &[&str] = &[
    "#",
    "## ",
    "> ",
    "- ",
    "* ",
    "1. ",
    "```",
    "```rust\n",
    "`",
    "**",
    "_",
    "~~",
    "[",
    "](",
    ")",
    "![i](x.png)",
    "|",
    "| a | b |\n|---|---|\n",
    "---",
    "\n",
    "\n\n",
    " ",
    "\t",
    "<div>",
    "&amp;",
    "&#0;",
    "\x1b[31m",
    "\x1b]0;t\x07",
    "\x07",
    "\r",
    "é",
    "界",
    "👩‍👩‍👧",
    "\u{200b}",
    "\u{202e}",
    "\u{feff}",
    "+++",
    "???",
    "\\",
    "word ",
    "https://x.y/z",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "<!-- c -->",
    "[^1]",
    "- [ ] ",
    "\u{0}",
];

/// A Markdown line: up to 50 levels of `> ` / `- ` prefix, then random pieces.
fn md_line() -> impl Strategy<Value = String> {
    (
        0usize..50,
        prop::sample::select(vec!["> ", "- ", "  - ", "1. ", ">- "]),
        prop::collection::vec(prop::sample::select(MD_PIECES), 0..12),
    )
        .prop_map(|(depth, prefix, pieces)| prefix.repeat(depth) + &pieces.concat())
}

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(md_line(), 0..30).prop_map(|l| l.join("\n"))
}

/// Front matter: valid keys with random (sometimes invalid) values, or garbage.
fn front_matter() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        any::<String>().prop_map(|s| format!("{s:?}")),
        prop::sample::select(MD_PIECES).prop_map(|s| format!("{s:?}")),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        Just("-1".to_string()),
        Just("nan".to_string()),
        Just("[1, 2".to_string()),
        Just("\"unterminated".to_string()),
        Just("{ a = 1 }".to_string()),
    ];
    let key = prop::sample::select(vec![
        "title", "section", "demo", "minutes", "layout", "unknown", "title.x", "",
    ]);
    prop::collection::vec((key, value), 0..6).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>()
    })
}

fn slide_text() -> impl Strategy<Value = String> {
    (
        front_matter(),
        markdown(),
        prop::option::of(markdown()),
        any::<bool>(),
    )
        .prop_map(|(fm, body, notes, fenced)| {
            let mut t = if fenced {
                format!("+++\ntitle = \"T\"\n{fm}+++\n{body}")
            } else {
                format!("+++\n{fm}+++\n{body}")
            };
            if let Some(n) = notes {
                t.push_str("\n???\n");
                t.push_str(&n);
            }
            t
        })
}

/// An asciicast line: a header (v2, v3, kdeck or broken) or an event (good or bad).
fn cast_text() -> impl Strategy<Value = String> {
    let header = prop_oneof![
        Just(common::hostile::header("kspp", "6.1")),
        Just(r#"{"version": 2, "width": 80, "height": 24}"#.to_string()),
        Just(r#"{"version": 3, "term": {"cols": 80, "rows": 24, "type": "xterm"}}"#.to_string()),
        Just(r#"{"version": 2, "width": 0, "height": 1e9}"#.to_string()),
        Just(r#"{"version": 1}"#.to_string()),
        Just("[]".to_string()),
        any::<String>(),
    ];
    let time = prop_oneof![
        (0.0f64..20.0).prop_map(|t| format!("{t}")),
        Just("1e9".to_string()),
        Just("-1".to_string()),
        Just("1e999".to_string()),
        Just("\"3\"".to_string()),
    ];
    let code = prop::sample::select(vec![
        "\"o\"", "\"m\"", "\"x\"", "\"r\"", "\"i\"", "\"z\"", "\"\"", "1",
    ]);
    let data = prop_oneof![
        prop::sample::select(MD_PIECES).prop_map(|s| serde_json::to_string(s).unwrap()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        Just("\"80x24\"".to_string()),
        Just("\"0\"".to_string()),
        Just("0".to_string()),
        Just("null".to_string()),
    ];
    let event = prop_oneof![
        8 => (time, code, data).prop_map(|(t, c, d)| format!("[{t}, {c}, {d}]")),
        1 => any::<String>(),
        1 => Just("# comment".to_string()),
        1 => Just("[0.1, \"o\"".to_string()),
    ];
    (header, prop::collection::vec(event, 0..40))
        .prop_map(|(h, events)| format!("{h}\n{}\n", events.join("\n")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn slides_parse_or_fail_cleanly_and_render_at_any_size(
        text in slide_text(),
        w in 1u16..140,
        h in 1u16..50,
        keys in prop::collection::vec(prop::sample::select(vec!['j', 'k', 'o', 's', '?', 'l', 'h', '/']), 0..4),
    ) {
        let ids = kdeck::demo::ids();
        match Slide::parse("f.md", &text, &ids) {
            Ok((slide, _)) => prop_assert!(slide.body.len() <= text.len() + 1),
            Err(errors) => {
                prop_assert!(!errors.is_empty() && errors.len() <= 8);
                for e in errors {
                    prop_assert!(e.line <= text.lines().count() + 2, "{e}");
                }
            }
        }
        let files = vec![("f.md".to_string(), text.clone().into_bytes())];
        if let Ok(deck) = Deck::from_files("fuzz", files, &ids) {
            let mut app = App::new(deck, Options { start: 0, force_recorded: true, kernel: "k".into(), ..Default::default() });
            for k in keys {
                app.update(common::key(k));
            }
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            term.draw(|f| f.render_widget(&app, f.area())).unwrap();
            let cells = term.backend().buffer().content.len();
            prop_assert_eq!(cells, w as usize * h as usize);
            let list = kdeck::commands::list_table(&app.deck);
            prop_assert!(list.lines().all(|l| l.chars().count() < 300), "{}", list);
            prop_assert!(!list.chars().any(|c| c.is_control() && c != '\n'));
        }
    }

    #[test]
    fn casts_parse_and_validate_without_panicking(text in cast_text()) {
        let lines = text.lines().count().max(1);
        let parsed = asciicast::parse_all(&text, "f.cast");
        prop_assert!(parsed.cast.events.len() <= lines);
        prop_assert!(parsed.errors.len() <= lines);
        for e in &parsed.errors {
            prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e}");
        }
        match validate_recording(&text, "f.cast", 10.0) {
            Ok(cast) => {
                prop_assert!(cast.header.kdeck.is_some());
                prop_assert!(cast.duration() <= 10.0);
                let out = asciicast::output_lines(&cast);
                prop_assert!(out.len() <= text.len() + 1);
            }
            Err(errors) => {
                // A handful of whole-file problems on top of at most one per line.
                prop_assert!(!errors.0.is_empty() && errors.0.len() <= lines + 4);
                let shown = kdeck::text::printable(&errors.to_string()).into_owned();
                prop_assert!(!shown.chars().any(|c| c.is_control() && c != '\n'));
            }
        }
    }

    #[test]
    fn the_sanitizer_leaves_no_control_characters(s in any::<String>(), pieces in prop::collection::vec(prop::sample::select(MD_PIECES), 0..20)) {
        let text = s + &pieces.concat();
        let clean = kdeck::text::printable_line(&text);
        prop_assert!(!clean.chars().any(|c| c.is_control()));
        prop_assert!(clean.len() <= text.len());
    }
}

/// Found by the property test: an escape character in a code block made the code
/// wrapper count past the line (`inner - used` overflowed); a wide character in a
/// one-column pane could never fit.
#[test]
fn code_blocks_with_controls_and_wide_characters_render() {
    let ids = kdeck::demo::ids();
    for (text, w, h) in [
        (
            "+++\ntitle = \"T\"\n+++\n```\n  - \u{1b}[31m## word aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n```\n",
            40,
            12,
        ),
        (
            "+++\ntitle = \"T\"\n+++\n```\n界界界\u{1b}\u{7}👩‍👩‍👧\n```\n",
            1,
            20,
        ),
        ("+++\ntitle = \"T\"\n+++\n```\n界界界\n```\n", 3, 30),
    ] {
        let files = vec![("f.md".to_string(), text.as_bytes().to_vec())];
        let deck = Deck::from_files("t", files, &ids).unwrap();
        let app = App::new(
            deck,
            Options {
                start: 0,
                force_recorded: true,
                kernel: "k".into(),
                ..Default::default()
            },
        );
        let screen = common::screen(&app, w, h);
        assert_eq!(screen.lines().count(), h as usize);
    }
}
