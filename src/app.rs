//! Application state and `update()`: keys, ticks and demo events in, state and demo
//! commands out. No terminal and no I/O here, so every behaviour is testable.

mod form;
mod pane;
mod stage;
pub mod timer;

use std::collections::HashMap;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use form::{FormState, Play};
pub use pane::{Badge, DemoPane, FallBack};
pub use stage::{CONFIRM_QUIT, NotesMode};
pub use timer::Timer;

/// The demo pane's output rows and how many rows of output it has, as last drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneView {
    pub rows: usize,
    pub total: usize,
}

impl Default for PaneView {
    fn default() -> PaneView {
        PaneView { rows: 10, total: 0 }
    }
}

/// One row of the `m` overlay: `(kernel, user, mode, reason)`.
pub type MatrixRow<'a> = (&'a str, &'a str, &'a str, &'a str);

use crate::deck::Deck;
use crate::demo::{DemoCommand, DemoEvent, RunMode};
use crate::probe::Support;

/// Everything that can happen to the app.
#[derive(Debug, Clone)]
pub enum Message {
    Key(KeyEvent),
    /// The terminal changed size (the next draw adapts).
    Resize,
    /// The program's clock: time since kdeck started (the talk timer counts from it).
    Tick(Duration),
    Demo(DemoEvent),
    /// What this kernel supports, per demo id (from `kdeck probe`, run in a child).
    Probes(Vec<(String, Support)>),
    /// The typed facts the same `kdeck probe` established (`landlock.abi` → `7`).
    Facts(std::collections::BTreeMap<String, String>),
    /// SIGTERM/SIGHUP or similar: leave cleanly.
    Quit,
    /// The deck on disk changed (`--deck DIR`): the new deck, or why it doesn't parse.
    Reload(Result<Deck, crate::deck::DeckErrors>),
    /// A navigation or timer command from a speaker view.
    Remote(crate::speaker::proto::Nav),
    /// How many speaker views are connected now.
    Speakers(usize),
    /// In a speaker view: news from the presentation (the presenting app ignores it).
    Presentation(crate::speaker::proto::Upstream),
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
    /// Where the notes show.
    pub notes: NotesMode,
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
    /// The talk time shown in the footer (the timer at the last tick or key).
    pub elapsed: Duration,
    /// The program's clock at the last tick.
    pub clock: Duration,
    pub timer: Timer,
    /// `q` was pressed once; a second `q` quits.
    pub confirm_quit: bool,
    /// `b` or `.`: the screen is blank until any key.
    pub blank: bool,
    /// Rows the slide text is scrolled by (`]`/`[`), and the most it can be, at the last
    /// draw (set by the UI).
    pub slide_scroll: usize,
    pub slide_overflow: usize,
    /// Why the deck on disk doesn't parse (`file:line: problem`), while it doesn't.
    pub banner: Option<String>,
    /// Speaker views connected.
    pub speakers: usize,
    pub panes: HashMap<String, DemoPane>,
    /// Values for the placeholders in slide text and notes (`{kernel}`, `{probe:<id>}`,
    /// `{probe:<fact>}`), kept in step with `facts`.
    pub slide_vars: HashMap<String, String>,
    /// Where the placeholders' values come from: the live probe, the recordings.
    pub facts: crate::facts::FactSource,
    /// This process's probe answers per demo id (the running kernel's row of `m`);
    /// empty until they come.
    pub probes: Vec<(String, Support)>,
    /// Bumped whenever rendered slide text changes (probe answers, search).
    pub content_version: u64,
    /// The kernel matrix that ships with kdeck, parsed when `m` first opens its overlay
    /// (in `update`, never while drawing).
    pub kernel_matrix: Option<crate::matrix::Matrix>,
    pub options: Options,
    /// The demo pane's geometry at the last draw (for scrolling and paging), handed
    /// over by the loop after each frame.
    pub pane_view: PaneView,
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
            show_notes: options.notes != NotesMode::Off,
            jump: String::new(),
            search: None,
            status: None,
            elapsed: Duration::ZERO,
            clock: Duration::ZERO,
            timer: Timer::default(),
            confirm_quit: false,
            blank: false,
            slide_scroll: 0,
            slide_overflow: 0,
            banner: None,
            speakers: 0,
            panes: HashMap::new(),
            slide_vars: facts.vars(),
            facts,
            probes: Vec::new(),
            content_version: 0,
            kernel_matrix: None,
            options,
            pane_view: PaneView::default(),
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
        let cmds = self.handle(msg);
        self.elapsed = self.timer.elapsed(self.clock);
        cmds
    }

    fn handle(&mut self, msg: Message) -> Vec<DemoCommand> {
        match msg {
            Message::Key(key) if key.kind == KeyEventKind::Press => self.key(key),
            Message::Key(_) | Message::Resize | Message::Presentation(_) => Vec::new(),
            Message::Tick(clock) => {
                self.clock = clock;
                Vec::new()
            }
            Message::Reload(loaded) => {
                self.reload(loaded);
                Vec::new()
            }
            Message::Remote(nav) => self.remote(nav),
            Message::Speakers(n) => {
                if n != self.speakers {
                    self.status = Some(if n > self.speakers {
                        if self.options.notes == NotesMode::Auto {
                            "speaker view connected: notes are on it".into()
                        } else {
                            "speaker view connected".into()
                        }
                    } else {
                        "speaker view disconnected".into()
                    });
                }
                self.speakers = n;
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
                self.probes.clone_from(&answers);
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
        if self.overlay == Overlay::None
            && let Some(cmds) = self.stage_key(key)
        {
            return cmds;
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
        if let Some(commands) = self.jump_key(key.code) {
            return commands;
        }
        if let Some(overlay) = self.overlay_for(key.code) {
            self.overlay = overlay;
            return Vec::new();
        }
        let last = self.deck.slides.len().saturating_sub(1);
        match key.code {
            KeyCode::Right | KeyCode::Char('l' | ' ') | KeyCode::PageDown => {
                self.go((self.current + 1).min(last))
            }
            KeyCode::Left | KeyCode::Char('h') | KeyCode::PageUp => {
                self.go(self.current.saturating_sub(1))
            }
            KeyCode::Home | KeyCode::Char('g') => self.go(0),
            KeyCode::End | KeyCode::Char('G') => self.go(last),
            KeyCode::Char('m') => {
                self.show_matrix();
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
            KeyCode::Char('f') => self.rerun_other_mode(),
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

    /// The slide-number jump: digits collect (up to 4), Enter goes there, Esc drops them.
    /// `None` for a key that is not part of a jump.
    fn jump_key(&mut self, code: KeyCode) -> Option<Vec<DemoCommand>> {
        match code {
            KeyCode::Char(c @ '0'..='9') => {
                if self.jump.len() < 4 {
                    self.jump.push(c);
                }
                Some(Vec::new())
            }
            KeyCode::Enter if !self.jump.is_empty() => {
                let last = self.deck.slides.len().saturating_sub(1);
                let n: usize = self.jump.parse().unwrap_or(0);
                self.jump.clear();
                if n >= 1 && n <= last + 1 {
                    Some(self.go(n - 1))
                } else {
                    self.status = Some(format!("no slide {n} (1–{})", last + 1));
                    Some(Vec::new())
                }
            }
            KeyCode::Esc if !self.jump.is_empty() => {
                self.jump.clear();
                Some(Vec::new())
            }
            _ => None,
        }
    }

    /// The overlay a key opens from the slide view: help, sources, overview, search.
    fn overlay_for(&self, code: KeyCode) -> Option<Overlay> {
        match code {
            KeyCode::Char('?') => Some(Overlay::Help),
            KeyCode::Char('c') => Some(Overlay::Sources),
            KeyCode::Char('o') => Some(Overlay::Overview {
                selected: self.current,
            }),
            KeyCode::Char('/') => Some(Overlay::Search {
                query: String::new(),
            }),
            _ => None,
        }
    }

    /// `m`: the current demo's kernel matrix (loaded on first use), or a status line on a
    /// slide without a demo.
    fn show_matrix(&mut self) {
        if self.current_demo().is_some() {
            if self.kernel_matrix.is_none() {
                self.kernel_matrix = crate::matrix::shipped();
            }
            self.overlay = Overlay::Matrix;
        } else {
            self.status = Some("this slide has no demo (m shows a demo's kernel matrix)".into());
        }
    }

    /// `f`: flip the current demo between live and its recording, and run it again.
    fn rerun_other_mode(&mut self) -> Vec<DemoCommand> {
        let Some(id) = self.current_demo().map(str::to_string) else {
            return Vec::new();
        };
        let pane = self
            .panes
            .entry(id.clone())
            .or_insert_with(|| DemoPane::new(&id));
        pane.prefer_recorded = !pane.prefer_recorded;
        self.run_demo()
    }

    fn page(&self) -> isize {
        self.pane_view.rows.max(2) as isize - 1
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
                let (i, n) = (
                    matches.iter().position(|&m| m == target).unwrap_or(0) + 1,
                    matches.len(),
                );
                self.search = Some((query.clone(), matches));
                self.content_version += 1;
                let cmds = self.go(target);
                self.status = Some(format!(
                    "\"{query}\": match {i}/{n} · n / N next / previous"
                ));
                return cmds;
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
                self.status = Some(format!("\"{query}\": match {}/{n}", pos + 1));
                cmds
            }
            None => Vec::new(),
        }
    }

    /// Moves to slide `index`; a demo still running on the slide we leave is stopped.
    /// The first navigation starts the talk timer, counting from the slide it goes to.
    pub fn go(&mut self, index: usize) -> Vec<DemoCommand> {
        if index >= self.deck.slides.len() {
            return Vec::new();
        }
        self.timer.start_if_idle(self.clock, index);
        if index == self.current {
            return Vec::new();
        }
        let cmds = self.stop_demo();
        self.current = index;
        self.slide_scroll = 0;
        cmds
    }

    fn run_demo(&mut self) -> Vec<DemoCommand> {
        let Some(id) = self.current_demo().map(str::to_string) else {
            self.status = Some("this slide has no demo".into());
            return Vec::new();
        };
        let (mut cmds, run) = self.begin_run(&id);
        let prefer = self.panes.get(&id).is_some_and(|p| p.prefer_recorded);
        let mode = if self.options.force_recorded || prefer {
            RunMode::Recorded
        } else {
            RunMode::Auto
        };
        cmds.push(DemoCommand::Start { run, id, mode });
        cmds
    }

    /// Begins a new run on demo `id`'s pane (`r` or the form's Enter): the commands that
    /// stop the run under way, and the new run's number.
    fn begin_run(&mut self, id: &str) -> (Vec<DemoCommand>, u64) {
        let cmds = self.stop_demo();
        let run = self.next_run;
        self.next_run += 1;
        self.panes
            .entry(id.to_string())
            .or_insert_with(|| DemoPane::new(id))
            .begin(run);
        (cmds, run)
    }

    /// The shipped matrix's `(kernel, user, mode, reason)` rows for demo `id`, and the
    /// line saying which kdeck made it when; `None` if no matrix ships.
    pub fn matrix_for(&self, id: &str) -> Option<(Vec<MatrixRow<'_>>, String)> {
        let m = self.kernel_matrix.as_ref()?;
        let stamp = format!("kdeck {}, {}", m.kdeck_version, m.date);
        Some((crate::matrix::for_demo(m, id), stamp))
    }

    /// The release of the shipped matrix's kernel column `kernel` when that column is
    /// the machine the matrix was made on (its "host"), not a booted guest.
    pub fn matrix_host_release(&self, kernel: &str) -> Option<&str> {
        let m = self.kernel_matrix.as_ref()?;
        m.kernels
            .iter()
            .find(|k| k.name == kernel && k.source == "host")
            .map(|k| k.release.as_str())
    }

    fn stop_demo(&mut self) -> Vec<DemoCommand> {
        let Some(pane) = self.current_demo().and_then(|id| self.panes.get(id)) else {
            return Vec::new();
        };
        match (pane.running(), pane.run) {
            (true, Some(run)) => vec![DemoCommand::Stop { run }],
            _ => Vec::new(),
        }
    }

    fn scroll(&mut self, delta: isize) -> Vec<DemoCommand> {
        let PaneView { rows, total } = self.pane_view;
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
            .filter(|p| p.running())
            .filter_map(|p| p.run)
            .map(|run| DemoCommand::Stop { run })
            .collect()
    }

    /// "on pace", "2 min behind", "1 min ahead" against the deck's time budget, counted
    /// from the slide the timer started at; "paused" while it is.
    pub fn pace(&self) -> String {
        if self.timer.is_paused() {
            return "⏸ paused (t resumes)".to_string();
        }
        if self.timer.is_idle() {
            // Nothing counted yet: neither ahead nor behind, wherever the talk opened.
            return "on pace".to_string();
        }
        let minutes = self.elapsed.as_secs_f64() / 60.0;
        let skipped = self.deck.planned_before(self.timer.origin);
        let start = (self.deck.planned_before(self.current) - skipped).max(0.0);
        let end = (self.deck.planned_before(self.current + 1) - skipped).max(0.0);
        if minutes > end + 0.5 {
            format!("{:.0} min behind", (minutes - end).ceil())
        } else if minutes + 1.0 < start {
            format!("{:.0} min ahead", (start - minutes).floor())
        } else {
            "on pace".to_string()
        }
    }
}
