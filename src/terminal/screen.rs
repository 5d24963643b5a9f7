//! Double-buffered drawing on a ratatui [`Backend`], with a cheaper diff than
//! ratatui's `Terminal`. A key press redraws the whole 120x40 buffer, but most rows of
//! the screen are the same as in the last frame (the border, the empty rows under the
//! text): this compares whole rows first and looks at the cells of changed rows only.
//! ratatui's diff looks at every cell, with its width, on every frame, which was the
//! largest single cost of a key press (a profile of → on a user deck: about a quarter
//! of the instructions per frame).
//!
//! The written cells are the same as ratatui's rules give: a wide character's hidden
//! cells are skipped, cells marked [`CellDiffOption::Skip`] are left alone, and where a
//! wide character gives way to a narrower one the cells it covered are written again.

use ratatui::backend::{Backend, ClearType};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::{Rect, Size};
use unicode_width::UnicodeWidthStr;

/// A full-screen terminal: the frame being drawn and the one on screen.
pub struct Screen<B: Backend> {
    backend: B,
    /// `buffers[current]` is drawn into; the other one is what the terminal shows.
    buffers: [Buffer; 2],
    current: usize,
    /// Whether the cursor may be showing (hidden before the first frame and after a clear).
    cursor_hidden: bool,
}

impl<B: Backend> Screen<B> {
    /// A screen the size of the backend; the first frame writes every non-blank cell.
    pub fn new(backend: B) -> Result<Self, B::Error> {
        let area = area_of(backend.size()?);
        Ok(Screen {
            backend,
            buffers: [Buffer::empty(area), Buffer::empty(area)],
            current: 0,
            cursor_hidden: false,
        })
    }

    /// The backend (tests read what was written).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Draws one frame: `render` fills the whole buffer, then only what changed since
    /// the last frame is written and flushed. Returns the drawn buffer.
    pub fn draw(&mut self, render: impl FnOnce(Rect, &mut Buffer)) -> Result<&Buffer, B::Error> {
        self.autoresize()?;
        let area = self.buffers[self.current].area;
        render(area, &mut self.buffers[self.current]);
        let (prev, next) = (&self.buffers[1 - self.current], &self.buffers[self.current]);
        let changes = diff(prev, next);
        self.backend.draw(changes.into_iter())?;
        if !self.cursor_hidden {
            self.backend.hide_cursor()?;
            self.cursor_hidden = true;
        }
        self.backend.flush()?;
        self.buffers[1 - self.current].reset();
        self.current = 1 - self.current;
        Ok(&self.buffers[1 - self.current])
    }

    /// After a size change: clear the terminal and redraw everything at the new size.
    fn autoresize(&mut self) -> Result<(), B::Error> {
        let area = area_of(self.backend.size()?);
        if area == self.buffers[self.current].area {
            return Ok(());
        }
        for b in &mut self.buffers {
            b.resize(area);
            b.reset();
        }
        self.backend.clear_region(ClearType::All)?;
        self.cursor_hidden = false;
        Ok(())
    }
}

fn area_of(size: Size) -> Rect {
    Rect::new(0, 0, size.width, size.height)
}

/// The display width of a cell's symbol (ASCII: 1, without a table lookup).
#[inline(always)]
fn width(cell: &Cell) -> usize {
    let s = cell.symbol();
    if s.len() == 1 { 1 } else { s.width() }
}

#[allow(deprecated)] // `Cell::skip` is still set by widgets written for older ratatui
#[inline(always)]
fn skipped(cell: &Cell) -> bool {
    cell.skip || cell.diff_option == CellDiffOption::Skip
}

/// The cells of `next` to write over a terminal that shows `prev` (same area), in
/// row-major order.
pub fn diff<'a>(prev: &Buffer, next: &'a Buffer) -> Vec<(u16, u16, &'a Cell)> {
    let mut out = Vec::new();
    let area = next.area;
    let w = area.width as usize;
    if w == 0 || prev.area != area {
        return out;
    }
    let mut shown_end = vec![0; w];
    let rows = prev
        .content
        .chunks_exact(w)
        .zip(next.content.chunks_exact(w));
    for (y, (p, n)) in (area.y..).zip(rows) {
        if p.iter().zip(n).all(|(a, b)| same(a, b))
            && !n
                .iter()
                .any(|c| c.diff_option == CellDiffOption::AlwaysUpdate)
        {
            continue;
        }
        row(p, n, (area.x, y), &mut shown_end, &mut out);
    }
    out
}

