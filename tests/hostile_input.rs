//! Hostile content: recordings that are wrong but parse (one validator for check,
//! demo, record and the engine), escape sequences in files (never reach the terminal
//! raw), and errors that name file, line and problem, all of them at once.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::hostile::{has_controls, header, kdeck, s};
use kdeck::demo::{DemoCommand, DemoEvent, Engine, Outcome, Recordings, RunMode};
use kdeck::record::asciicast::validate_recording;

/// A recordings dir with `demos/<id>/recorded.cast` = `text` for each pair.
fn recordings(casts: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (id, text) in casts {
        std::fs::create_dir_all(d.path().join(id)).unwrap();
        std::fs::write(d.path().join(id).join("recorded.cast"), text).unwrap();
    }
    d
}

fn cast(lines: &[&str]) -> String {
    let mut t = header("kspp", "6.1.0");
    for l in lines {
        t.push('\n');
        t.push_str(l);
    }
    t + "\n"
}

const OK_EVENTS: &[&str] = &[r#"[0.1, "o", "hello\r\n"]"#, r#"[0.2, "x", "0"]"#];

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

/// `kdeck record --only kspp --mode recorded` with recordings from `dir`.
fn record_kspp(dir: &Path, out: &Path) -> common::hostile::Out {
    kdeck(&[
        "record",
        "--only",
        "kspp",
        "--mode",
        "recorded",
        "--recordings",
        s(dir),
        "--out",
        s(out),
    ])
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
    assert!(!screen.contains("recorded on"), "{screen}");
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

const EVIL: &str = "\x1b]0;pwned\x07T\x1b[2Ji\u{9b}31mt\x08le\u{202e}";

#[test]
fn escape_sequences_from_files_never_reach_the_terminal() {
    // A slide title and section, and a file name.
    let deck = tempfile::tempdir().unwrap();
    let toml_title = serde_json::to_string(EVIL).unwrap(); // JSON escapes are TOML escapes here
    std::fs::write(
        deck.path().join("01.md"),
        format!("+++\ntitle = {toml_title}\nsection = {toml_title}\n+++\nbody\n"),
    )
    .unwrap();
    // The model keeps no escapes in one-line fields: the TUI header shows "Title".
    let loaded = kdeck::deck::Deck::from_dir(deck.path(), &kdeck::demo::ids()).unwrap();
    assert_eq!(loaded.slides[0].title, "Title");
    assert_eq!(loaded.slides[0].section, "Title");
    let r = kdeck(&["list", "--deck", s(deck.path())]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(!has_controls(&r.out), "{:?}", r.out);
    assert!(r.out.contains("Title"), "{}", r.out);
    std::fs::write(deck.path().join("\x1b[31mbad.md"), "no front matter").unwrap();
    let r = kdeck(&["check", "--deck", s(deck.path())]);
    assert_eq!(r.code, 1);
    assert!(
        !has_controls(&r.err) && r.err.contains("bad.md:1: missing front matter"),
        "{:?}",
        r.err
    );

    // A recording's header fields and output, in `demo`, `check` and `record`.
    let evil_json = serde_json::to_string(EVIL).unwrap();
    let text = format!(
        "{}\n[0.1, \"m\", {evil_json}]\n[0.1, \"o\", {}]\n[0.2, \"x\", \"0\"]\n",
        header("kspp", EVIL),
        serde_json::to_string(&format!("{EVIL}\r\n✗ {EVIL}\r\n")).unwrap()
    );
    let d = recordings(&[("kspp", &text)]);
    let r = kdeck(&[
        "demo",
        "kspp",
        "--recorded",
        "--speed",
        "0",
        "--recordings",
        s(d.path()),
    ]);
    assert!(
        !has_controls(&r.out) && !has_controls(&r.err),
        "{:?}",
        r.out
    );
    assert!(r.out.contains("recorded on Title x86_64"), "{}", r.out);
    let out = tempfile::tempdir().unwrap();
    let r = record_kspp(d.path(), out.path());
    assert!(
        !has_controls(&r.out) && !has_controls(&r.err),
        "{:?}\n{:?}",
        r.out,
        r.err
    );
    let bad = format!("{}\n[0.1, {evil_json}, \"x\"]\n", header("kspp", "k"));
    let d = recordings(&[("kspp", &bad)]);
    let r = kdeck(&["check", "--recordings", s(d.path())]);
    assert!(
        !has_controls(&r.out) && r.out.contains("unknown event code"),
        "{:?}",
        r.out
    );
}

#[test]
fn list_survives_huge_titles_and_sections() {
    let deck = tempfile::tempdir().unwrap();
    let long = "x".repeat(70_000);
    std::fs::write(
        deck.path().join("01.md"),
        format!("+++\ntitle = \"{long}\"\nsection = \"{long}\"\n+++\nbody\n"),
    )
    .unwrap();
    let r = kdeck(&["list", "--deck", s(deck.path())]);
    assert_eq!(r.code, 0, "{}", r.err);
    let row = r.out.lines().find(|l| l.starts_with("  1  ")).unwrap();
    assert!(
        row.contains(&format!("{}…", "x".repeat(59))) && row.len() < 300,
        "{row}"
    );
}

#[test]
fn errors_name_the_line_and_say_what_is_wrong() {
    // deck.toml: the line of `minutes`.
    let deck = tempfile::tempdir().unwrap();
    std::fs::write(
        deck.path().join("deck.toml"),
        "title = \"T\"\n\nminutes = -3\n",
    )
    .unwrap();
    std::fs::write(deck.path().join("01.md"), "+++\ntitle = \"x\"\n+++\n").unwrap();
    let r = kdeck(&["check", "--deck", s(deck.path())]);
    assert!(
        r.err.contains(&format!(
            "{}:3: minutes must be a positive number, got -3",
            deck.path().join("deck.toml").display()
        )),
        "{}",
        r.err
    );
    // A recording that is not UTF-8: its line.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("kspp")).unwrap();
    let mut bytes = cast(OK_EVENTS).into_bytes();
    bytes.extend_from_slice(b"[0.3, \"o\", \"\xff\"]\n");
    std::fs::write(d.path().join("kspp/recorded.cast"), bytes).unwrap();
    let r = kdeck(&["check", "--recordings", s(d.path())]);
    assert!(
        r.out
            .contains("kspp/recorded.cast:4: not valid UTF-8 (bad byte at offset"),
        "{}",
        r.out
    );
    // kspp --config DIR.
    let r = kdeck(&["kspp", "--config", "/"]);
    assert_eq!((r.code, r.err.trim()), (1, "kdeck: /: is a directory"));
    // record --out FILE.
    let f = tempfile::NamedTempFile::new().unwrap();
    let r = kdeck(&[
        "record",
        "--only",
        "kspp",
        "--mode",
        "recorded",
        "--out",
        s(f.path()),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.err.contains(&format!(
            "{}: exists and is not a directory",
            f.path().display()
        )),
        "{}",
        r.err
    );
}

#[test]
fn every_problem_of_a_file_is_reported_up_to_a_limit() {
    let d = tempfile::tempdir().unwrap();
    let config = d.path().join("config");
    std::fs::write(
        &config,
        "CONFIG_A=y\nbad one\nCONFIG_B=y\nbad two\nbad three\n",
    )
    .unwrap();
    let r = kdeck(&["kspp", "--config", s(&config)]);
    assert_eq!(r.code, 1);
    let shown = config.display().to_string();
    for n in [2, 4, 5] {
        assert!(r.err.contains(&format!("{shown}:{n}: ")), "{n}: {}", r.err);
    }
    let garbage = "nope\n".repeat(500);
    let rec = recordings(&[("kspp", &format!("{}\n{garbage}", header("kspp", "k")))]);
    let r = kdeck(&["check", "--recordings", s(rec.path())]);
    assert!(
        r.out
            .contains("kspp/recorded.cast:2: truncated or invalid JSON"),
        "{}",
        r.out
    );
    assert!(r.out.contains("kspp/recorded.cast:51: "), "{}", r.out);
    assert!(r.out.contains("… and 452 more problem(s)"), "{}", r.out);
    assert!(r.out.lines().count() < 80, "{}", r.out);
}

#[test]
fn a_report_that_cant_be_written_makes_table_and_exit_agree() {
    let out = tempfile::tempdir().unwrap();
    for flag in ["--json", "--junit"] {
        let r = kdeck(&[
            "record",
            "--only",
            "kspp",
            "--mode",
            "recorded",
            "--out",
            s(out.path()),
            flag,
            "/nonexistent-dir/report",
        ]);
        assert_eq!(r.code, 1, "{flag}: {}", r.err);
        assert!(r.out.contains("· exit 1"), "{flag}: {}", r.out);
        assert!(
            r.err
                .contains("/nonexistent-dir/report: its directory /nonexistent-dir does not exist"),
            "{flag}: {}",
            r.err
        );
    }
}
