//! Runs demos: a live run re-executes kdeck (`kdeck __child <id>`) in its own process
//! group and streams its lines as they come; a replay plays a recording with its
//! timing. Both produce the same [`DemoEvent`] stream. The child reports typed
//! messages on its own descriptor ([`super::protocol`]); its stdout and stderr are
//! shown as they come. Every wait is bounded: the live child is killed (whole group)
//! at its timeout or on Stop.
//!
//! Each live run gets a fresh temp dir made here, in the parent ([`DEMO_DIR_ENV`], also
//! the child's `TMPDIR`), and removed here once the child's group is dead and reaped.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod replay;

use super::protocol::{
    ChildMsg, EXIT_FAIL, EXIT_PASS, EXIT_UNSUPPORTED, REPORT_FD, REPORT_FD_ENV, verdict_line,
};
use super::recordings::Recordings;
use super::{DemoCommand, DemoEvent, LineKind, Outcome, OutputLine, RunMode};
use crate::sys::wait::{WaitOpts, Waited, wait_child};

/// The environment variable naming the run's own empty temp dir (mode 0700) in the
/// child; the parent removes it after the run, whatever ended it.
pub const DEMO_DIR_ENV: &str = "KDECK_DEMO_DIR";

/// A live run after its child's group is dead: the run, how the wait ended, and what
/// the child reported.
type Watched = (Run, Result<Waited, nix::errno::Errno>, Heard);

/// How long [`Engine::stop_all`] waits for stopped runs to clean up.
const STOP_WAIT: Duration = Duration::from_secs(3);

/// Where events go (the UI's channel, a recorder, a test's vector).
pub type Sink = Arc<dyn Fn(DemoEvent) + Send + Sync>;

/// A sink that hands each event to `send`, which need not be `Sync` (an mpsc
/// `Sender`): the run threads take turns through a mutex.
pub fn sink(send: impl Fn(DemoEvent) + Send + 'static) -> Sink {
    let send = Mutex::new(send);
    Arc::new(move |ev| {
        if let Ok(send) = send.lock() {
            send(ev);
        }
    })
}

