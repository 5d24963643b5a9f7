//! The walkthrough's [`Source`] and [`Commands`]: the messages a presenter would send
//! walking through the talk (`→` per slide, `r` on a demo slide, the clock), and each
//! run's demo events, batched so that `tui::run_observed` draws exactly the
//! walkthrough's frames (see `walkthrough.rs` for which and when).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::error::RecordError;
use super::headless::{DemoRun, Runner};
use crate::app::Message;
use crate::deck::Deck;
use crate::demo::{DemoCommand, DemoEvent, LineKind, Outcome};
use crate::event::Source;
use crate::tui::Commands;

/// Seconds a slide frame (and the end-of-run frame) stays on screen in the cast.
pub const SLIDE_HOLD: f64 = 2.0;
/// Seconds a demo step's frame stays on screen in the cast.
pub const STEP_HOLD: f64 = 0.5;

/// What the source tells the recorder about the frame the loop draws next.
#[derive(Default)]
pub(super) struct Cue {
    /// Seconds since the cast's start.
    pub t: f64,
    /// The frame's label after the slide (`step …`, `exit …`), if any.
    pub what: Option<String>,
}

/// The runner, shared by the source (events) and the commands (start, stop).
pub(super) struct Shared<'a> {
    runner: RefCell<&'a mut Runner>,
    /// The run the last `Start` command started.
    started: Cell<Option<u64>>,
}

impl<'a> Shared<'a> {
    pub fn new(runner: &'a mut Runner) -> Self {
        Shared {
            runner: RefCell::new(runner),
            started: Cell::new(None),
        }
    }
}

/// The app's commands, carried out by the runner.
pub(super) struct WalkCommands<'s, 'a>(pub &'s Shared<'a>);

impl Commands for WalkCommands<'_, '_> {
    fn command(&mut self, cmd: DemoCommand) {
        if let DemoCommand::Start { run, .. } | DemoCommand::StartVariant { run, .. } = &cmd {
            self.0.started.set(Some(*run));
        }
        self.0.runner.borrow_mut().command(cmd);
    }
}

/// Where the walk is.
enum Phase {
    /// Go to slide `.0` and draw it on arrival.
    Goto(usize),
    /// Press `r` on slide `.0`, whose demo is `.1`.
    Press(usize, String),
    /// `r` was pressed on slide `.0`: did it start a run?
    Pressed(usize, String),
    /// A run's events on slide `.0`, up to the next frame.
    Run(usize, Box<Run>),
    /// Every slide was shown (or a run failed).
    Done,
}

/// A run in progress.
struct Run {
    id: String,
    run: u64,
    open_step: Option<String>,
    /// The event that ended a step: its frame was drawn, it is applied next.
    held: Option<DemoEvent>,
    events: Vec<DemoEvent>,
}

/// The walk through the deck's slides as message batches.
pub(super) struct Walk<'s, 'a> {
    shared: &'s Shared<'a>,
    cue: &'s RefCell<Cue>,
    /// Each slide's demo and planned minutes before it.
    slides: Vec<(Option<String>, f64)>,
    run_ids: Vec<String>,
    shown: HashSet<String>,
    phase: Phase,
    /// Seconds to add to the clock before the next frame.
    hold: f64,
    draws: bool,
    /// The demo runs, in the order they ran (first showing of each demo).
    pub runs: Vec<DemoRun>,
    /// What stopped the walk early.
    pub error: Option<RecordError>,
}

impl<'s, 'a> Walk<'s, 'a> {
    /// A walk whose slide 0 was drawn already (with a [`tick`] for it).
    pub fn new(
        deck: &Deck,
        run_ids: &[String],
        shared: &'s Shared<'a>,
        cue: &'s RefCell<Cue>,
    ) -> Self {
        let mut walk = Walk {
            shared,
            cue,
            slides: (0..deck.slides.len())
                .map(|i| (deck.slides[i].demo.clone(), deck.planned_before(i)))
                .collect(),
            run_ids: run_ids.to_vec(),
            shown: HashSet::new(),
            phase: Phase::Done,
            hold: 0.0,
            draws: true,
            runs: Vec::new(),
            error: None,
        };
        if !walk.slides.is_empty() {
            walk.arrived(0);
        }
        walk
    }

    /// The clock after the last frame's hold: when the walk ends.
    pub fn end(&self) -> f64 {
        self.cue.borrow().t + self.hold
    }

