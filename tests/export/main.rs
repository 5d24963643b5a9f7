//! `kdeck export`: the hand-out opened in real headless Chromium (every slide in the DOM,
//! every asciinema-player started and showing its recording's first line, no network
//! request, nothing from a file able to inject markup), and the export's bad-input
//! behaviour (a missing or malformed recording names the file; nothing partial is
//! written). Outside CI the browser tests skip, saying why, when no Chromium is installed.

use std::path::Path;
use std::process::{Command, Output};

use kdeck::cast::{self as asciicast, LineOrMarker};
use kdeck::deck::Deck;
use kdeck::record::report::RunReport;
use scraper::ElementRef;

mod browser;
use browser::{browser, chromium, open, player_lines, sel, text};

fn kdeck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .output()
        .expect("run kdeck")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn export(args: &[&str]) -> Output {
    let out = kdeck(&[&["export"], args].concat());
    assert!(
        out.status.success(),
        "kdeck export {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `kdeck record` into `dir`: one cast per demo and the JSON summary.
fn record(dir: &Path, mode: &str) -> RunReport {
    let summary = dir.join("summary.json");
    let out = kdeck(&[
        "record",
        "--out",
        path(dir),
        "--json",
        path(&summary),
        "--mode",
        mode,
    ]);
    assert!(
        summary.is_file(),
        "kdeck record wrote no summary: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap()
}

fn first_line(cast_file: &Path) -> String {
    let text = std::fs::read_to_string(cast_file).unwrap();
    let cast = asciicast::parse(&text, path(cast_file)).unwrap();
    asciicast::output_lines(&cast)
        .into_iter()
        .find_map(|(_, l)| match l {
            LineOrMarker::Line(t) => Some(t),
            LineOrMarker::Marker(_) => None,
        })
        .expect("the cast has a line")
}

fn badge_label(mode: &str) -> &'static str {
    match mode {
        "live" => "LIVE",
        "partial" => "PARTIAL",
        "recorded" => "RECORDED",
        _ => "FAILED",
    }
}

#[test]
fn the_talk_opens_in_a_browser_with_every_slide_and_a_playing_recording_per_demo() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let report = record(&runs, "auto");
    let page = dir.path().join("talk.html");
    export(&["--html", path(&page), "--runs", path(&runs), "--notes"]);
    let opened = open(&browser, &page);
    let dom = &opened.dom;

    let deck = Deck::embedded(&kdeck::demo::ids()).unwrap();
    let slides: Vec<ElementRef> = dom.select(&sel("main > section.slide")).collect();
    assert_eq!(slides.len(), deck.slides.len());
    for (i, (section, slide)) in slides.iter().zip(&deck.slides).enumerate() {
        assert_eq!(
            section.attr("data-slide"),
            Some((i + 1).to_string().as_str())
        );
        let h2 = section.select(&sel("h2")).next().expect("a title");
        assert_eq!(text(h2), slide.title);
        let notes = section.select(&sel("aside.notes")).count();
        assert_eq!(
            notes,
            usize::from(!slide.notes.is_empty()),
            "slide {}",
            i + 1
        );
        let Some(id) = &slide.demo else {
            assert_eq!(section.select(&sel("div.player")).count(), 0);
            continue;
        };
        let row = report
            .demos
            .iter()
            .find(|d| &d.id == id)
            .expect("in the summary");
        let badge = section
            .select(&sel("figcaption.badge b"))
            .next()
            .expect("a badge");
        assert_eq!(text(badge), badge_label(row.mode.as_str()), "{id}");
        assert_eq!(
            section.select(&sel("div.player .ap-player")).count(),
            1,
            "{id}: the player did not start"
        );
        let lines = player_lines(*section);
        let first = first_line(&runs.join(&row.cast));
        assert_eq!(lines.first(), Some(&first), "{id}: {lines:#?}");
    }
    assert_eq!(
        dom.select(&sel("body[data-blocked]")).count(),
        0,
        "the page tried a request its policy blocked"
    );
    assert_eq!(opened.page_requests, Vec::<String>::new());

    // A screenshot of the seccomp slide alone (FILE#only-N), kept under target/.
    let n = 1 + deck
        .slides
        .iter()
        .position(|s| s.demo.as_deref() == Some("seccomp-log"))
        .unwrap();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("handout-seccomp-log.png");
    let _ = std::fs::remove_file(&shot);
    chromium(
        &browser,
        dir.path(),
        &[
            "--window-size=1400,900",
            &format!("--screenshot={}", path(&shot)),
            &format!("file://{}#only-{n}", path(&page)),
        ],
    );
    // An empty page is ~6 KB; slide text, code and a terminal full of output are more.
    let size = std::fs::metadata(&shot).unwrap().len();
    assert!(size > 40_000, "{} is only {size} bytes", shot.display());
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn nothing_from_a_slide_or_a_recording_can_inject_markup() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let deck = dir.path().join("deck");
    std::fs::create_dir(&deck).unwrap();
    let attack = r#"<script>document.body.dataset.pwned = "title"</script>"#;
    std::fs::write(
        deck.join("01.md"),
        format!(
            "+++\ntitle = '{attack}'\n+++\n# {attack}\n\n<img src=x onerror=\"document.body.dataset.pwned='img'\">\n\n`</code><b>x</b>`\n"
        ),
    )
    .unwrap();
    std::fs::write(
        deck.join("02.md"),
        "+++\ntitle = \"Landlock\"\ndemo = \"landlock\"\n+++\n```c\n/* </pre><script>document.body.dataset.pwned='code'</script> */\n```\n",
    )
    .unwrap();
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let evil_line = r#"</script><script>document.body.dataset.pwned = "cast"</script><!--"#;
    let header = r#"{"version":2,"width":80,"height":4,"kdeck":{"demo":"landlock","kernel":"6.18.0-test","arch":"x86_64","kdeck_version":"0.1.0","date":"2026-11-28T12:00:00Z","mode":"live"}}"#;
    let event =
        serde_json::to_string(&serde_json::json!([0.1, "o", format!("{evil_line}\r\n")])).unwrap();
    std::fs::write(runs.join("landlock.cast"), format!("{header}\n{event}\n")).unwrap();
    let page = dir.path().join("evil.html");
    export(&[
        "--html",
        path(&page),
        "--deck",
        path(&deck),
        "--runs",
        path(&runs),
    ]);

    let opened = open(&browser, &page);
    let dom = &opened.dom;
    assert_eq!(dom.select(&sel("body[data-pwned]")).count(), 0);
    assert_eq!(dom.select(&sel("div.text img, div.text b")).count(), 0);
    let slides: Vec<ElementRef> = dom.select(&sel("main > section.slide")).collect();
    assert_eq!(slides.len(), 2);
    assert_eq!(text(slides[0].select(&sel("h2")).next().unwrap()), attack);
    assert_eq!(
        player_lines(slides[1]).first().map(String::as_str),
        Some(evil_line)
    );
    let badge = text(slides[1].select(&sel("figcaption.badge")).next().unwrap());
    assert_eq!(badge, "LIVE on 6.18.0-test, 2026-11-28 12:00 UTC");
    assert_eq!(opened.page_requests, Vec::<String>::new());
}

#[test]
fn the_network_check_sees_a_page_that_does_request() {
    let Some(browser) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("leak.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><img src=\"http://127.0.0.1:9/leak.png\">",
    )
    .unwrap();
    let opened = open(&browser, &page);
    assert_eq!(opened.page_requests, ["http://127.0.0.1:9/leak.png"]);
}

// ---- without a browser ----

#[test]
fn markdown_has_every_slide_and_each_recording_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("talk.md");
    export(&["--markdown", path(&md)]);
    let text = std::fs::read_to_string(&md).unwrap();
    let deck = Deck::embedded(&kdeck::demo::ids()).unwrap();
    for (i, slide) in deck.slides.iter().enumerate() {
        assert!(
            text.contains(&format!("\n## {}. {}\n", i + 1, slide.title)),
            "{}",
            slide.title
        );
        if let Some(id) = &slide.demo {
            let badge = format!("**Demo `{id}`: RECORDED** shipped recording, made on ");
            assert!(text.contains(&badge), "{badge}");
            let first = first_line(&Path::new("demos").join(id).join("recorded.cast"));
            assert!(
                text.contains(&format!("```text\n{first}\n")),
                "{id}: {first}"
            );
        }
    }
    assert!(!text.contains("Speaker notes"));
    export(&["--markdown", path(&md), "--notes"]);
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("> **Speaker notes**")
    );
}