/// The changed cells of one row.
fn row<'a>(
    p: &[Cell],
    n: &'a [Cell],
    (x0, y): (u16, u16),
    shown_end: &mut [usize],
    out: &mut Vec<(u16, u16, &'a Cell)>,
) {
    // Where the glyph on screen at each column ends: writing over any part of a wide
    // character erases all of it, so the cells it covered must be written again.
    let mut x = 0;
    while x < p.len() {
        let end = (x + advance(&p[x])).min(p.len());
        shown_end[x..end].fill(end);
        x = end;
    }
    let mut x = 0;
    // Cells before this column are written even when unchanged.
    let mut force_until = 0;
    while x < n.len() {
        let cell = &n[x];
        let step = advance(cell).min(n.len() - x);
        if !skipped(cell)
            && (x < force_until
                || !same(cell, &p[x])
                || cell.diff_option == CellDiffOption::AlwaysUpdate)
        {
            out.push((x0 + x as u16, y, cell));
            force_until = force_until.max(shown_end[x + step - 1]);
        }
        x += step;
    }
}

/// `a == b` (ratatui's `Cell` equality: no symbol is a space), comparing one-byte
/// symbols without a call to memcmp: most cells of a frame are compared, and most hold
/// one ASCII character.
#[allow(deprecated)] // `Cell::skip`, as ratatui's equality compares it
#[inline(always)]
fn same(a: &Cell, b: &Cell) -> bool {
    let (x, y) = (a.symbol().as_bytes(), b.symbol().as_bytes());
    let symbols = match (x, y) {
        ([c], [d]) => c == d,
        _ => x == y,
    };
    symbols
        && a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color
        && a.skip == b.skip
        && a.diff_option == b.diff_option
}