    /// Slide `i` was drawn on arrival: run its demo where it first shows, else go on.
    fn arrived(&mut self, i: usize) {
        match self.slides[i].0.clone() {
            Some(id) if self.run_ids.contains(&id) && self.shown.insert(id.clone()) => {
                self.hold += STEP_HOLD;
                self.phase = Phase::Press(i, id);
            }
            _ => {
                self.hold += SLIDE_HOLD;
                self.phase = Phase::Goto(i + 1);
            }
        }
    }

    /// The next frame's label; the clock moves by what the previous frame held.
    fn cue(&mut self, what: Option<String>, hold_after: f64) {
        let mut cue = self.cue.borrow_mut();
        cue.t += self.hold;
        cue.what = what;
        self.hold = hold_after;
    }

    /// The batch up to the next frame of run `r` on slide `slide`.
    fn run_batch(&mut self, slide: usize, mut r: Box<Run>) -> Vec<Message> {
        let mut batch = Vec::new();
        if let Some(ev) = r.held.take()
            && self.push(slide, &mut r, ev, &mut batch)
        {
            return batch;
        }
        loop {
            let next = self.shared.runner.borrow().next_event(r.run, &r.id);
            let ev = match next {
                Ok(ev) => ev,
                Err(e) => {
                    self.error = Some(e);
                    self.phase = Phase::Done;
                    return Vec::new();
                }
            };
            let step_ends = match &ev {
                DemoEvent::Output { line, .. } if line.kind == LineKind::Step => {
                    r.open_step.replace(line.text.clone())
                }
                DemoEvent::Exited { .. } => r.open_step.take(),
                _ => None,
            };
            if let Some(step) = step_ends {
                // The step's frame shows what came before the event that ended it.
                self.cue(Some(format!("step {step}")), STEP_HOLD);
                r.held = Some(ev);
                self.phase = Phase::Run(slide, r);
                return batch;
            }
            if self.push(slide, &mut r, ev, &mut batch) {
                return batch;
            }
        }
    }

    /// Adds `ev` to the batch; true at the run's end (the end-of-run frame is cued).
    fn push(&mut self, slide: usize, r: &mut Run, ev: DemoEvent, batch: &mut Vec<Message>) -> bool {
        batch.push(Message::Demo(ev.clone()));
        let exited = match &ev {
            DemoEvent::Exited { outcome, .. } => Some(outcome_word(outcome)),
            _ => None,
        };
        r.events.push(ev);
        let Some(word) = exited else {
            return false;
        };
        self.cue(Some(format!("exit {word}")), SLIDE_HOLD);
        self.runs.push(DemoRun {
            id: std::mem::take(&mut r.id),
            events: std::mem::take(&mut r.events),
        });
        self.phase = Phase::Goto(slide + 1);
        true
    }
}

impl Source for Walk<'_, '_> {
    fn next_batch(&mut self) -> Vec<Message> {
        self.draws = true;
        loop {
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return Vec::new(),
                Phase::Goto(i) if i >= self.slides.len() => return Vec::new(),
                Phase::Goto(i) => {
                    self.cue(None, 0.0);
                    self.arrived(i);
                    return vec![key(KeyCode::Right), tick(self.slides[i].1)];
                }
                Phase::Press(i, id) => {
                    self.shared.started.set(None);
                    self.draws = false;
                    self.phase = Phase::Pressed(i, id);
                    return vec![key(KeyCode::Char('r'))];
                }
                Phase::Pressed(i, id) => match self.shared.started.take() {
                    None => {
                        self.runs.push(DemoRun {
                            id,
                            events: Vec::new(),
                        });
                        self.hold += SLIDE_HOLD;
                        self.phase = Phase::Goto(i + 1);
                    }
                    Some(run) => {
                        self.phase = Phase::Run(
                            i,
                            Box::new(Run {
                                id,
                                run,
                                open_step: None,
                                held: None,
                                events: Vec::new(),
                            }),
                        );
                    }
                },
                Phase::Run(i, r) => return self.run_batch(i, r),
            }
        }
    }

    fn draws(&self) -> bool {
        self.draws
    }
}

/// The clock for a slide: the deck's planned minutes before it.
pub(super) fn tick(planned_minutes: f64) -> Message {
    let planned = (planned_minutes * 60.0).round();
    Message::Tick(Duration::from_secs_f64(planned.max(0.0)))
}

fn key(code: KeyCode) -> Message {
    Message::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn outcome_word(o: &Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed { .. } => "failed",
        Outcome::Crashed { .. } => "crashed",
        Outcome::TimedOut { .. } => "timed out",
        Outcome::Stopped => "stopped",
        Outcome::NoRecording { .. } => "no recording",
        Outcome::Unsupported { .. } => "unsupported",
    }
}
