//! Helpers shared by the integration tests: the embedded deck, an app at a slide, a
//! demo run driven through the real engine and App::update, and a screen as text.
#![allow(dead_code)]

pub mod child;
pub mod hostile;
pub mod slides;
pub mod synthetic;
pub mod tmux;
pub mod tools;

use std::sync::mpsc;
use std::time::Duration;

use kdeck::app::{App, Message, Options};
use kdeck::deck::Deck;
use kdeck::demo::{self, DemoEvent, Engine, Recordings, Sink};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const KERNEL: &str = "6.x-test";

pub fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_kdeck")
}

pub fn deck() -> Deck {
    Deck::embedded(&demo::ids()).expect("embedded deck parses")
}

pub fn app_at(index: usize) -> App {
    App::new(
        deck(),
        Options {
            start: index,
            force_recorded: false,
            kernel: KERNEL.into(),
            ..Default::default()
        },
    )
}

/// The index of the slide that carries demo `id`.
pub fn slide_of(id: &str) -> usize {
    deck()
        .slides
        .iter()
        .position(|s| s.demo.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no slide has demo {id}"))
}

pub fn key(c: char) -> Message {
    Message::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(k: KeyCode) -> Message {
    Message::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

/// A sink that collects into a channel.
pub fn channel_sink() -> (Sink, mpsc::Receiver<DemoEvent>) {
    let (tx, rx) = mpsc::channel();
    let sink = demo::sink(move |ev| {
        let _ = tx.send(ev);
    });
    (sink, rx)
}

/// Presses `r` on the app (at a demo slide), runs the commands through `engine`'s
/// configuration, feeds the events back, and returns them once the run exits.
pub fn run_demo(app: &mut App, configure: impl FnOnce(Engine) -> Engine) -> Vec<DemoEvent> {
    let (sink, rx) = channel_sink();
    let mut engine = configure(Engine::new(exe(), Recordings::embedded(), sink).with_speed(0.0));
    for cmd in app.update(key('r')) {
        engine.command(cmd);
    }
    let mut events = Vec::new();
    loop {
        let ev = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("demo events keep coming");
        let done = matches!(ev, DemoEvent::Exited { .. });
        for cmd in app.update(Message::Demo(ev.clone())) {
            engine.command(cmd);
        }
        events.push(ev);
        if done {
            return events;
        }
    }
}

/// Renders the app at a size and returns the screen as lines (right-trimmed).
pub fn screen(app: &App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|f| f.render_widget(app, f.area()))
        .expect("draw");
    text_of(terminal.backend().buffer(), w, h)
}

/// [`screen`] drawn the way the loop draws (`tui::draw`), so the app learns the demo
/// pane's geometry for scrolling.
pub fn screen_fed(app: &mut App, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    kdeck::tui::draw(&mut terminal, app, &mut kdeck::ui::UiState::default()).expect("draw");
    text_of(terminal.backend().buffer(), w, h)
}

/// A buffer as lines (right-trimmed).
fn text_of(buf: &ratatui::buffer::Buffer, w: u16, h: u16) -> String {
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Lines of the demo's stdout, from the events.
pub fn stdout_lines(events: &[DemoEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            DemoEvent::Output { line, .. } => Some(line.text.clone()),
            _ => None,
        })
        .collect()
}

/// One field of /proc/self/status of this (test) process.
pub fn status_field(name: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{name}:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_default()
}

/// Every row the demo pane shows, scrolling from the top to the bottom (at 120x40).
pub fn pane_text(app: &mut App) -> String {
    let _ = screen_fed(app, 120, 40); // a draw tells the app the pane's size
    for _ in 0..200 {
        app.update(key('k'));
    }
    let mut seen = String::new();
    for _ in 0..200 {
        seen.push_str(&screen_fed(app, 120, 40));
        app.update(key('J'));
        if app.current_pane().is_some_and(|p| p.scroll.is_none()) {
            seen.push_str(&screen_fed(app, 120, 40));
            break;
        }
    }
    seen
}
