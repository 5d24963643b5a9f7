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
use kdeck::speaker::proto::{Nav, State, ToSpeaker};
use kdeck::speaker::server::Server;

fn next(rx: &Receiver<Message>) -> Message {
    rx.recv_timeout(Duration::from_secs(5)).expect("a message")
}

/// A presentation's server in a fresh directory, and the channel its messages reach.
fn start() -> (tempfile::TempDir, Receiver<Message>, Server) {
    let dir = tempfile::tempdir().unwrap();
    let (notifier, rx) = Notifier::channel().unwrap();
    let server = Server::start_in(dir.path(), "test", notifier).unwrap();
    (dir, rx, server)
}

/// The first line of a speaker view.
const HELLO: &[u8] = b"{\"type\":\"hello\"}\n";

/// A speaker view connected to `server` (it said hello).
fn view(server: &Server) -> UnixStream {
    let mut stream = UnixStream::connect(server.path()).unwrap();
    stream.write_all(HELLO).unwrap();
    stream
}

/// A state whose notes are `size` bytes ending in `marker`.
fn big_state(slide: usize, size: usize, marker: &str) -> ToSpeaker {
    ToSpeaker::State(Box::new(State {
        slide,
        notes: format!("{}{marker}", "x".repeat(size)),
        ..State::default()
    }))
}

/// Reads state lines from `stream` until one has notes ending in `marker`.
fn read_until_marker(stream: &UnixStream, marker: &str) -> State {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        let n = reader
            .read_line(&mut line)
            .expect("states keep coming until the newest");
        assert!(n > 0, "the presentation closed the view before {marker}");
        let ToSpeaker::State(state) = serde_json::from_str(&line).unwrap();
        if state.notes.ends_with(marker) {
            return *state;
        }
    }
}

#[test]
fn typed_lines_move_the_app_and_foreign_ones_are_dropped_with_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let (notifier, rx) = Notifier::channel().unwrap();
    let server = Server::start_in(dir.path(), "test", notifier).unwrap();
    let mut app = app_at(1);
    server.publish(&kdeck::speaker::state::of(&app));

    let mut stream = UnixStream::connect(server.path()).unwrap();
    stream.write_all(HELLO).unwrap();
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
fn looking_for_presentations_is_not_a_speaker_view_connecting() {
    // `kdeck speaker` connects to every socket to see which presentations are alive,
    // then closes: the presentation counted each look as a view that came and went,
    // and a late "0" could arrive after the real view's "1" ("speaker view
    // disconnected" while one was connected).
    let (dir, rx, server) = start();
    for _ in 0..20 {
        assert_eq!(kdeck::speaker::socket::sessions(dir.path()).len(), 1);
    }
    let mut stream = view(&server);
    stream
        .write_all(b"{\"type\":\"nav\",\"nav\":\"next\"}\n")
        .unwrap();
    let got = [next(&rx), next(&rx)];
    assert!(
        matches!(got, [Message::Speakers(1), Message::Remote(Nav::Next)]),
        "{got:?}"
    );
    drop(stream);
    assert!(matches!(next(&rx), Message::Speakers(0)));
}

#[test]
fn the_last_count_the_app_hears_is_the_number_connected() {
    let (_dir, rx, server) = start();
    let stays = view(&server);
    assert!(matches!(next(&rx), Message::Speakers(1)));
    // Views come and go from several threads at once, as fast as they can.
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..25 {
                    let v = view(&server);
                    server.publish(&big_state(1, 0, "x"));
                    drop(v);
                }
            });
        }
    });
    // Each of the 200 was counted once as it came and once as it left.
    let mut last = None;
    for _ in 0..400 {
        let msg = next(&rx);
        let Message::Speakers(n) = msg else {
            panic!("only counts: {msg:?}")
        };
        last = Some(n);
    }
    assert_eq!(last, Some(1), "one view is still connected");
    drop(stays);
    assert!(matches!(next(&rx), Message::Speakers(0)));
}

#[test]
fn a_speaker_that_reads_slowly_is_kept_and_gets_the_newest_state() {
    // Under load a speaker view may not read for a while: the presentation must not
    // wait for it, nor drop it (the old 100 ms write timeout did), and once it reads
    // again it gets the newest state, not a backlog.
    let (_dir, rx, server) = start();
    let slow = view(&server);
    let quick = view(&server);
    assert!(matches!(next(&rx), Message::Speakers(1)));
    assert!(matches!(next(&rx), Message::Speakers(2)));
    // 50 states of 256 KiB: far more than a socket buffer holds while `slow` reads
    // nothing. Publishing never waits for it (a hang here fails the test).
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=50 {
                server.publish(&big_state(i, 256 * 1024, &format!("#{i}")));
            }
            done_tx.send(()).unwrap();
        });
        // The quick view keeps up meanwhile.
        assert_eq!(read_until_marker(&quick, "#50").slide, 50);
        done_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("publishing never waits for a speaker that doesn't read");
    });
    std::thread::sleep(Duration::from_millis(300));
    // Now the slow one reads: it is still connected and ends at the newest state.
    assert_eq!(read_until_marker(&slow, "#50").slide, 50);
    assert!(
        rx.try_recv().is_err(),
        "no view was dropped or counted again"
    );
    // And it still drives the presentation.
    (&slow)
        .write_all(b"{\"type\":\"nav\",\"nav\":\"previous\"}\n")
        .unwrap();
    assert!(matches!(next(&rx), Message::Remote(Nav::Previous)));
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

#[test]
fn no_state_is_built_while_no_speaker_view_is_connected() {
    let (_dir, rx, server) = start();
    let mut built = 0;
    server.publish_with(|| {
        built += 1;
        big_state(1, 10, "unseen")
    });
    assert_eq!(built, 0, "nobody to send it to");
    let stream = view(&server);
    assert!(matches!(next(&rx), Message::Speakers(1)));
    server.publish_with(|| {
        built += 1;
        big_state(2, 10, "seen")
    });
    assert_eq!(built, 1);
    // The view gets the state built once it was there, never the one from before.
    let state = read_until_marker(&stream, "seen");
    assert_eq!(state.slide, 2);
}
