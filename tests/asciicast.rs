//! asciicast read/write: fixtures, round trips, every error, garbage in.

#[path = "common/tools.rs"]
mod tools;

use std::path::PathBuf;

use kdeck::cast::{
    Cast, CastWriter, Event, EventKind, Header, KdeckMeta, LineOrMarker, output_lines, parse,
    step_lines, write_v2,
};

fn fixture(name: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/casts")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    (text, format!("tests/fixtures/casts/{name}"))
}

fn ev(time: f64, kind: EventKind, data: &str) -> Event {
    Event {
        time,
        kind,
        data: data.into(),
    }
}

fn line(t: f64, s: &str) -> (f64, LineOrMarker) {
    (t, LineOrMarker::Line(s.into()))
}

fn marker(t: f64, s: &str) -> (f64, LineOrMarker) {
    (t, LineOrMarker::Marker(s.into()))
}

#[test]
fn parses_v2_fixture_with_markers_and_kdeck_meta() {
    let (text, src) = fixture("v2_markers.cast");
    let cast = parse(&text, &src).unwrap();
    let h = &cast.header;
    assert_eq!((h.width, h.height), (100, 30));
    assert_eq!(h.timestamp, Some(1_795_867_200));
    assert_eq!(h.title.as_deref(), Some("seccomp-log"));
    // null env values are dropped
    assert_eq!(h.env.len(), 1);
    assert_eq!(h.env["TERM"], "xterm-256color");
    let k = h.kdeck.as_ref().unwrap();
    assert_eq!(k.demo, "seccomp-log");
    assert_eq!(k.kernel, "6.18.44");
    assert_eq!(k.arch, "x86_64");
    assert_eq!(k.date, "2026-11-28T12:00:00Z");
    assert_eq!(k.mode, "live");
    assert_eq!(k.exit, Some(0));
    assert_eq!(k.verdict.as_deref(), Some("✓ kernel logged the call"));
    assert_eq!(k.host, None);
    assert!(k.missing_fields().is_empty());

    // "z" is skipped
    assert_eq!(cast.events.len(), 8);
    assert_eq!(cast.markers(), ["filter", "audit-log"]);
    assert_eq!(cast.events[1], ev(0.1, EventKind::Marker, "filter"));
    assert_eq!(
        cast.events[5].data,
        "audit: type=1326 syscall=110 \u{1b}[1maction=log\u{1b}[0m\r\n"
    );
    assert_eq!(cast.events[7], ev(0.8, EventKind::Exit, "0"));
    assert_eq!(cast.duration(), 0.8);
}

#[test]
fn parses_v3_fixture_with_intervals_comments_and_exit() {
    let (text, src) = fixture("v3_intervals.cast");
    let cast = parse(&text, &src).unwrap();
    let h = &cast.header;
    assert_eq!((h.width, h.height), (80, 24));
    assert_eq!(h.timestamp, Some(1_504_467_315));
    assert_eq!(h.title.as_deref(), Some("Demo"));
    assert_eq!(h.env["SHELL"], "/bin/zsh");
    assert_eq!(
        h.env["TERM"], "xterm-256color",
        "term.type kept as env TERM"
    );
    assert_eq!(h.kdeck, None);
    let got: Vec<(f64, EventKind)> = cast.events.iter().map(|e| (e.time, e.kind)).collect();
    use EventKind::*;
    assert_eq!(
        got,
        [
            (0.25, Output),
            (0.75, Output),
            (2.0, Marker),
            (2.125, Output),
            (2.625, Resize),
            (2.875, Input),
            (3.375, Output),
            (3.5, Exit),
        ]
    );
    assert_eq!(cast.events[4].data, "90x30");
    assert_eq!(cast.events[7].data, "0");
}

#[test]
fn output_lines_split_multi_line_and_partial_data() {
    let (text, src) = fixture("v3_intervals.cast");
    let cast = parse(&text, &src).unwrap();
    assert_eq!(
        output_lines(&cast),
        [
            line(0.75, "Hello World!"),
            line(0.75, "second line"),
            line(0.75, "third "), // flushed by the marker
            marker(2.0, "middle"),
            line(3.375, "partial end"),
        ]
    );
}

#[test]
fn output_lines_edge_cases() {
    let mut cast = Cast {
        header: Header::new(80, 24),
        events: vec![
            ev(0.0, EventKind::Output, "a\r"),
            ev(0.5, EventKind::Output, "\nb\r\n\nc"),
            ev(0.6, EventKind::Input, "ignored\n"),
            ev(1.0, EventKind::Output, "\r"),
        ],
    };
    assert_eq!(
        output_lines(&cast),
        [
            line(0.5, "a"), // "\r" + "\n" across events
            line(0.5, "b"),
            line(0.5, ""),  // empty line kept
            line(1.0, "c"), // trailing partial flushed, trailing "\r" stripped
        ]
    );
    cast.events.clear();
    assert!(output_lines(&cast).is_empty());
}

