//! Application state and `update()`: keys, ticks and demo events in, state and demo
//! commands out. No terminal and no I/O here, so every behaviour is testable.

mod form;
mod pane;

use std::collections::HashMap;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use form::{FormState, Play};
pub use pane::{Badge, DemoPane, FallBack};

use crate::deck::Deck;
use crate::demo::{DemoCommand, DemoEvent, RunMode};
use crate::probe::Support;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Message {
    Key(KeyEvent),
    /// The terminal changed size (the next draw adapts).
    Resize,
    /// Time since the talk started.
    Tick(Duration),
    Demo(DemoEvent),
    /// What this kernel supports, per demo id (from `kdeck probe`, run in a child).
    Probes(Vec<(String, Support)>),
    /// The typed facts the same `kdeck probe` established (`landlock.abi` → `7`).
    Facts(std::collections::BTreeMap<String, String>),
    /// SIGTERM/SIGHUP or similar: leave cleanly.
    Quit,
}

/// An overlay drawn over the slide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// The slide list, with the highlighted row.
    Overview {
        selected: usize,
    },
    /// Typing a search query.
    Search {
        query: String,
    },
    /// The kernel matrix for the current demo: where it ran live, partial, recorded.
    Matrix,
    /// The current slide's sources (front matter `sources`).
    Sources,
}

/// Options fixed at start-up.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// 0-based slide to open at.
    pub start: usize,
    /// Every demo plays its recording (`--recorded`, KDECK_FORCE_RECORDED=1).
    pub force_recorded: bool,
    /// The running kernel's release, for the header.
    pub kernel: String,
}

pub struct App {
    pub deck: Deck,
    pub current: usize,
    pub overlay: Overlay,
    pub show_notes: bool,
    /// Digits typed for "number then Enter".
    pub jump: String,
    /// The last search: its text and the matching slides.
    pub search: Option<(String, Vec<usize>)>,
    /// A short message for the footer (e.g. "no slide matches 'foo'").
    pub status: Option<String>,
    pub elapsed: Duration,
    pub panes: HashMap<String, DemoPane>,
    /// Values for the placeholders in slide text and notes (`{kernel}`, `{probe:<id>}`,
    /// `{probe:<fact>}`), kept in step with `facts`.
    pub slide_vars: HashMap<String, String>,
    /// Where the placeholders' values come from: the live probe, the recordings.
    pub facts: crate::facts::FactSource,
    /// Bumped whenever rendered slide text changes (probe answers, search).
    pub content_version: u64,
    /// The UI's memo of wrapped text.
    pub ui_cache: crate::ui::cache::Cache,
    pub options: Options,
    /// Rows of the demo pane's output area, and rows of output, at the last draw (for
    /// scrolling and paging; set by the UI).
    pub pane_rows: std::cell::Cell<usize>,
    pub pane_total: std::cell::Cell<usize>,
    pub quit: bool,
    /// The playground: its edit form (`e`) and each demo's last variant.
    pub play: Play,
    next_run: u64,
}

impl App {
    pub fn new(deck: Deck, options: Options) -> Self {
        let current = options.start.min(deck.slides.len().saturating_sub(1));
        let facts = crate::facts::FactSource {
            kernel: options.kernel.clone(),
            support: crate::demo::ids()
                .into_iter()
                .map(|id| (id.to_string(), None))
                .collect(),
            live: None,
            recorded: crate::facts::recorded_facts(&crate::demo::Recordings::embedded()),
            force_recorded: options.force_recorded,
        };
        App {
            deck,
            current,
            overlay: Overlay::None,
            show_notes: true,
            jump: String::new(),
            search: None,
            status: None,
            elapsed: Duration::ZERO,
            panes: HashMap::new(),
            slide_vars: facts.vars(),
            facts,
            content_version: 0,
            ui_cache: Default::default(),
            options,
            pane_rows: std::cell::Cell::new(10),
            pane_total: std::cell::Cell::new(0),
            quit: false,
            play: Play::default(),
            next_run: 1,
        }
    }

    /// Takes fact values for recorded mode from these recordings (`--recordings DIR`).
    pub fn use_recordings(&mut self, recordings: &crate::demo::Recordings) {
        self.facts.recorded = crate::facts::recorded_facts(recordings);
        self.refresh_vars();
    }

    fn refresh_vars(&mut self) {
        self.slide_vars = self.facts.vars();
        self.content_version += 1;
    }

    /// The demo id of the current slide.
    pub fn current_demo(&self) -> Option<&str> {
        self.deck
            .slides
            .get(self.current)
            .and_then(|s| s.demo.as_deref())
    }

    /// The pane of the current slide's demo, if it has been run.
    pub fn current_pane(&self) -> Option<&DemoPane> {
        self.current_demo().and_then(|id| self.panes.get(id))
    }

