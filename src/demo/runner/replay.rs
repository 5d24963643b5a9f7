//! The replay half of a run: the whole run, or one step of a live run, shown from the
//! demo's recording with its timing. The verdict line is the one the recording's
//! header names.

use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use super::Run;
use crate::cast::{LineOrMarker, output_lines, step_lines};
use crate::demo::protocol::{EXIT_FAIL, verdict_line};
use crate::demo::recordings;
use crate::demo::{DemoEvent, LineKind, Outcome};

impl Run {
    /// One step of a live run could not run: show it from the recording.
    pub(super) fn replay_step(&self, step: &str, why: String) {
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
    pub(super) fn replay_all(self, why: String) {
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
        // The recording's header names its verdict line and its exit code.
        let meta = cast.header.kdeck.clone().unwrap_or_default();
        let passed = meta.exit != Some(EXIT_FAIL);
        let verdict = meta.verdict.unwrap_or_default();
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
                LineOrMarker::Line(text) if !verdict.is_empty() && text == verdict => {
                    self.line(LineKind::Verdict { passed }, text)
                }
                LineOrMarker::Line(text) => self.line(LineKind::Stdout, text),
            }
        }
        if passed {
            return self.exit(Outcome::Passed);
        }
        let shown = verdict_line(false, "");
        let verdict = match verdict.strip_prefix(shown.as_str()) {
            Some(text) => text.to_string(),
            None if verdict.is_empty() => "the recorded run failed".into(),
            None => verdict,
        };
        self.exit(Outcome::Failed { verdict })
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
