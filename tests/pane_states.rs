//! The demo pane in each state a run can be in, as insta snapshots at 100x30: LIVE
//! running, LIVE passed, PARTIAL, RECORDED with its reason, FAILED, timed out and
//! cancelled. The events are built here (what the engine sends for each state), with
//! fixed times and a fixed kernel name, so the snapshots hold on any machine; the
//! engine itself is tested against the real kernel in tests/engine.rs.

mod common;

use common::*;
use kdeck::app::{App, Message};
use kdeck::demo::{DemoCommand, DemoEvent, LineKind, Outcome, OutputLine, RecordingInfo};
use kdeck::probe::Support;

const DEMO: &str = "landlock";

/// The app at the demo's slide with a run started by `r`, and that run's number.
fn started() -> (App, u64) {
    let mut app = app_at(slide_of(DEMO));
    let run = app
        .update(key('r'))
        .into_iter()
        .find_map(|c| match c {
            DemoCommand::Start { run, .. } => Some(run),
            DemoCommand::Stop { .. } | DemoCommand::StartVariant { .. } => None,
        })
        .expect("r starts a run");
    (app, run)
}

fn feed(app: &mut App, events: Vec<DemoEvent>) {
    for ev in events {
        app.update(Message::Demo(ev));
    }
}

fn line(run: u64, t: f64, kind: LineKind, text: &str) -> DemoEvent {
    let line = OutputLine {
        t,
        kind,
        text: text.into(),
    };
    DemoEvent::Output { run, line }
}

fn live_start(run: u64) -> Vec<DemoEvent> {
    let probe = LineKind::Probe {
        support: Support::Yes,
    };
    vec![
        DemoEvent::Started {
            run,
            id: DEMO.into(),
            live: true,
        },
        line(run, 0.002, probe, "landlock_create_ruleset(VERSION) = 7"),
        line(run, 0.003, LineKind::Step, "abi"),
        line(
            run,
            0.004,
            LineKind::Stdout,
            "$ landlock_create_ruleset(NULL, 0, VERSION) = 7",
        ),
        line(run, 0.021, LineKind::Step, "write"),
        line(
            run,
            0.035,
            LineKind::Stdout,
            "$ echo x > outside/file → EACCES",
        ),
    ]
}

fn recording() -> RecordingInfo {
    RecordingInfo {
        kernel: "6.18.44-recorded".into(),
        arch: "x86_64".into(),
        date: "2026-11-28T12:40:50Z".into(),
        source: "demos/landlock/recorded.cast".into(),
    }
}

fn exited(run: u64, outcome: Outcome, seconds: f64) -> DemoEvent {
    DemoEvent::Exited {
        run,
        outcome,
        seconds,
    }
}

fn pass(run: u64) -> DemoEvent {
    line(
        run,
        0.52,
        LineKind::Verdict { passed: true },
        "✓ Landlock denied the write outside allowed/",
    )
}

#[test]
fn live_running() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    insta::assert_snapshot!("live_running", screen(&app, 100, 30));
}

#[test]
fn live_passed() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    feed(
        &mut app,
        vec![pass(run), exited(run, Outcome::Passed, 0.53)],
    );
    insta::assert_snapshot!("live_passed", screen(&app, 100, 30));
}

#[test]
fn partial() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    feed(
        &mut app,
        vec![
            DemoEvent::FellBack {
                run,
                why: "signal scoping needs Landlock ABI 6".into(),
                step: Some("signals".into()),
                recording: Some(recording()),
            },
            line(
                run,
                0.3,
                LineKind::Replayed,
                "$ kill(parent, SIGUSR1) → EPERM",
            ),
            pass(run),
            exited(run, Outcome::Passed, 0.53),
        ],
    );
    insta::assert_snapshot!("partial", screen(&app, 100, 30));
}

#[test]
fn recorded_with_its_reason() {
    let (mut app, run) = started();
    let verdict = LineKind::Verdict { passed: true };
    feed(
        &mut app,
        vec![
            DemoEvent::Started {
                run,
                id: DEMO.into(),
                live: true,
            },
            DemoEvent::FellBack {
                run,
                why: "landlock_create_ruleset(VERSION): ENOSYS".into(),
                step: None,
                recording: Some(recording()),
            },
            line(run, 0.002, LineKind::Step, "abi"),
            line(
                run,
                0.002,
                LineKind::Stdout,
                "$ landlock_create_ruleset(NULL, 0, VERSION) = 7",
            ),
            line(
                run,
                0.4,
                verdict,
                "✓ Landlock denied the write outside allowed/",
            ),
            exited(run, Outcome::Passed, 0.41),
        ],
    );
    insta::assert_snapshot!("recorded", screen(&app, 100, 30));
}

