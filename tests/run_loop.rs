//! The presenting loop itself (`tui::run`) driven through its seams: a scripted
//! [`Source`] of messages, the real demo engine (or a recorder) as [`Commands`], and a
//! test backend as the terminal. The same loop the terminal uses.

mod common;

use std::sync::mpsc;

use common::*;
use kdeck::app::Message;
use kdeck::demo::{self, DemoCommand, DemoEvent, Engine, Recordings};
use kdeck::event::Source;
use kdeck::tui::{Commands, run};
use kdeck::ui::UiState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

/// The loop's screen as lines (right-trimmed).
fn text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
            line.trim_end().to_string() + "\n"
        })
        .collect()
}

/// Batches handed out in order; closed after the last.
struct Script(Vec<Vec<Message>>);

impl Source for Script {
    fn next_batch(&mut self) -> Vec<Message> {
        if self.0.is_empty() {
            Vec::new()
        } else {
            self.0.remove(0)
        }
    }
}

/// Keeps the commands the loop gives.
#[derive(Default)]
struct Kept(Vec<DemoCommand>);

impl Commands for Kept {
    fn command(&mut self, cmd: DemoCommand) {
        self.0.push(cmd);
    }
}

#[test]
fn keys_through_the_loop_move_and_quit() {
    let mut app = app_at(0);
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).expect("test terminal");
    let mut script = Script(vec![
        vec![code(KeyCode::Right)],
        vec![
            code(KeyCode::Right),
            code(KeyCode::Left),
            code(KeyCode::Right),
        ],
        vec![key('q'), key('q')],
    ]);
    let mut kept = Kept::default();
    run(
        &mut terminal,
        &mut app,
        &mut UiState::default(),
        &mut script,
        &mut kept,
    )
    .expect("the loop runs");
    assert!(app.quit);
    assert_eq!(app.current, 2);
    let n = deck().slides.len();
    assert!(
        text(&terminal).contains(&format!("3/{n}")),
        "{}",
        text(&terminal)
    );
    assert!(kept.0.is_empty(), "no demo was started: {:?}", kept.0);
}

/// The channel the engine's events come on, with `q` sent once the run has ended.
struct UntilExited {
    rx: mpsc::Receiver<Message>,
    ended: bool,
}

impl Source for UntilExited {
    fn next_batch(&mut self) -> Vec<Message> {
        if self.ended {
            return vec![key('q')];
        }
        let mut batch = self.rx.next_batch();
        self.ended = batch
            .iter()
            .any(|m| matches!(m, Message::Demo(DemoEvent::Exited { .. })));
        if batch.is_empty() {
            batch.push(key('q'));
        }
        batch
    }
}

#[test]
fn a_live_demo_runs_through_the_loop_and_the_engine() {
    let mut app = app_at(slide_of("landlock"));
    let (tx, rx) = mpsc::channel();
    let demo_tx = tx.clone();
    let sink = demo::sink(move |ev| {
        let _ = demo_tx.send(Message::Demo(ev));
    });
    let mut engine = Engine::new(exe(), Recordings::embedded(), sink);
    tx.send(key('r')).expect("send r");
    let mut source = UntilExited { rx, ended: false };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    run(
        &mut terminal,
        &mut app,
        &mut UiState::default(),
        &mut source,
        &mut engine,
    )
    .expect("the loop runs");
    let screen = text(&terminal);
    assert!(screen.contains("● LIVE"), "{screen}");
    assert!(screen.contains("✓ passed in"), "{screen}");
    let pane = app.current_pane().expect("the landlock pane");
    let probe = pane.summary.probe.as_ref().expect("the live run probed");
    assert_eq!(probe.support, kdeck::probe::Support::Yes);
    assert!(
        probe
            .evidence
            .starts_with("landlock_create_ruleset(VERSION) = "),
        "{probe:?}"
    );
    assert_eq!(pane.summary.mode(), kdeck::demo::DemoMode::Live);
}

/// After a frame the loop lays out the slides before and after the current one, at
/// the width each will be drawn at: the → and ← frames then find their text laid out.
#[test]
fn the_neighbours_are_laid_out_at_the_width_they_are_drawn_at() {
    for (w, h) in [(100, 30), (70, 24)] {
        // Slide 11 (a demo) between slide 10 (none) and slide 12 (a demo).
        let mut app = app_at(10);
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
        let mut ui = UiState::default();
        let mut script = Script(vec![vec![Message::Resize]]);
        run(
            &mut terminal,
            &mut app,
            &mut ui,
            &mut script,
            &mut Kept::default(),
        )
        .unwrap();
        let ahead = ui.laid_out_slides();
        for neighbour in [9, 11] {
            // Where a frame on that slide lays it out.
            let mut there = app_at(neighbour);
            let mut fresh = UiState::default();
            let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
            kdeck::tui::draw(&mut t, &mut there, &mut fresh).unwrap();
            let drawn = fresh.laid_out_slides();
            assert_eq!(drawn.len(), 1, "{drawn:?}");
            assert!(
                ahead.contains(&drawn[0]),
                "{w}x{h}: slide {neighbour} drawn as {:?}, laid out ahead: {ahead:?}",
                drawn[0]
            );
        }
    }
}