/// Runs `kdeck export` expecting it to fail; returns stderr.
fn export_fails(args: &[&str]) -> String {
    let out = kdeck(&[&["export"], args].concat());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_missing_or_malformed_run_names_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    record(&runs, "recorded");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let page = out.join("talk.html");

    std::fs::rename(runs.join("landlock.cast"), dir.path().join("aside.cast")).unwrap();
    let err = export_fails(&["--html", path(&page), "--runs", path(&runs)]);
    assert!(
        err.contains(&format!(
            "{}: missing",
            runs.join("landlock.cast").display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "left a file behind"
    );
    std::fs::rename(dir.path().join("aside.cast"), runs.join("landlock.cast")).unwrap();

    std::fs::write(&page, "the old page").unwrap();
    let timens = runs.join("timens.cast");
    let good = std::fs::read_to_string(&timens).unwrap();
    let cut: String = good.lines().take(3).collect::<Vec<_>>().join("\n");
    std::fs::write(&timens, format!("{}\n", &cut[..cut.len() - 4])).unwrap();
    let err = export_fails(&["--html", path(&page), "--runs", path(&runs)]);
    assert!(err.contains(&format!("{}:3: ", timens.display())), "{err}");
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "the old page");
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "left a temp file behind"
    );
    std::fs::write(&timens, good).unwrap();

    std::fs::write(runs.join("summary.json"), "{\"demos\": 3}").unwrap();
    let err = export_fails(&["--markdown", path(&page), "--runs", path(&runs)]);
    assert!(
        err.contains(&format!(
            "{}:1: not a `kdeck record --json` summary",
            runs.join("summary.json").display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "the old page");
}

#[test]
fn a_symlink_at_the_output_path_is_replaced_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep me").unwrap();
    let page = dir.path().join("talk.html");
    std::os::unix::fs::symlink(&victim, &page).unwrap();
    export(&["--html", path(&page)]);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(
        std::fs::symlink_metadata(&page)
            .unwrap()
            .file_type()
            .is_file()
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("shipped recording, made on "));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<aside class=\"notes\">"),
        "notes without --notes"
    );
}
