//! Keys a presenter can't get wrong, checked through App::update and on the rendered
//! screen: Esc never quits, q asks twice, Ctrl-C quits at once, b/. blank the screen,
//! clicker keys never quit, the timer starts at the first navigation key, pauses and
//! resets, `--start N` doesn't count skipped slides, search says "match i/N", and a
//! slide that doesn't fit scrolls.

mod common;

use std::time::Duration;

use common::*;
use kdeck::app::{CONFIRM_QUIT, Message, Overlay};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn tick(secs: u64) -> Message {
    Message::Tick(Duration::from_secs(secs))
}

fn footer(app: &kdeck::app::App) -> String {
    screen(app, 100, 30)
        .lines()
        .nth(29)
        .unwrap_or("")
        .to_string()
}

#[test]
fn esc_closes_overlays_and_never_quits() {
    let mut app = app_at(3);
    for _ in 0..5 {
        app.update(code(KeyCode::Esc));
    }
    assert!(!app.quit);
    assert_eq!(app.current, 3);
    assert!(
        footer(&app).contains("Esc doesn't quit"),
        "{}",
        footer(&app)
    );
    for open in ['?', 'o', '/'] {
        app.update(key(open));
        assert_ne!(app.overlay, Overlay::None);
        app.update(code(KeyCode::Esc));
        assert_eq!(app.overlay, Overlay::None, "Esc closes {open}");
        assert!(!app.quit);
    }
}

#[test]
fn q_asks_for_a_second_press_and_any_other_key_cancels() {
    let mut app = app_at(2);
    app.update(key('q'));
    assert!(!app.quit);
    assert!(footer(&app).contains(CONFIRM_QUIT), "{}", footer(&app));
    // Another key cancels the quit and still does its job.
    app.update(code(KeyCode::Right));
    assert!(!app.quit);
    assert_eq!(app.current, 3);
    assert!(!footer(&app).contains("press q again"));
    app.update(key('q'));
    app.update(code(KeyCode::Esc));
    app.update(key('q'));
    assert!(!app.quit, "Esc between the two q cancelled");
    app.update(key('q'));
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_at_once_and_clicker_keys_never_do() {
    let mut app = app_at(0);
    for k in [
        KeyCode::F(5),
        KeyCode::F(1),
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::PageDown,
        KeyCode::PageUp,
    ] {
        app.update(code(k));
        assert!(!app.quit, "{k:?} quit");
    }
    let shift_f5 = Message::Key(KeyEvent::new(KeyCode::F(5), KeyModifiers::SHIFT));
    app.update(shift_f5);
    assert!(!app.quit);
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn b_and_dot_blank_the_screen_until_any_key() {
    let mut app = app_at(1);
    let before = screen(&app, 100, 30);
    for blank in ['b', '.'] {
        app.update(key(blank));
        let s = screen(&app, 100, 30);
        assert!(s.trim().is_empty(), "blank after {blank}:\n{s}");
        // The key that restores does nothing else.
        app.update(code(KeyCode::Right));
        assert_eq!(app.current, 1);
        assert_eq!(screen(&app, 100, 30), before);
    }
    app.update(key('b'));
    app.update(Message::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit, "Ctrl-C quits even when blank");
}

#[test]
fn timer_starts_at_the_first_navigation_key_pauses_and_resets() {
    let mut app = app_at(0);
    app.update(tick(30));
    assert_eq!(app.elapsed, Duration::ZERO, "not started before a key");
    assert!(footer(&app).contains("00:00 / 30:00"), "{}", footer(&app));
    app.update(code(KeyCode::Right));
    app.update(tick(95));
    assert_eq!(app.elapsed, Duration::from_secs(65));
    assert!(footer(&app).contains("01:05 / 30:00"), "{}", footer(&app));
    app.update(key('t'));
    app.update(tick(200));
    assert_eq!(app.elapsed, Duration::from_secs(65), "paused");
    assert!(footer(&app).contains("paused"), "{}", footer(&app));
    app.update(key('t'));
    app.update(tick(210));
    assert_eq!(app.elapsed, Duration::from_secs(75), "resumed");
    app.update(key('T'));
    app.update(tick(300));
    assert_eq!(app.elapsed, Duration::ZERO, "reset and stopped");
    app.update(key('t'));
    app.update(tick(303));
    assert_eq!(app.elapsed, Duration::from_secs(3), "t starts it again");
}

#[test]
fn start_n_does_not_count_skipped_slides_as_ahead() {
    let mut app = app_at(14);
    app.update(tick(1));
    app.update(code(KeyCode::Right));
    app.update(tick(2));
    let f = footer(&app);
    assert!(f.contains("on pace"), "{f}");
    assert!(!f.contains("ahead") && !f.contains("behind"), "{f}");
    // Ten minutes on one slide is behind, counted from slide 16.
    app.update(tick(2 + 600));
    assert!(footer(&app).contains("min behind"), "{}", footer(&app));
}

#[test]
fn search_says_which_match_of_how_many_at_once() {
    let mut app = app_at(0);
    let needle = "landlock";
    let n = deck()
        .slides
        .iter()
        .filter(|s| s.search_text.contains(needle))
        .count();
    assert!(n >= 2);
    app.update(key('/'));
    for c in needle.chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    let f = footer(&app);
    assert!(f.contains(&format!("match 1/{n}")), "{f}");
    app.update(key('n'));
    assert!(footer(&app).contains(&format!("match 2/{n}")));
    app.update(key('/'));
    for c in "zzqx".chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    assert!(footer(&app).contains("no slide matches \"zzqx\""));
}

#[test]
fn a_slide_that_does_not_fit_scrolls_and_says_how() {
    // The longest slide at 60x20 overflows.
    let (index, _) = deck()
        .slides
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let app = app_at(i);
            (i, screen(&app, 60, 20).contains("more lines"))
        })
        .find(|(_, overflows)| *overflows)
        .expect("a slide overflows at 60x20");
    let mut app = app_at(index);
    let first = screen_fed(&mut app, 60, 20);
    assert!(
        first.contains("more lines: ] or Shift-↓ scrolls"),
        "{first}"
    );
    app.update(key(']'));
    let scrolled = screen_fed(&mut app, 60, 20);
    assert!(
        scrolled.contains("⋯ 1 line above: [ or Shift-↑"),
        "{scrolled}"
    );
    for _ in 0..100 {
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Down,
            KeyModifiers::SHIFT,
        )));
        let _ = screen_fed(&mut app, 60, 20);
    }
    let end = screen_fed(&mut app, 60, 20);
    assert!(!end.contains("more lines"), "at the end:\n{end}");
    app.update(key('['));
    assert!(screen_fed(&mut app, 60, 20).contains("more lines: ]"));
    // Leaving the slide starts the next one at its top.
    app.update(code(KeyCode::Left));
    assert_eq!(app.slide_scroll, 0);
}

