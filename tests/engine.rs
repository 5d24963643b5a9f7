//! The demo engine end to end: live runs through App::update and the real child, the
//! fallback and partial badges on a rendered screen, timeouts, crashes, and the
//! presenting process staying unrestricted.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::*;
use kdeck::app::Badge;
use kdeck::demo::{self, DemoEvent, LineKind, Outcome};

#[test]
fn landlock_live_shows_eacces_on_screen() {
    let mut app = app_at(slide_of("landlock"));
    let events = run_demo(&mut app, |e| e);
    assert!(
        matches!(events.first(), Some(DemoEvent::Started { live: true, .. })),
        "{events:?}"
    );
    assert!(
        matches!(
            events.last(),
            Some(DemoEvent::Exited {
                outcome: Outcome::Passed,
                ..
            })
        ),
        "{events:?}"
    );
    assert_eq!(app.current_pane().map(|p| p.badge()), Some(Badge::Live));
    let all = pane_text(&mut app);
    assert!(all.contains("write sibling/blocked.txt: EACCES"), "{all}");
    assert!(screen(&app, 100, 40).contains("● LIVE"));
}

#[test]
fn forced_recorded_replays_with_badge_and_origin() {
    for id in demo::ids() {
        let mut app = kdeck::app::App::new(
            deck(),
            kdeck::app::Options {
                start: slide_of(id),
                force_recorded: true,
                kernel: KERNEL.into(),
                ..Default::default()
            },
        );
        let events = run_demo(&mut app, |e| e);
        assert!(
            matches!(events.first(), Some(DemoEvent::Started { live: false, .. })),
            "{id}: {events:?}"
        );
        let text = screen(&app, 120, 40);
        assert!(
            text.contains("◌ RECORDED — recording requested"),
            "{id}:\n{text}"
        );
        let cast = kdeck::demo::Recordings::embedded().load(id).unwrap();
        let kernel = cast.header.kdeck.unwrap().kernel;
        assert!(
            text.contains(&format!("recorded on {kernel} x86_64")),
            "{id}: the badge names the recording's kernel\n{text}"
        );
        assert!(text.contains("◌ RECORDED"), "{id}: header badge\n{text}");
        assert!(
            !stdout_lines(&events).is_empty(),
            "{id}: replay produced lines"
        );
    }
}

#[test]
fn unsupported_probe_falls_back_with_the_reason() {
    for id in ["seccomp-log", "landlock", "namespaces"] {
        let mut app = app_at(slide_of(id));
        let events = run_demo(&mut app, |e| {
            e.with_child_env("KDECK_PROBE_FORCE", &format!("{id}=no"))
        });
        let why = events.iter().find_map(|e| match e {
            DemoEvent::FellBack {
                why, step: None, ..
            } => Some(why.clone()),
            _ => None,
        });
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("forced unsupported")),
            "{id}: {events:?}"
        );
        let text = pane_text(&mut app);
        assert!(
            text.contains("◌ RECORDED — forced unsupported by KDECK_PROBE_FORCE"),
            "{id}:\n{text}"
        );
        assert!(
            text.contains("probe: no"),
            "{id}: the probe's evidence is shown\n{text}"
        );
        assert!(
            matches!(
                events.last(),
                Some(DemoEvent::Exited {
                    outcome: Outcome::Passed,
                    ..
                })
            ),
            "{id}: replay of a passing recording passes"
        );
    }
}

#[test]
fn presenting_process_is_never_restricted() {
    for id in demo::ids() {
        let mut app = app_at(slide_of(id));
        let _ = run_demo(&mut app, |e| e);
    }
    assert_eq!(status_field("Seccomp"), "0");
    assert_eq!(status_field("NoNewPrivs"), "0");
    // No Landlock domain: creating and enforcing a ruleset is still possible, and a
    // write to a temp file still works.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "ok").unwrap();
    let uid_map = std::fs::read_to_string("/proc/self/uid_map").unwrap();
    assert!(
        uid_map.split_whitespace().eq(["0", "0", "4294967295"]),
        "still in the initial user namespace: {uid_map}"
    );
}

