//! The real binary in a real terminal (tmux): the title slide, →, the help, the Landlock
//! demo's EACCES, and a clean exit with the terminal back in cooked mode; every
//! terminating signal and a stack overflow restoring the terminal and ending the demo.

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

/// After kdeck ended: the shell's `stty` shows cooked mode, and the alternate screen is
/// left.
fn assert_terminal_restored(s: &Session) {
    s.wait_for("icanon");
    let screen = s.screen();
    assert!(
        screen.lines().any(|l| l.trim() == "icanon"),
        "cooked mode again:\n{screen}"
    );
    assert!(!s.alternate_screen(), "alternate screen left");
}

/// Types the number of the slide that carries demo `id`, then Enter (the jump key).
fn go_to_demo(s: &Session, id: &str) {
    let n = kdeck::deck::Deck::embedded(&kdeck::demo::ids())
        .unwrap()
        .slides
        .iter()
        .position(|sl| sl.demo.as_deref() == Some(id))
        .unwrap()
        + 1;
    for c in n.to_string().chars() {
        s.keys(&[&c.to_string()]);
    }
    s.keys(&["Enter"]);
}

#[test]
fn landlock_demo_runs_live_in_the_terminal() {
    let s = Session::start("");
    s.wait_for("Container-Relevant Kernel Developments");
    go_to_demo(&s, "landlock");
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

/// The test-only entry point the next test runs in a terminal: kdeck's terminal set-up,
/// one frame, then a panic. Ignored in ordinary runs (it panics on purpose); the
/// shipped binary has no way to be made to panic.
#[test]
#[ignore = "run by a_panic_restores_the_terminal_then_prints_its_message, in tmux"]
fn panics_inside_the_terminal_on_purpose() {
    let mut terminal = kdeck::terminal::init().expect("terminal set-up");
    terminal
        .draw(|area, buf| {
            ratatui::widgets::Widget::render(
                ratatui::widgets::Paragraph::new("kdeck: about to panic"),
                area,
                buf,
            )
        })
        .expect("first frame");
    panic!("panicking on purpose to test terminal restore");
}

#[test]
fn a_panic_restores_the_terminal_then_prints_its_message() {
    let me = std::env::current_exe().expect("the test binary");
    let s = Session::start_program(&format!(
        "RUST_BACKTRACE=0 {} --ignored --exact panics_inside_the_terminal_on_purpose --nocapture",
        me.display()
    ));
    let after = s.wait_for("EXIT=");
    assert!(after.contains("EXIT=101"), "{after}");
    assert!(
        after.contains("panicking on purpose to test terminal restore"),
        "the panic message is printed:\n{after}"
    );
    assert_terminal_restored(&s);
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

/// The pids of `parent`'s children whose command line matches `pattern`.
fn children(parent: &str, pattern: &str) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-P", parent, "-f", pattern])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// What kdeck left in its private TMPDIR: nothing, but for the speaker view's per-user
/// socket directory (a fixed name, used without XDG_RUNTIME_DIR), which must hold no
/// socket once kdeck is gone.
fn leftovers(tmp: &std::path::Path) -> Vec<String> {
    let speaker_dir = format!("kdeck-{}", nix::unistd::getuid());
    let mut left = Vec::new();
    for e in std::fs::read_dir(tmp).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name == speaker_dir {
            for s in std::fs::read_dir(tmp.join(&name)).unwrap() {
                let s = s.unwrap().file_name().to_string_lossy().into_owned();
                if s.ends_with(".sock") {
                    left.push(format!("{name}/{s}"));
                }
            }
        } else {
            left.push(name);
        }
    }
    left
}

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

/// Starts kdeck on the Landlock slide with a demo that keeps running (the test hook
/// makes the child sleep: the `test-hooks` feature, in this package's test builds
/// only), presses `r`, and returns the session, kdeck's pid, the demo child's pid and
/// kdeck's private TMPDIR.
fn with_running_demo(tag: usize) -> (Session, String, String, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_kdeck");
    // A unique command line to find this kdeck by.
    let args = format!("--start 12 --speed 1.{}{tag}", std::process::id());
    // No core files in the source tree from SIGQUIT/SIGSEGV/SIGABRT.
    let env = format!(
        "ulimit -c 0; TMPDIR={} {}=60",
        tmp.path().display(),
        kdeck::demo::TEST_SLEEP_ENV
    );
    let s = Session::start_with_env(&env, &args);
    s.wait_for("▶ Landlock");
    // The oldest match: a child kdeck forks has the same command line until it execs.
    let out = Command::new("pgrep")
        .args(["-o", "-f", &format!("^{bin} {args}$")])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty() && !pid.contains('\n'), "one kdeck: {pid:?}");
    s.keys(&["r"]);
    let start = Instant::now();
    let child = loop {
        if let Some(c) = children(&pid, "__child landlock").pop() {
            break c;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no demo child");
        std::thread::sleep(Duration::from_millis(20));
    };
    let start = Instant::now();
    while std::fs::read_dir(tmp.path()).unwrap().count() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no demo temp dir"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (s, pid, child, tmp)
}

#[test]
fn every_terminating_signal_restores_the_terminal_and_ends_the_demo() {
    // Terminating signals quit through the main loop (demos stopped, temp dirs removed,
    // terminal restored), then kdeck dies by the signal; faults go through the handler
    // on the alternate stack (terminal restored, demo groups killed).
    let signals: &[(&str, i32, bool)] = &[
        ("INT", libc::SIGINT, true),
        ("QUIT", libc::SIGQUIT, true),
        ("USR1", libc::SIGUSR1, true),
        ("USR2", libc::SIGUSR2, true),
        ("ALRM", libc::SIGALRM, true),
        ("PIPE", libc::SIGPIPE, true),
        ("TERM", libc::SIGTERM, true),
        ("HUP", libc::SIGHUP, true),
        ("SEGV", libc::SIGSEGV, false),
        ("BUS", libc::SIGBUS, false),
        ("ABRT", libc::SIGABRT, false),
    ];
    // Sessions stay until the end: killing the server's last session ends the server,
    // racing the next new-session.
    let mut done = Vec::new();
    for (i, &(name, number, quits_cleanly)) in signals.iter().enumerate() {
        let (s, pid, child, tmp) = with_running_demo(i);
        assert!(alive(&child));
        assert!(
            Command::new("kill")
                .args([&format!("-{name}"), &pid])
                .status()
                .unwrap()
                .success()
        );
        let after = s.wait_for("EXIT=");
        assert!(
            after.contains(&format!("EXIT={}", 128 + number)),
            "SIG{name}: dies by the signal:\n{after}"
        );
        // stty's two lines: icanon or -icanon, then echo or -echo.
        let start = Instant::now();
        let screen = loop {
            let screen = s.screen();
            if screen.lines().any(|l| l.trim().ends_with("echo")) {
                break screen;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "{screen}");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(
            screen.lines().any(|l| l.trim() == "icanon")
                && screen.lines().any(|l| l.trim() == "echo"),
            "SIG{name}: cooked mode again:\n{screen}"
        );
        assert!(!s.alternate_screen(), "SIG{name}: alternate screen left");
        let start = Instant::now();
        while alive(&child) {
            assert!(
                start.elapsed() < Duration::from_secs(2),
                "SIG{name}: demo child {child} still running"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if quits_cleanly {
            let left = leftovers(tmp.path());
            assert!(left.is_empty(), "SIG{name}: temp dirs left: {left:?}");
        }
        done.push((s, tmp));
    }
}

/// Not a test of its own: kdeck's terminal set-up and fault handlers, one frame, then a
/// stack overflow. Ignored in ordinary runs; the shipped binary can't be made to do it.
#[test]
#[ignore = "run by a_stack_overflow_restores_the_terminal, in tmux"]
fn overflows_the_stack_inside_the_terminal_on_purpose() {
    #[allow(unconditional_recursion)]
    fn overflow(n: u64) -> u64 {
        let pad = std::hint::black_box([n; 64]);
        overflow(pad[(n % 64) as usize] + 1) + pad[0]
    }
    let mut terminal = kdeck::terminal::init().expect("terminal set-up");
    kdeck::signals::install_fatal();
    terminal
        .draw(|area, buf| {
            ratatui::widgets::Widget::render(
                ratatui::widgets::Paragraph::new("kdeck: about to overflow"),
                area,
                buf,
            )
        })
        .expect("first frame");
    std::hint::black_box(overflow(std::hint::black_box(1)));
}

#[test]
fn a_stack_overflow_restores_the_terminal() {
    let me = std::env::current_exe().expect("the test binary");
    let s = Session::start_program(&format!(
        "ulimit -c 0; RUST_BACKTRACE=0 {} --ignored --exact overflows_the_stack_inside_the_terminal_on_purpose --nocapture",
        me.display()
    ));
    let after = s.wait_for("EXIT=");
    assert!(
        after.contains(&format!("EXIT={}", 128 + libc::SIGABRT)),
        "{after}"
    );
    assert!(after.contains("has overflowed its stack"), "{after}");
    assert_terminal_restored(&s);
}

#[test]
fn a_key_storm_of_r_then_quit_leaves_no_temp_dir() {
    // The real Landlock demo, re-run faster than it finishes: each `r` kills the run
    // before (often before its own cleanup helper ran), then `q` ends the last one.
    let tmp = tempfile::tempdir().unwrap();
    let s = Session::start_with_env(&format!("TMPDIR={}", tmp.path().display()), "--start 12");
    s.wait_for("▶ Landlock");
    for _ in 0..40 {
        s.keys(&["r"]);
    }
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
    let left = leftovers(tmp.path());
    assert!(left.is_empty(), "temp dirs left: {left:?}");
}

#[test]
fn a_deck_of_huge_slides_draws_each_and_quits_with_0() {
    // 500x200 tables, 3 MB of code, a 3 MB paragraph, nesting at the limit: each
    // draws, and `q` quits at once with status 0.
    let slides = common::slides::big_slides();
    let n = slides.len();
    let dir = common::slides::deck_dir(&slides);
    let s = Session::start(&format!("--deck {}", dir.path().display()));
    s.wait_for(&format!("1/{n}"));
    for i in 2..=n {
        s.keys(&["Right"]);
        s.wait_for(&format!("{i}/{n}"));
    }
    s.wait_for("word word word");
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
    assert!(!s.alternate_screen());
}

/// The SGR sequences on the first screen line that contains `text` (tmux's capture with
/// escapes, where they split the line's words: `text` must be one token), waiting up to
/// 10 s for at least `want` of them.
fn colours_on_line(s: &Session, text: &str, want: usize) -> usize {
    let start = Instant::now();
    loop {
        let out = tmux()
            .args(["capture-pane", "-p", "-e", "-t", &s.0])
            .output()
            .expect("capture-pane");
        let screen = String::from_utf8_lossy(&out.stdout).into_owned();
        let n = screen
            .lines()
            .find(|l| l.contains(text))
            .map_or(0, |l| l.matches("\x1b[").count());
        if n >= want || start.elapsed() > Duration::from_secs(10) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A deck from disk: its code is highlighted off the UI thread, the current slide's
/// right after the first frame and the next slide's before the key that shows it.
#[test]
fn a_user_decks_code_is_in_colour_on_the_first_slide_and_the_next() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("01.md"),
        "+++\ntitle = \"One\"\n+++\n```rust\nfn main() { let answer = 42; }\n```\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("02.md"),
        "+++\ntitle = \"Two\"\n+++\n```c\nint main(void) { return counter; }\n```\n",
    )
    .unwrap();
    let s = Session::start(&format!("--deck {}", dir.path().display()));
    s.wait_for("fn main() { let answer = 42; }");
    // fn, main, let, 42: each its own colour, besides the code background.
    let n = colours_on_line(&s, "answer", 5);
    assert!(n >= 5, "the Rust line is highlighted ({n} SGR sequences)");
    s.keys(&["Right"]);
    s.wait_for("int main(void) { return counter; }");
    let n = colours_on_line(&s, "counter", 5);
    assert!(n >= 5, "the C line is highlighted ({n} SGR sequences)");
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}

#[test]
fn playground_form_changes_an_offset_and_the_rerun_shows_it() {
    let s = Session::start("");
    s.wait_for("Container-Relevant Kernel Developments");
    go_to_demo(&s, "timens");
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
    // The changed result line says what it was, in the pane.
    let after = s.wait_for("monotonic shift: +90000 s ← was +86400 s");
    assert!(!after.contains("edit timens"), "form closed: {after}");
    // The footer (cut at the screen edge) names what changed too.
    s.wait_for("changed since the previous run: monotonic shift: +86400 s → +");
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}
