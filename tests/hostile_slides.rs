//! Slides built to hurt, through the real parse → render path: lists and quotes nested
//! to the limit, 500x200 tables, 3 MB code blocks and paragraphs (a 10 MB slide is refused at the 4 MiB cap) draw a screenful (and
//! say how much is hidden) at every size; nesting past the limit is a file:line error
//! from `kdeck check` instead of a stack overflow.

mod common;

use std::process::Command;

use common::slides::{big_slides, deck_dir, too_deep};
use common::{code, key, screen};
use kdeck::app::{App, Options};
use kdeck::deck::Deck;
use kdeck::ui::markdown::{MAX_ROWS, render};
use ratatui::crossterm::event::KeyCode;

fn app(deck: Deck) -> App {
    App::new(
        deck,
        Options {
            start: 0,
            force_recorded: false,
            kernel: common::KERNEL.into(),
            ..Default::default()
        },
    )
}

/// What each big slide must show at 120x40.
fn expected(name: &str) -> &'static [&'static str] {
    match name {
        "list-32-deep" => &["• item 0 of a deeply nested list", "◦ item 1 of a deeply"],
        "quotes-32-deep" => {
            &["│ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ │ deep"]
        }
        "table-500x200" => &[
            "h0     │ h1     │",
            "r0c0   │ r0c1   │",
            "│ …",
            "+ more lines",
        ],
        "table-200x500" => &[
            "h0     │ h1     │",
            "r0c0   │ r0c1   │",
            "│ …",
            "more lines",
        ],
        "code-3MB-lines" => &[
            "fn main() { let x = 1 + 2; println!(\"{}\", x); }",
            "+ more lines",
        ],
        "code-3MB-one-line" => &["let x = 1; let x = 1;", "let x = 1;…"],
        "paragraph-3MB" => &["word word word", "+ more lines"],
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn huge_slides_draw_a_screenful_at_every_size() {
    let slides = big_slides();
    let dir = deck_dir(&slides);
    let deck = Deck::from_dir(dir.path(), &kdeck::demo::ids()).expect("the big deck parses");
    let mut app = app(deck);
    for (i, (name, _)) in slides.iter().enumerate() {
        assert_eq!(app.current, i);
        let body = &app.deck.slides[i].body;
        for width in [1, 40, 118, 300] {
            let lines = render(body, width, &app.slide_vars);
            assert!(
                lines.len() <= MAX_ROWS + 1,
                "{name} at {width}: {}",
                lines.len()
            );
        }
        let s = screen(&app, 120, 40);
        for text in expected(name) {
            assert!(s.contains(text), "{name}: no {text:?} on\n{s}");
        }
        for (w, h) in [(60, 20), (45, 14), (200, 60), (40, 12)] {
            let s = screen(&app, w, h);
            assert!(
                s.contains(&format!("{}/{}", i + 1, slides.len())),
                "{name} {w}x{h}:\n{s}"
            );
        }
        // Keys redraw from the cache.
        app.update(key('j'));
        app.update(key('s'));
        let _ = screen(&app, 120, 40);
        app.update(key('s'));
        app.update(code(KeyCode::Right));
    }
}

#[test]
fn a_table_wider_than_the_screen_shows_the_columns_that_fit_then_an_ellipsis() {
    let dir = deck_dir(&[("wide", common::slides::table(3, 200))]);
    let deck = Deck::from_dir(dir.path(), &kdeck::demo::ids()).unwrap();
    let lines = render(&deck.slides[0].body, 40, &Default::default());
    let text: Vec<String> = lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        })
        .collect();
    // 40 columns: the first columns at their natural width, then "…".
    assert!(text.iter().all(|l| l.chars().count() <= 40), "{text:#?}");
    assert!(text[0].starts_with("h0 "), "{text:#?}");
    assert!(text[0].ends_with(" │ …"), "{text:#?}");
    assert!(text[2].starts_with("r0c0 │ r0c1 │ "), "{text:#?}");
    assert_eq!(text.len(), 5, "one line per row: {text:#?}");
}

#[test]
fn nesting_past_the_limit_is_an_error_at_its_line() {
    for (name, body) in too_deep() {
        let dir = deck_dir(&[(name, body.clone())]);
        let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args(["check", "--deck"])
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        // Line 1 of the body is line 4 of the file (after the front matter).
        let line = if name.starts_with("list-") { 4 + 32 } else { 4 };
        let want = format!(
            "01-{name}.md:{line}: lists and quotes nest more than 32 levels deep here (32 is the limit)"
        );
        assert!(err.contains(&want), "{name}: want {want:?} in\n{err}");
    }
}
