//! The presenting loop, generic over what it draws on ([`Canvas`]: the terminal's
//! [`Screen`], or ratatui's `Terminal` on any backend) so the terminal, the tests
//! (tests/run_loop.rs) and the headless walkthrough (`record/walkthrough.rs`, through
//! [`run_observed`]) share it.

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;

use crate::app::App;
use crate::demo::{DemoCommand, Engine};
use crate::event::Source;
use crate::terminal::Screen;
use crate::ui::UiState;

/// Something frames are drawn on: `render` fills a buffer of the whole area, and the
/// drawn buffer comes back.
pub trait Canvas {
    type Error;
    fn draw_frame(
        &mut self,
        render: &mut dyn FnMut(Rect, &mut Buffer),
    ) -> Result<&Buffer, Self::Error>;
}

impl<B: Backend> Canvas for Terminal<B> {
    type Error = B::Error;
    fn draw_frame(
        &mut self,
        render: &mut dyn FnMut(Rect, &mut Buffer),
    ) -> Result<&Buffer, B::Error> {
        let done = self.draw(|f| {
            let area = f.area();
            render(area, f.buffer_mut());
        })?;
        Ok(done.buffer)
    }
}

impl<B: Backend> Canvas for Screen<B> {
    type Error = B::Error;
    fn draw_frame(
        &mut self,
        render: &mut dyn FnMut(Rect, &mut Buffer),
    ) -> Result<&Buffer, B::Error> {
        self.draw(render)
    }
}

/// Something that carries out demo commands (the engine, or a test's recorder).
pub trait Commands {
    fn command(&mut self, cmd: DemoCommand);
}

impl Commands for Engine {
    fn command(&mut self, cmd: DemoCommand) {
        Engine::command(self, cmd);
    }
}

/// Draws, then handles messages until the app quits. Messages that queued up while
/// drawing are all handled before the next draw, so a burst of demo output costs one
/// frame, not one per line.
pub fn run<C: Canvas>(
    terminal: &mut C,
    app: &mut App,
    ui: &mut UiState,
    source: &mut dyn Source,
    engine: &mut dyn Commands,
) -> Result<(), C::Error> {
    run_with(terminal, app, ui, source, engine, &mut |_| {})
}

/// [`run`], calling `after` with the app after every frame (the speaker link sends the
/// new state from there).
pub fn run_with<C: Canvas>(
    terminal: &mut C,
    app: &mut App,
    ui: &mut UiState,
    source: &mut dyn Source,
    engine: &mut dyn Commands,
    after: &mut dyn FnMut(&App),
) -> Result<(), C::Error> {
    run_observed(terminal, app, ui, source, engine, &mut |app, _, _| {
        after(app)
    })
}

/// [`run`], calling `after` with the app, the UI's state and the drawn buffer after
/// every frame (the walkthrough records its frames from there). A batch after which
/// the source says [`Source::draws`] `false` is handled without a frame.
pub fn run_observed<C: Canvas>(
    terminal: &mut C,
    app: &mut App,
    ui: &mut UiState,
    source: &mut dyn Source,
    engine: &mut dyn Commands,
    after: &mut dyn FnMut(&App, &UiState, &Buffer),
) -> Result<(), C::Error> {
    draw_observed(terminal, app, ui, after)?;
    while !app.quit {
        let batch = source.next_batch();
        if batch.is_empty() {
            break;
        }
        let mut cmds = Vec::new();
        for msg in batch {
            cmds.extend(app.update(msg));
            if app.quit {
                break;
            }
        }
        for cmd in cmds {
            engine.command(cmd);
        }
        if !app.quit && source.draws() {
            draw_observed(terminal, app, ui, after)?;
        }
        // After the frame: the highlighting thread's work never delays it, and the
        // slides around are laid out while the presenter talks.
        crate::highlight::ahead::follow(app.current);
        if let Some(area) = ui.last_area() {
            crate::ui::prepare_neighbours(app, ui, area);
        }
    }
    Ok(())
}

/// One frame; the demo pane's geometry goes back to the app for scrolling.
pub fn draw<C: Canvas>(terminal: &mut C, app: &mut App, ui: &mut UiState) -> Result<(), C::Error> {
    draw_observed(terminal, app, ui, &mut |_, _, _| {})
}

/// [`draw`], then `after` with what was drawn.
fn draw_observed<C: Canvas>(
    terminal: &mut C,
    app: &mut App,
    ui: &mut UiState,
    after: &mut dyn FnMut(&App, &UiState, &Buffer),
) -> Result<(), C::Error> {
    let drawn = terminal.draw_frame(&mut |area, buf| (&*app).render(area, buf, ui))?;
    app.pane_view = ui.pane_view();
    app.slide_overflow = ui.slide_overflow();
    after(app, ui, drawn);
    Ok(())
}
