//! A real terminal for the tests: kdeck in tmux, on a server of the test process's own.

use std::process::Command;
use std::time::{Duration, Instant};

/// tmux on a server of this test process's own (`-L`), without the user's config, so a
/// developer's tmux (or another test run) never shares state with the tests.
pub fn tmux() -> Command {
    let mut cmd = Command::new("tmux");
    cmd.args([
        "-L",
        &format!("kdeck-test-{}", std::process::id()),
        "-f",
        "/dev/null",
    ]);
    cmd
}

pub struct Session(pub String);

impl Session {
    pub fn start(args: &str) -> Session {
        Session::start_with_env("", args)
    }

    pub fn start_with_env(env: &str, args: &str) -> Session {
        let bin = env!("CARGO_BIN_EXE_kdeck");
        Session::start_program(&format!("{env} {bin} {args}"))
    }

    /// Any command line in a fresh session (a test binary's ignored test, say).
    pub fn start_program(program: &str) -> Session {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("kdeck-test-{}-{n}", std::process::id());
        // After the program exits, print its status and the tty mode, then keep the pane open.
        let cmd = format!(
            "{program}; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo; sleep 30"
        );
        // The tests' private server exits when its last session closes; a session started
        // in that instant by a parallel test fails, so try again (a fresh server starts).
        let started = (0..5).any(|attempt| {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(50));
            }
            tmux()
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
                .expect("tmux is installed (.ci/run installs it)")
                .success()
        });
        assert!(started, "tmux new-session failed 5 times");
        Session(name)
    }

    pub fn screen(&self) -> String {
        let out = tmux()
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
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

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |s| s.contains(text))
    }

    /// Waits (10 s at most) until the screen satisfies `ok`; returns that screen.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "waited 10 s for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn alternate_screen(&self) -> bool {
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

impl Session {
    /// Waits until `text` is no longer on the screen.
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} to go"), |s| !s.contains(text))
    }

    /// The pid of the program the session's shell runs (kdeck).
    pub fn program_pid(&self) -> u32 {
        let out = tmux()
            .args(["display-message", "-p", "-t", &self.0, "#{pane_pid}"])
            .output()
            .expect("display-message");
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let start = Instant::now();
        loop {
            let out = Command::new("pgrep")
                .args(["-P", &shell, "kdeck"])
                .output()
                .expect("pgrep");
            if let Some(pid) = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .and_then(|l| l.trim().parse().ok())
            {
                return pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no kdeck under {shell}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
