//! Drawing: `impl Widget for &App`. No I/O, no state changes (a render cache aside).

pub mod markdown;
pub mod theme;
pub mod wrap;
