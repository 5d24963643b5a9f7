//! Hostile content: escape sequences in files (never reach the terminal raw), huge
//! titles, and errors that name file, line and problem, all of them at once.

mod common;

use common::hostile::{OK_EVENTS, cast, has_controls, header, kdeck, record_kspp, recordings, s};

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
    assert_eq!((r.code, r.err.trim()), (2, "kdeck: /: is a directory"));
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
    assert_eq!(r.code, 2);
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
    assert_eq!(r.code, 2);
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
    assert!(
        r.out.contains("embedded: 19 slides, 511 problem(s)"),
        "{}",
        r.out
    );
}

#[test]
fn a_report_that_cant_be_written_is_refused_before_any_demo_runs() {
    let out = tempfile::tempdir().unwrap();
    // A parent that can't be created: a regular file stands where its directory would.
    let blocker = out.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let report = blocker.join("report");
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
            s(&report),
        ]);
        assert_eq!(r.code, 2, "{flag}: {}", r.err);
        assert!(!r.out.contains("kspp"), "no demo ran: {flag}: {}", r.out);
        assert!(
            r.err.contains(&format!(
                "{flag} {}: can't create directory",
                report.display()
            )),
            "{flag}: {}",
            r.err
        );
    }
}
