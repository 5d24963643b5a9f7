//! The real terminal: raw mode, alternate screen, a buffered writer (one write(2) per
//! frame), links as OSC 8 hyperlinks, a size that is asked of the terminal only after SIGWINCH (crossterm opens
//! /dev/tty for every size query, and ratatui asks before every frame), and a panic hook
//! that restores the terminal before the panic message prints.

use std::cell::Cell;
use std::io::{BufWriter, Stdout, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::Terminal;
use ratatui::backend::{Backend, WindowSize};
use ratatui::buffer::Cell as BufCell;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::layout::Size;

use crate::hyperlink::HyperlinkBackend;

/// The presenting terminal.
pub type Tui = Terminal<SizedBackend<HyperlinkBackend<BufWriter<Stdout>>>>;

/// A backend whose size is remembered until the window changes (SIGWINCH).
pub struct SizedBackend<B> {
    inner: B,
    size: Cell<Option<Size>>,
    resized: Arc<AtomicBool>,
}

impl<B: Backend> Backend for SizedBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a BufCell)>,
    {
        self.inner.draw(content)
    }
    crate::hyperlink::forward_backend!();
    fn size(&self) -> Result<Size, Self::Error> {
        match self.size.get() {
            Some(size) if !self.resized.swap(false, Ordering::Relaxed) => Ok(size),
            _ => {
                let size = self.inner.size()?;
                self.size.set(Some(size));
                Ok(size)
            }
        }
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// Enters raw mode and the alternate screen; installs the restoring panic hook.
pub fn init() -> std::io::Result<Tui> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let resized = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, resized.clone())?;
    terminal::enable_raw_mode()?;
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
        restore();
        return Err(e);
    }
    let backend = SizedBackend {
        inner: HyperlinkBackend::new(out),
        size: Cell::new(None),
        resized,
    };
    Terminal::new(backend)
}

/// Leaves the alternate screen and raw mode and shows the cursor; safe to call twice.
pub fn restore() {
    let mut out = std::io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    let _ = terminal::disable_raw_mode();
}
