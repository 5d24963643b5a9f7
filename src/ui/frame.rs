//! The screen's skeleton: outer border with header and footer, the split between the
//! slide, the demo pane and the notes, and the joints where the separators meet.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::theme;
use crate::app::{App, Badge, Overlay};

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

/// Percent of the width the slide gets beside a demo pane.
pub const SLIDE_SHARE: u16 = 48;

/// Where each part goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub slide: Rect,
    pub demo: Option<Rect>,
    pub notes: Option<Rect>,
    /// Demo pane below the slide instead of beside it.
    pub stacked: bool,
}

/// Splits the inside of the border. Narrow terminals (< 80 columns) stack the demo
/// under the slide, giving the slide the rows its text needs (`slide_rows`) and the demo
/// at least 40%; short terminals hide the notes (they need 24 rows, 30 when stacked).
pub fn areas(area: Rect, has_demo: bool, notes_rows: Option<u16>, slide_rows: u16) -> Areas {
    let inner = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let stacked = has_demo && area.width < 80;
    let notes_fit = area.height >= if stacked { 30 } else { 24 };
    let (main, notes) = match notes_rows {
        Some(rows) if notes_fit => {
            let rows = rows.clamp(1, (inner.height / 5).max(2));
            let main_h = inner.height.saturating_sub(rows + 1);
            (
                Rect {
                    height: main_h,
                    ..inner
                },
                Some(Rect {
                    y: inner.y + main_h + 1,
                    height: rows,
                    ..inner
                }),
            )
        }
        _ => (inner, None),
    };
    if !has_demo {
        return Areas {
            slide: main,
            demo: None,
            notes,
            stacked: false,
        };
    }
    if !stacked {
        let slide_w = main.width * SLIDE_SHARE / 100;
        let slide = Rect {
            width: slide_w,
            ..main
        };
        let demo = Rect {
            x: main.x + slide_w + 1,
            width: main.width.saturating_sub(slide_w + 1),
            ..main
        };
        return Areas {
            slide,
            demo: Some(demo),
            notes,
            stacked: false,
        };
    }
    let min_demo = (main.height * 2 / 5).max(5);
    let slide_h = slide_rows
        .min(main.height.saturating_sub(min_demo + 1))
        .max(main.height.min(3));
    let slide = Rect {
        height: slide_h,
        ..main
    };
    let demo = Rect {
        y: main.y + slide_h + 1,
        height: main.height.saturating_sub(slide_h + 1),
        ..main
    };
    Areas {
        slide,
        demo: Some(demo),
        notes,
        stacked: true,
    }
}

/// Draws the border, the header (left: position and section; right: badge and kernel),
/// the footer, and the separators between the areas.
pub fn draw(app: &App, area: Rect, a: &Areas, buf: &mut Buffer) {
    let (x0, y0, x1, y1) = (area.x, area.y, area.right() - 1, area.bottom() - 1);
    for x in x0..=x1 {
        put(buf, x, y0, "─");
        put(buf, x, y1, "─");
    }
    for y in y0..=y1 {
        put(buf, x0, y, "│");
        put(buf, x1, y, "│");
    }
    put(buf, x0, y0, "┌");
    put(buf, x1, y0, "┐");
    put(buf, x0, y1, "└");
    put(buf, x1, y1, "┘");
    if let Some(n) = a.notes {
        let y = n.y - 1;
        for x in x0..=x1 {
            put(buf, x, y, "─");
        }
        put(buf, x0, y, "├");
        put(buf, x1, y, "┤");
    }
    if let Some(d) = a.demo {
        if a.stacked {
            let y = d.y - 1;
            for x in x0..=x1 {
                put(buf, x, y, "─");
            }
            put(buf, x0, y, "├");
            put(buf, x1, y, "┤");
        } else {
            let x = d.x - 1;
            for y in d.y..d.bottom() {
                put(buf, x, y, "│");
            }
            put(buf, x, y0, "┬");
            // Meets the notes separator or the bottom border.
            put(buf, x, d.bottom(), "┴");
        }
    }
    let width = area.width as usize;
    let left = header_left(app);
    let right = header_right(app);
    let right_w = right.width() as u16;
    let right_fits = right_w + 4 < area.width && left.width() + right.width() + 4 <= width;
    let left_room = area
        .width
        .saturating_sub(if right_fits { 4 + right_w } else { 3 });
    buf.set_line(x0 + 1, y0, &left, left_room);
    if right_fits {
        buf.set_line(x1 - right_w, y0, &right, right_w);
    }
    let footer = footer(app, width.saturating_sub(4));
    buf.set_line(x0 + 1, y1, &footer, area.width.saturating_sub(2));
}

