//! What the presentation tells its speaker views: built from the app after every
//! change, plain data (no styles), so the speaker's screen is drawn from it alone.

use super::proto::{DemoView, NextSlide, State, TimerView, ToSpeaker};
use crate::app::timer::TimerState;
use crate::app::{App, Badge};
use crate::demo::Outcome;

/// How many lines of the next slide the speaker sees.
const NEXT_LINES: usize = 6;

/// The speaker's view of `app` now.
pub fn of(app: &App) -> ToSpeaker {
    let slide = &app.deck.slides[app.current];
    let next = app.deck.slides.get(app.current + 1).map(|n| NextSlide {
        title: n.title.clone(),
        lines: crate::ui::markdown::render(&n.body, 72, &app.slide_vars)
            .iter()
            .map(|l| l.to_string().trim_end().to_string())
            .filter(|l| !l.trim().is_empty())
            .take(NEXT_LINES)
            .collect(),
    });
    let timer = TimerView {
        elapsed_secs: app.elapsed.as_secs(),
        budget_minutes: app.deck.budget_minutes(),
        state: match app.timer.state {
            TimerState::Idle => "idle",
            TimerState::Running { .. } => "running",
            TimerState::Paused { .. } => "paused",
        }
        .to_string(),
    };
    ToSpeaker::State(Box::new(State {
        deck: app.deck.title().to_string(),
        slide: app.current + 1,
        slides: app.deck.slides.len(),
        title: slide.title.clone(),
        section: slide.section.clone(),
        notes: slide.notes.clone(),
        next,
        timer,
        pace: app.pace(),
        demo: app.current_demo().map(|id| demo_view(app, id)),
        banner: app.banner.clone(),
    }))
}

fn demo_view(app: &App, id: &str) -> DemoView {
    let title = crate::demo::find(id).map_or(id, |d| d.title).to_string();
    let pane = app.panes.get(id);
    let state = match pane {
        None => "not run yet (r runs it)".to_string(),
        Some(p) if p.running() => "running".to_string(),
        Some(p) => match p.outcome() {
            Some((Outcome::Passed, secs)) => format!("✓ passed in {secs:.2} s"),
            Some((Outcome::Stopped, _)) => "stopped".to_string(),
            Some((_, _)) => "✗ failed".to_string(),
            None => "not run yet (r runs it)".to_string(),
        },
    };
    let badge = match pane.map(|p| p.badge()) {
        None | Some(Badge::Idle) => String::new(),
        Some(Badge::Live) => "● LIVE".to_string(),
        Some(Badge::Recorded { why, .. }) => format!("◌ RECORDED — {why}"),
        Some(Badge::Partial { what, .. }) => format!("◐ PARTIAL — {what}"),
        Some(Badge::Failed { error }) => format!("✗ FAILED — {error}"),
        Some(Badge::Stopped) => "■ STOPPED".to_string(),
    };
    DemoView {
        id: id.to_string(),
        title,
        state,
        badge,
    }
}
