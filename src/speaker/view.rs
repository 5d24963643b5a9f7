//! The speaker's screen, drawn from the last [`State`] the presentation sent: the
//! current slide's notes (most of the screen), the next slide's title and first lines,
//! the demo's state and badge, and the timer with the pace; a line says when the
//! presentation is gone.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::proto::{DemoView, State};
use crate::ui::theme;

/// What the speaker view shows.
#[derive(Debug, Default)]
pub struct View {
    pub state: Option<State>,
    /// "talk (pid 1234)" while connected; `None` while the presentation is gone.
    pub connected: Option<String>,
    /// A short message for the footer.
    pub status: Option<String>,
    /// Digits typed for "number then Enter".
    pub jump: String,
}

/// The line shown while no presentation is connected.
pub const GONE: &str = "presentation gone (ended or died): waiting for one to start · q quits";

impl Widget for &View {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = match &self.state {
            Some(s) => format!(" kdeck speaker ─ {}/{} · {} ", s.slide, s.slides, s.section),
            None => " kdeck speaker ".to_string(),
        };
        let outer = Block::bordered()
            .border_style(theme::BORDER)
            .title(Line::styled(title, theme::TITLE))
            .title_bottom(footer(self));
        let inner = outer.inner(area).inner(Margin::new(1, 0));
        outer.render(area, buf);
        if inner.height < 3 || inner.width < 10 {
            return;
        }
        let Some(state) = &self.state else {
            let text = match &self.connected {
                Some(_) => "connected; waiting for the first state…",
                None => GONE,
            };
            Paragraph::new(Line::styled(text, theme::WARN))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        };
        let next_rows = state.next.as_ref().map_or(1, |n| n.lines.len() as u16 + 1);
        let [banner, notes, next, demo] = Layout::vertical([
            Constraint::Length(u16::from(
                self.connected.is_none() || state.banner.is_some(),
            )),
            Constraint::Min(3),
            Constraint::Length(next_rows + 1),
            Constraint::Length(if state.demo.is_some() { 3 } else { 0 }),
        ])
        .areas(inner);
        if self.connected.is_none() {
            Line::styled(GONE, theme::BAD.reversed()).render(banner, buf);
        } else if let Some(b) = &state.banner {
            Line::styled(format!("✗ {b}"), theme::BAD.reversed()).render(banner, buf);
        }
        render_notes(state, notes, buf);
        render_next(state, next, buf);
        if let Some(d) = &state.demo {
            render_demo(d, demo, buf);
        }
    }
}

/// The current slide's title and its notes, paragraphs as written, re-wrapped to this
/// terminal's width.
fn render_notes(state: &State, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        Line::styled(state.title.clone(), theme::H1),
        Line::default(),
    ];
    if state.notes.trim().is_empty() {
        lines.push(Line::styled("(no notes on this slide)", theme::DIM));
    } else {
        for (i, para) in state.notes.split("\n\n").enumerate() {
            if i > 0 {
                lines.push(Line::default());
            }
            let text: Vec<&str> = para.split_whitespace().collect();
            lines.push(Line::raw(text.join(" ")));
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}

/// The next slide's title and first lines, under a rule.
fn render_next(state: &State, area: Rect, buf: &mut Buffer) {
    let mut next_lines = Vec::new();
    match &state.next {
        Some(n) => {
            next_lines.push(Line::from(vec![
                Span::styled("next: ", theme::DIM),
                Span::styled(n.title.clone(), theme::H3),
            ]));
            next_lines.extend(
                n.lines
                    .iter()
                    .map(|l| Line::styled(format!("  {l}"), theme::DIM)),
            );
        }
        None => next_lines.push(Line::styled("next: (last slide)", theme::DIM)),
    }
    Paragraph::new(next_lines).render(under_rule(area, buf), buf);
}

/// The demo's id, title, state and badge (coloured as on the main screen), under a rule.
fn render_demo(d: &DemoView, area: Rect, buf: &mut Buffer) {
    let badge_style = if d.badge.starts_with('●') {
        theme::LIVE
    } else if d.badge.starts_with('✗') {
        theme::BAD
    } else {
        theme::RECORDED
    };
    let line = Line::from(vec![
        Span::styled(format!("demo {}: ", d.id), theme::DIM),
        Span::styled(d.title.clone(), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!(" · {} ", d.state)),
        Span::styled(d.badge.clone(), badge_style),
    ]);
    Paragraph::new(line)
        .wrap(Wrap { trim: true })
        .render(under_rule(area, buf), buf);
}

/// Draws a rule on the top row of `area`; the rows under it.
fn under_rule(area: Rect, buf: &mut Buffer) -> Rect {
    Block::new()
        .borders(ratatui::widgets::Borders::TOP)
        .border_style(theme::BORDER)
        .render(area, buf);
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    }
}

fn footer(view: &View) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    if let Some(s) = &view.state {
        let secs = s.timer.elapsed_secs;
        let timer = match s.timer.state.as_str() {
            "idle" => "timer not started (→ or t)".to_string(),
            _ => format!(
                "{:02}:{:02} / {:02}:00",
                secs / 60,
                secs % 60,
                s.timer.budget_minutes.round() as u64
            ),
        };
        spans.push(Span::styled(format!("{timer} "), theme::TITLE));
        let pace_style = if s.pace.contains("behind") {
            theme::WARN
        } else {
            theme::DIM
        };
        spans.push(Span::styled(format!(" {} ", s.pace), pace_style));
    }
    let hint = match (&view.status, view.jump.is_empty()) {
        (_, false) => format!("go to slide {}▏ Enter", view.jump),
        (Some(s), _) => s.clone(),
        _ => "→ ← move both screens · t / T timer · q quit".to_string(),
    };
    spans.push(Span::styled(format!(" {hint} "), theme::DIM));
    Line::from(spans)
}