#[test]
fn step_lines_returns_lines_between_markers() {
    let (text, src) = fixture("v2_markers.cast");
    let cast = parse(&text, &src).unwrap();
    assert_eq!(
        step_lines(&cast, "filter"),
        [
            (0.15, "filter: getppid → SECCOMP_RET_LOG".to_string()),
            (0.2, "getppid() = 4121 (allowed, logged)".to_string()),
        ]
    );
    assert_eq!(
        step_lines(&cast, "audit-log"),
        [
            (
                0.75,
                "audit: type=1326 syscall=110 \u{1b}[1maction=log\u{1b}[0m".to_string()
            ),
            (0.75, "✓ kernel logged the call".to_string()),
        ]
    );
    assert!(step_lines(&cast, "nope").is_empty());
}

fn sample_cast() -> Cast {
    let mut header = Header::new(100, 30);
    header.timestamp = Some(1_795_867_200);
    header.title = Some("kdeck \"demo\"\n".into());
    header.env.insert("TERM".into(), "xterm-256color".into());
    header.kdeck = Some(KdeckMeta {
        demo: "landlock".into(),
        kernel: "6.18.44".into(),
        arch: "x86_64".into(),
        kdeck_version: "0.1.0".into(),
        date: "2026-11-28T12:00:00Z".into(),
        mode: "partial".into(),
        probe: Some("landlock ABI 6".into()),
        exit: Some(1),
        verdict: Some("✗ nope".into()),
        host: Some("ci".into()),
        facts: [("landlock.abi".to_string(), "6".to_string())].into(),
        profile: Some("ima-tcb".into()),
        spec: Some("no_new_privs = true\nhandled_fs = [\"write_file\"]\n".into()),
    });
    let mut w = CastWriter::new(header);
    w.line(0.0, "$ landlock");
    w.marker(0.1234567, "ruleset");
    w.line(
        0.2,
        "quotes \" backslash \\ tab \t nul \u{0} esc \u{1b}[0m é ✓ 🐧",
    );
    w.output(0.3, "raw partial");
    w.output(0.35, " more\n");
    w.exit(1.5, 1);
    w.finish()
}

