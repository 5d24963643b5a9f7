//! Recordings that are wrong but parse: one validator decides, and `kdeck check`,
//! `kdeck demo`, `kdeck record` and the TUI all apply it, reporting every problem as
//! `file:line`. Replays are bounded like live runs and stop on `x`.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::hostile::{OK_EVENTS, cast, header, kdeck, record_kspp, recordings, s};
use kdeck::cast::validate_recording;
use kdeck::demo::{DemoCommand, DemoEvent, Engine, Outcome, Recordings, RunMode};

#[test]
fn the_validator_rejects_recordings_that_only_look_right() {
    let no_kdeck = r#"{"version": 2, "width": 80, "height": 24}
[0.1, "o", "hi\r\n"]
[0.2, "x", "0"]
"#;
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            header("kspp", "6.1"),
            vec![
                "f.cast:1: no output: the recording has no \"o\" event",
                "f.cast:1: no exit event (\"x\"): the recording ends before the demo did (cut short?)",
            ],
        ),
        (
            cast(&[r#"[0.1, "o", "hi\r\n"]"#]),
            vec![
                "f.cast:2: no exit event (\"x\"): the recording ends before the demo did (cut short?)",
            ],
        ),
        (
            cast(&[
                r#"[0.1, "o", "hi\r\n"]"#,
                r#"[0.1, "z", "?"]"#,
                r#"[0.2, "x", "0"]"#,
            ]),
            vec!["f.cast:3: unknown event code \"z\" (a kdeck recording uses o, m and x)"],
        ),
        (
            cast(&[r#"[0.1, "o", "hi\r\n"]"#, r#"[0.2, "x", "zero"]"#]),
            vec!["f.cast:3: exit status \"zero\" is not an integer"],
        ),
        (
            cast(&[r#"[0.1, "o", "hi\r\n"]"#, r#"[1e9, "x", "0"]"#]),
            vec!["f.cast:3: event at 1000000000 s is past the 10 s a replay of this demo may take"],
        ),
        (
            no_kdeck.to_string(),
            vec!["f.cast:1: header has no \"kdeck\" object (where and when was it recorded?)"],
        ),
        (
            r#"{"version": 2, "width": 80, "height": 24, "kdeck": {"demo": "kspp"}}
[0.1, "o", "hi\r\n"]
[0.2, "x", "0"]
"#
            .to_string(),
            vec!["f.cast:1: header lacks kdeck fields: kernel, arch, kdeck_version, date, mode"],
        ),
        // Every problem of the file at once, in line order.
        (
            cast(&[
                r#"[0.1, "o"]"#,
                r#"[0.2, "o", "x\r\n"]"#,
                r#"[0.05, "o", "back\r\n"]"#,
                "not json",
                r#"[0.3, "q", ""]"#,
            ]),
            vec![
                "f.cast:2: malformed event: expected 3 elements [time, code, data], got 2",
                "f.cast:4: event time goes backwards (0.05 after 0.2)",
                "f.cast:5: truncated or invalid JSON",
                "f.cast:6: unknown event code \"q\"",
                "f.cast:6: no exit event",
            ],
        ),
    ];
    for (text, want) in cases {
        let err = validate_recording(&text, "f.cast", 10.0)
            .expect_err(&text)
            .to_string();
        assert_eq!(err.lines().count(), want.len(), "{text}\n→ {err}");
        for (line, w) in err.lines().zip(&want) {
            assert!(line.starts_with(w), "{text}\n→ {err}\nwant {w}");
        }
    }
    assert!(validate_recording(&cast(OK_EVENTS), "f.cast", 10.0).is_ok());
}

#[test]
fn check_demo_and_record_use_the_same_validator() {
    let no_kdeck = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"hi\\r\\n\"]\n[0.2, \"x\", \"0\"]\n";
    let d = recordings(&[("kspp", no_kdeck)]);
    let want = format!(
        "{}:1: header has no \"kdeck\" object (where and when was it recorded?)",
        d.path().join("kspp/recorded.cast").display()
    );
    let r = kdeck(&["check", "--recordings", s(d.path())]);
    assert_eq!(r.code, 1);
    assert!(r.out.contains(&want), "{}", r.out);
    let r = kdeck(&["demo", "kspp", "--recorded", "--recordings", s(d.path())]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(
        r.out.contains(&want) && !r.out.contains("recorded on unknown"),
        "{}",
        r.out
    );
    let out = tempfile::tempdir().unwrap();
    let r = record_kspp(d.path(), out.path());
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(
        r.out.contains("kspp  failed") && r.out.contains("no recording to fall back to: "),
        "{}",
        r.out
    );
    assert!(r.out.contains("exit 1"), "{}", r.out);
    // A cast without an exit event is no normal fallback either.
    let d = recordings(&[("kspp", &cast(&[r#"[0.1, "o", "hi\r\n"]"#]))]);
    let r = record_kspp(d.path(), out.path());
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(r.out.contains("no exit event"), "{}", r.out);
}

#[test]
fn the_tui_badge_names_every_problem_of_an_invalid_recording() {
    let d = recordings(&[(
        "kspp",
        &cast(&[r#"[0.1, "o", "hi\r\n"]"#, r#"[0.2, "z", ""]"#]),
    )]);
    let mut app = kdeck::app::App::new(
        common::deck(),
        kdeck::app::Options {
            start: common::slide_of("kspp"),
            force_recorded: true,
            kernel: common::KERNEL.into(),
            ..Default::default()
        },
    );
    let (sink, rx) = common::channel_sink();
    let mut engine = Engine::new(common::exe(), Recordings::from_dir(d.path()), sink);
    for cmd in app.update(common::key('r')) {
        engine.command(cmd);
    }
    loop {
        let ev = rx.recv_timeout(Duration::from_secs(20)).expect("events");
        let done = matches!(ev, DemoEvent::Exited { .. });
        app.update(kdeck::app::Message::Demo(ev));
        if done {
            break;
        }
    }
    let screen = common::screen(&app, 200, 50)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(screen.contains("unknown event code \"z\""), "{screen}");
    assert!(screen.contains("no exit event"), "{screen}");
    assert!(!screen.contains("recorded on unknown"), "{screen}");
}

/// Runs the engine on `recordings` for kspp; returns the end and how long it took.
fn replay(
    dir: &Path,
    timeout: Duration,
    speed: f64,
    stop_after: Option<Duration>,
) -> (Outcome, Duration) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink: kdeck::demo::Sink = Arc::new(move |ev| {
        let _ = tx.lock().unwrap().send(ev);
    });
    let mut engine = Engine::new(common::exe(), Recordings::from_dir(dir), sink)
        .with_timeout(timeout)
        .with_speed(speed);
    let started = Instant::now();
    engine.command(DemoCommand::Start {
        run: 1,
        id: "kspp".into(),
        mode: RunMode::Recorded,
    });
    loop {
        let wait = stop_after.map_or(Duration::from_secs(20), |s| {
            s.saturating_sub(started.elapsed())
        });
        match rx.recv_timeout(wait.max(Duration::from_millis(1))) {
            Ok(DemoEvent::Exited { outcome, .. }) => return (outcome, started.elapsed()),
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Timeout) if stop_after.is_some() => {
                engine.command(DemoCommand::Stop { run: 1 });
            }
            Err(e) => panic!("no end of the replay: {e}"),
        }
    }
}

#[test]
fn replays_get_the_timeout_and_stop_like_live_runs() {
    let d = recordings(&[(
        "kspp",
        &cast(&[
            r#"[0.1, "o", "soon\r\n"]"#,
            r#"[8.0, "o", "late\r\n"]"#,
            r#"[8.0, "x", "0"]"#,
        ]),
    )]);
    let (outcome, took) = replay(d.path(), Duration::from_millis(500), 1.0, None);
    assert!(matches!(outcome, Outcome::TimedOut { .. }), "{outcome:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // `x` (Stop) during a replay ends it at once.
    let (outcome, took) = replay(
        d.path(),
        Duration::from_secs(30),
        1.0,
        Some(Duration::from_millis(300)),
    );
    assert_eq!(outcome, Outcome::Stopped);
    assert!(took < Duration::from_secs(2), "{took:?}");
}
