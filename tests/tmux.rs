//! The real binary in a real terminal (tmux): the title slide, →, the help, the Landlock
//! demo's EACCES, and a clean exit with the terminal back in cooked mode.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::{Session, tmux};

#[test]
fn present_navigate_help_quit() {
    let s = Session::start("");
    s.wait_for("Container-Relevant Kernel Developments");
    assert!(s.alternate_screen(), "kdeck draws on the alternate screen");
    s.keys(&["Right"]);
    s.wait_for("The 2017 talk in one slide");
    s.wait_for("2/19");
    s.keys(&["?"]);
    let help = s.wait_for("overview of all slides");
    assert!(help.contains("run (or re-run) the slide's demo"), "{help}");
    s.keys(&["?"]);
    s.keys(&["q", "q"]);
    let after = s.wait_for("EXIT=");
    assert!(after.contains("EXIT=0"), "{after}");
    s.wait_for("icanon");
    let after = s.screen();
    assert!(
        after.lines().any(|l| l.trim() == "icanon") && after.lines().any(|l| l.trim() == "echo"),
        "terminal back in cooked mode:\n{after}"
    );
    assert!(!s.alternate_screen(), "alternate screen left");
}

#[test]
fn landlock_demo_runs_live_in_the_terminal() {
    let s = Session::start("");
    s.wait_for("Container-Relevant Kernel Developments");
    let landlock = kdeck::deck::Deck::embedded(&kdeck::demo::ids())
        .unwrap()
        .slides
        .iter()
        .position(|sl| sl.demo.as_deref() == Some("landlock"))
        .unwrap()
        + 1;
    for c in landlock.to_string().chars() {
        s.keys(&[&c.to_string()]);
    }
    s.keys(&["Enter"]);
    s.wait_for("▶ Landlock");
    s.keys(&["r"]);
    s.wait_for("● LIVE");
    // Scroll only once the run is over: a view scrolled while output still comes stays
    // above the lines printed after it.
    s.wait_for("✓ passed in");
    // Scroll up through the output until the denial is on screen.
    let start = Instant::now();
    loop {
        let before = s.screen();
        if before.contains("write sibling/blocked.txt: EACCES") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{before}");
        s.keys(&["k"]);
        // One line per look: wait for the scroll to show before looking again, so a
        // loaded machine can't scroll past the line between two looks.
        s.wait_until("the pane to scroll", |now| now != before);
    }
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}

#[test]
fn sigterm_restores_the_terminal() {
    let s = Session::start("--start 3");
    s.wait_for("IMA");
    let pid = Command::new("pgrep")
        .args([
            "-f",
            "-n",
            &format!("{} --start 3", env!("CARGO_BIN_EXE_kdeck")),
        ])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    assert!(!pid.is_empty());
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let after = s.wait_for("EXIT=");
    assert!(after.contains("EXIT=0"), "{after}");
    s.wait_for("icanon");
    assert!(s.screen().lines().any(|l| l.trim() == "icanon"));
    assert!(!s.alternate_screen());
}

#[test]
fn without_a_terminal_it_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a terminal")
            && err.contains("kdeck list")
            && err.contains("kdeck record"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no escape codes into a pipe");
}

#[test]
fn a_panic_restores_the_terminal_then_prints_its_message() {
    let s = Session::start_with_env("KDECK_TEST_PANIC=1", "");
    let after = s.wait_for("EXIT=");
    assert!(after.contains("EXIT=101"), "{after}");
    assert!(
        after.contains("panicking on purpose to test terminal restore"),
        "the panic message is printed:\n{after}"
    );
    s.wait_for("icanon");
    assert!(
        s.screen().lines().any(|l| l.trim() == "icanon"),
        "cooked mode again:\n{}",
        s.screen()
    );
    assert!(!s.alternate_screen(), "alternate screen left");
}

#[test]
fn closing_the_terminal_ends_kdeck() {
    // The terminal goes away under kdeck (window closed, ssh dropped): it must exit, not
    // spin on a dead tty.
    let bin = env!("CARGO_BIN_EXE_kdeck");
    let args = format!("--start 7 --speed 1.{}", std::process::id());
    let s = Session::start(&args);
    s.wait_for("7/19");
    // Anchored: the tmux server's own command line holds the same words.
    let running = || {
        Command::new("pgrep")
            .args(["-f", &format!("^{bin} {args}")])
            .status()
            .unwrap()
            .success()
    };
    assert!(running());
    assert!(
        tmux()
            .args(["kill-session", "-t", &s.0])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    while running() {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "kdeck still running after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn resizing_redraws_at_the_new_size() {
    let s = Session::start("--start 12");
    s.wait_for("▶ Landlock");
    for (w, h) in [(70u16, 24u16), (120, 40), (45, 14)] {
        assert!(
            tmux()
                .args([
                    "resize-window",
                    "-t",
                    &s.0,
                    "-x",
                    &w.to_string(),
                    "-y",
                    &h.to_string()
                ])
                .status()
                .unwrap()
                .success()
        );
        let start = Instant::now();
        loop {
            let screen = s.screen();
            let top = screen
                .lines()
                .next()
                .unwrap_or("")
                .trim_end()
                .chars()
                .count();
            let bottom = screen.lines().nth(h as usize - 1).unwrap_or("");
            if top == w as usize
                && bottom.starts_with('└')
                && bottom.trim_end().chars().count() == w as usize
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no redraw at {w}x{h}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}

#[test]
fn esc_and_clicker_keys_never_end_the_talk_q_asks_first() {
    let s = Session::start("--start 2");
    s.wait_for("2/19");
    for k in ["F5", "Escape", "F5", "Escape"] {
        s.keys(&[k]);
        std::thread::sleep(Duration::from_millis(100));
    }
    s.wait_for("Esc doesn't quit");
    s.keys(&["q"]);
    s.wait_for("press q again to quit");
    s.keys(&["Right"]);
    s.wait_for("3/19");
    s.keys(&["b"]);
    let start = Instant::now();
    while s.screen().contains("3/19") {
        assert!(start.elapsed() < Duration::from_secs(5), "b blanks");
        std::thread::sleep(Duration::from_millis(30));
    }
    s.keys(&["Space"]);
    s.wait_for("3/19");
    assert!(!s.screen().contains("EXIT="));
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}
