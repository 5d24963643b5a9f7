//! OSC 8 hyperlinks on the real terminal. The UI finds where links are drawn
//! ([`crate::ui::links`]) and publishes them for the frame; [`HyperlinkBackend`] wraps
//! ratatui's crossterm backend (cells are written by [`crate::terminal::ansi`]) and writes each run of link cells between
//! `ESC ] 8 ; ; URL ESC \` and `ESC ] 8 ; ; ESC \`. Only the bytes sent to the terminal
//! change: the buffer (and so tests, snapshots and recordings) holds plain text, and a
//! terminal without OSC 8 shows the text as it is.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use ratatui::backend::{Backend, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::Size;

/// The `Backend` methods a wrapper passes to its `inner` backend unchanged.
macro_rules! forward_backend {
    () => {
        fn hide_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.hide_cursor()
        }
        fn show_cursor(&mut self) -> Result<(), Self::Error> {
            self.inner.show_cursor()
        }
        fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
            self.inner.get_cursor_position()
        }
        fn set_cursor_position<P: Into<ratatui::layout::Position>>(
            &mut self,
            position: P,
        ) -> Result<(), Self::Error> {
            self.inner.set_cursor_position(position)
        }
        fn clear(&mut self) -> Result<(), Self::Error> {
            self.inner.clear()
        }
        fn clear_region(
            &mut self,
            clear_type: ratatui::backend::ClearType,
        ) -> Result<(), Self::Error> {
            self.inner.clear_region(clear_type)
        }
    };
}
pub(crate) use forward_backend;

/// A link on screen: `width` cells from (x, y) on one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
}

thread_local! {
    static FRAME: RefCell<Vec<Link>> = const { RefCell::new(Vec::new()) };
}

/// The links of the frame being drawn (the UI calls this at the end of each render).
pub fn publish(links: Vec<Link>) {
    FRAME.with(|f| *f.borrow_mut() = links);
}

/// The opening sequence of a hyperlink to `url` (control characters in it dropped, so a
/// slide can't smuggle escape sequences out through a link).
pub fn open(url: &str) -> String {
    let url: String = url.chars().filter(|c| !c.is_control()).collect();
    format!("\x1b]8;;{url}\x1b\\")
}

/// The sequence that ends a hyperlink.
pub const CLOSE: &str = "\x1b]8;;\x1b\\";

/// The terminal's writer, shared between crossterm's backend and the link sequences
/// written around its cells (all on the drawing thread).
pub struct Shared<W>(Rc<RefCell<W>>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Crossterm's backend, with the published links written as OSC 8 hyperlinks.
pub struct HyperlinkBackend<W: Write> {
    inner: CrosstermBackend<Shared<W>>,
    out: Rc<RefCell<W>>,
}

impl<W: Write> HyperlinkBackend<W> {
    pub fn new(writer: W) -> Self {
        let out = Rc::new(RefCell::new(writer));
        HyperlinkBackend {
            inner: CrosstermBackend::new(Shared(out.clone())),
            out,
        }
    }

    /// Runs `f` on the writer (tests read what was written).
    pub fn with_writer<T>(&self, f: impl FnOnce(&W) -> T) -> T {
        f(&self.out.borrow())
    }
}

fn link_at(links: &[Link], x: u16, y: u16) -> Option<&Link> {
    links
        .iter()
        .find(|l| l.y == y && x >= l.x && x < l.x + l.width)
}

impl<W: Write> Backend for HyperlinkBackend<W> {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let links = FRAME.with(|f| f.borrow().clone());
        if links.is_empty() {
            return crate::terminal::ansi::write_cells(&mut *self.out.borrow_mut(), content);
        }
        // Split the changed cells into runs inside one link or outside any; each link
        // run is drawn between its open and close sequences.
        let mut run: Vec<(u16, u16, &Cell)> = Vec::new();
        let mut run_link: Option<&Link> = None;
        for (x, y, cell) in content {
            let link = link_at(&links, x, y);
            if link != run_link && !run.is_empty() {
                self.flush_run(&mut run, run_link)?;
            }
            run_link = link;
            run.push((x, y, cell));
        }
        self.flush_run(&mut run, run_link)
    }

    forward_backend!();
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Backend::flush(&mut self.inner)
    }
}

impl<W: Write> HyperlinkBackend<W> {
    fn flush_run(
        &mut self,
        run: &mut Vec<(u16, u16, &Cell)>,
        link: Option<&Link>,
    ) -> std::io::Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        if let Some(l) = link {
            self.out.borrow_mut().write_all(open(&l.url).as_bytes())?;
        }
        crate::terminal::ansi::write_cells(&mut *self.out.borrow_mut(), run.drain(..))?;
        if link.is_some() {
            self.out.borrow_mut().write_all(CLOSE.as_bytes())?;
        }
        Ok(())
    }
}