#[test]
fn write_v2_round_trips_through_parse() {
    let cast = sample_cast();
    let text = write_v2(&cast);
    assert!(text.starts_with(r#"{"version":2,"width":100,"height":30,"timestamp":1795867200,"#));
    assert!(text.ends_with("[1.5, \"x\", \"1\"]\n"), "{text}");
    assert!(!text.contains("\n\n"));
    assert_eq!(text.lines().count(), 1 + cast.events.len());
    assert!(text.contains("[0.123457, \"m\", \"ruleset\"]\n"), "{text}");
    let back = parse(&text, "mem").unwrap();
    assert_eq!(back.header, cast.header);
    assert_eq!(back.events.len(), cast.events.len());
    for (a, b) in back.events.iter().zip(&cast.events) {
        assert_eq!((a.kind, &a.data), (b.kind, &b.data));
        assert!((a.time - b.time).abs() <= 5e-7, "{} vs {}", a.time, b.time);
    }
    // Writing again is stable.
    assert_eq!(write_v2(&back), text);
}

#[test]
fn write_v2_sanitizes_times() {
    let cast = Cast {
        header: Header {
            timestamp: Some(-5),
            ..Header::new(80, 24)
        },
        events: vec![
            ev(f64::NAN, EventKind::Output, "a"),
            ev(2.0, EventKind::Output, "b"),
            ev(1.0, EventKind::Output, "c"),
            ev(-3.0, EventKind::Marker, "d"),
            ev(f64::INFINITY, EventKind::Output, "e"),
        ],
    };
    let text = write_v2(&cast);
    assert!(
        text.starts_with("{\"version\":2,\"width\":80,\"height\":24}\n"),
        "{text}"
    );
    let back = parse(&text, "mem").unwrap();
    let times: Vec<f64> = back.events.iter().map(|e| e.time).collect();
    assert_eq!(times, [0.0, 2.0, 2.0, 2.0, 2.0]);
}

fn err(text: &str) -> String {
    parse(text, "demos/x/recorded.cast")
        .unwrap_err()
        .to_string()
}

const V2: &str = r#"{"version": 2, "width": 80, "height": 24}"#;
const V3: &str = r#"{"version": 3, "term": {"cols": 80, "rows": 24}}"#;

#[test]
fn errors_name_file_line_and_problem() {
    let cases: &[(String, &str)] = &[
        (
            String::new(),
            "demos/x/recorded.cast:1: empty file (expected an asciicast header line)",
        ),
        (
            "\n  \n".into(),
            "demos/x/recorded.cast:1: empty file (expected an asciicast header line)",
        ),
        (
            r#"{"version": 1, "width": 80, "height": 24, "stdout": []}"#.into(),
            "demos/x/recorded.cast:1: unsupported asciicast version 1 (kdeck reads v2 and v3)",
        ),
        (
            "{\n  \"version\": 1,\n  \"width\": 80,\n  \"stdout\": []\n}\n".into(),
            "demos/x/recorded.cast:1: unsupported asciicast version 1 (kdeck reads v2 and v3)",
        ),
        (
            r#"{"version": "2", "width": 80, "height": 24}"#.into(),
            r#"demos/x/recorded.cast:1: unsupported asciicast version "2" (kdeck reads v2 and v3)"#,
        ),
        (
            r#"{"width": 80, "height": 24}"#.into(),
            r#"demos/x/recorded.cast:1: header has no "version""#,
        ),
        (
            "[2, 80, 24]".into(),
            "demos/x/recorded.cast:1: header is not a JSON object",
        ),
        (
            r#"{"version": 2, "width": 80"#.into(),
            "demos/x/recorded.cast:1: truncated or invalid JSON: EOF while parsing an object (column 26)",
        ),
        (
            r#"{"version": 2, "height": 24}"#.into(),
            r#"demos/x/recorded.cast:1: header has no "width""#,
        ),
        (
            r#"{"version": 2, "width": 80}"#.into(),
            r#"demos/x/recorded.cast:1: header has no "height""#,
        ),
        (
            r#"{"version": 2, "width": 0, "height": 24}"#.into(),
            r#"demos/x/recorded.cast:1: header field "width" is not an integer in 1..=65535: 0"#,
        ),
        (
            r#"{"version": 2, "width": 80, "height": 1e9}"#.into(),
            r#"demos/x/recorded.cast:1: header field "height" is not an integer in 1..=65535: 1000000000.0"#,
        ),
        (
            r#"{"version": 3, "width": 80, "height": 24}"#.into(),
            r#"demos/x/recorded.cast:1: header has no "term""#,
        ),
        (
            r#"{"version": 3, "term": {"cols": 80}}"#.into(),
            r#"demos/x/recorded.cast:1: header has no "term.rows""#,
        ),
        (
            r#"{"version": 2, "width": 80, "height": 24, "kdeck": {"exit": "zero"}}"#.into(),
            r#"demos/x/recorded.cast:1: header field "kdeck" is invalid: invalid type: string "zero", expected i32"#,
        ),
        (
            r#"{"version": 2, "width": 80, "height": 24, "title": 7}"#.into(),
            r#"demos/x/recorded.cast:1: header field "title" is not a string: 7"#,
        ),
        (
            format!("{V2}\n[0.5, \"o\", \"a\"]\n[1.0, \"o\", \"b\"]\n[0.1, \"o\""),
            "demos/x/recorded.cast:4: truncated or invalid JSON: EOF while parsing a list (column 9)",
        ),
        (
            format!("{V2}\n[0.5, \"o\", \"a\"]\n\n[4.0, \"o\", \"b\"]\n[3.2, \"o\", \"c\"]"),
            "demos/x/recorded.cast:5: event time goes backwards (3.2 after 4.0)",
        ),
        (
            format!("{V2}\n[-1, \"o\", \"a\"]"),
            "demos/x/recorded.cast:2: malformed event: negative time -1.0",
        ),
        (
            format!("{V3}\n[1.0, \"o\", \"a\"]\n[-0.5, \"o\", \"b\"]"),
            "demos/x/recorded.cast:3: negative event interval -0.5",
        ),
        (
            format!("{V2}\n# a comment"),
            "demos/x/recorded.cast:2: comment lines are only allowed in asciicast v3",
        ),
        (
            format!("{V2}\n{{\"time\": 1}}"),
            "demos/x/recorded.cast:2: malformed event: expected an array [time, code, data]",
        ),
        (
            format!("{V2}\n[1.0, \"o\"]"),
            "demos/x/recorded.cast:2: malformed event: expected 3 elements [time, code, data], got 2",
        ),
        (
            format!("{V2}\n[\"1.0\", \"o\", \"a\"]"),
            "demos/x/recorded.cast:2: malformed event: time is not a number",
        ),
        (
            format!("{V2}\n[1.0, \"\", \"a\"]"),
            "demos/x/recorded.cast:2: malformed event: empty event code",
        ),
        (
            format!("{V2}\n[1.0, 111, \"a\"]"),
            "demos/x/recorded.cast:2: malformed event: event code is not a string",
        ),
        (
            format!("{V2}\n[1.0, \"o\", null]"),
            "demos/x/recorded.cast:2: malformed event: event data is not a string",
        ),
        (
            format!("{V3}\n[1.0, \"r\", \"80 by 24\"]"),
            r#"demos/x/recorded.cast:2: invalid resize "80 by 24" (expected COLSxROWS)"#,
        ),
        (
            format!("{V2}\n[1.0, \"o\", \"a\"] trailing"),
            "demos/x/recorded.cast:2: truncated or invalid JSON: trailing characters (column 17)",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(&err(text), want, "input: {text:?}");
    }
}

#[test]
fn lenient_where_the_spec_is() {
    // Unknown codes (even in v2) are skipped but still move the v3 clock; an exit
    // status written as a number is accepted; CRLF line endings and a BOM are fine.
    let text = format!("\u{feff}{V3}\r\n[1.0, \"q\", \"?\"]\r\n[0.5, \"x\", 3]\r\n");
    let cast = parse(&text, "mem").unwrap();
    assert_eq!(cast.events, [ev(1.5, EventKind::Exit, "3")]);
    // Old kdeck metadata without the newer fields still parses.
    let text = r#"{"version": 2, "width": 80, "height": 24, "timestamp": 1.5e9, "kdeck": {"demo": "lsm"}}"#;
    let cast = parse(text, "mem").unwrap();
    let k = cast.header.kdeck.unwrap();
    assert_eq!(k.demo, "lsm");
    assert_eq!(
        k.missing_fields(),
        ["kernel", "arch", "kdeck_version", "date", "mode"]
    );
    assert_eq!(cast.header.timestamp, Some(1_500_000_000));
}

/// A tiny deterministic PRNG (xorshift64*), so the garbage is the same every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn no_input_panics() {
    let (v2, _) = fixture("v2_markers.cast");
    let (v3, _) = fixture("v3_intervals.cast");
    // Every truncated prefix of a valid recording: parses or errors, never panics.
    for text in [&v2, &v3] {
        for (i, _) in text.char_indices() {
            let prefix = &text[..i];
            if let Ok(cast) = parse(prefix, "prefix") {
                let _ = output_lines(&cast);
                let _ = write_v2(&cast);
            }
        }
    }
    // Random lines spliced out of fragments that stress the parser.
    let pieces = [
        "[",
        "]",
        "{",
        "}",
        "\"",
        ",",
        ":",
        "0",
        "-1",
        "1e999",
        "2.5",
        "null",
        "true",
        "\"o\"",
        "\"m\"",
        "\"r\"",
        "\"x\"",
        "\"\"",
        "\"80x24\"",
        "\"version\"",
        "2",
        "3",
        "\"term\"",
        "#",
        " ",
        "\\",
        "\\u",
        "\u{1b}",
        "é",
        "🐧",
        "\r",
        "\n",
        "\u{feff}",
        "\"kdeck\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let mut text = match round % 3 {
            0 => format!("{V2}\n"),
            1 => format!("{V3}\n"),
            _ => String::new(),
        };
        for _ in 0..rng.below(6) {
            for _ in 0..rng.below(12) {
                text.push_str(pieces[rng.below(pieces.len())]);
            }
            text.push('\n');
        }
        if let Ok(cast) = parse(&text, "garbage") {
            let _ = output_lines(&cast);
            let again = parse(&write_v2(&cast), "rewritten");
            assert!(again.is_ok(), "{text:?} → {again:?}");
        }
    }
}

/// asciinema itself accepts what kdeck writes (the extra "kdeck" header key, "m" and
/// "x" events). `asciinema cat` needs a terminal, so it runs under script(1).
#[test]
fn asciinema_cat_accepts_write_v2() {
    for tool in ["asciinema", "script"] {
        if !tools::has(tool) {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install asciinema and script (.ci/run does)"
            );
            eprintln!("skipped: `{tool}` is not installed");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.cast");
    std::fs::write(&path, write_v2(&sample_cast())).unwrap();
    let out = tools::asciinema_cat(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("$ landlock"), "{stdout}");
    assert!(stdout.contains("raw partial more"), "{stdout}");
}

/// Every shipped recording plays in asciinema (`asciinema cat` shows its output lines).
#[test]
fn asciinema_plays_every_shipped_recording() {
    if !(tools::has("asciinema") && tools::has("script")) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install asciinema and script (.ci/run does)"
        );
        eprintln!("skipped: asciinema or script is not installed");
        return;
    }
    for id in kdeck::demo::ids() {
        let path = format!("{}/demos/{id}/recorded.cast", env!("CARGO_MANIFEST_DIR"));
        let out = tools::asciinema_cat(std::path::Path::new(&path));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{id}: {out:?}");
        assert!(stdout.contains('✓'), "{id}: the verdict plays\n{stdout}");
    }
}