/// Starts and stops demo runs.
pub struct Engine {
    exe: PathBuf,
    recordings: Arc<Recordings>,
    sink: Sink,
    speed: f64,
    timeout: Option<Duration>,
    child_env: Vec<(String, String)>,
    runs: HashMap<u64, Arc<AtomicBool>>,
    threads: Vec<thread::JoinHandle<()>>,
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
            threads: Vec::new(),
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
                self.threads.retain(|t| !t.is_finished());
                let spawned = thread::Builder::new()
                    .name(format!("demo-{run}"))
                    .spawn(move || ctx.go(mode));
                match spawned {
                    Ok(t) => self.threads.push(t),
                    Err(e) => (self.sink)(DemoEvent::Exited {
                        run,
                        outcome: Outcome::Crashed {
                            status: format!("can't start a thread: {e}"),
                        },
                        seconds: 0.0,
                    }),
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

    /// Stops every run (on quit) and waits (bounded) until each has killed its child's
    /// group and removed its temp dir.
    pub fn stop_all(&mut self) {
        for (_, c) in self.runs.drain() {
            c.store(true, Ordering::Relaxed);
        }
        let deadline = Instant::now() + STOP_WAIT;
        while self.threads.iter().any(|t| !t.is_finished()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(2));
        }
        for t in std::mem::take(&mut self.threads) {
            if t.is_finished() {
                let _ = t.join();
            }
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
                self.started(false);
                self.replay_all(
                    "recording requested (--recorded, KDECK_FORCE_RECORDED or f)".into(),
                );
            }
            RunMode::Auto | RunMode::Live => self.live(mode),
        }
    }

    fn started(&self, live: bool) {
        self.send(DemoEvent::Started {
            run: self.run,
            id: self.id.clone(),
            live,
        });
    }

    fn live(self, mode: RunMode) {
        // Dropped last: after the group is dead and the dir removed.
        let _cleaning = super::groups::RunGuard::new();
        let spawned = self.spawn_in_own_dir();
        self.started(true);
        let (dir, child, report) = match spawned {
            Ok(s) => s,
            Err(status) => return self.exit(Outcome::Crashed { status }),
        };
        let watched = self.watch(child, report);
        // The group is dead and its pipes closed: nothing writes in the dir any more.
        let _ = dir.close();
        match watched {
            Ok((run, waited, heard)) => run.ended(mode, waited, heard),
            Err(shared) => shared.exit(Outcome::Crashed {
                status: "internal: reader threads still running".into(),
            }),
        }
    }

    /// Makes the run's fresh temp dir and starts the child in it; the error is the
    /// reason the run crashed. Each live run gets its dir made here, in the parent, and
    /// removed by [`Run::live`] once the child's group is dead and reaped: a demo killed
    /// by a re-run, `x`, a timeout or quit can't leave its files behind.
    fn spawn_in_own_dir(&self) -> Result<(tempfile::TempDir, Child, OwnedFd), String> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("kdeck-{}-", self.id))
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir()
            .map_err(|e| format!("can't make the demo's temp dir: {e}"))?;
        let (child, report) = self
            .spawn_child(dir.path())
            .map_err(|e| format!("can't start {}: {e}", self.exe.display()))?;
        Ok((dir, child, report))
    }

    /// Streams the child's report, stdout and stderr until its group is dead (it
    /// ended, timed out or was stopped) and every reader is done; gives the run back
    /// with how the wait ended and what the child reported.
    fn watch(self, mut child: Child, report: OwnedFd) -> Result<Watched, Arc<Run>> {
        let pid = child.id() as i32;
        let deadline = self.start + self.timeout;
        let shared = Arc::new(self);
        let heard: Arc<Mutex<Heard>> = Arc::default();
        let readers = [
            {
                let (r, h) = (shared.clone(), heard.clone());
                Some(thread::spawn(move || r.read_report(report, &h)))
            },
            child.stdout.take().map(|s| {
                let r = shared.clone();
                thread::spawn(move || r.read_plain(s, LineKind::Stdout))
            }),
            child.stderr.take().map(|s| {
                let r = shared.clone();
                thread::spawn(move || r.read_plain(s, LineKind::Stderr))
            }),
        ];
        let waited = wait_child(
            pid,
            deadline,
            WaitOpts {
                cancel: Some(&shared.cancel),
                group: true,
            },
        );
        super::groups::remove(pid);
        for h in readers.into_iter().flatten() {
            let _ = h.join();
        }
        let run = Arc::try_unwrap(shared)?;
        let heard = heard
            .lock()
            .map(|mut h| std::mem::take(&mut *h))
            .unwrap_or_default();
        Ok((run, waited, heard))
    }

    /// Spawns `kdeck __child <id>` in its own process group, with the write end of a
    /// fresh pipe as its report descriptor; returns the child and the read end. The
    /// group is in the kill table ([`super::groups`]) from here on, and the child dies
    /// with kdeck even before it is.
    fn spawn_child(&self, dir: &std::path::Path) -> std::io::Result<(Child, OwnedFd)> {
        let (report, wr) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        let wr_raw = wr.as_raw_fd();
        let mut cmd = Command::new(&self.exe);
        cmd.arg("__child")
            .arg(&self.id)
            .env(DEMO_DIR_ENV, dir)
            .env("TMPDIR", dir)
            // A variant's spec reaches only the run that asked for it (in child_env).
            .env_remove(super::play::SPEC_ENV)
            .envs(self.child_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(REPORT_FD_ENV, REPORT_FD.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let parent = super::groups::Parent::this();
        // SAFETY: between fork and exec the closure only calls prctl/getppid/dup2/fcntl,
        // which are async-signal-safe; it ties the child's life to this thread's
        // (see `Parent::bind`) and places the pipe's write end at REPORT_FD without
        // close-on-exec.
        unsafe {
            cmd.pre_exec(move || {
                parent.bind()?;
                let rc = if wr_raw == REPORT_FD {
                    libc::fcntl(wr_raw, libc::F_SETFD, 0)
                } else {
                    libc::dup2(wr_raw, REPORT_FD)
                };
                if rc < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        };
        let child = cmd.spawn()?;
        // At once, before anything else: a fault handler only kills the groups it
        // finds here.
        super::groups::add(child.id() as i32);
        drop(wr);
        Ok((child, report))
    }

    /// The run's end, from how the child ended and what it said.
    fn ended(self, mode: RunMode, waited: Result<Waited, nix::errno::Errno>, heard: Heard) {
        let code = match waited {
            Ok(Waited::Cancelled) => return self.exit(Outcome::Stopped),
            Ok(Waited::TimedOut) => {
                let seconds = self.timeout.as_secs_f64();
                return self.exit(Outcome::TimedOut { seconds });
            }
            Err(e) => {
                let status = format!("waitpid: {e}");
                return self.exit(Outcome::Crashed { status });
            }
            Ok(Waited::Signaled {
                signal,
                core_dumped,
            }) => {
                let status = describe_signal(signal, core_dumped);
                return self.exit(Outcome::Crashed { status });
            }
            Ok(Waited::Exited(code)) => code,
        };
        match (code, heard.unsupported) {
            (EXIT_UNSUPPORTED, Some(why)) if mode == RunMode::Auto => self.replay_all(why),
            (EXIT_UNSUPPORTED, Some(why)) => self.exit(Outcome::Unsupported { why }),
            (EXIT_PASS, _) => self.exit(Outcome::Passed),
            (EXIT_FAIL, _) => {
                let verdict = heard.failed.unwrap_or_else(|| "the demo failed".into());
                self.exit(Outcome::Failed { verdict })
            }
            _ => self.exit(Outcome::Crashed {
                status: format!("exit code {code}"),
            }),
        }
    }

    /// The child's typed messages, as events; a line that is no message is shown as
    /// the child wrote it.
    fn read_report(&self, stream: OwnedFd, heard: &Mutex<Heard>) {
        for text in lines(std::fs::File::from(stream)) {
            let Some(msg) = ChildMsg::parse(&text) else {
                self.line(LineKind::Stdout, text);
                continue;
            };
            match msg {
                ChildMsg::Probe { support, evidence } => {
                    self.line(LineKind::Probe { support }, evidence)
                }
                ChildMsg::Step { label } => self.line(LineKind::Step, label),
                ChildMsg::Line { text } => self.line(LineKind::Stdout, text),
                ChildMsg::Verdict { passed, text } => {
                    self.line(LineKind::Verdict { passed }, verdict_line(passed, &text));
                    if let (false, Ok(mut h)) = (passed, heard.lock()) {
                        h.failed = Some(text);
                    }
                }
                ChildMsg::Partial { step, why } => self.replay_step(&step, why),
                ChildMsg::Unsupported { why } => {
                    if let Ok(mut h) = heard.lock() {
                        h.unsupported = Some(why);
                    }
                }
            }
        }
    }

    /// Lines the child wrote outside the protocol (its stdout or stderr).
    fn read_plain(&self, stream: impl Read, kind: LineKind) {
        for text in lines(stream) {
            self.line(kind, text);
        }
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

/// What the child said that decides how its run ended.
#[derive(Debug, Default)]
struct Heard {
    /// The ✗ verdict's text.
    failed: Option<String>,
    /// Why the feature is missing (an `unsupported` message).
    unsupported: Option<String>,
}

/// "killed by SIGSYS (core dumped)".
fn describe_signal(sig: i32, core_dumped: bool) -> String {
    let name = nix::sys::signal::Signal::try_from(sig)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {sig}"));
    let core = if core_dumped { " (core dumped)" } else { "" };
    format!("killed by {name}{core}")
}
