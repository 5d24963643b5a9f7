//! The presentation's side of the speaker link, on a real Unix socket: a speaker view
//! connecting is counted, its typed lines move the app, malformed or foreign lines are
//! dropped with a log line (never a panic, never acted on), and it receives the state
//! (notes, next slide, timer, demo) after each change.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::*;
use kdeck::app::Message;
use kdeck::event::Notifier;
use kdeck::speaker::proto::{Nav, ToSpeaker};
use kdeck::speaker::server::Server;

fn next(rx: &Receiver<Message>) -> Message {
    rx.recv_timeout(Duration::from_secs(5)).expect("a message")
}

#[test]
fn typed_lines_move_the_app_and_foreign_ones_are_dropped_with_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let (notifier, rx) = Notifier::channel().unwrap();
    let server = Server::start_in(dir.path(), "test", notifier).unwrap();
    let mut app = app_at(1);
    server.publish(&kdeck::speaker::state::of(&app));

    let mut stream = UnixStream::connect(server.path()).unwrap();
    assert!(matches!(next(&rx), Message::Speakers(1)));
    // The state sent before it connected comes at once.
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let ToSpeaker::State(state) = serde_json::from_str(&line).unwrap();
    assert_eq!((state.slide, state.slides), (2, deck().slides.len()));
    assert_eq!(state.notes, deck().slides[1].notes);
    assert_eq!(
        state.next.as_ref().map(|n| n.title.as_str()),
        Some(deck().slides[2].title.as_str())
    );
    assert_eq!(state.timer.state, "idle");

    stream
        .write_all(
            b"not json at all\n{\"type\":\"shell\",\"cmd\":\"rm -rf /\"}\n\xff\xfe\n{\"type\":\"nav\",\"nav\":\"next\"}\n",
        )
        .unwrap();
    let msg = next(&rx);
    let Message::Remote(nav) = msg else {
        panic!("the first message after the junk is the nav: {msg:?}")
    };
    assert_eq!(nav, Nav::Next);
    app.update(Message::Remote(nav));
    assert_eq!(app.current, 2);
    assert!(
        !app.timer.is_idle(),
        "a move from the speaker starts the timer"
    );
    let log = std::fs::read_to_string(kdeck::speaker::log_path(dir.path())).unwrap();
    assert_eq!(
        log.matches("dropped a malformed message").count(),
        3,
        "each junk line is logged:\n{log}"
    );

    // After a change the speaker gets the new state.
    server.publish(&kdeck::speaker::state::of(&app));
    line.clear();
    reader.read_line(&mut line).unwrap();
    let ToSpeaker::State(state) = serde_json::from_str(&line).unwrap();
    assert_eq!(state.slide, 3);
    assert_eq!(state.timer.state, "running");

    drop(reader);
    drop(stream);
    let msg = next(&rx);
    assert!(matches!(msg, Message::Speakers(0)), "{msg:?}");
    // The socket goes with the server.
    let path = server.path().to_path_buf();
    drop(server);
    assert!(!path.exists());
}

#[test]
fn notes_leave_the_main_screen_while_a_speaker_view_is_connected() {
    let mut app = app_at(1);
    assert!(screen(&app, 100, 30).contains("notes:"));
    app.update(Message::Speakers(1));
    let s = screen(&app, 100, 30);
    assert!(!s.contains("notes:"), "{s}");
    assert!(s.contains("speaker view connected"), "{s}");
    app.update(Message::Speakers(0));
    let s = screen(&app, 100, 30);
    assert!(
        s.contains("notes:") && s.contains("speaker view disconnected"),
        "{s}"
    );
}

#[test]
fn notes_on_keeps_them_on_the_main_screen_and_off_starts_without() {
    let with = |notes| {
        kdeck::app::App::new(
            deck(),
            kdeck::app::Options {
                start: 1,
                notes,
                ..Default::default()
            },
        )
    };
    let mut on = with(kdeck::app::NotesMode::On);
    on.update(Message::Speakers(1));
    assert!(screen(&on, 100, 30).contains("notes:"));
    let mut off = with(kdeck::app::NotesMode::Off);
    assert!(!screen(&off, 100, 30).contains("notes:"));
    off.update(key('s'));
    assert!(
        screen(&off, 100, 30).contains("notes:"),
        "s still shows them"
    );
}

#[test]
fn the_speaker_screen_shows_the_state_and_survives_every_size() {
    use kdeck::speaker::view::{GONE, View};
    let mut app = app_at(slide_of("landlock"));
    let _ = run_demo(&mut app, |e| e);
    let ToSpeaker::State(state) = kdeck::speaker::state::of(&app);
    let mut view = View {
        state: Some(*state),
        connected: Some("talk (pid 1)".into()),
        ..View::default()
    };
    let draw = |view: &View, w: u16, h: u16| {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| f.render_widget(view, f.area())).unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>() + "\n")
            .collect::<String>()
    };
    let s = draw(&view, 100, 30);
    let n = app.current + 1;
    assert!(s.contains(&format!("kdeck speaker ─ {n}/")), "{s}");
    assert!(s.contains("demo landlock:") && s.contains("● LIVE"), "{s}");
    assert!(s.contains("next: "), "{s}");
    for w in (1..=200).step_by(9) {
        for h in (1..=60).step_by(7) {
            let _ = draw(&view, w, h);
        }
    }
    view.connected = None;
    assert!(draw(&view, 100, 30).contains(GONE));
}