/// The columns a cell takes.
#[inline(always)]
fn advance(cell: &Cell) -> usize {
    match cell.diff_option {
        CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
        _ => width(cell).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::backend::TestBackend;
    use ratatui::style::{Color, Style};

    /// What a terminal shows after the frames `frames` were drawn on a screen.
    fn shown(frames: &[Buffer]) -> Buffer {
        let area = frames[0].area;
        let mut screen = Screen::new(TestBackend::new(area.width, area.height)).unwrap();
        for f in frames {
            screen.draw(|_, buf| buf.clone_from(f)).unwrap();
        }
        screen.backend().buffer().clone()
    }

    /// A terminal's screen as a grid: what a wide character covers, and how writing
    /// over half of one erases the whole of it (as xterm, VTE and tmux do).
    #[derive(Clone, PartialEq, Debug)]
    enum Slot {
        Char(String, Color),
        /// The right half of the wide character to the left.
        Covered,
    }

    fn model_write(row: &mut [Slot], x: usize, cell: &Cell) {
        let blank = || Slot::Char(" ".into(), Color::Reset);
        if row[x] == Slot::Covered && x > 0 {
            row[x - 1] = blank();
        }
        if x + 1 < row.len() && row[x + 1] == Slot::Covered {
            row[x + 1] = blank();
        }
        row[x] = Slot::Char(cell.symbol().into(), cell.bg);
        if width(cell) == 2 && x + 1 < row.len() {
            if x + 2 < row.len() && row[x + 2] == Slot::Covered {
                row[x + 2] = blank();
            }
            row[x + 1] = Slot::Covered;
        }
    }

    /// What the frames leave on a modelled terminal, drawn through [`diff`].
    fn modelled(frames: &[Buffer]) -> Vec<Vec<Slot>> {
        let area = frames[0].area;
        let blank = Slot::Char(" ".into(), Color::Reset);
        let mut grid = vec![vec![blank; area.width as usize]; area.height as usize];
        let mut prev = Buffer::empty(area);
        for f in frames {
            for (x, y, cell) in diff(&prev, f) {
                model_write(&mut grid[y as usize], x as usize, cell);
            }
            prev = f.clone();
        }
        grid
    }

    /// How a buffer should look on the terminal.
    fn expected(buf: &Buffer) -> Vec<Vec<Slot>> {
        let w = buf.area.width as usize;
        buf.content
            .chunks(w)
            .map(|row| {
                let mut out = Vec::new();
                let mut x = 0;
                while x < w {
                    out.push(Slot::Char(row[x].symbol().into(), row[x].bg));
                    if width(&row[x]) == 2 && x + 1 < w {
                        out.push(Slot::Covered);
                        x += 1;
                    }
                    x += 1;
                }
                out
            })
            .collect()
    }

    fn text(lines: &[&str]) -> Buffer {
        Buffer::with_lines(lines.iter().copied())
    }

    #[test]
    fn unchanged_rows_are_not_written_and_changed_cells_are() {
        let a = text(&["abc", "def", "ghi"]);
        let b = text(&["abc", "dXf", "ghi"]);
        let d = diff(&a, &b);
        let cells: Vec<(u16, u16, &str)> = d.iter().map(|(x, y, c)| (*x, *y, c.symbol())).collect();
        assert_eq!(cells, [(1, 1, "X")]);
    }

    #[test]
    fn a_wide_character_and_what_replaces_it() {
        let frames = [
            text(&["a界b", "xyz"]),
            text(&["ab c", "xyz"]),
            text(&["界界", "x界"]),
        ];
        for n in 1..=frames.len() {
            assert_eq!(
                modelled(&frames[..n]),
                expected(&frames[n - 1]),
                "after frame {n}"
            );
        }
        assert_eq!(shown(&frames).content()[0].symbol(), "界");
    }

    #[test]
    fn same_is_ratatuis_cell_equality() {
        let mut cells = vec![Cell::EMPTY, Cell::new(" "), Cell::new("a"), Cell::new("界")];
        let mut red = Cell::new("a");
        red.set_fg(Color::Red);
        let mut skip = Cell::new("a");
        skip.set_diff_option(CellDiffOption::Skip);
        cells.extend([red, skip]);
        for a in &cells {
            for b in &cells {
                assert_eq!(same(a, b), a == b, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn style_changes_are_written() {
        let a = text(&["ab"]);
        let mut b = a.clone();
        b.set_style(Rect::new(1, 0, 1, 1), Style::default().bg(Color::Red));
        let d = diff(&a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].0, d[0].1, d[0].2.bg), (1, 0, Color::Red));
        assert_eq!(shown(&[a, b.clone()]), b);
    }

    fn line() -> impl Strategy<Value = String> {
        // ASCII, a wide CJK character, an accented letter: widths 1 and 2.
        proptest::collection::vec(
            prop_oneof!["[a-c ]", Just("界".to_string()), Just("é".to_string())],
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    fn frame() -> impl Strategy<Value = Vec<(String, u8)>> {
        proptest::collection::vec((line(), 0u8..3), 3)
    }

    fn render((rows, area): (&[(String, u8)], Rect)) -> Buffer {
        let mut buf = Buffer::empty(area);
        let colours = [Color::Reset, Color::Red, Color::Blue];
        for (y, (s, c)) in rows.iter().enumerate() {
            // As a code block is drawn: the text, then its background over the row.
            buf.set_stringn(0, y as u16, s, area.width as usize, Style::default());
            let bg = Style::default().bg(colours[*c as usize]);
            buf.set_style(Rect::new(0, y as u16, area.width, 1), bg);
        }
        buf
    }

    proptest! {
        /// Whatever the frames, the terminal ends up showing the last one.
        #[test]
        fn the_terminal_shows_the_last_frame(frames in proptest::collection::vec(frame(), 1..6)) {
            let area = Rect::new(0, 0, 6, 3);
            let bufs: Vec<Buffer> = frames.iter().map(|f| render((f, area))).collect();
            prop_assert_eq!(modelled(&bufs), expected(bufs.last().unwrap()));
        }
    }
}