fn put(buf: &mut Buffer, x: u16, y: u16, s: &str) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(s).set_style(theme::BORDER);
    }
}

fn header_left(app: &App) -> Line<'static> {
    let n = app.deck.slides.len();
    let slide = &app.deck.slides[app.current];
    Line::from(vec![
        Span::raw(" "),
        Span::styled("kdeck", theme::TITLE),
        Span::styled(" ─ ", theme::BORDER),
        Span::raw(format!("{}/{n} · {} ", app.current + 1, slide.section)),
    ])
}

fn header_right(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    if let Some(pane) = app.current_pane() {
        let (text, style) = match pane.badge() {
            Badge::Idle => (None, Style::default()),
            Badge::Live => (Some("● LIVE"), theme::LIVE),
            Badge::Recorded { .. } => (Some("◌ RECORDED"), theme::RECORDED),
            Badge::Partial { .. } => (Some("◐ PARTIAL"), theme::RECORDED),
            Badge::Failed { .. } => (Some("✗ FAILED"), theme::BAD),
            Badge::Stopped => (Some("■ STOPPED"), theme::DIM),
        };
        if let Some(t) = text {
            spans.push(Span::styled(format!(" {t} "), style));
        }
    }
    if !app.options.kernel.is_empty() {
        spans.push(Span::raw(format!(" {} ", app.options.kernel)));
    }
    Line::from(spans)
}

/// "▓▓▓░░ 12:31 / 30:00  on pace  ? help", shortened to fit.
fn footer(app: &App, width: usize) -> Line<'static> {
    let n = app.deck.slides.len().max(1);
    let secs = app.elapsed.as_secs();
    let time = format!(
        "{:02}:{:02} / {:02}:00",
        secs / 60,
        secs % 60,
        app.deck.budget_minutes().round() as u64
    );
    let hint = match (&app.overlay, app.jump.is_empty(), &app.status) {
        (Overlay::Search { query }, _, _) => {
            return Line::from(vec![
                Span::raw(" /"),
                Span::styled(format!("{query}▏"), theme::HIGHLIGHT),
                Span::styled("  Enter search · Esc cancel ", theme::DIM),
            ]);
        }
        (_, false, _) => format!("go to slide {}▏ Enter", app.jump),
        (_, _, Some(s)) => s.clone(),
        _ => "? help".into(),
    };
    let pace = app.pace();
    let position = format!("{}/{n}", app.current + 1);
    let fixed = position.len() + time.len() + pace.len() + hint.chars().count() + 10;
    let bar_w = width.saturating_sub(fixed).clamp(0, 30);
    let filled = if n <= 1 {
        bar_w
    } else {
        bar_w * app.current / (n - 1)
    };
    let pace_style = if pace.contains("behind") {
        theme::WARN
    } else {
        theme::DIM
    };
    let mut spans = vec![Span::raw(" ")];
    if bar_w >= 4 {
        spans.push(Span::styled(
            "▓".repeat(filled),
            Style::new().fg(theme::ACCENT),
        ));
        spans.push(Span::styled("░".repeat(bar_w - filled), theme::DIM));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(format!(" {position} "), theme::TITLE));
    spans.push(Span::raw(format!(" {time} ")));
    spans.push(Span::styled(format!(" {pace} "), pace_style));
    spans.push(Span::styled(format!(" {hint} "), theme::DIM));
    Line::from(spans)
}
