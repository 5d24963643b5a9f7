//! Runs demos: a live run re-executes kdeck (`kdeck __child <id>`) in its own process
//! group and streams its lines as they come; a replay plays a recording with its
//! timing. Both produce the same [`DemoEvent`] stream. Every wait is bounded: the live
//! child is killed (whole group) at its timeout or on Stop.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::out::{self, Control};
use super::recordings::{self, Recordings};
use super::{DemoCommand, DemoEvent, LineKind, Outcome, OutputLine, RunMode};
use crate::record::asciicast::{LineOrMarker, output_lines, step_lines};

/// Where events go (the UI's channel, a recorder, a test's vector).
pub type Sink = Arc<dyn Fn(DemoEvent) + Send + Sync>;

/// Starts and stops demo runs.
pub struct Engine {
    exe: PathBuf,
    recordings: Arc<Recordings>,
    sink: Sink,
    speed: f64,
    timeout: Option<Duration>,
    child_env: Vec<(String, String)>,
    runs: HashMap<u64, Arc<AtomicBool>>,
}

/// Everything one run's threads share.
struct Run {
    run: u64,
    id: String,
    exe: PathBuf,
    recordings: Arc<Recordings>,
    sink: Sink,
    speed: f64,
    timeout: Duration,
    child_env: Vec<(String, String)>,
    cancel: Arc<AtomicBool>,
    start: Instant,
}

impl Engine {
    /// `exe` is the kdeck binary to re-execute (normally /proc/self/exe).
    pub fn new(exe: impl Into<PathBuf>, recordings: Recordings, sink: Sink) -> Self {
        Engine {
            exe: exe.into(),
            recordings: Arc::new(recordings),
            sink,
            speed: 1.0,
            timeout: None,
            child_env: Vec::new(),
            runs: HashMap::new(),
        }
    }

    /// Overrides every demo's own timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Extra environment for the live child (e.g. the test-only KDECK_PROBE_FORCE).
    pub fn with_child_env(mut self, key: &str, value: &str) -> Self {
        self.child_env.push((key.to_string(), value.to_string()));
        self
    }

