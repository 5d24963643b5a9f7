//! The escape sequences for a frame's changed cells, written straight into the output
//! buffer. ratatui's crossterm backend formats each cursor move, colour and attribute
//! through `fmt::Write` command objects; for the ~2,000 cells a slide change writes,
//! that formatting cost more than finding the cells. The sequences are the same kind
//! (CUP, SGR with 256-colour indexes like crossterm's, RGB) and the screen they leave is
//! the same (tested against crossterm's output on a terminal emulator).

use std::io::{self, Write};

use ratatui::buffer::Cell;
use ratatui::style::{Color, Modifier};

/// Writes `cells` (row-major, as a diff gives them): moving the cursor only where a
/// cell doesn't follow the last one, changing attributes and colours only where they
/// change, then resetting the attributes.
pub fn write_cells<'a>(
    out: &mut impl Write,
    cells: impl Iterator<Item = (u16, u16, &'a Cell)>,
) -> io::Result<()> {
    let mut seq = Vec::with_capacity(4096);
    let (mut fg, mut bg, mut ul) = (Color::Reset, Color::Reset, Color::Reset);
    let mut modifier = Modifier::empty();
    let mut last: Option<(u16, u16)> = None;
    for (x, y, cell) in cells {
        if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
            seq.extend_from_slice(b"\x1b[");
            number(&mut seq, u32::from(y) + 1);
            seq.push(b';');
            number(&mut seq, u32::from(x) + 1);
            seq.push(b'H');
        }
        last = Some((x, y));
        if cell.modifier != modifier {
            modifiers(&mut seq, modifier, cell.modifier);
            modifier = cell.modifier;
        }
        if cell.fg != fg || cell.bg != bg {
            seq.extend_from_slice(b"\x1b[");
            colour(&mut seq, cell.fg, 38);
            seq.push(b';');
            colour(&mut seq, cell.bg, 48);
            seq.push(b'm');
            (fg, bg) = (cell.fg, cell.bg);
        }
        if cell.underline_color != ul {
            seq.extend_from_slice(b"\x1b[");
            colour(&mut seq, cell.underline_color, 58);
            seq.push(b'm');
            ul = cell.underline_color;
        }
        seq.extend_from_slice(cell.symbol().as_bytes());
    }
    seq.extend_from_slice(b"\x1b[0m");
    out.write_all(&seq)
}

fn number(seq: &mut Vec<u8>, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    seq.extend_from_slice(&digits[i..]);
}

/// An SGR colour parameter: `base` is 38 (foreground), 48 (background) or 58
/// (underline); reset is base + 1.
fn colour(seq: &mut Vec<u8>, c: Color, base: u32) {
    let index = match c {
        Color::Reset => return number(seq, base + 1),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(i) => i,
        Color::Rgb(r, g, b) => {
            number(seq, base);
            for v in [2, r, g, b] {
                seq.push(b';');
                number(seq, u32::from(v));
            }
            return;
        }
    };
    number(seq, base);
    seq.extend_from_slice(b";5;");
    number(seq, u32::from(index));
}

