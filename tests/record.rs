//! `kdeck record` end to end: the real binary with stdin from /dev/null and stdout to a
//! file (no TTY anywhere), its casts, table, JSON, JUnit, walkthrough and frames.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kdeck::cast::{self as asciicast, Cast, EventKind};
use kdeck::deck::{Block, Deck};
use kdeck::record::report::RunReport;
use quick_junit::{Report, TestCaseStatus};

/// The demos that run fully live on the development VM (root, Linux 6.18): all but
/// wireguard (no WireGuard) and ima (no IMA: partial).
const LIVE: &[&str] = &[
    "seccomp-log",
    "landlock",
    "namespaces",
    "timens",
    "lsm",
    "audit",
    "container",
    "kspp",
];

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `kdeck record ARGS` in `dir` with no terminal: stdin /dev/null, stdout a file.
fn record(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
    let stdout_path = dir.join(format!("stdout-{}.txt", std::process::id()));
    let stdout_file = fs::File::create(&stdout_path).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.arg("record")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(stdout_file)
        .stderr(Stdio::piped())
        .env_remove("KDECK_PROBE_FORCE")
        .env_remove("KDECK_FORCE_RECORDED")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run kdeck record");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: fs::read_to_string(&stdout_path).unwrap(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    eprintln!(
        "$ kdeck record {}\n--- exit {} ---\n--- stdout ---\n{}--- stderr ---\n{}",
        args.join(" "),
        out.code,
        out.stdout,
        out.stderr
    );
    out
}

fn is_root() -> bool {
    // SAFETY: geteuid never fails.
    unsafe { libc::geteuid() == 0 }
}

fn parse_cast(path: &Path) -> Cast {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    asciicast::parse(&text, &path.display().to_string()).unwrap()
}

