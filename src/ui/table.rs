//! Markdown tables to terminal lines: only the columns that fit at [`MIN_COLUMN`]
//! characters are laid out (then a `…` column), only the rows that can be on screen,
//! and the column widths are fitted in one pass however wide the cells are.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::markdown::{Vars, pieces};
use super::theme;
use super::wrap::wrap_max;
use crate::deck::Inline;
use crate::deck::markdown::Align;

/// Column widths that fit `avail`: the widest columns are narrowed to a common width
/// (the leftmost of them keep one more column where that still fits), never below 1.
fn fit_widths(natural: &[usize], avail: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= avail {
        return natural.to_vec();
    }
    let fits = |cap: usize| natural.iter().map(|w| (*w).min(cap)).sum::<usize>() <= avail;
    // The largest cap that fits (at least 1: `avail` is never below the column count).
    let (mut lo, mut hi) = (1, natural.iter().copied().max().unwrap_or(1));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut widths: Vec<usize> = natural.iter().map(|w| (*w).min(lo)).collect();
    let mut spare = avail.saturating_sub(widths.iter().sum());
    for (w, n) in widths.iter_mut().zip(natural) {
        if spare == 0 {
            break;
        }
        if *n > *w {
            *w += 1;
            spare -= 1;
        }
    }
    widths
}

/// Table columns are not narrowed below this (or their natural width, if smaller):
/// columns that don't fit then are left out, and a last column `…` says so.
pub const MIN_COLUMN: usize = 6;

/// Adds at most `room` lines for the table to `out`. Only the columns that fit at
/// [`MIN_COLUMN`] characters are laid out; when some don't, the last one shown is `…`.
pub(super) fn render_table(
    vars: &Vars,
    aligns: &[Align],
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    width: usize,
    room: usize,
    out: &mut Vec<Line<'static>>,
) {
    let cols = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    if cols == 0 || room == 0 {
        return;
    }
    // Rows that can be on screen.
    let rows = &rows[..rows.len().min(room)];
    let mut natural = columns_that_fit(vars, header, rows, cols, width);
    let shown = natural.len();
    let more = shown < cols;
    if more {
        natural.push(1);
    }
    let n = natural.len();
    let avail = width.saturating_sub(3 * (n - 1)).max(n);
    let widths = fit_widths(&natural, avail);
    let limit = out.len() + room;
    let ellipsis = vec![Inline {
        text: "…".into(),
        style: Default::default(),
    }];
    let row_cells = |cells: &[Vec<Inline>]| -> Vec<Vec<Inline>> {
        let mut v: Vec<Vec<Inline>> = cells.iter().take(shown).cloned().collect();
        if more {
            v.resize(shown, Vec::new());
            v.push(ellipsis.clone());
        }
        v
    };
    push_row(
        vars,
        &row_cells(header),
        &widths,
        aligns,
        theme::TABLE_HEADER,
        limit,
        out,
    );
    if out.len() < limit {
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        out.push(Line::styled(rule.join("─┼─"), theme::DIM));
    }
    for row in rows {
        if out.len() >= limit {
            break;
        }
        push_row(
            vars,
            &row_cells(row),
            &widths,
            aligns,
            Style::default(),
            limit,
            out,
        );
    }
}

/// The natural widths of the columns shown, in order, while they fit `width` at their
/// least width ([`MIN_COLUMN`], or less if narrower) with room for a " │ …" column
/// after them; the first column is always shown.
fn columns_that_fit(
    vars: &Vars,
    header: &[Vec<Inline>],
    rows: &[Vec<Vec<Inline>>],
    cols: usize,
    width: usize,
) -> Vec<usize> {
    let cell_width = |c: &Vec<Inline>| {
        pieces(c, Style::default(), vars)
            .iter()
            .map(|(_, t)| t.width())
            .sum::<usize>()
            .min(width)
    };
    let natural_of = |col: usize| {
        std::iter::once(header.get(col))
            .chain(rows.iter().map(|r| r.get(col)))
            .flatten()
            .map(cell_width)
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let mut natural: Vec<usize> = Vec::new();
    let mut least = 0;
    for col in 0..cols {
        let w = natural_of(col);
        let last = col + 1 == cols;
        let need = least + w.min(MIN_COLUMN) + 3 * col + if last { 0 } else { 4 };
        if need > width && !natural.is_empty() {
            break;
        }
        least += w.min(MIN_COLUMN);
        natural.push(w);
    }
    natural
}

/// Adds one table row (its cells wrapped at their column widths) to `out`, stopping at
/// `limit` lines.
fn push_row(
    vars: &Vars,
    cells: &[Vec<Inline>],
    widths: &[usize],
    aligns: &[Align],
    base: Style,
    limit: usize,
    out: &mut Vec<Line<'static>>,
) {
    let room = limit.saturating_sub(out.len());
    let empty = Vec::new();
    let wrapped: Vec<Vec<Line<'static>>> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            wrap_max(
                &pieces(cells.get(i).unwrap_or(&empty), base, vars),
                *w,
                &[],
                &[],
                room,
            )
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).min(room);
    for row in 0..height {
        let mut spans = Vec::new();
        for (col, lines) in wrapped.iter().enumerate() {
            if col > 0 {
                spans.push(Span::styled(" │ ", theme::DIM));
            }
            let line = lines.get(row).cloned().unwrap_or_default();
            let used: usize = line.spans.iter().map(|s| s.content.width()).sum();
            let gap = widths[col].saturating_sub(used);
            let (left, right) = match aligns.get(col) {
                Some(Align::Right) => (gap, 0),
                Some(Align::Center) => (gap / 2, gap - gap / 2),
                _ => (0, gap),
            };
            spans.push(Span::raw(" ".repeat(left)));
            spans.extend(line.spans);
            spans.push(Span::raw(" ".repeat(right)));
        }
        out.push(Line::from(spans));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_fit_like_narrowing_the_widest_column_one_at_a_time() {
        assert_eq!(fit_widths(&[1, 10], 9), vec![1, 8]);
        assert_eq!(fit_widths(&[3, 4], 20), vec![3, 4]);
        assert_eq!(fit_widths(&[9, 9, 9], 10), vec![4, 3, 3]);
        assert_eq!(fit_widths(&[1_000_000, 2, 50], 12), vec![5, 2, 5]);
        assert_eq!(fit_widths(&[5, 5], 2), vec![1, 1]);
    }
}
