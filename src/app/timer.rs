//! The talk timer: stopped until the first navigation key (or `t`), paused and resumed
//! with `t`, reset with `T`. It counts from the slide it started at, so opening at
//! `--start 15` doesn't count slides 1–14 as time ahead or behind. Time comes in from
//! ticks (the program's clock); nothing here reads a clock itself.

use std::time::Duration;

/// Where the timer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimerState {
    /// Not started: waits for the first navigation key or `t`.
    #[default]
    Idle,
    /// Running since clock time `since`, plus `banked` from before a pause.
    Running {
        since: Duration,
        banked: Duration,
    },
    Paused {
        banked: Duration,
    },
}

/// The timer, and the slide its count started at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timer {
    pub state: TimerState,
    /// 0-based slide at which the count began; planned time before it is not counted.
    pub origin: usize,
}

impl Timer {
    /// Time counted at clock time `now`.
    pub fn elapsed(&self, now: Duration) -> Duration {
        match self.state {
            TimerState::Idle => Duration::ZERO,
            TimerState::Running { since, banked } => banked + now.saturating_sub(since),
            TimerState::Paused { banked } => banked,
        }
    }

    /// Starts the count at slide `origin` unless it already runs (or is paused).
    pub fn start_if_idle(&mut self, now: Duration, origin: usize) {
        if self.state == TimerState::Idle {
            self.state = TimerState::Running {
                since: now,
                banked: Duration::ZERO,
            };
            self.origin = origin;
        }
    }

    /// `t`: starts an idle timer, pauses a running one, resumes a paused one.
    pub fn toggle(&mut self, now: Duration, slide: usize) {
        self.state = match self.state {
            TimerState::Idle => {
                self.origin = slide;
                TimerState::Running {
                    since: now,
                    banked: Duration::ZERO,
                }
            }
            TimerState::Running { .. } => TimerState::Paused {
                banked: self.elapsed(now),
            },
            TimerState::Paused { banked } => TimerState::Running { since: now, banked },
        };
    }

    /// `T`: back to zero, stopped until the next navigation key or `t`.
    pub fn reset(&mut self) {
        *self = Timer::default();
    }

    pub fn is_paused(&self) -> bool {
        matches!(self.state, TimerState::Paused { .. })
    }

    pub fn is_idle(&self) -> bool {
        self.state == TimerState::Idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn starts_pauses_resumes_resets() {
        let mut t = Timer::default();
        assert_eq!(t.elapsed(s(100)), s(0));
        t.start_if_idle(s(10), 4);
        assert_eq!((t.elapsed(s(25)), t.origin), (s(15), 4));
        t.start_if_idle(s(20), 9);
        assert_eq!(t.origin, 4, "a running timer keeps its origin");
        t.toggle(s(30), 5);
        assert!(t.is_paused());
        assert_eq!(t.elapsed(s(90)), s(20));
        t.toggle(s(100), 5);
        assert_eq!(t.elapsed(s(105)), s(25));
        t.reset();
        assert!(t.is_idle());
        assert_eq!(t.elapsed(s(200)), s(0));
    }
}
