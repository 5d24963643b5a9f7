//! The real terminal: raw mode, alternate screen, a buffered writer (one write(2) per
//! frame), links as OSC 8 hyperlinks, a size that is asked of the terminal only after SIGWINCH (crossterm opens
//! /dev/tty for every size query, and ratatui asks before every frame), and a panic hook
//! that restores the terminal before the panic message prints. [`emergency_restore`]
//! does the same with async-signal-safe calls only, for signal handlers.
//! Frames go through [`Screen`] (src/terminal/screen.rs), which diffs a frame against
//! the last one row by row before writing.

pub(crate) mod ansi;
mod screen;
pub use screen::Screen;

use std::cell::Cell;
use std::io::{BufWriter, Stdout, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use ratatui::backend::{Backend, WindowSize};
use ratatui::buffer::Cell as BufCell;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::layout::Size;

use crate::hyperlink::HyperlinkBackend;

/// The presenting terminal.
pub type Tui = Screen<SizedBackend<HyperlinkBackend<BufWriter<Stdout>>>>;

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

/// The terminal's settings before raw mode (for [`emergency_restore`]).
struct Saved(libc::termios);

// SAFETY: plain data, written once before raw mode and only read afterwards.
unsafe impl Sync for Saved {}
// SAFETY: as above.
unsafe impl Send for Saved {}

static SAVED: OnceLock<Saved> = OnceLock::new();

/// Whether raw mode and the alternate screen may be on.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// What undoes [`init`] on the screen: normal attributes, the main screen, the cursor.
const RESTORE_SEQUENCE: &[u8] = b"\x1b[0m\x1b[?1049l\x1b[?25h";

/// Enters raw mode and the alternate screen; installs the restoring panic hook.
pub fn init() -> std::io::Result<Tui> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let resized = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGWINCH, resized.clone())?;
    // SAFETY: tcgetattr fills the zeroed struct for the terminal on stdin.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(std::io::stdin().as_raw_fd(), &mut t) == 0 {
            let _ = SAVED.set(Saved(t));
        }
    }
    ACTIVE.store(true, Ordering::SeqCst);
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
    Screen::new(backend)
}

/// Leaves the alternate screen and raw mode and shows the cursor; safe to call twice.
pub fn restore() {
    ACTIVE.store(false, Ordering::SeqCst);
    let mut out = std::io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    let _ = terminal::disable_raw_mode();
}

/// [`restore`] from a signal handler or a thread that can't wait for the main loop:
/// only write(2) and tcsetattr(3), which are async-signal-safe. Does nothing when the
/// terminal was not set up or is already restored.
pub fn emergency_restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // SAFETY: write(2) of a static buffer to stdout and tcsetattr(3) of the settings
    // saved before raw mode; both are async-signal-safe.
    unsafe {
        libc::write(
            libc::STDOUT_FILENO,
            RESTORE_SEQUENCE.as_ptr().cast(),
            RESTORE_SEQUENCE.len(),
        );
        if let Some(Saved(t)) = SAVED.get() {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
        }
    }
}
