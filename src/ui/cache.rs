//! Memo of the wrapped slide text and notes per (slide, width): a key press redraws the
//! whole screen, but the text only needs wrapping again when the width, the slide, the
//! probe answers or the search change.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::markdown::{mark_matches, render};
use super::theme;
use super::wrap::wrap_max;
use crate::app::App;

type Lines = Rc<Vec<Line<'static>>>;

#[derive(Default)]
pub struct Cache {
    /// The app's content version the entries belong to.
    version: RefCell<u64>,
    slides: RefCell<HashMap<(usize, usize), Lines>>,
    notes: RefCell<HashMap<(usize, usize), Lines>>,
    /// The URLs the current slide mentions (found on screen after each frame).
    link_targets: RefCell<Option<(usize, Rc<Vec<String>>)>>,
}

impl Cache {
    fn check(&self, app: &App) {
        let mut v = self.version.borrow_mut();
        if *v != app.content_version {
            *v = app.content_version;
            self.slides.borrow_mut().clear();
            self.notes.borrow_mut().clear();
            self.link_targets.borrow_mut().take();
        }
    }

    /// The current slide's body wrapped at `width`, search matches marked.
    pub fn slide(&self, app: &App, width: usize) -> Lines {
        self.slide_at(app, app.current, width)
    }

    /// Slide `index`'s body wrapped at `width`, search matches marked.
    pub fn slide_at(&self, app: &App, index: usize, width: usize) -> Lines {
        self.check(app);
        let key = (index, width);
        if let Some(hit) = self.slides.borrow().get(&key) {
            return hit.clone();
        }
        let Some(slide) = app.deck.slides.get(index) else {
            return Lines::default();
        };
        let mut lines = render(&slide.body, width, &app.slide_vars);
        if let Some((query, _)) = &app.search {
            mark_matches(&mut lines, query);
        }
        let lines = Rc::new(lines);
        self.slides.borrow_mut().insert(key, lines.clone());
        lines
    }

    /// The (slide, width) pairs laid out, sorted.
    pub fn laid_out(&self) -> Vec<(usize, usize)> {
        let mut keys: Vec<_> = self.slides.borrow().keys().copied().collect();
        keys.sort_unstable();
        keys
    }

    /// The URLs the current slide's body and notes mention.
    pub fn link_targets(&self, app: &App) -> Rc<Vec<String>> {
        self.check(app);
        if let Some((index, targets)) = &*self.link_targets.borrow()
            && *index == app.current
        {
            return targets.clone();
        }
        let slide = &app.deck.slides[app.current];
        let targets = Rc::new(super::links::targets(&slide.body, &slide.notes));
        *self.link_targets.borrow_mut() = Some((app.current, targets.clone()));
        targets
    }

    /// The current slide's notes wrapped at `width` (empty when it has none).
    pub fn notes(&self, app: &App, width: usize) -> Lines {
        self.notes_at(app, app.current, width)
    }

    /// Slide `index`'s notes wrapped at `width` (empty when it has none).
    pub fn notes_at(&self, app: &App, index: usize, width: usize) -> Lines {
        self.check(app);
        let key = (index, width);
        if let Some(hit) = self.notes.borrow().get(&key) {
            return hit.clone();
        }
        let Some(slide) = app.deck.slides.get(index) else {
            return Lines::default();
        };
        let text = &slide.notes;
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            let pieces = vec![(
                Style::default().add_modifier(Modifier::ITALIC),
                crate::facts::fill(text, &app.slide_vars).replace('\n', " "),
            )];
            wrap_max(
                &pieces,
                width,
                &[Span::styled("notes: ", theme::DIM)],
                &[],
                super::markdown::MAX_ROWS + 1,
            )
        };
        let lines = Rc::new(lines);
        self.notes.borrow_mut().insert(key, lines.clone());
        lines
    }
}
