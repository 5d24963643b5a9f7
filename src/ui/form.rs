//! Draws the playground's edit form over the demo pane: one row per option, the
//! selected row highlighted, options this kernel lacks dimmed with the reason, and
//! the probe's reason on top when no variant can run here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::overlay::{boxed, centered};
use super::theme;
use super::wrap::{ellipsize, wrap};
use crate::app::FormState;
use crate::demo::play::form::{Field, Value};

/// The text of one option row ("[x] handle write_file", "getppid  ‹log›").
fn row(f: &Field) -> String {
    let value = match &f.value {
        Value::Check(on) => return format!("[{}] {}", if *on { "x" } else { " " }, f.key),
        Value::Choice { options, at } => format!("‹{}›", options.get(*at).unwrap_or(&"?")),
        Value::Number { value, .. } => format!("‹{value}›"),
    };
    format!("    {}  {value}", f.key)
}

/// The form, centred over `area` (the demo pane, or the whole screen if smaller).
pub fn draw(state: &FormState, area: Rect, buf: &mut Buffer) {
    let form = &state.form;
    let why = form.refused.as_deref().map(|why| {
        let text = format!("{why}. Enter shows which step the kernel refuses.");
        let w = area.width.min(60).saturating_sub(2) as usize;
        wrap(
            &[(theme::WARN, text)],
            w,
            &[Span::raw(" ")],
            &[Span::raw(" ")],
        )
    });
    let top = why.as_ref().map_or(0, Vec::len);
    let rect = centered(area, 60, (form.fields.len() + top) as u16 + 4);
    let mut inner = boxed(&format!("edit {}", form.id), rect, buf);
    for (i, line) in why.into_iter().flatten().enumerate() {
        let y = inner.y + i as u16;
        if y + 1 < inner.y + inner.height {
            line.render(
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
                buf,
            );
        }
    }
    let top = (top as u16).min(inner.height.saturating_sub(1));
    inner.y += top;
    inner.height -= top;
    let width = inner.width as usize;
    let rows = (inner.height as usize).saturating_sub(1);
    let first = form.selected.saturating_sub(rows.saturating_sub(1));
    for (i, f) in form.fields.iter().enumerate().skip(first).take(rows) {
        let mut text = row(f);
        let mut style = if form.refused.is_some() {
            theme::DIM
        } else {
            ratatui::style::Style::new()
        };
        if let Some(why) = &f.disabled {
            text = format!("{text} — {why}");
            style = theme::DIM;
        }
        if i == form.selected {
            style = theme::HIGHLIGHT;
        }
        let line = Line::from(Span::styled(ellipsize(&format!(" {text}"), width), style));
        let y = inner.y + (i - first) as u16;
        line.render(
            Rect {
                y,
                height: 1,
                ..inner
            },
            buf,
        );
    }
    let help = Line::styled(
        ellipsize(
            " ↑↓ move  space/←→ change  Enter run  Esc cancel  E reset",
            width,
        ),
        theme::DIM,
    );
    help.render(
        Rect {
            y: inner.y + inner.height.saturating_sub(1),
            height: 1,
            ..inner
        },
        buf,
    );
}
