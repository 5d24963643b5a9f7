//! Links: a URL is never broken across lines (it moves to its own line, shortened with
//! "…" when longer than the column), and the terminal gets it as an OSC 8 hyperlink with
//! the full target. Checked on the exact bytes crossterm's backend writes into a Vec.

mod common;

use kdeck::app::{App, Options};
use kdeck::deck::Deck;
use kdeck::hyperlink::{CLOSE, HyperlinkBackend, Link, publish};
use ratatui::Terminal;
use ratatui::buffer::Cell;

const LONG: &str = "https://docs.kernel.org/userspace-api/landlock.html#filesystem-flags";

fn app_with(body: &str) -> App {
    let slide = format!("+++\ntitle = \"Links\"\n+++\n{body}\n");
    let deck = Deck::from_files("test", vec![("01.md".into(), slide.into_bytes())], &[])
        .expect("deck parses");
    App::new(deck, Options::default())
}

/// What the terminal shows: the bytes with every escape sequence taken out.
fn visible(bytes: &str) -> String {
    let mut out = String::new();
    let mut chars = bytes.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\x1b' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn exact_bytes_of_a_link_run() {
    let mut backend = HyperlinkBackend::new(Vec::new());
    publish(vec![Link {
        x: 1,
        y: 0,
        width: 2,
        url: "https://a.b/c".into(),
    }]);
    let cells: Vec<Cell> = ["x", "y", "z"].into_iter().map(Cell::new).collect();
    ratatui::backend::Backend::draw(
        &mut backend,
        cells.iter().enumerate().map(|(x, c)| (x as u16, 0, c)),
    )
    .unwrap();
    let bytes = backend.with_writer(|w| String::from_utf8(w.clone()).unwrap());
    let reset = "\x1b[0m";
    assert_eq!(
        bytes,
        format!("\x1b[1;1Hx{reset}\x1b]8;;https://a.b/c\x1b\\\x1b[1;2Hyz{reset}{CLOSE}")
    );
}

#[test]
fn a_long_url_is_shortened_on_its_own_line_and_links_to_the_full_target() {
    let app = app_with(&format!(
        "Read [the Landlock docs]({LONG}) before the demo."
    ));
    let mut terminal = Terminal::new(HyperlinkBackend::new(Vec::new())).unwrap();
    // The test terminal's size is the writer's: draw into a fixed 50x14 area instead.
    let area = ratatui::layout::Rect::new(0, 0, 50, 14);
    terminal
        .draw(|f| f.render_widget(&app, area))
        .expect("draw");
    let bytes = terminal
        .backend()
        .with_writer(|w| String::from_utf8(w.clone()).unwrap());
    let open = format!("\x1b]8;;{LONG}\x1b\\");
    let at = bytes
        .find(&open)
        .unwrap_or_else(|| panic!("no OSC 8 open in {bytes:?}"));
    let end = bytes[at..].find(CLOSE).expect("the link is closed") + at;
    let shown = visible(&bytes[at + open.len()..end]);
    // 50 columns less the border and margins: 46 for the text.
    assert_eq!(shown, "https://docs.kernel.org/userspace-api/landlo…");
    assert_eq!(bytes.matches("\x1b]8;;https").count(), 1, "one link run");
}

#[test]
fn on_screen_the_url_is_never_broken() {
    let app = app_with(&format!(
        "A short one, [LWN](https://lwn.net/Articles/703876/), and a long one: <{LONG}>."
    ));
    let s = common::screen(&app, 50, 14);
    let rows: Vec<&str> = s.lines().collect();
    assert!(
        rows.iter()
            .any(|r| r.contains("(https://lwn.net/Articles/703876/)")),
        "the short URL sits whole on one row:\n{s}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("https://docs.kernel.org/userspace-api/landloc…")),
        "the long one is shortened:\n{s}"
    );
    assert!(
        !s.contains("filesystem-flags"),
        "no broken-off tail on the next row:\n{s}"
    );
}
