//! The rendered screen: snapshots of every slide at 100x30 and 60x20, a size sweep that
//! must never panic, and the keys a presenter uses, checked on the screen.

mod common;

use common::*;
use kdeck::app::Overlay;
use ratatui::crossterm::event::KeyCode;

#[test]
fn every_slide_at_100x30_and_60x20() {
    let n = deck().slides.len();
    assert!(n >= 16, "the talk has at least 16 slides, has {n}");
    // Probe answers of a synthetic kernel, never this machine's.
    let kernel = common::synthetic::recent();
    for i in 0..n {
        let app = kernel.app_at(i, KERNEL);
        for (w, h) in [(100, 30), (60, 20)] {
            insta::assert_snapshot!(format!("slide_{:02}_{w}x{h}", i + 1), screen(&app, w, h));
        }
    }
}

#[test]
fn no_size_panics() {
    let mut sizes = vec![
        (1, 1),
        (2, 1),
        (1, 2),
        (10, 3),
        (39, 11),
        (40, 12),
        (41, 13),
        (79, 24),
        (80, 24),
        (300, 100),
        (300, 1),
        (1, 100),
    ];
    for w in (1..=300).step_by(23) {
        for h in (1..=100).step_by(13) {
            sizes.push((w, h));
        }
    }
    let n = deck().slides.len();
    for i in 0..n {
        let mut app = app_at(i);
        for &(w, h) in &sizes {
            let _ = screen(&app, w, h);
        }
        app.update(key('?'));
        for &(w, h) in &sizes {
            let _ = screen(&app, w, h);
        }
        app.update(key('?'));
        app.update(key('o'));
        for &(w, h) in &sizes {
            let _ = screen(&app, w, h);
        }
    }
}

#[test]
fn a_demo_pane_with_output_survives_every_size() {
    let mut app = app_at(slide_of("kspp"));
    let _ = run_demo(&mut app, |e| e);
    for w in (1..=300).step_by(7) {
        for h in (1..=100).step_by(9) {
            let _ = screen(&app, w, h);
        }
    }
}

#[test]
fn too_small_says_so() {
    let app = app_at(0);
    assert!(screen(&app, 39, 11).contains("terminal too small (need 40x12)"));
    assert!(!screen(&app, 40, 12).contains("too small"));
}

#[test]
fn small_terminals_stack_the_demo_and_hide_notes() {
    let app = app_at(slide_of("landlock"));
    let wide = screen(&app, 100, 30);
    assert!(wide.contains("notes:"), "{wide}");
    assert!(
        wide.lines()
            .nth(1)
            .is_some_and(|l| l.contains("Landlock: sandboxing") && l.contains("▶ Landlock")),
        "side by side:\n{wide}"
    );
    let small = screen(&app, 60, 16);
    assert!(
        !small.contains("notes:"),
        "notes hidden when short:\n{small}"
    );
    let stacked = screen(&app, 60, 30);
    let slide_row = stacked
        .lines()
        .position(|l| l.contains("Landlock: sandboxing"))
        .unwrap();
    let pane_row = stacked
        .lines()
        .position(|l| l.contains("▶ Landlock"))
        .unwrap();
    assert!(
        pane_row > slide_row,
        "demo pane below the slide:\n{stacked}"
    );
}

#[test]
fn navigation_keys() {
    let mut app = app_at(0);
    let last = deck().slides.len() - 1;
    app.update(code(KeyCode::Right));
    assert_eq!(app.current, 1);
    app.update(key(' '));
    app.update(code(KeyCode::PageDown));
    app.update(key('l'));
    assert_eq!(app.current, 4);
    app.update(key('h'));
    app.update(code(KeyCode::Left));
    app.update(code(KeyCode::PageUp));
    assert_eq!(app.current, 1);
    app.update(key('G'));
    assert_eq!(app.current, last);
    app.update(code(KeyCode::Right));
    assert_eq!(app.current, last, "stays on the last slide");
    app.update(key('g'));
    assert_eq!(app.current, 0);
    app.update(code(KeyCode::End));
    app.update(code(KeyCode::Home));
    assert_eq!(app.current, 0);
    // A number then Enter jumps.
    app.update(key('1'));
    app.update(key('2'));
    assert!(screen(&app, 100, 30).contains("go to slide 12"));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.current, 11);
    app.update(key('9'));
    app.update(key('9'));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.current, 11);
    assert!(screen(&app, 100, 30).contains("no slide 99"));
    // Key releases are ignored.
    let mut release = ratatui::crossterm::event::KeyEvent::new(
        KeyCode::Right,
        ratatui::crossterm::event::KeyModifiers::NONE,
    );
    release.kind = ratatui::crossterm::event::KeyEventKind::Release;
    app.update(kdeck::app::Message::Key(release));
    assert_eq!(app.current, 11);
}

