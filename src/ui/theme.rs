//! Colours and styles, in one place. Named ANSI colours read well on dark and light
//! terminals and on projectors.

use ratatui::style::{Color, Modifier, Style};

use crate::deck::InlineStyle;

pub const ACCENT: Color = Color::Cyan;
pub const BORDER: Style = Style::new().fg(Color::DarkGray);
pub const DIM: Style = Style::new().fg(Color::DarkGray);
pub const TITLE: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
pub const H1: Style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
pub const H2: Style = Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD);
pub const H3: Style = Style::new().add_modifier(Modifier::BOLD);
/// Code blocks sit on the palette's black, so the ANSI code colours keep contrast.
pub const CODE_BG: Color = Color::Black;
pub const QUOTE: Style = Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC);
pub const TABLE_HEADER: Style = Style::new().add_modifier(Modifier::BOLD);
pub const OK: Style = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
pub const BAD: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
pub const WARN: Style = Style::new().fg(Color::Yellow);
/// A playground result line that changed since the previous run.
pub const CHANGED: Style = Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD);
pub const LIVE: Style = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
pub const RECORDED: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
pub const HIGHLIGHT: Style = Style::new().fg(Color::Black).bg(Color::Cyan);
pub const MATCH: Style = Style::new().fg(Color::Black).bg(Color::Yellow);

/// The terminal style of an inline Markdown run.
pub fn inline(s: InlineStyle) -> Style {
    let mut style = Style::default();
    if s.code {
        style = style.fg(Color::Yellow);
    }
    if s.link {
        style = style.fg(Color::Blue).add_modifier(Modifier::UNDERLINED);
    }
    if s.url {
        style = DIM;
    }
    if s.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.italic {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if s.strike {
        style = style.add_modifier(Modifier::CROSSED_OUT);
    }
    style
}
