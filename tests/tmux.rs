//! The real binary in a real terminal (tmux): the title slide, →, the help, the Landlock
//! demo's EACCES, and a clean exit with the terminal back in cooked mode.

use std::process::Command;
use std::time::{Duration, Instant};

/// tmux on a server of this test process's own (`-L`), without the user's config, so a
/// developer's tmux (or another test run) never shares state with the tests.
fn tmux() -> Command {
    let mut cmd = Command::new("tmux");
    cmd.args([
        "-L",
        &format!("kdeck-test-{}", std::process::id()),
        "-f",
        "/dev/null",
    ]);
    cmd
}

struct Session(String);

impl Session {
    fn start(args: &str) -> Session {
        Session::start_with_env("", args)
    }

    fn start_with_env(env: &str, args: &str) -> Session {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("kdeck-test-{}-{n}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_kdeck");
        // After kdeck exits, print its status and the tty mode, then keep the pane open.
        let cmd = format!(
            "{env} {bin} {args}; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo; sleep 30"
        );
        let ok = tmux()
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "100",
                "-y",
                "30",
                &cmd,
            ])
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(ok.success());
        Session(name)
    }

    fn screen(&self) -> String {
        let out = tmux()
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(
                tmux()
                    .args(["send-keys", "-t", &self.0, k])
                    .status()
                    .unwrap()
                    .success()
            );
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "waited 10 s for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alternate_screen(&self) -> bool {
        let out = tmux()
            .args(["display-message", "-p", "-t", &self.0, "#{alternate_on}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux().args(["kill-session", "-t", &self.0]).status();
    }
}

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
    s.keys(&["q"]);
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
    // Scroll up through the output until the denial is on screen.
    let start = Instant::now();
    loop {
        if s.screen().contains("write sibling/blocked.txt: EACCES") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{}", s.screen());
        s.keys(&["k"]);
        std::thread::sleep(Duration::from_millis(30));
    }
    s.keys(&["q"]);
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
    s.keys(&["q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}

#[test]
fn playground_form_changes_an_offset_and_the_rerun_shows_it() {
    let s = Session::start("");
    s.wait_for("Container-Relevant Kernel Developments");
    let timens = kdeck::deck::Deck::embedded(&kdeck::demo::ids())
        .unwrap()
        .slides
        .iter()
        .position(|sl| sl.demo.as_deref() == Some("timens"))
        .unwrap()
        + 1;
    for c in timens.to_string().chars() {
        s.keys(&[&c.to_string()]);
    }
    s.keys(&["Enter"]);
    s.wait_for("▶ Time namespaces");
    // The default spec as a variant first, then one change.
    s.keys(&["e"]);
    s.wait_for("edit timens");
    s.keys(&["Enter"]);
    // The pane ends with the plain commands that show the same.
    s.wait_for("Try it yourself:");
    s.wait_for("$ unshare -Ur --time --boottime 31536000");
    s.wait_for("monotonic shift: +86400 s");
    s.keys(&["e"]);
    let form = s.wait_for("‹86400›");
    assert!(form.contains("[x] user namespace too"), "{form}");
    s.keys(&["Down", "Right"]);
    s.wait_for("‹90000›");
    s.keys(&["Enter"]);
    let after = s.wait_for("monotonic shift: +90000 s");
    assert!(!after.contains("edit timens"), "form closed: {after}");
    // The footer (cut at the screen edge) names what changed.
    s.wait_for("changed since the previous run: monotonic shift: +86400 s → +");
    s.keys(&["q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}