fn fake_exe(dir: &std::path::Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("fake-kdeck");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "#!/bin/sh\n{body}").unwrap();
    drop(f);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Runs the landlock slide's demo with a fake child executable.
fn run_with_exe(body: &str, timeout: Duration) -> (Vec<DemoEvent>, kdeck::app::App, Duration) {
    run_with_exe_at("landlock", body, timeout)
}

/// Runs demo `id`'s slide with a fake child executable (a shell script).
fn run_with_exe_at(
    id: &str,
    body: &str,
    timeout: Duration,
) -> (Vec<DemoEvent>, kdeck::app::App, Duration) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = fake_exe(dir.path(), body);
    let mut app = app_at(slide_of(id));
    let (sink, rx) = channel_sink();
    let mut engine = kdeck::demo::Engine::new(&exe, kdeck::demo::Recordings::embedded(), sink)
        .with_timeout(timeout);
    let start = Instant::now();
    for cmd in app.update(key('r')) {
        engine.command(cmd);
    }
    let mut events = Vec::new();
    loop {
        let ev = rx.recv_timeout(Duration::from_secs(20)).expect("events");
        let done = matches!(ev, DemoEvent::Exited { .. });
        app.update(kdeck::app::Message::Demo(ev.clone()));
        events.push(ev);
        if done {
            return (events, app, start.elapsed());
        }
    }
}

#[test]
fn a_hanging_demo_is_killed_at_its_timeout_with_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("grandchild.pid");
    let body = format!(
        "echo starting\nsleep 60 &\necho $! > {}\nsleep 60",
        marker.display()
    );
    let (events, app, took) = run_with_exe(&body, Duration::from_millis(400));
    assert!(
        matches!(
            events.last(),
            Some(DemoEvent::Exited {
                outcome: Outcome::TimedOut { .. },
                ..
            })
        ),
        "{events:?}"
    );
    assert!(took < Duration::from_secs(5), "killed promptly: {took:?}");
    assert!(
        screen(&app, 100, 30).contains("✗ FAILED — timed out after 0.4 s"),
        "{}",
        screen(&app, 100, 30)
    );
    // The background grandchild went with the group.
    let pid: i32 = std::fs::read_to_string(&marker)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false);
    assert!(!alive, "grandchild {pid} still running");
}

#[test]
fn a_crashing_demo_is_reported_and_the_app_goes_on() {
    let (events, mut app, _) =
        run_with_exe("echo about to crash\nkill -SYS $$", Duration::from_secs(5));
    let outcome = events.iter().find_map(|e| match e {
        DemoEvent::Exited { outcome, .. } => Some(outcome.clone()),
        _ => None,
    });
    let Some(Outcome::Crashed { status }) = outcome else {
        panic!("{events:?}")
    };
    assert!(status.starts_with("killed by SIGSYS"), "{status}");
    assert!(stdout_lines(&events).contains(&"about to crash".to_string()));
    assert!(screen(&app, 100, 30).contains("✗ FAILED — crashed: killed by SIGSYS"));
    // The app still navigates.
    app.update(code(ratatui::crossterm::event::KeyCode::Right));
    assert_eq!(app.current, slide_of("landlock") + 1);
}