#[test]
fn failed() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    let verdict = LineKind::Verdict { passed: false };
    feed(
        &mut app,
        vec![
            line(
                run,
                0.5,
                verdict,
                "✗ the write outside allowed/ went through",
            ),
            exited(
                run,
                Outcome::Failed {
                    verdict: "the write outside allowed/ went through".into(),
                },
                0.51,
            ),
        ],
    );
    insta::assert_snapshot!("failed", screen(&app, 100, 30));
}

#[test]
fn timed_out() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    feed(
        &mut app,
        vec![exited(run, Outcome::TimedOut { seconds: 10.0 }, 10.0)],
    );
    insta::assert_snapshot!("timed_out", screen(&app, 100, 30));
}

#[test]
fn cancelled() {
    let (mut app, run) = started();
    feed(&mut app, live_start(run));
    let stop = app.update(key('x'));
    assert_eq!(stop, vec![DemoCommand::Stop { run }], "x stops the run");
    feed(&mut app, vec![exited(run, Outcome::Stopped, 0.2)]);
    insta::assert_snapshot!("cancelled", screen(&app, 100, 30));
}

/// `e` then Enter: the variant run the form starts.
fn variant(app: &mut App) -> u64 {
    app.update(key('e'));
    app.update(code(ratatui::crossterm::event::KeyCode::Enter))
        .into_iter()
        .find_map(|c| match c {
            DemoCommand::StartVariant { run, .. } => Some(run),
            DemoCommand::Stop { .. } | DemoCommand::Start { .. } => None,
        })
        .expect("Enter in the form starts a variant")
}

fn variant_ran(app: &mut App, run: u64, sibling_write: &str) {
    feed(
        app,
        vec![
            DemoEvent::Started {
                run,
                id: DEMO.into(),
                live: true,
            },
            line(run, 0.01, LineKind::Step, "results"),
            line(
                run,
                0.02,
                LineKind::Stdout,
                &format!("  write sibling/: {sibling_write}"),
            ),
            line(run, 0.03, LineKind::Stdout, "  read sibling/: ok"),
            exited(run, Outcome::Passed, 0.04),
        ],
    );
}

#[test]
fn changed_results_are_marked_until_the_next_run() {
    let mut app = app_at(slide_of(DEMO));
    let first = variant(&mut app);
    variant_ran(&mut app, first, "EACCES");
    let screen1 = screen(&app, 100, 30);
    assert!(!screen1.contains("← was"), "{screen1}");
    let second = variant(&mut app);
    variant_ran(&mut app, second, "ok");
    let screen2 = screen(&app, 100, 30);
    assert!(
        screen2.contains("  write sibling/: ok ← was EACCES"),
        "{screen2}"
    );
    assert!(!screen2.contains("read sibling/: ok  ←"), "{screen2}");
    // The mark goes with the next run.
    let third = variant(&mut app);
    variant_ran(&mut app, third, "ok");
    let screen3 = screen(&app, 100, 30);
    assert!(screen3.contains("  write sibling/: ok"), "{screen3}");
    assert!(!screen3.contains("← was"), "{screen3}");
}

#[test]
fn a_probe_no_puts_the_reason_on_top_of_the_form() {
    let mut app = app_at(slide_of(DEMO));
    app.update(Message::Probes(vec![(DEMO.into(), Support::No)]));
    app.update(key('e'));
    let form = screen(&app, 100, 30);
    assert!(form.contains("edit landlock"), "{form}");
    assert!(form.contains("the probe says no:"), "{form}");
    // Nothing can be changed: space on the first option leaves the screen as it was.
    app.update(key(' '));
    assert_eq!(screen(&app, 100, 30), form);
    // Without the probe's no, the same key changes it.
    let mut app = app_at(slide_of(DEMO));
    app.update(key('e'));
    let before = screen(&app, 100, 30);
    assert!(!before.contains("the probe says no"), "{before}");
    app.update(key(' '));
    assert_ne!(screen(&app, 100, 30), before);
}