    /// Handles one message; returns what the demo side must do.
    pub fn update(&mut self, msg: Message) -> Vec<DemoCommand> {
        match msg {
            Message::Key(key) if key.kind == KeyEventKind::Press => self.key(key),
            Message::Key(_) | Message::Resize => Vec::new(),
            Message::Tick(elapsed) => {
                self.elapsed = elapsed;
                Vec::new()
            }
            Message::Demo(ev) => {
                for pane in self.panes.values_mut() {
                    if pane.apply(&ev) {
                        break;
                    }
                }
                self.note_changes(&ev);
                Vec::new()
            }
            Message::Probes(answers) => {
                for (id, support) in answers {
                    match self.facts.support.iter_mut().find(|(d, _)| *d == id) {
                        Some(slot) => slot.1 = Some(support),
                        None => self.facts.support.push((id, Some(support))),
                    }
                }
                self.refresh_vars();
                Vec::new()
            }
            Message::Facts(facts) => {
                self.facts.live = Some(facts);
                self.refresh_vars();
                Vec::new()
            }
            Message::Quit => self.leave(),
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<DemoCommand> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return self.leave();
        }
        self.status = None;
        if self.play.form.is_some() {
            return self.form_key(key);
        }
        match self.overlay.clone() {
            Overlay::Help | Overlay::Matrix | Overlay::Sources => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('?' | 'q' | 'm' | 'c') | KeyCode::Enter
                ) {
                    self.overlay = Overlay::None;
                }
                Vec::new()
            }
            Overlay::Overview { selected } => self.overview_key(key, selected),
            Overlay::Search { query } => self.search_key(key, query),
            Overlay::None => self.normal_key(key),
        }
    }

    fn normal_key(&mut self, key: KeyEvent) -> Vec<DemoCommand> {
        let last = self.deck.slides.len().saturating_sub(1);
        match key.code {
            KeyCode::Char(c @ '0'..='9') => {
                if self.jump.len() < 4 {
                    self.jump.push(c);
                }
                Vec::new()
            }
            KeyCode::Enter if !self.jump.is_empty() => {
                let n: usize = self.jump.parse().unwrap_or(0);
                self.jump.clear();
                if n >= 1 && n <= last + 1 {
                    self.go(n - 1)
                } else {
                    self.status = Some(format!("no slide {n} (1–{})", last + 1));
                    Vec::new()
                }
            }
            KeyCode::Esc if !self.jump.is_empty() => {
                self.jump.clear();
                Vec::new()
            }
            KeyCode::Right | KeyCode::Char('l' | ' ') | KeyCode::PageDown => {
                self.go((self.current + 1).min(last))
            }
            KeyCode::Left | KeyCode::Char('h') | KeyCode::PageUp => {
                self.go(self.current.saturating_sub(1))
            }
            KeyCode::Home | KeyCode::Char('g') => self.go(0),
            KeyCode::End | KeyCode::Char('G') => self.go(last),
            KeyCode::Char('q') | KeyCode::Esc => self.leave(),
            KeyCode::Char('?') => {
                self.overlay = Overlay::Help;
                Vec::new()
            }
            KeyCode::Char('c') => {
                self.overlay = Overlay::Sources;
                Vec::new()
            }
            KeyCode::Char('o') => {
                self.overlay = Overlay::Overview {
                    selected: self.current,
                };
                Vec::new()
            }
            KeyCode::Char('m') => {
                if self.current_demo().is_some() {
                    self.overlay = Overlay::Matrix;
                } else {
                    self.status =
                        Some("this slide has no demo (m shows a demo's kernel matrix)".into());
                }
                Vec::new()
            }
            KeyCode::Char('/') => {
                self.overlay = Overlay::Search {
                    query: String::new(),
                };
                Vec::new()
            }
            KeyCode::Char('n') => self.next_match(true),
            KeyCode::Char('N') => self.next_match(false),
            KeyCode::Char('s') => {
                self.show_notes = !self.show_notes;
                Vec::new()
            }
            KeyCode::Char('r') => self.run_demo(),
            KeyCode::Char('e') => self.open_form(),
            KeyCode::Char('x') => self.stop_demo(),
            KeyCode::Char('f') => {
                if let Some(id) = self.current_demo().map(str::to_string) {
                    let pane = self
                        .panes
                        .entry(id.clone())
                        .or_insert_with(|| DemoPane::new(&id));
                    pane.prefer_recorded = !pane.prefer_recorded;
                    return self.run_demo();
                }
                Vec::new()
            }
            KeyCode::Char('j') | KeyCode::Down => self.scroll(1),
            KeyCode::Char('k') | KeyCode::Up => self.scroll(-1),
            KeyCode::Char('J') => self.scroll(self.page()),
            KeyCode::Char('K') => self.scroll(-self.page()),
            KeyCode::Char('d') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.scroll(self.page())
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.scroll(-self.page())
            }
            _ => Vec::new(),
        }
    }

    fn page(&self) -> isize {
        self.pane_rows.get().max(2) as isize - 1
    }

    fn overview_key(&mut self, key: KeyEvent, selected: usize) -> Vec<DemoCommand> {
        let last = self.deck.slides.len().saturating_sub(1);
        let selected = match key.code {
            KeyCode::Esc | KeyCode::Char('o' | 'q') => {
                self.overlay = Overlay::None;
                return Vec::new();
            }
            KeyCode::Enter => {
                self.overlay = Overlay::None;
                return self.go(selected);
            }
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Right | KeyCode::Char('l') => {
                (selected + 1).min(last)
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::Left | KeyCode::Char('h') => {
                selected.saturating_sub(1)
            }
            KeyCode::PageDown => (selected + 10).min(last),
            KeyCode::PageUp => selected.saturating_sub(10),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => selected,
        };
        self.overlay = Overlay::Overview { selected };
        Vec::new()
    }

    fn search_key(&mut self, key: KeyEvent, mut query: String) -> Vec<DemoCommand> {
        match key.code {
            KeyCode::Esc => self.overlay = Overlay::None,
            KeyCode::Enter => {
                self.overlay = Overlay::None;
                if query.trim().is_empty() {
                    return Vec::new();
                }
                let needle = query.to_lowercase();
                let matches: Vec<usize> = self
                    .deck
                    .slides
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.search_text.contains(&needle))
                    .map(|(i, _)| i)
                    .collect();
                if matches.is_empty() {
                    self.status = Some(format!("no slide matches \"{query}\""));
                    self.search = None;
                    self.content_version += 1;
                    return Vec::new();
                }
                // First match at or after the current slide, wrapping around.
                let target = matches
                    .iter()
                    .copied()
                    .find(|&i| i >= self.current)
                    .unwrap_or(matches[0]);
                self.search = Some((query, matches));
                self.content_version += 1;
                return self.go(target);
            }
            KeyCode::Backspace => {
                query.pop();
                self.overlay = Overlay::Search { query };
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                query.push(c);
                self.overlay = Overlay::Search { query };
            }
            _ => {}
        }
        Vec::new()
    }

    fn next_match(&mut self, forward: bool) -> Vec<DemoCommand> {
        let Some((query, matches)) = &self.search else {
            self.status = Some("no search yet: press / to search".into());
            return Vec::new();
        };
        let target = if forward {
            matches
                .iter()
                .copied()
                .find(|&i| i > self.current)
                .or(matches.first().copied())
        } else {
            matches
                .iter()
                .rev()
                .copied()
                .find(|&i| i < self.current)
                .or(matches.last().copied())
        };
        let n = matches.len();
        let query = query.clone();
        match target {
            Some(t) => {
                let cmds = self.go(t);
                let pos = self
                    .search
                    .as_ref()
                    .and_then(|(_, m)| m.iter().position(|&i| i == t))
                    .unwrap_or(0);
                self.status = Some(format!("\"{query}\": match {} of {n}", pos + 1));
                cmds
            }
            None => Vec::new(),
        }
    }

    /// Moves to slide `index`; a demo still running on the slide we leave is stopped.
    pub fn go(&mut self, index: usize) -> Vec<DemoCommand> {
        if index == self.current || index >= self.deck.slides.len() {
            return Vec::new();
        }
        let cmds = self.stop_demo();
        self.current = index;
        cmds
    }

    fn run_demo(&mut self) -> Vec<DemoCommand> {
        let Some(id) = self.current_demo().map(str::to_string) else {
            self.status = Some("this slide has no demo".into());
            return Vec::new();
        };
        let mut cmds = self.stop_demo();
        let run = self.next_run;
        self.next_run += 1;
        let pane = self
            .panes
            .entry(id.clone())
            .or_insert_with(|| DemoPane::new(&id));
        pane.begin(run);
        let mode = if self.options.force_recorded || pane.prefer_recorded {
            RunMode::Recorded
        } else {
            RunMode::Auto
        };
        cmds.push(DemoCommand::Start { run, id, mode });
        cmds
    }

    fn stop_demo(&mut self) -> Vec<DemoCommand> {
        let Some(pane) = self.current_demo().and_then(|id| self.panes.get(id)) else {
            return Vec::new();
        };
        match (pane.running, pane.run) {
            (true, Some(run)) => vec![DemoCommand::Stop { run }],
            _ => Vec::new(),
        }
    }

    fn scroll(&mut self, delta: isize) -> Vec<DemoCommand> {
        let (rows, total) = (self.pane_rows.get(), self.pane_total.get());
        if let Some(id) = self.current_demo().map(str::to_string)
            && let Some(pane) = self.panes.get_mut(&id)
        {
            pane.scroll_by(delta, rows, total);
        }
        Vec::new()
    }

    fn leave(&mut self) -> Vec<DemoCommand> {
        self.quit = true;
        self.panes
            .values()
            .filter(|p| p.running)
            .filter_map(|p| p.run)
            .map(|run| DemoCommand::Stop { run })
            .collect()
    }

    /// "on pace", "2 min behind", "1 min ahead" against the deck's time budget.
    pub fn pace(&self) -> String {
        let minutes = self.elapsed.as_secs_f64() / 60.0;
        let start = self.deck.planned_before(self.current);
        let end = self.deck.planned_before(self.current + 1);
        if minutes > end + 0.5 {
            format!("{:.0} min behind", (minutes - end).ceil())
        } else if minutes + 1.0 < start {
            format!("{:.0} min ahead", (start - minutes).floor())
        } else {
            "on pace".to_string()
        }
    }
}
