//! The real terminal: raw mode, alternate screen, a buffered writer (one write(2) per
//! frame), and a panic hook that restores the terminal before the panic message prints.

use std::io::{BufWriter, Stdout, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};

/// The presenting terminal.
pub type Tui = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Enters raw mode and the alternate screen; installs the restoring panic hook.
pub fn init() -> std::io::Result<Tui> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout());
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves the alternate screen and raw mode and shows the cursor; safe to call twice.
pub fn restore() {
    let mut out = std::io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    let _ = terminal::disable_raw_mode();
}
