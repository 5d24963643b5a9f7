//! Every live demo run gets its own temp dir from the engine, and the engine removes it
//! whatever ends the run: completion, a timeout, a stop (`x`, leaving the slide, a
//! re-run) or quit (`stop_all`), even when the child is killed before it could clean up.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::*;
use kdeck::demo::{DemoCommand, DemoEvent, Engine, Outcome, Recordings, RunMode};

/// A fake `kdeck` that writes into its temp dir, records the dir's path and mode, then
/// runs `tail` (a shell snippet).
fn fake_exe(dir: &Path, tail: &str) -> PathBuf {
    let path = dir.join("fake-kdeck");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        "#!/bin/sh\n\
         echo \"$KDECK_DEMO_DIR\" > {marker}.tmp && mv {marker}.tmp {marker}\n\
         echo \"$TMPDIR\" > {marker}.tmpdir\n\
         stat -c %a \"$KDECK_DEMO_DIR\" > {marker}.mode\n\
         mkdir \"$KDECK_DEMO_DIR/sub\" && echo data > \"$KDECK_DEMO_DIR/sub/file\"\n\
         echo ready\n\
         {tail}",
        marker = dir.join("demo-dir").display()
    )
    .unwrap();
    drop(f);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn start(engine: &mut Engine, run: u64) {
    engine.command(DemoCommand::Start {
        run,
        id: "landlock".into(),
        mode: RunMode::Live,
    });
}

/// Waits for the fake demo's "ready" line and returns the temp dir it was given.
fn ready(rx: &Receiver<DemoEvent>, marker_dir: &Path) -> PathBuf {
    loop {
        let ev = rx.recv_timeout(Duration::from_secs(10)).expect("events");
        if matches!(&ev, DemoEvent::Output { line, .. } if line.text == "ready") {
            break;
        }
        assert!(!matches!(ev, DemoEvent::Exited { .. }), "{ev:?}");
    }
    let dir = PathBuf::from(
        std::fs::read_to_string(marker_dir.join("demo-dir"))
            .unwrap()
            .trim(),
    );
    let tmpdir = std::fs::read_to_string(marker_dir.join("demo-dir.tmpdir")).unwrap();
    assert_eq!(
        tmpdir.trim(),
        dir.to_str().unwrap(),
        "TMPDIR is the run's dir"
    );
    let mode = std::fs::read_to_string(marker_dir.join("demo-dir.mode")).unwrap();
    assert_eq!(mode.trim(), "700");
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("kdeck-landlock-"), "{name}");
    dir
}

fn exited(rx: &Receiver<DemoEvent>) -> Outcome {
    loop {
        match rx.recv_timeout(Duration::from_secs(10)).expect("events") {
            DemoEvent::Exited { outcome, .. } => return outcome,
            _ => continue,
        }
    }
}

#[test]
fn a_timed_out_demo_leaves_no_temp_dir() {
    let marker = tempfile::tempdir().unwrap();
    let exe = fake_exe(marker.path(), "sleep 60");
    let (sink, rx) = channel_sink();
    let mut engine =
        Engine::new(&exe, Recordings::embedded(), sink).with_timeout(Duration::from_millis(500));
    start(&mut engine, 1);
    let dir = ready(&rx, marker.path());
    assert!(dir.join("sub/file").exists(), "the demo wrote into {dir:?}");
    assert!(matches!(exited(&rx), Outcome::TimedOut { .. }));
    assert!(!dir.exists(), "{dir:?} left behind after a timeout");
}

#[test]
fn a_stopped_demo_leaves_no_temp_dir() {
    let marker = tempfile::tempdir().unwrap();
    let exe = fake_exe(marker.path(), "sleep 60");
    let (sink, rx) = channel_sink();
    let mut engine = Engine::new(&exe, Recordings::embedded(), sink);
    start(&mut engine, 1);
    let dir = ready(&rx, marker.path());
    assert!(dir.join("sub/file").exists(), "the demo wrote into {dir:?}");
    engine.command(DemoCommand::Stop { run: 1 });
    assert_eq!(exited(&rx), Outcome::Stopped);
    assert!(!dir.exists(), "{dir:?} left behind after a stop");
}

#[test]
fn a_finished_demo_leaves_no_temp_dir() {
    let marker = tempfile::tempdir().unwrap();
    let exe = fake_exe(marker.path(), "exit 0");
    let (sink, rx) = channel_sink();
    let mut engine = Engine::new(&exe, Recordings::embedded(), sink);
    start(&mut engine, 1);
    let dir = ready(&rx, marker.path());
    assert_eq!(exited(&rx), Outcome::Passed);
    assert!(marker.path().join("demo-dir.mode").exists(), "the demo ran");
    assert!(!dir.exists(), "{dir:?} left behind after a normal end");
}