#[test]
fn a_reload_keeps_the_slide_file_and_the_running_demo() {
    let mut app = app_at(slide_of("landlock"));
    let file = app.deck.slides[app.current].file.clone();
    let cmds = app.update(key('r'));
    assert_eq!(cmds.len(), 1, "r starts the demo");
    // The same deck without its first two slides: the presenter stays on the same file.
    let mut smaller = deck();
    smaller.slides.drain(..2);
    let cmds = app.update(Message::Reload(Ok(smaller)));
    assert!(cmds.is_empty(), "a reload never stops or restarts a demo");
    assert_eq!(app.deck.slides[app.current].file, file);
    assert!(app.current_pane().is_some_and(|p| p.running()));
    // The file is gone: the nearest position.
    let mut without = deck();
    let at = app.current;
    without.slides.retain(|s| s.file != file);
    app.update(Message::Reload(Ok(without)));
    assert_eq!(app.current, at);
    // A deck that doesn't parse: the banner, and the deck stays.
    let before = app.deck.slides.len();
    let errors = kdeck::deck::Deck::from_files(
        "d",
        vec![("d/01.md".into(), b"+++\ntitle = = 1\n+++\n".to_vec())],
        &[],
    )
    .unwrap_err();
    app.update(Message::Reload(Err(errors)));
    assert_eq!(app.deck.slides.len(), before);
    let s = screen(&app, 100, 30);
    assert!(s.contains("not reloaded: d/01.md:2:"), "{s}");
    app.update(Message::Reload(Ok(deck())));
    assert!(!screen(&app, 100, 30).contains("not reloaded"));
}
