//! Keys a presenter can't get wrong: `q` asks for a second press, `Esc` never quits,
//! `b`/`.` blanks the screen, F5 and other clicker keys never quit; the timer keys
//! (`t`, `T`); scrolling a slide that doesn't fit (`]`/`[`, Shift-↓/↑), and what comes
//! from a speaker view or a reload of the deck.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Overlay};
use crate::deck::{Deck, DeckErrors};
use crate::demo::DemoCommand;
use crate::speaker::proto::Nav;

/// Where the speaker notes show (`--notes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum NotesMode {
    /// On the main screen (`s` hides them).
    On,
    /// Hidden on the main screen (`s` shows them).
    Off,
    /// On the main screen unless a speaker view is connected.
    #[default]
    Auto,
}

/// The footer's prompt after one `q`.
pub const CONFIRM_QUIT: &str = "press q again to quit · any other key cancels";

impl App {
    /// Keys handled before anything else; `None` lets the key through.
    pub(super) fn stage_key(&mut self, key: KeyEvent) -> Option<Vec<DemoCommand>> {
        if self.blank {
            // Any key brings the screen back, and does nothing else.
            self.blank = false;
            return Some(Vec::new());
        }
        if self.confirm_quit {
            self.confirm_quit = false;
            self.status = None;
            if key.code == KeyCode::Char('q') {
                return Some(self.leave());
            }
        }
        self.status = None;
        Some(match key.code {
            KeyCode::Char('q') => {
                self.confirm_quit = true;
                self.status = Some(CONFIRM_QUIT.into());
                Vec::new()
            }
            KeyCode::Char('b' | '.') => {
                self.blank = true;
                Vec::new()
            }
            KeyCode::Char('t') => {
                self.timer.toggle(self.clock, self.current);
                Vec::new()
            }
            KeyCode::Char('T') => {
                self.timer.reset();
                self.status = Some("timer reset: → or t starts it".into());
                Vec::new()
            }
            KeyCode::Char(']') => self.scroll_slide(1),
            KeyCode::Char('[') => self.scroll_slide(-1),
            KeyCode::Down if key.modifiers.contains(KeyModifiers::SHIFT) => self.scroll_slide(1),
            KeyCode::Up if key.modifiers.contains(KeyModifiers::SHIFT) => self.scroll_slide(-1),
            // A clicker's start-presentation key starts the timer; nothing else.
            KeyCode::F(5) => {
                self.timer.start_if_idle(self.clock, self.current);
                Vec::new()
            }
            KeyCode::Esc if self.jump.is_empty() => {
                self.status = Some("Esc doesn't quit: q twice (or Ctrl-C) does".into());
                Vec::new()
            }
            KeyCode::F(_) | KeyCode::Tab | KeyCode::BackTab => Vec::new(),
            _ => return None,
        })
    }

    fn scroll_slide(&mut self, delta: isize) -> Vec<DemoCommand> {
        let max = self.slide_overflow;
        self.slide_scroll = self.slide_scroll.saturating_add_signed(delta).min(max);
        Vec::new()
    }

    /// A command from a speaker view.
    pub(super) fn remote(&mut self, nav: Nav) -> Vec<DemoCommand> {
        let last = self.deck.slides.len().saturating_sub(1);
        match nav {
            Nav::Next => self.go((self.current + 1).min(last)),
            Nav::Previous => self.go(self.current.saturating_sub(1)),
            Nav::First => self.go(0),
            Nav::Last => self.go(last),
            Nav::Goto { slide } if slide < self.deck.slides.len() => self.go(slide),
            Nav::Goto { .. } => Vec::new(),
            Nav::ToggleTimer => {
                self.timer.toggle(self.clock, self.current);
                Vec::new()
            }
            Nav::ResetTimer => {
                self.timer.reset();
                Vec::new()
            }
        }
    }

    /// A new version of the deck from disk, or why it doesn't parse. The presenter stays
    /// on the same slide file (else the nearest position); demo panes are kept, so a
    /// running demo goes on.
    pub(super) fn reload(&mut self, loaded: Result<Deck, DeckErrors>) {
        match loaded {
            Ok(deck) => {
                let file = self.deck.slides.get(self.current).map(|s| s.file.as_str());
                let current = deck
                    .slides
                    .iter()
                    .position(|s| Some(s.file.as_str()) == file)
                    .unwrap_or(self.current.min(deck.slides.len().saturating_sub(1)));
                self.deck = deck;
                self.current = current;
                self.banner = None;
                if let Overlay::Overview { selected } = &mut self.overlay {
                    *selected = (*selected).min(self.deck.slides.len().saturating_sub(1));
                }
                self.search = None;
                self.content_version += 1;
            }
            Err(errors) => {
                let first = errors.0.first().map(ToString::to_string);
                let more = errors.0.len().saturating_sub(1);
                // The last good deck stays on screen; the banner says why it is not the
                // file as saved.
                self.banner = first.map(|f| {
                    if more > 0 {
                        format!("not reloaded: {f} (+{more} more)")
                    } else {
                        format!("not reloaded: {f}")
                    }
                });
            }
        }
    }

    /// Whether the main screen shows the notes: `s` toggles them; `--notes auto` hides
    /// them while a speaker view is connected (they are on the speaker's screen).
    pub fn notes_visible(&self) -> bool {
        self.show_notes && !(self.options.notes == NotesMode::Auto && self.speakers > 0)
    }
}