#[test]
fn help_overview_search_and_notes() {
    let mut app = app_at(0);
    app.update(key('?'));
    let help = screen(&app, 100, 30);
    for k in [
        "next slide",
        "overview of all slides",
        "search slides",
        "run (or re-run) the slide's demo",
        "toggle live / recorded",
        "quit",
        "kdeck speaker   notes, next slide, timer in a 2nd terminal",
        "? or Esc closes this help",
    ] {
        assert!(help.contains(k), "help lists {k:?}:\n{help}");
    }
    insta::assert_snapshot!("help_100x30", help);
    app.update(code(KeyCode::Esc));
    assert_eq!(app.overlay, Overlay::None);
    assert!(!app.quit, "Esc closes the help, it does not quit");

    app.update(key('o'));
    let overview = screen(&app, 100, 30);
    assert!(
        overview.contains("Then vs now") || overview.contains("Landlock"),
        "{overview}"
    );
    for _ in 0..5 {
        app.update(code(KeyCode::Down));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.current, 5);

    app.update(key('/'));
    for c in "landlock".chars() {
        app.update(key(c));
    }
    assert!(screen(&app, 100, 30).contains("/landlock"));
    app.update(code(KeyCode::Enter));
    let first = app.current;
    assert!(deck().slides[first].search_text.contains("landlock"));
    assert!(first > 5);
    app.update(key('n'));
    assert!(app.current != first && deck().slides[app.current].search_text.contains("landlock"));
    app.update(key('N'));
    assert_eq!(app.current, first);

    assert!(screen(&app, 100, 30).contains("notes:"));
    app.update(key('s'));
    assert!(!screen(&app, 100, 30).contains("notes:"));
    app.update(key('q'));
    assert!(!app.quit, "one q only asks");
    app.update(key('q'));
    assert!(app.quit);
}

#[test]
fn footer_shows_position_time_and_pace() {
    let mut app = app_at(0);
    app.update(key('t'));
    app.update(kdeck::app::Message::Tick(std::time::Duration::from_secs(
        65,
    )));
    let s = screen(&app, 100, 30);
    assert!(s.contains("1/19"), "{s}");
    assert!(s.contains("01:05 / 30:00"), "{s}");
    assert!(s.contains("on pace") || s.contains("behind"), "{s}");
    app.update(kdeck::app::Message::Tick(std::time::Duration::from_secs(
        10 * 60,
    )));
    assert!(screen(&app, 100, 30).contains("min behind"));
}

#[test]
fn summary_table_shows_what_this_kernel_supports() {
    let summary = deck()
        .slides
        .iter()
        .position(|s| s.title == "Then vs now")
        .expect("summary slide");
    let mut app = app_at(summary);
    assert!(screen(&app, 100, 30).contains("landlock … probing"));
    // The answers come from the real probes, as `kdeck probe --json` gives them.
    let out = std::process::Command::new(exe())
        .args(["probe", "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let answers = doc["demos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = match r["support"].as_str().unwrap() {
                "yes" => kdeck::probe::Support::Yes,
                "partial" => kdeck::probe::Support::Partial,
                _ => kdeck::probe::Support::No,
            };
            (r["demo"].as_str().unwrap().to_string(), s)
        })
        .collect();
    app.update(kdeck::app::Message::Probes(answers));
    let s = screen(&app, 100, 30);
    // This machine: Landlock, seccomp logging and namespaces live; no WireGuard; no IMA.
    assert!(s.contains("landlock ✓ live here"), "{s}");
    assert!(s.contains("seccomp-log ✓ live here"), "{s}");
    assert!(s.contains("wireguard ◌ recorded"), "{s}");
    assert!(s.contains("ima ◐ partly"), "{s}");
}