#[test]
fn stop_kills_a_running_demo() {
    let dir = tempfile::tempdir().unwrap();
    let exe = fake_exe(dir.path(), "echo hi\nsleep 30");
    let mut app = app_at(slide_of("landlock"));
    let (sink, rx) = channel_sink();
    let mut engine = kdeck::demo::Engine::new(&exe, kdeck::demo::Recordings::embedded(), sink);
    for cmd in app.update(key('r')) {
        engine.command(cmd);
    }
    // Wait for the first line, then leave the slide: that stops the demo.
    loop {
        let ev = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let first_line =
            matches!(&ev, DemoEvent::Output { line, .. } if line.kind == LineKind::Stdout);
        app.update(kdeck::app::Message::Demo(ev));
        if first_line {
            break;
        }
    }
    let start = Instant::now();
    let cmds = app.update(code(ratatui::crossterm::event::KeyCode::Right));
    assert_eq!(cmds.len(), 1, "leaving the slide stops its demo");
    for cmd in cmds {
        engine.command(cmd);
    }
    let ev = loop {
        let ev = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        if matches!(ev, DemoEvent::Exited { .. }) {
            break ev;
        }
    };
    assert!(
        matches!(
            ev,
            DemoEvent::Exited {
                outcome: Outcome::Stopped,
                ..
            }
        ),
        "{ev:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn seccomp_log_as_nobody_is_partial_with_the_log_from_the_recording() {
    let body = format!(
        "exec setpriv --reuid=65534 --regid=65534 --clear-groups {} \"$@\"",
        exe()
    );
    let (events, mut app, _) = run_with_exe_at("seccomp-log", &body, Duration::from_secs(10));
    let step = events.iter().find_map(|e| match e {
        DemoEvent::FellBack {
            step: Some(step),
            why,
            ..
        } => Some((step.clone(), why.clone())),
        _ => None,
    });
    let (step, why) = step.unwrap_or_else(|| panic!("no partial: {events:?}"));
    assert_eq!(step, "audit-log");
    assert!(why.contains("CAP_SYSLOG"), "{why}");
    // The recorded audit record is shown, marked as replayed.
    let replayed: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            DemoEvent::Output { line, .. } if line.kind == LineKind::Replayed => {
                Some(line.text.clone())
            }
            _ => None,
        })
        .collect();
    assert!(
        replayed.iter().any(|l| l.contains("type=1326")),
        "{replayed:?}"
    );
    assert!(matches!(
        events.last(),
        Some(DemoEvent::Exited {
            outcome: Outcome::Passed,
            ..
        })
    ));
    let text = pane_text(&mut app);
    assert!(text.contains("◐ PARTIAL — step audit-log:"), "{text}");
    assert!(text.contains("◌ type=1326"), "{text}");
    assert!(
        text.contains("Seccomp: 2"),
        "the filter part ran live\n{text}"
    );
}

#[test]
fn every_demo_has_a_recording_with_its_provenance() {
    for id in demo::ids() {
        let cast = kdeck::demo::Recordings::embedded()
            .load(id)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let text = std::fs::read_to_string(format!(
            "{}/demos/{id}/recorded.cast",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(text.starts_with("{\"version\":2,"), "{id}: asciicast v2");
        let meta = cast
            .header
            .kdeck
            .as_ref()
            .unwrap_or_else(|| panic!("{id}: no kdeck header"));
        assert!(
            meta.missing_fields().is_empty(),
            "{id}: header lacks {:?}",
            meta.missing_fields()
        );
        assert_eq!(meta.demo, id);
        assert!(cast.header.width > 0 && cast.header.height > 0 && cast.header.timestamp.is_some());
        assert!(cast.header.title.as_deref().is_some_and(|t| t.contains(id)));
        assert!(
            cast.events
                .iter()
                .any(|e| e.kind == kdeck::cast::EventKind::Marker),
            "{id}: step markers"
        );
        assert_eq!(
            meta.mode, "live",
            "{id}: fallbacks are live runs, not replays"
        );
        if id == "ima" || id == "wireguard" {
            // This machine has neither: these come from Debian's 6.12 under qemu.
            assert!(
                meta.kernel.starts_with("6.12."),
                "{id}: recorded on {}",
                meta.kernel
            );
        }
        assert!(
            meta.verdict.as_deref().is_some_and(|v| v.starts_with('✓')),
            "{id}: a passing run"
        );
    }
}