    /// Replay speed factor (2.0 = twice as fast); 0 or less replays instantly.
    pub fn with_speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    pub fn command(&mut self, cmd: DemoCommand) {
        match cmd {
            DemoCommand::Start { run, id, mode } => {
                let cancel = Arc::new(AtomicBool::new(false));
                self.runs
                    .retain(|_, c| !c.load(Ordering::Relaxed) && Arc::strong_count(c) > 1);
                self.runs.insert(run, cancel.clone());
                let timeout = self.timeout.unwrap_or_else(|| {
                    super::find(&id).map_or(super::DEFAULT_TIMEOUT, |d| d.timeout)
                });
                let ctx = Run {
                    run,
                    id,
                    exe: self.exe.clone(),
                    recordings: self.recordings.clone(),
                    sink: self.sink.clone(),
                    speed: self.speed,
                    timeout,
                    child_env: self.child_env.clone(),
                    cancel,
                    start: Instant::now(),
                };
                let spawned = thread::Builder::new()
                    .name(format!("demo-{run}"))
                    .spawn(move || ctx.go(mode));
                if let Err(e) = spawned {
                    (self.sink)(DemoEvent::Exited {
                        run,
                        outcome: Outcome::Crashed {
                            status: format!("can't start a thread: {e}"),
                        },
                        seconds: 0.0,
                    });
                }
            }
            DemoCommand::StartVariant { run, id, spec } => {
                // The spec reaches only this run's child.
                let saved = self.child_env.len();
                self.child_env
                    .push((super::play::SPEC_ENV.to_string(), spec));
                let mode = RunMode::Live;
                self.command(DemoCommand::Start { run, id, mode });
                self.child_env.truncate(saved);
            }
            DemoCommand::Stop { run } => {
                if let Some(c) = self.runs.remove(&run) {
                    c.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// Stops every run (on quit).
    pub fn stop_all(&mut self) {
        for (_, c) in self.runs.drain() {
            c.store(true, Ordering::Relaxed);
        }
    }
}

impl Run {
    fn t(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn send(&self, ev: DemoEvent) {
        (self.sink)(ev);
    }

    fn line(&self, kind: LineKind, text: impl Into<String>) {
        self.send(DemoEvent::Output {
            run: self.run,
            line: OutputLine {
                t: self.t(),
                kind,
                text: text.into(),
            },
        });
    }

    fn exit(&self, outcome: Outcome) {
        self.send(DemoEvent::Exited {
            run: self.run,
            outcome,
            seconds: self.t(),
        });
    }

    fn go(self, mode: RunMode) {
        match mode {
            RunMode::Recorded => {
                self.send(DemoEvent::Started {
                    run: self.run,
                    id: self.id.clone(),
                    live: false,
                });
                self.replay_all(
                    "recording requested (--recorded, KDECK_FORCE_RECORDED or f)".into(),
                );
            }
            RunMode::Auto | RunMode::Live => self.live(mode),
        }
    }

    fn live(self, mode: RunMode) {
        let timeout = self.timeout;
        let mut child = match Command::new(&self.exe)
            .arg("__child")
            .arg(&self.id)
            .env_remove(super::play::SPEC_ENV)
            .envs(self.child_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                self.send(DemoEvent::Started {
                    run: self.run,
                    id: self.id.clone(),
                    live: true,
                });
                return self.exit(Outcome::Crashed {
                    status: format!("can't start {}: {e}", self.exe.display()),
                });
            }
        };
        self.send(DemoEvent::Started {
            run: self.run,
            id: self.id.clone(),
            live: true,
        });
        let pid = child.id() as i32;
        let shared = Arc::new(self);
        let unsupported: Arc<Mutex<Option<String>>> = Arc::default();
        let last_fail: Arc<Mutex<Option<String>>> = Arc::default();
        let stdout = child.stdout.take().map(|s| {
            let (r, u, f) = (shared.clone(), unsupported.clone(), last_fail.clone());
            thread::spawn(move || r.read_stdout(s, &u, &f))
        });
        let stderr = child.stderr.take().map(|s| {
            let r = shared.clone();
            thread::spawn(move || r.read_stderr(s))
        });
        let waited = wait_bounded(&mut child, timeout, &shared.cancel);
        // Whatever is left of the group (grandchildren) goes too; ESRCH is fine.
        // SAFETY: kill(2) with a negative pid signals the child's own process group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        for h in [stdout, stderr].into_iter().flatten() {
            let _ = h.join();
        }
        let run = match Arc::try_unwrap(shared) {
            Ok(r) => r,
            Err(shared) => {
                return shared.exit(Outcome::Crashed {
                    status: "internal: reader threads still running".into(),
                });
            }
        };
        let why = unsupported.lock().ok().and_then(|mut u| u.take());
        match waited {
            Waited::Cancelled => run.exit(Outcome::Stopped),
            Waited::TimedOut => run.exit(Outcome::TimedOut {
                seconds: timeout.as_secs_f64(),
            }),
            Waited::Error(e) => run.exit(Outcome::Crashed { status: e }),
            Waited::Exited(status) => match (status.code(), why) {
                (Some(out::EXIT_UNSUPPORTED), Some(why)) if mode == RunMode::Auto => {
                    run.replay_all(why)
                }
                (Some(out::EXIT_UNSUPPORTED), Some(why)) => run.exit(Outcome::Unsupported { why }),
                (Some(out::EXIT_PASS), _) => run.exit(Outcome::Passed),
                (Some(out::EXIT_FAIL), _) => {
                    let verdict = last_fail
                        .lock()
                        .ok()
                        .and_then(|mut f| f.take())
                        .unwrap_or_else(|| "the demo failed".into());
                    run.exit(Outcome::Failed { verdict })
                }
                _ => run.exit(Outcome::Crashed {
                    status: describe(status),
                }),
            },
        }
    }

    fn read_stdout(
        &self,
        stream: impl Read,
        unsupported: &Mutex<Option<String>>,
        last_fail: &Mutex<Option<String>>,
    ) {
        for text in lines(stream) {
            match out::parse_control(&text) {
                Some(Control::Probe { support, evidence }) => {
                    self.line(LineKind::Probe, format!("{support} — {evidence}"))
                }
                Some(Control::Step(label)) => self.line(LineKind::Step, label),
                Some(Control::Partial { step, why }) => self.replay_step(&step, why),
                Some(Control::Unsupported(why)) => {
                    if let Ok(mut u) = unsupported.lock() {
                        *u = Some(why);
                    }
                }
                None => {
                    if let Some(v) = text.strip_prefix("✗ ")
                        && let Ok(mut f) = last_fail.lock()
                    {
                        *f = Some(v.to_string());
                    }
                    self.line(LineKind::Stdout, text);
                }
            }
        }
    }

    fn read_stderr(&self, stream: impl Read) {
        for text in lines(stream) {
            self.line(LineKind::Stderr, text);
        }
    }

    /// One step of a live run could not run: show it from the recording.
    fn replay_step(&self, step: &str, why: String) {
        let (cast, info) = match self.recordings.load(&self.id) {
            Ok(cast) => {
                let info = recordings::info(&cast, &self.recordings.path_of(&self.id));
                (Some(cast), Some(info))
            }
            Err(e) => {
                self.send(DemoEvent::FellBack {
                    run: self.run,
                    why,
                    step: Some(step.to_string()),
                    recording: None,
                });
                return self.line(
                    LineKind::Stderr,
                    format!("(no recording to show this step: {e})"),
                );
            }
        };
        self.send(DemoEvent::FellBack {
            run: self.run,
            why,
            step: Some(step.to_string()),
            recording: info,
        });
        let lines = cast.map(|c| step_lines(&c, step)).unwrap_or_default();
        if lines.is_empty() {
            self.line(
                LineKind::Stderr,
                format!("(the recording has no step \"{step}\")"),
            );
        }
        for (_, text) in lines {
            self.line(LineKind::Replayed, text);
        }
    }

    /// The whole run from the recording, with its timing.
    fn replay_all(self, why: String) {
        let source = self.recordings.path_of(&self.id);
        let cast = match self.recordings.load(&self.id) {
            Ok(c) => c,
            Err(error) => {
                self.send(DemoEvent::FellBack {
                    run: self.run,
                    why,
                    step: None,
                    recording: None,
                });
                return self.exit(Outcome::NoRecording { error });
            }
        };
        let info = recordings::info(&cast, &source);
        self.send(DemoEvent::FellBack {
            run: self.run,
            why,
            step: None,
            recording: Some(info),
        });
        let replay_start = Instant::now();
        let mut verdict_failed = None;
        for (t, item) in output_lines(&cast) {
            // A replay gets the live run's timeout (a slow --speed can't hang the pane).
            let limit = self.timeout.as_secs_f64();
            if self.speed > 0.0 && t / self.speed > limit {
                self.sleep_until(replay_start, limit * self.speed);
                if self.cancel.load(Ordering::Relaxed) {
                    return self.exit(Outcome::Stopped);
                }
                return self.exit(Outcome::TimedOut { seconds: limit });
            }
            if !self.sleep_until(replay_start, t) {
                return self.exit(Outcome::Stopped);
            }
            match item {
                LineOrMarker::Marker(label) => self.line(LineKind::Step, label),
                LineOrMarker::Line(text) => {
                    if let Some(v) = text.strip_prefix("✗ ") {
                        verdict_failed = Some(v.to_string());
                    }
                    self.line(LineKind::Stdout, text);
                }
            }
        }
        let recorded_exit = cast.header.kdeck.as_ref().and_then(|k| k.exit);
        match (recorded_exit, verdict_failed) {
            (Some(1), v) | (_, v @ Some(_)) => self.exit(Outcome::Failed {
                verdict: v.unwrap_or_else(|| "the recorded run failed".into()),
            }),
            _ => self.exit(Outcome::Passed),
        }
    }

    /// Sleeps until `t` seconds (scaled by the speed) after `from`; false if cancelled.
    fn sleep_until(&self, from: Instant, t: f64) -> bool {
        if self.speed > 0.0 {
            let target = from + Duration::from_secs_f64((t / self.speed).clamp(0.0, 3600.0));
            loop {
                if self.cancel.load(Ordering::Relaxed) {
                    return false;
                }
                let now = Instant::now();
                if now >= target {
                    break;
                }
                thread::sleep((target - now).min(Duration::from_millis(25)));
            }
        }
        !self.cancel.load(Ordering::Relaxed)
    }
}

/// Lines of a stream as they arrive; invalid UTF-8 is replaced, a final partial line kept.
fn lines(stream: impl Read) -> impl Iterator<Item = String> {
    let mut reader = BufReader::new(stream);
    std::iter::from_fn(move || {
        let mut buf = Vec::new();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    })
}

enum Waited {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
    Error(String),
}

/// Waits for the child, killing its process group at the deadline or when cancelled.
/// Uses a pidfd so the exit is seen at once; polls every 20 ms for cancellation.
fn wait_bounded(child: &mut Child, timeout: Duration, cancel: &AtomicBool) -> Waited {
    let pid = child.id() as i32;
    let deadline = Instant::now() + timeout;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Waited::Exited(status),
            Ok(None) => {}
            Err(e) => break Waited::Error(format!("waitpid: {e}")),
        }
        let why = if cancel.load(Ordering::Relaxed) {
            Some(Waited::Cancelled)
        } else if Instant::now() >= deadline {
            Some(Waited::TimedOut)
        } else {
            None
        };
        if let Some(w) = why {
            // SAFETY: signals the child's process group (its pgid is its pid).
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            let _ = child.wait();
            break w;
        }
        if pidfd >= 0 {
            let mut fds = libc::pollfd {
                fd: pidfd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, bounded timeout.
            unsafe { libc::poll(&mut fds, 1, 20) };
        } else {
            thread::sleep(Duration::from_millis(2));
        }
    };
    if pidfd >= 0 {
        // SAFETY: closing the fd pidfd_open gave us.
        unsafe { libc::close(pidfd) };
    }
    outcome
}

/// "exit code 2", "killed by SIGSYS (core dumped)".
fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit code {code}");
    }
    match status.signal() {
        Some(sig) => {
            let name = nix::sys::signal::Signal::try_from(sig)
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|_| format!("signal {sig}"));
            let core = if status.core_dumped() {
                " (core dumped)"
            } else {
                ""
            };
            format!("killed by {name}{core}")
        }
        None => "ended without a status".into(),
    }
}