#[test]
fn m_shows_where_the_demo_ran_on_real_kernels() {
    let mut app = app_at(slide_of("landlock"));
    app.update(key('m'));
    let s = screen(&app, 120, 40);
    assert!(s.contains("landlock on real kernels"), "{s}");
    assert!(
        s.contains("6.1.0-") && s.contains("ABI 2 < 4"),
        "Debian 6.1 can't restrict TCP:\n{s}"
    );
    assert!(s.contains("6.12.") && s.contains("live"), "{s}");
    app.update(key('m'));
    assert_eq!(app.overlay, Overlay::None);
    app.update(key('g'));
    app.update(key('m'));
    assert_eq!(
        app.overlay,
        Overlay::None,
        "no matrix on a slide without a demo"
    );
    assert!(screen(&app, 120, 40).contains("this slide has no demo"));
}

#[test]
fn m_labels_the_running_kernel_with_its_own_release() {
    // As the TUI starts: Options.kernel from uname(2), the answers of this process's
    // own probes (here run in the test process, as `kdeck probe` runs them).
    let (release, _) = kdeck::cast::uname().expect("uname");
    let mut app = kdeck::app::App::new(
        deck(),
        kdeck::app::Options {
            start: slide_of("landlock"),
            force_recorded: false,
            kernel: release.clone(),
            ..Default::default()
        },
    );
    app.update(key('m'));
    let s = screen(&app, 140, 40);
    assert!(
        s.contains(&format!(
            "{release} (this machine, probed now) · root: probing…"
        )),
        "{s}"
    );
    let rows = kdeck::commands::probe_all();
    let landlock = rows
        .iter()
        .find(|r| r.demo == "landlock")
        .expect("a landlock probe");
    let want = match landlock.probe.support {
        kdeck::probe::Support::Yes => "live",
        kdeck::probe::Support::Partial => "partial",
        kdeck::probe::Support::No => "recorded",
    };
    app.update(kdeck::app::Message::Probes(
        rows.iter()
            .map(|r| (r.demo.to_string(), r.probe.support))
            .collect(),
    ));
    let s = screen(&app, 140, 40);
    assert!(
        s.contains(&format!(
            "{release} (this machine, probed now) · root: {want}"
        )),
        "{s}"
    );
    // The shipped matrix's own host is another machine: named by its release, never
    // "host", and never this kernel's row.
    assert!(!s.contains(" host · "), "{s}");
    let shipped = kdeck::matrix::shipped().expect("a shipped matrix");
    for k in shipped.kernels.iter().filter(|k| k.source == "host") {
        assert!(
            s.contains(&format!("{} (where the matrix was made)", k.release)),
            "{s}"
        );
    }
    assert!(
        s.contains(&format!(
            "Shipped matrix (kdeck {}, {})",
            shipped.kdeck_version, shipped.date
        )),
        "{s}"
    );
}

#[test]
fn once_its_demo_ran_a_stacked_pane_gets_most_rows() {
    let mut app = app_at(slide_of("timens"));
    let before = screen(&app, 60, 20);
    let pane_row = |s: &str| {
        s.lines()
            .position(|l| l.contains("▶ Time namespaces"))
            .unwrap()
    };
    let _ = run_demo(&mut app, |e| e);
    let after = screen(&app, 60, 20);
    assert!(
        pane_row(&after) < pane_row(&before),
        "the pane moved up:\n{before}\n{after}"
    );
    assert!(
        pane_row(&after) <= 9,
        "header, at most 7 slide rows (40% of 18), separator:\n{after}"
    );
    assert!(
        after.contains("more lines: ] or Shift-↓ scrolls"),
        "the cut slide says so:\n{after}"
    );
}
