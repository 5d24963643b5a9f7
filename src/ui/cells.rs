//! Putting a line of text into the buffer, the way ratatui's `Buffer::set_line` does,
//! with a shortcut for ASCII text: no grapheme segmentation and no width lookup for
//! text that is one byte a cell. Slide text, notes and demo output are mostly ASCII and
//! are put into the buffer on every frame; segmenting them was the largest cost of
//! drawing a slide.

use ratatui::buffer::Buffer;
use ratatui::text::Line;

/// `buf.set_line(x, y, line, max_width)`, the same cells and the same end column.
pub fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, max_width: u16) -> u16 {
    let mut x = x;
    let mut remaining = max_width;
    for span in line {
        if remaining == 0 {
            break;
        }
        let style = line.style.patch(span.style);
        let text = span.content.as_ref();
        if !text.is_ascii() || y >= buf.area.bottom() || x < buf.area.left() {
            let (end, _) = buf.set_stringn(x, y, text, remaining as usize, style);
            remaining = remaining.saturating_sub(end.saturating_sub(x));
            x = end;
            continue;
        }
        let room = buf.area.right().saturating_sub(x).min(remaining);
        let start = buf.index_of(x.min(buf.area.right().saturating_sub(1)), y);
        let mut put = 0u16;
        for b in text.bytes().filter(|b| !b.is_ascii_control()) {
            if put == room {
                break;
            }
            let cell = &mut buf.content[start + put as usize];
            cell.set_char(char::from(b)).set_style(style);
            put += 1;
        }
        x += put;
        remaining -= put;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;

    fn span() -> impl Strategy<Value = Span<'static>> {
        let text = prop_oneof![
            "[a-z ]{0,12}",
            "[a-z\t\u{1b}\u{7f}]{0,6}",
            Just("界é\u{301}x".to_string()),
            Just("→ ✓".to_string()),
        ];
        let style = prop_oneof![
            Just(Style::default()),
            Just(Style::default().fg(Color::Red)),
            Just(
                Style::default()
                    .bg(Color::Blue)
                    .add_modifier(Modifier::BOLD)
            ),
        ];
        (text, style).prop_map(|(t, s)| Span::styled(t, s))
    }

    proptest! {
        /// Whatever the text, the cells are ratatui's.
        #[test]
        fn same_cells_as_set_line(
            spans in proptest::collection::vec(span(), 0..5),
            x in 0u16..12,
            max in 0u16..40,
            italic in any::<bool>(),
        ) {
            let mut line = Line::from(spans);
            if italic {
                line = line.style(Style::default().add_modifier(Modifier::ITALIC));
            }
            let area = Rect::new(2, 1, 14, 2);
            let mut theirs = Buffer::empty(area);
            let mut ours = Buffer::empty(area);
            let x = area.x + x;
            let (end, _) = theirs.set_line(x, 1, &line, max);
            prop_assert_eq!(put_line(&mut ours, x, 1, &line, max), end);
            prop_assert_eq!(ours, theirs);
        }
    }
}
