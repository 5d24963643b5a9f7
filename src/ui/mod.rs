//! Drawing: `impl Widget for &App`. Reads the app, writes the buffer; nothing else
//! (the demo pane records its visible rows for scrolling, through `Cell`s).

pub mod cache;
pub mod form;
pub mod frame;
pub mod markdown;
pub mod overlay;
pub mod panes;
pub mod theme;
pub mod wrap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::app::{App, Overlay};

/// Where the slide, the demo pane and the notes go in `area` (what drawing uses);
/// `None` below the minimum size.
pub fn layout(app: &App, area: Rect) -> Option<frame::Areas> {
    if area.width < frame::MIN_WIDTH || area.height < frame::MIN_HEIGHT {
        return None;
    }
    let demo = app.current_demo();
    let notes = app
        .show_notes
        .then(|| panes::notes_rows(app, area.width.saturating_sub(2)))
        .filter(|&n| n > 0);
    // Stacked (narrow) layout: the slide gets the rows its text needs, but once its demo
    // has run, the demo's output matters more: the slide keeps at most 40%.
    let slide_rows = if demo.is_some() && area.width < 80 {
        let rows = app
            .ui_cache
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

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(areas) = layout(self, area) else {
            return overlay::too_small(area, buf);
        };
        let demo = self.current_demo();
        frame::draw(self, area, &areas, buf);
        panes::slide(self, areas.slide, buf);
        if let (Some(id), Some(rect)) = (demo, areas.demo) {
            panes::demo(self, id, rect, buf);
        }
        if let Some(rect) = areas.notes {
            panes::notes(self, rect, buf);
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
    }
}