fn json(path: &Path) -> RunReport {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn junit(path: &Path) -> Report {
    Report::deserialize_from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn deck() -> Deck {
    Deck::embedded(&kdeck::demo::ids()).unwrap()
}

/// The demos of the deck in slide order, keeping those in `ids`.
fn in_deck_order(ids: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in deck().slides {
        if let Some(d) = s.demo
            && ids.contains(&d.as_str())
            && !out.contains(&d)
        {
            out.push(d);
        }
    }
    out
}

/// The table row of demo `id`, split on whitespace.
fn table_row<'a>(stdout: &'a str, id: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no table row for {id}"))
        .split_whitespace()
        .collect()
}

/// Checks the casts, the table, the JSON and the JUnit of one run against each other.
fn check_reports(dir: &Path, out: &Out, report: &RunReport, xml: &Report) {
    assert_eq!(i32::from(report.exit_code), out.code);
    let s = &report.summary;
    assert_eq!(s.total, report.demos.len());
    assert_eq!(s.live + s.partial + s.recorded + s.failed, s.total);
    let suite = &xml.test_suites[0];
    assert_eq!(suite.name.as_str(), "kdeck.demos");
    assert_eq!(suite.test_cases.len(), report.demos.len());
    for (d, case) in report.demos.iter().zip(&suite.test_cases) {
        // The per-demo cast: parses, has every provenance field, agrees with the JSON.
        let cast = parse_cast(&dir.join("out").join(&d.cast));
        let meta = cast.header.kdeck.as_ref().expect("kdeck header");
        assert!(meta.missing_fields().is_empty(), "{}: {meta:?}", d.id);
        assert_eq!(meta.demo, d.id);
        assert_eq!(meta.exit, Some(d.exit));
        assert_eq!(meta.verdict.clone().unwrap_or_default(), d.verdict_line);
        // The table row.
        let row = table_row(&out.stdout, &d.id);
        assert_eq!(row[1], serde_json::to_value(d.mode).unwrap());
        assert_eq!(row[2], serde_json::to_value(d.verdict).unwrap());
        // The JUnit test case.
        assert_eq!(case.name.as_str(), d.id);
        assert_eq!(case.classname.as_ref().unwrap().as_str(), "kdeck.demos");
        let junit_kind = match &case.status {
            TestCaseStatus::Success { .. } => "pass",
            TestCaseStatus::Skipped { .. } => "fallback",
            TestCaseStatus::NonSuccess { .. } => "fail",
        };
        assert_eq!(junit_kind, serde_json::to_value(d.verdict).unwrap());
        let (mode, verdict) = (
            serde_json::to_value(d.mode).unwrap(),
            serde_json::to_value(d.verdict).unwrap(),
        );
        let pairs_ok = matches!(
            (mode.as_str().unwrap(), verdict.as_str().unwrap()),
            ("live" | "partial", "pass") | ("recorded", "fallback") | ("failed", "fail")
        );
        assert!(pairs_ok, "{}: {mode} {verdict}", d.id);
        if mode == "live" {
            assert!(d.reason.is_empty(), "{}: {}", d.id, d.reason);
        } else {
            assert!(!d.reason.is_empty(), "{}: no reason", d.id);
        }
    }
}

#[test]
fn live_demos_pass_and_every_report_agrees() {
    if !is_root() {
        eprintln!("skip: the live demos need root on this machine");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let only = LIVE.join(",");
    let out = record(
        tmp.path(),
        &[
            "--out", "out", "--json", "j.json", "--junit", "x.xml", "--only", &only,
        ],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.code, 0);
    let report = json(&tmp.path().join("j.json"));
    let xml = junit(&tmp.path().join("x.xml"));
    check_reports(tmp.path(), &out, &report, &xml);
    let ids: Vec<&str> = report.demos.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, in_deck_order(LIVE));
    // The kernel matrix reads this schema with the same type (RunReport), as parsed above.
    assert_eq!(report.demos.len(), LIVE.len());
    assert_eq!(report.mode, "auto");
    assert_eq!(report.uid, 0);
    assert_eq!(report.kdeck_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(report.summary.live, LIVE.len());
    let (kernel, arch) = asciicast::uname().unwrap();
    assert_eq!(
        (report.kernel.as_str(), report.arch.as_str()),
        (&*kernel, &*arch)
    );
    for d in &report.demos {
        assert!(d.verdict_line.starts_with('✓'), "{d:?}");
        assert_eq!(d.probe.as_ref().map(|p| p.support.as_str()), Some("yes"));
        let cast = parse_cast(&tmp.path().join("out").join(&d.cast));
        let meta = cast.header.kdeck.unwrap();
        assert_eq!(
            (meta.mode.as_str(), meta.kernel.as_str()),
            ("live", &*kernel)
        );
        assert!(meta.probe.unwrap().starts_with("yes — "));
    }
    assert!(out.stderr.is_empty(), "nothing to warn about");
    let md = fs::read_to_string(&summary).unwrap();
    assert!(md.contains("| `landlock` | live | ✅ pass |"), "{md}");
}

/// Every demo of the deck on this machine: whatever each one does, the exit code
/// follows the rules and the reports agree. (Recordings for wireguard and ima may not
/// exist yet; then those two fail and the run exits 1, naming the missing file.)
#[test]
fn whole_deck_exit_code_follows_the_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = record(
        tmp.path(),
        &["--out", "out", "--json", "j.json", "--junit", "x.xml"],
        &[],
    );
    let report = json(&tmp.path().join("j.json"));
    check_reports(tmp.path(), &out, &report, &junit(&tmp.path().join("x.xml")));
    let ids: Vec<&str> = report.demos.iter().map(|d| d.id.as_str()).collect();
    let all: Vec<&str> = kdeck::demo::ids();
    assert_eq!(ids, in_deck_order(&all));
    let expected = if report.summary.failed > 0 { 1 } else { 0 };
    assert_eq!(out.code, expected);
    for d in report
        .demos
        .iter()
        .filter(|d| d.reason.contains("no recording"))
    {
        assert!(
            d.reason.contains(&format!("demos/{}/recorded.cast", d.id)),
            "{d:?}"
        );
        assert!(out.stderr.contains(&d.id));
    }
}

/// Records `ids` live into `dir/live/` and lays the casts out as a recordings
/// directory `dir/recs/<id>/recorded.cast`.
fn make_recordings(dir: &Path, ids: &[&str]) -> PathBuf {
    let out = record(dir, &["--out", "live", "--only", &ids.join(",")], &[]);
    assert_eq!(out.code, 0, "the live runs that make the recordings");
    let recs = dir.join("recs");
    for id in ids {
        fs::create_dir_all(recs.join(id)).unwrap();
        fs::copy(
            dir.join("live").join(format!("{id}.cast")),
            recs.join(id).join("recorded.cast"),
        )
        .unwrap();
    }
    recs
}

#[test]
fn recorded_mode_is_a_fallback_and_fails_under_on_fallback_fail() {
    if !is_root() {
        eprintln!("skip: making the recordings needs the live demos (root)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    make_recordings(tmp.path(), &["landlock", "timens"]);
    let common = [
        "--mode",
        "recorded",
        "--recordings",
        "recs",
        "--only",
        "landlock",
        "timens",
        "--out",
        "out",
        "--json",
        "j.json",
        "--junit",
        "x.xml",
    ];
    let mut args = common.to_vec();
    args.extend(["--on-fallback", "fail"]);
    let out = record(tmp.path(), &args, &[]);
    assert_eq!(out.code, 4);
    assert!(out.stderr.contains("--on-fallback fail"));
    let report = json(&tmp.path().join("j.json"));
    let xml = junit(&tmp.path().join("x.xml"));
    check_reports(tmp.path(), &out, &report, &xml);
    assert_eq!(report.summary.recorded, 2);
    for (d, case) in report.demos.iter().zip(&xml.test_suites[0].test_cases) {
        // The probe comes from the recording's header: it was recorded live.
        assert_eq!(d.probe.as_ref().unwrap().support.as_str(), "yes");
        assert!(d.verdict_line.starts_with('✓'));
        match &case.status {
            TestCaseStatus::Skipped { message, .. } => {
                let m = message.as_ref().unwrap().as_str();
                assert!(m.contains(&d.reason), "{m}");
                assert!(m.contains("--mode recorded"), "{m}");
            }
            other => panic!("{}: {other:?}", d.id),
        }
    }
    // warn: exit 0, said on stderr; pass: exit 0, silent.
    let mut args = common.to_vec();
    args.extend(["--on-fallback", "warn"]);
    let out = record(tmp.path(), &args, &[]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("warning: landlock fell back"));
    let mut args = common.to_vec();
    args.extend(["--on-fallback", "pass"]);
    let out = record(tmp.path(), &args, &[]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.is_empty());
    assert!(out.stdout.contains("recorded"));
}

#[test]
fn corrupt_or_missing_recordings_fail_naming_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let recs = tmp.path().join("recs");
    let header = r#"{"version": 2, "width": 80, "height": 24}"#;
    fs::create_dir_all(recs.join("landlock")).unwrap();
    fs::write(
        recs.join("landlock/recorded.cast"),
        format!("{header}\n[0.1, \"o\", \"fine\\r\\n\"]\n[0.2, \"o\", \"trunc"),
    )
    .unwrap();
    fs::create_dir_all(recs.join("timens")).unwrap();
    fs::write(
        recs.join("timens/recorded.cast"),
        "{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": []}\n",
    )
    .unwrap();
    let out = record(
        tmp.path(),
        &[
            "--mode",
            "recorded",
            "--recordings",
            "recs",
            "--only",
            "landlock",
            "timens",
            "lsm",
            "--json",
            "j.json",
        ],
        &[],
    );
    assert_eq!(out.code, 1);
    for text in [&out.stderr, &out.stdout] {
        assert!(text.contains("recs/landlock/recorded.cast:3: truncated or invalid JSON"));
        assert!(text.contains("recs/timens/recorded.cast:1: unsupported asciicast version 1"));
        assert!(
            text.contains("recs/lsm/recorded.cast: "),
            "missing file named"
        );
    }
    let report = json(&tmp.path().join("j.json"));
    assert_eq!(report.summary.failed, 3);
    assert_eq!(report.exit_code, 1);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = record(tmp.path(), &["--only", "landlock", "nope"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("\"nope\"") && out.stderr.contains("seccomp-log"));
    assert_eq!(record(tmp.path(), &["--size", "100"], &[]).code, 2);
    assert_eq!(record(tmp.path(), &["--mode", "sometimes"], &[]).code, 2);
    let out = record(
        tmp.path(),
        &["--update-fallbacks", "--recordings", "no/such/dir"],
        &[],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no/such/dir"));
    // Default recordings dir for --update-fallbacks is ./demos, absent in a temp dir.
    let out = record(tmp.path(), &["--update-fallbacks", "--only", "lsm"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("demos"));
}

#[test]
fn update_fallbacks_writes_live_runs_only() {
    if !is_root() {
        eprintln!("skip: needs the live demos (root)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("recs")).unwrap();
    let args = [
        "--only",
        "lsm",
        "--update-fallbacks",
        "--recordings",
        "recs",
    ];
    let out = record(tmp.path(), &args, &[]);
    assert_eq!(out.code, 0);
    let path = tmp.path().join("recs/lsm/recorded.cast");
    let cast = parse_cast(&path);
    assert_eq!(cast.header.kdeck.unwrap().mode, "live");
    // A replay never replaces the recording it replays.
    let before = fs::read(&path).unwrap();
    let mut args = args.to_vec();
    args.extend(["--mode", "recorded"]);
    let out = record(tmp.path(), &args, &[]);
    assert_eq!(out.code, 0);
    assert!(out.stderr.contains("kept"), "{}", out.stderr);
    assert_eq!(fs::read(&path).unwrap(), before);
}

/// Each text frame: (separator line, rows).
fn frames(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with("──── frame ") {
            out.push((line.to_string(), Vec::new()));
        } else {
            out.last_mut()
                .expect("a separator first")
                .1
                .push(line.to_string());
        }
    }
    out
}

/// The title a slide shows: its first heading, else its front matter title.
fn shown_title(slide: &kdeck::deck::Slide) -> String {
    slide
        .body
        .iter()
        .find_map(|b| match b {
            Block::Heading { inlines, .. } => {
                Some(inlines.iter().map(|i| i.text.as_str()).collect::<String>())
            }
            _ => None,
        })
        .unwrap_or_else(|| slide.title.clone())
}

#[test]
fn walkthrough_has_a_frame_per_slide_and_step_and_is_stable() {
    if !is_root() {
        eprintln!("skip: making the recordings needs the live demos (root)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let ids = ["landlock", "timens"];
    make_recordings(tmp.path(), &ids);
    let run = |n: usize| {
        let (w, f) = (format!("w{n}.cast"), format!("f{n}.txt"));
        let out = record(
            tmp.path(),
            &[
                "--mode",
                "recorded",
                "--recordings",
                "recs",
                "--only",
                "landlock",
                "timens",
                "--out",
                "out",
                "--on-fallback",
                "pass",
                "--walkthrough",
                &w,
                "--frames",
                &f,
            ],
            &[],
        );
        assert_eq!(out.code, 0);
        (
            parse_cast(&tmp.path().join(w)),
            fs::read_to_string(tmp.path().join(f)).unwrap(),
        )
    };
    let (cast, text) = run(1);
    let deck = deck();
    let steps: usize = ids
        .iter()
        .map(|id| {
            parse_cast(&tmp.path().join(format!("out/{id}.cast")))
                .markers()
                .len()
                + 1
        })
        .sum();
    let expected = deck.slides.len() + steps;
    let frames = frames(&text);
    assert_eq!(frames.len(), expected);
    assert_eq!(cast.markers().len(), expected);
    assert_eq!((cast.header.width, cast.header.height), (100, 30));
    assert!(cast.header.kdeck.unwrap().missing_fields().is_empty());

    // Every frame names its slide, and shows that slide's title.
    let n = deck.slides.len();
    let mut next_slide = 0;
    for (sep, rows) in &frames {
        assert_eq!(rows.len(), 30, "{sep}");
        let slide = (1..=n)
            .find(|i| sep.contains(&format!(": slide {i}/{n} · ")))
            .unwrap_or_else(|| panic!("{sep}"));
        if slide > next_slide {
            assert_eq!(slide, next_slide + 1, "slides in order");
            next_slide = slide;
        }
        let s = &deck.slides[slide - 1];
        assert!(sep.contains(s.title.as_str()), "{sep}");
        let heading = shown_title(s);
        assert!(
            rows.iter().any(|r| r.contains(&heading)),
            "{sep}\n{}",
            rows.join("\n")
        );
        assert!(
            rows[0].contains(&format!(" {slide}/{n} · {} ", s.section)),
            "{sep}"
        );
    }
    assert_eq!(next_slide, n);
    for id in ids {
        let title = kdeck::demo::find(id).unwrap().title;
        assert!(text.contains(title), "the demo pane of {id}");
    }
    assert!(text.contains("◌ RECORDED"));

    // The cast is the same screens: play it on a terminal emulator; at each frame's
    // marker (its output follows at the same time) the screen has the frame's slide
    // title, and a frame without a demo pane (nothing masked below the header) is the
    // text frame exactly.
    let size = |n| std::num::NonZeroU16::new(n).unwrap();
    let mut parser = vt100::Parser::new(size(30), size(100), 0);
    let kernel = asciicast::uname().unwrap().0;
    let mut shown = 0;
    let events = &cast.events;
    let mut i = 0;
    while i < events.len() {
        let e = &events[i];
        i += 1;
        match e.kind {
            EventKind::Output => parser.process(e.data.as_bytes()),
            EventKind::Marker => {
                if let Some(next) = events.get(i).filter(|n| n.kind == EventKind::Output) {
                    parser.process(next.data.as_bytes());
                    i += 1;
                }
                let (sep, rows) = &frames[shown];
                assert!(
                    sep.ends_with(&format!("{} ────", e.data)),
                    "{sep} vs {}",
                    e.data
                );
                // The frames mask the kernel release wherever it shows (the header,
                // and slide text with a {kernel} placeholder).
                let screen: Vec<String> = parser
                    .screen()
                    .rows(0, 100)
                    .map(|r| r.trim_end().replace(&kernel, "<kernel>"))
                    .collect();
                let slide = (1..=n)
                    .find(|k| sep.contains(&format!(": slide {k}/{n} · ")))
                    .unwrap();
                let title = shown_title(&deck.slides[slide - 1]);
                assert!(screen.iter().any(|r| r.contains(&title)), "{sep}");
                if deck.slides[slide - 1].demo.is_none() {
                    assert_eq!(&screen[1..], &rows[1..], "{sep}");
                }
                shown += 1;
            }
            _ => {}
        }
    }
    assert_eq!(shown, expected);

    // Recorded runs: the frames are the same, byte for byte, run after run.
    let (_, again) = run(2);
    assert_eq!(text, again);
}

#[test]
fn live_frames_are_stable_after_masking() {
    if !is_root() {
        eprintln!("skip: the live demos need root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = |f: &str| {
        let out = record(
            tmp.path(),
            &[
                "--only",
                "landlock",
                "timens",
                "container",
                "--out",
                "out",
                "--frames",
                f,
            ],
            &[],
        );
        assert_eq!(out.code, 0);
        fs::read_to_string(tmp.path().join(f)).unwrap()
    };
    let (a, b) = (run("a.txt"), run("b.txt"));
    let kernel = asciicast::uname().unwrap().0;
    assert!(a.contains("<kernel>"));
    assert!(!a.contains(&kernel), "the kernel release is masked");
    assert!(
        !a.lines().any(|l| l.contains("ms $ ")),
        "the timestamp gutter is masked"
    );
    assert!(a.contains("/proc/#/"), "pids are masked");
    assert_eq!(a, b);
}

/// A demo whose probe says no (forced): auto mode falls back to the built-in recording
/// (exit 4 under --on-fallback fail), live mode fails (exit 1).
#[test]
fn forced_unsupported_falls_back_or_fails_in_live_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let force = [("KDECK_PROBE_FORCE", "lsm=no")];
    let args = ["--only", "lsm", "--json", "j.json", "--on-fallback", "fail"];
    let out = record(tmp.path(), &args, &force);
    assert_eq!(out.code, 4);
    let d = &json(&tmp.path().join("j.json")).demos[0];
    assert_eq!(serde_json::to_value(d.mode).unwrap(), "recorded");
    assert!(d.reason.contains("forced unsupported"), "{}", d.reason);
    assert_eq!(d.probe.as_ref().unwrap().support.as_str(), "no");

    let mut live = args.to_vec();
    live.extend(["--mode", "live"]);
    let out = record(tmp.path(), &live, &force);
    assert_eq!(out.code, 1);
    let report = json(&tmp.path().join("j.json"));
    assert_eq!(report.mode, "live");
    assert!(report.demos[0].reason.contains("can't run live"));

    // KDECK_FORCE_RECORDED=1 stands for --mode recorded when --mode is not given.
    let out = record(
        tmp.path(),
        &["--only", "lsm", "--json", "j.json"],
        &[("KDECK_FORCE_RECORDED", "1")],
    );
    assert_eq!(out.code, 0);
    assert_eq!(json(&tmp.path().join("j.json")).mode, "recorded");
}
