//! Drawing: `impl StatefulWidget for &App` with the UI's own [`UiState`] (the memo of
//! wrapped text, the demo pane's geometry at the last draw). Reads the app, writes the
//! buffer and the UI state; nothing is written into the app.

pub mod cache;
pub mod frame;
pub mod markdown;
pub mod overlay;
pub mod panes;
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
}

impl UiState {
    /// The demo pane's output rows and rows of output at the last draw.
    pub fn pane_view(&self) -> PaneView {
        self.pane.get()
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
        .show_notes
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
    Some(frame::areas(area, demo.is_some(), notes, slide_rows))
}

impl StatefulWidget for &App {
    type State = UiState;

    fn render(self, area: Rect, buf: &mut Buffer, ui: &mut UiState) {
        let ui = &*ui;
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
            Overlay::Search { .. } | Overlay::None => {}
        }
    }
}

/// One frame with a fresh [`UiState`] (a screen in a test, a one-off render).
impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        StatefulWidget::render(self, area, buf, &mut UiState::default());
    }
}