#[test]
fn quitting_removes_the_temp_dir_before_stop_all_returns() {
    let marker = tempfile::tempdir().unwrap();
    let exe = fake_exe(marker.path(), "sleep 60");
    let (sink, rx) = channel_sink();
    let mut engine = Engine::new(&exe, Recordings::embedded(), sink);
    start(&mut engine, 1);
    let dir = ready(&rx, marker.path());
    assert!(dir.join("sub/file").exists(), "the demo wrote into {dir:?}");
    engine.stop_all();
    assert!(!dir.exists(), "{dir:?} still there when stop_all returned");
}

#[test]
fn the_real_landlock_demo_stormed_and_stopped_leaves_nothing() {
    // `r` pressed over and over: each press stops the run before and starts a new one,
    // often killing the child before its own cleanup helper ran. The parent's dirs (all
    // named kdeck-landlock-*) must all be gone once the engine has stopped.
    let mut app = app_at(slide_of("landlock"));
    let (sink, rx) = channel_sink();
    let mut engine = Engine::new(exe(), Recordings::embedded(), sink);
    let mut dirs = std::collections::BTreeSet::new();
    for i in 0..40 {
        for cmd in app.update(key('r')) {
            engine.command(cmd);
        }
        std::thread::sleep(Duration::from_millis(i % 7));
        for ev in rx.try_iter() {
            if let DemoEvent::Output { line, .. } = &ev
                && let Some(path) = line.text.strip_prefix("Temp dir ")
            {
                dirs.insert(PathBuf::from(path));
            }
            app.update(kdeck::app::Message::Demo(ev));
        }
    }
    engine.stop_all();
    for ev in rx.try_iter() {
        if let DemoEvent::Output { line, .. } = &ev
            && let Some(path) = line.text.strip_prefix("Temp dir ")
        {
            dirs.insert(PathBuf::from(path));
        }
    }
    assert!(!dirs.is_empty(), "some runs got as far as their temp dir");
    let left: Vec<_> = dirs.iter().filter(|d| d.exists()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let children = std::process::Command::new("pgrep")
        .args([
            "-P",
            &std::process::id().to_string(),
            "-f",
            // The real binary's children only: the other tests here run a fake demo
            // script with the same arguments, in parallel.
            &format!("^{} __child landlock", common::exe()),
        ])
        .output()
        .unwrap();
    assert!(
        children.stdout.is_empty(),
        "demo children left: {}",
        String::from_utf8_lossy(&children.stdout)
    );
}

/// The children of every thread of `pid` (a run's thread forks its demo child).
fn children_of(pid: u32) -> Vec<String> {
    let mut all = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let file = task.unwrap().path().join("children");
        let children = std::fs::read_to_string(file).unwrap_or_default();
        all.extend(children.split_whitespace().map(str::to_string));
    }
    all
}

/// Starts `kdeck demo landlock` with its child held by the test hook.
fn held_demo(tmp: &Path) -> std::process::Child {
    std::process::Command::new(exe())
        .args(["demo", "landlock"])
        .env("TMPDIR", tmp)
        .env(kdeck::demo::TEST_SLEEP_ENV, "60")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// The pid of `kdeck`'s demo child once it has exec'd `kdeck __child landlock` (its
/// temp dir is made before the fork).
fn demo_child(kdeck: &mut std::process::Child) -> String {
    let start = std::time::Instant::now();
    loop {
        let exec_d = children_of(kdeck.id()).into_iter().find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == b"__child"))
        });
        if let Some(pid) = exec_d {
            return pid;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = kdeck.kill();
            let _ = kdeck.wait();
            panic!("no demo child");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[test]
fn kdeck_demo_ended_by_a_signal_takes_its_child_and_temp_dir_along() {
    use std::os::unix::process::ExitStatusExt;
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let tmp = tempfile::tempdir().unwrap();
        let mut kdeck = held_demo(tmp.path());
        let child = demo_child(&mut kdeck);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        // SAFETY: signalling the child process this test started.
        unsafe { libc::kill(kdeck.id() as i32, sig) };
        let status = kdeck.wait().unwrap();
        assert_eq!(status.signal(), Some(sig), "{status:?}");
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "signal {sig}: left {left:?}");
        // kdeck reaped it before dying.
        assert!(
            !alive(&child),
            "signal {sig}: demo child {child} still running"
        );
    }
}

#[test]
fn kdeck_demo_killed_outright_takes_its_child_along() {
    // SIGKILL reaches no handler and no cleanup runs: the demo child goes because it is
    // bound to the thread that forked it (PR_SET_PDEATHSIG, set before exec).
    let tmp = tempfile::tempdir().unwrap();
    let mut kdeck = held_demo(tmp.path());
    let child = demo_child(&mut kdeck);
    kdeck.kill().unwrap();
    kdeck.wait().unwrap();
    let start = std::time::Instant::now();
    while alive(&child) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "demo child {child} outlived its kdeck"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