/// The SGR attributes that turn `from` into `to`. Bold and dim share their "off" code
/// (22): turning one off turns the other on again if it stays.
fn modifiers(seq: &mut Vec<u8>, from: Modifier, to: Modifier) {
    let mut codes: Vec<u8> = Vec::new();
    let removed = from - to;
    let added = to - from;
    for (m, off) in [
        (Modifier::REVERSED, 27),
        (Modifier::ITALIC, 23),
        (Modifier::UNDERLINED, 24),
        (Modifier::CROSSED_OUT, 29),
        (Modifier::HIDDEN, 28),
    ] {
        if removed.contains(m) {
            codes.push(off);
        }
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        codes.push(25);
    }
    let intensity_off = removed.intersects(Modifier::BOLD | Modifier::DIM);
    if intensity_off {
        codes.push(22);
    }
    for (m, on) in [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ] {
        let back_on =
            intensity_off && (m == Modifier::BOLD || m == Modifier::DIM) && to.contains(m);
        let blink_back = removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK)
            && (m == Modifier::SLOW_BLINK || m == Modifier::RAPID_BLINK)
            && to.contains(m);
        if added.contains(m) || back_on || blink_back {
            codes.push(on);
        }
    }
    for c in codes {
        seq.extend_from_slice(b"\x1b[");
        number(seq, u32::from(c));
        seq.push(b'm');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    /// A cell as a terminal emulator shows it after `bytes`: text, colours, attributes.
    fn shown(bytes: &[u8], w: u16, h: u16) -> Vec<String> {
        let nz = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero");
        let mut p = vt100::Parser::new(nz(h), nz(w), 0);
        p.process(bytes);
        let s = p.screen();
        let mut out = Vec::new();
        for row in 0..h {
            for col in 0..w {
                let c = s.cell(row, col).expect("cell");
                out.push(format!(
                    "{:?} {:?} {:?} b{} d{} i{} u{} r{}",
                    c.contents().trim(),
                    c.fgcolor(),
                    c.bgcolor(),
                    c.bold(),
                    c.dim(),
                    c.italic(),
                    c.underline(),
                    c.inverse()
                ));
            }
        }
        out
    }

    fn vt(c: Color) -> vt100::Color {
        match c {
            Color::Reset => vt100::Color::Default,
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
            Color::Indexed(i) => vt100::Color::Idx(i),
            named => {
                let mut seq = Vec::new();
                super::colour(&mut seq, named, 38);
                let text = String::from_utf8(seq).unwrap();
                vt100::Color::Idx(text.rsplit(';').next().unwrap().parse().unwrap())
            }
        }
    }

    /// How the buffer's cells should look.
    fn expected(buf: &Buffer) -> Vec<String> {
        buf.content
            .iter()
            .map(|c| {
                let m = c.modifier;
                format!(
                    "{:?} {:?} {:?} b{} d{} i{} u{} r{}",
                    c.symbol().trim(),
                    vt(c.fg),
                    vt(c.bg),
                    m.contains(Modifier::BOLD),
                    m.contains(Modifier::DIM),
                    m.contains(Modifier::ITALIC),
                    m.contains(Modifier::UNDERLINED),
                    m.contains(Modifier::REVERSED)
                )
            })
            .collect()
    }

    fn any_colour() -> impl Strategy<Value = Color> {
        prop_oneof![
            Just(Color::Reset),
            Just(Color::Red),
            Just(Color::LightCyan),
            Just(Color::DarkGray),
            (0u8..=255).prop_map(Color::Indexed),
            (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
        ]
    }

    fn style() -> impl Strategy<Value = Style> {
        (any_colour(), any_colour(), 0u16..(1 << 9)).prop_map(|(fg, bg, m)| {
            let mut m = Modifier::from_bits_truncate(m);
            if m.contains(Modifier::BOLD) {
                // One intensity at a time on the emulator (as on most terminals).
                m.remove(Modifier::DIM);
            }
            Style::default().fg(fg).bg(bg).add_modifier(m)
        })
    }

    proptest! {
        /// Whatever the cells, a terminal shows their text, colours and attributes.
        #[test]
        fn a_terminal_shows_the_cells(
            cells in proptest::collection::vec((0u16..8, 0u16..3, "[a-z]", style()), 0..30),
        ) {
            let mut buf = Buffer::empty(Rect::new(0, 0, 8, 3));
            for (x, y, s, st) in &cells {
                let cell = &mut buf[(*x, *y)];
                cell.reset();
                cell.set_symbol(s).set_style(*st);
            }
            let all: Vec<(u16, u16, &Cell)> = (0..3)
                .flat_map(|y| (0..8).map(move |x| (x, y)))
                .map(|(x, y)| (x, y, &buf[(x, y)]))
                .collect();
            let mut ours = Vec::new();
            write_cells(&mut ours, all.iter().copied()).unwrap();
            prop_assert_eq!(shown(&ours, 8, 3), expected(&buf));
        }
    }

    #[test]
    fn moves_only_where_cells_are_not_adjacent() {
        let buf = Buffer::with_lines(["abc", "def"]);
        let cells = [
            (0, 0, &buf[(0, 0)]),
            (1, 0, &buf[(1, 0)]),
            (2, 1, &buf[(2, 1)]),
        ];
        let mut out = Vec::new();
        write_cells(&mut out, cells.into_iter()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\x1b[1;1Hab\x1b[2;3Hf\x1b[0m"
        );
    }
}
