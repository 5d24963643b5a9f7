//! Drawing: `impl StatefulWidget for &App` with the UI's own [`UiState`] (the memo of
//! wrapped text, the demo pane's geometry at the last draw). Reads the app, writes the
//! buffer and the UI state; nothing is written into the app.

pub mod cache;
pub mod cells;
pub mod form;
pub mod frame;
pub mod links;
pub mod markdown;
pub mod overlay;
pub mod panes;
pub mod table;
pub mod theme;
pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{StatefulWidget, Widget};

use crate::app::{App, Overlay, PaneView};

/// What drawing keeps between frames: the memo of wrapped text and the demo pane's
/// geometry at the last draw (which the loop hands to the app for scrolling).
#[derive(Default)]
pub struct UiState {
    cache: cache::Cache,
    pane: std::cell::Cell<PaneView>,
    /// How far the slide text can scroll at the last draw (0: it fits).
    slide_overflow: std::cell::Cell<usize>,
    /// The whole area of the last draw.
    area: std::cell::Cell<Option<Rect>>,
}

impl UiState {
    /// The demo pane's output rows and rows of output at the last draw.
    pub fn pane_view(&self) -> PaneView {
        self.pane.get()
    }

    /// How far the slide text could scroll at the last draw.
    pub fn slide_overflow(&self) -> usize {
        self.slide_overflow.get()
    }

    /// The (slide, width) pairs whose text is laid out in the memo.
    pub fn laid_out_slides(&self) -> Vec<(usize, usize)> {
        self.cache.laid_out()
    }

    /// The whole area of the last draw.
    pub fn last_area(&self) -> Option<Rect> {
        self.area.get()
    }
}

/// Where the slide, the demo pane and the notes go in `area` (what drawing uses);
/// `None` below the minimum size.
pub fn layout(app: &App, ui: &UiState, area: Rect) -> Option<frame::Areas> {
    if area.width < frame::MIN_WIDTH || area.height < frame::MIN_HEIGHT {
        return None;
    }
    let demo = app.current_demo();
    let notes = app
        .notes_visible()
        .then(|| panes::notes_rows(app, ui, area.width.saturating_sub(2)))
        .filter(|&n| n > 0);
    // Stacked (narrow) layout: the slide gets the rows its text needs, but once its demo
    // has run, the demo's output matters more: the slide keeps at most 40%.
    let slide_rows = if demo.is_some() && area.width < 80 {
        let rows = ui
            .cache
            .slide(app, area.width.saturating_sub(4) as usize)
            .len() as u16;
        let demo_ran = app.current_pane().is_some_and(|p| p.run.is_some());
        if demo_ran {
            rows.min(area.height.saturating_sub(2) * 2 / 5)
        } else {
            rows
        }
    } else {
        0
    };
    let mut areas = frame::areas(area, demo.is_some(), notes, slide_rows);
    if app.banner.is_some() {
        // The reload banner takes the slide's first row; the text moves down, not under it.
        areas.slide.y += 1;
        areas.slide.height = areas.slide.height.saturating_sub(1);
        if let Some(d) = areas.demo.as_mut().filter(|_| !areas.stacked) {
            d.y += 1;
            d.height = d.height.saturating_sub(1);
        }
    }
    Some(areas)
}

impl StatefulWidget for &App {
    type State = UiState;

    fn render(self, area: Rect, buf: &mut Buffer, ui: &mut UiState) {
        let ui = &*ui;
        ui.area.set(Some(area));
        crate::hyperlink::publish(Vec::new());
        if self.blank {
            // `b` or `.`: nothing on the projector until the next key.
            return;
        }
        let Some(areas) = layout(self, ui, area) else {
            return overlay::too_small(area, buf);
        };
        let demo = self.current_demo();
        frame::draw(self, area, &areas, buf);
        panes::slide(self, ui, areas.slide, buf);
        if let (Some(id), Some(rect)) = (demo, areas.demo) {
            panes::demo(self, ui, id, rect, buf);
        }
        if let Some(rect) = areas.notes {
            panes::notes(self, ui, rect, buf);
        }
        match &self.overlay {
            Overlay::Help => overlay::help(area, buf),
            Overlay::Overview { selected } => overlay::overview(self, *selected, area, buf),
            Overlay::Matrix => overlay::kernel_matrix(self, area, buf),
            Overlay::Sources => overlay::sources(self, area, buf),
            Overlay::Search { .. } | Overlay::None => {}
        }
        if let Some(state) = &self.play.form {
            form::draw(state, areas.demo.unwrap_or(area), buf);
        }
        if let Some(text) = &self.banner {
            overlay::banner(text, area, buf);
        }
        // After everything is drawn: a link covered by an overlay no longer reads as one.
        let targets = ui.cache.link_targets(self);
        let mut found = links::find(buf, areas.slide, &targets);
        if let Some(rect) = areas.notes {
            found.extend(links::find(buf, rect, &targets));
        }
        crate::hyperlink::publish(found);
    }
}

/// Lays out the slides before and after the current one (their text wrapped, their
/// notes too) at the width they will have in `area`, so that → and ← draw from the
/// memo instead of wrapping markdown on the key: the loop calls this after a frame,
/// while it waits for the next key. Already laid out slides cost a lookup.
pub fn prepare_neighbours(app: &App, ui: &UiState, area: Rect) {
    if area.width < frame::MIN_WIDTH || area.height < frame::MIN_HEIGHT {
        return;
    }
    for index in [app.current + 1, app.current.wrapping_sub(1)] {
        let Some(slide) = app.deck.slides.get(index) else {
            continue;
        };
        // The notes take rows, never columns: the width doesn't depend on them.
        let areas = frame::areas(area, slide.demo.is_some(), None, 0);
        let width = areas.slide.width.saturating_sub(2);
        let wrap = if slide.layout == crate::deck::Layout::Center {
            width.min(64)
        } else {
            width
        };
        ui.cache.slide_at(app, index, wrap as usize);
        if app.notes_visible() {
            ui.cache
                .notes_at(app, index, area.width.saturating_sub(4) as usize);
        }
    }
}

/// One frame with a fresh [`UiState`] (a screen in a test, a one-off render).
impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        StatefulWidget::render(self, area, buf, &mut UiState::default());
    }
}
