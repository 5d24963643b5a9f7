//! The slide, the demo pane and the speaker notes.

use super::UiState;
use crate::app::PaneView;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme;
use super::wrap::{ellipsize, wrap};
use crate::app::{App, Badge, DemoPane};
use crate::demo::{self, LineKind, Outcome};

/// Draws lines into `area` from the top; returns how many did not fit.
fn put_lines(lines: &[Line<'_>], area: Rect, buf: &mut Buffer) -> usize {
    for (i, line) in lines.iter().take(area.height as usize).enumerate() {
        super::cells::put_line(buf, area.x, area.y + i as u16, line, area.width);
    }
    lines.len().saturating_sub(area.height as usize)
}

/// The slide text, one column of margin each side; an overflow is marked, never cut
/// silently.
pub fn slide(app: &App, ui: &UiState, area: Rect, buf: &mut Buffer) {
    let area = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    if area.width == 0 || area.height == 0 {
        return;
    }
    let centered = app.deck.slides[app.current].layout == crate::deck::Layout::Center;
    // A centred slide reads as a block: wrap it narrower than the pane.
    let wrap_width = if centered {
        area.width.min(64)
    } else {
        area.width
    };
    let cached = ui.cache.slide(app, wrap_width as usize);
    let shown: Vec<Line<'static>>;
    let lines: &[Line<'static>] = if cached.len() > area.height as usize {
        let overflow;
        (shown, overflow) = scrolled(&cached, app.slide_scroll, area);
        ui.slide_overflow.set(overflow);
        &shown
    } else {
        ui.slide_overflow.set(0);
        &cached
    };
    if centered {
        // Centre the block of lines as a whole, each line on its own axis.
        let top = area.height.saturating_sub(lines.len() as u16) / 2;
        for (i, line) in lines.iter().enumerate().take(area.height as usize) {
            let left = area.width.saturating_sub(line.width() as u16) / 2;
            super::cells::put_line(
                buf,
                area.x + left,
                area.y + top + i as u16,
                line,
                area.width - left,
            );
        }
        return;
    }
    put_lines(lines, area, buf);
}

/// The slide's lines from row `scroll` on, with a marker line above ("⋯ 3 lines above")
/// and below ("⋯ 9 more lines") saying how to scroll; also the largest useful scroll.
/// A rendering longer than [`super::markdown::MAX_ROWS`] was cut there: the lines past
/// the cap are not laid out (bounded work per frame), and the marker says "N+ more".
fn scrolled(all: &[Line<'static>], scroll: usize, area: Rect) -> (Vec<Line<'static>>, usize) {
    let capped = all.len() > super::markdown::MAX_ROWS;
    let all = &all[..all.len().min(super::markdown::MAX_ROWS)];
    let plus = if capped { "+" } else { "" };
    let rows = area.height as usize;
    let w = area.width as usize;
    let marker = |text: String| Line::styled(ellipsize(&text, w), theme::WARN);
    if rows < 2 {
        return (all.iter().take(rows).cloned().collect(), 0);
    }
    // Scrolled to the end, the bottom marker goes and the last line shows.
    let max = all.len().saturating_sub(rows - 1);
    let start = scroll.min(max);
    let mut out = Vec::with_capacity(rows);
    if start > 0 {
        let lines = if start == 1 { "line" } else { "lines" };
        out.push(marker(format!(
            "⋯ {start} {lines} above: [ or Shift-↑ scrolls up"
        )));
    }
    let room = rows - out.len();
    let end = if start + room >= all.len() {
        all.len()
    } else {
        start + room - 1
    };
    out.extend(all[start..end].iter().cloned());
    if end < all.len() || capped {
        let mut hidden = all.len() - end;
        if end == all.len() && out.len() == rows {
            out.pop();
            hidden += 1;
        }
        out.push(marker(format!(
            "⋯ {hidden}{plus} more lines: ] or Shift-↓ scrolls"
        )));
    }
    (out, max)
}

/// The speaker notes, wrapped; cut with a marker when they don't fit.
pub fn notes(app: &App, ui: &UiState, area: Rect, buf: &mut Buffer) {
    let area = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    let cached = ui.cache.notes(app, area.width as usize);
    let mut cut: Vec<Line<'static>>;
    let lines: &[Line<'static>] = if cached.len() > area.height as usize {
        cut = cached[..area.height as usize].to_vec();
        if let Some(last) = cut.last_mut() {
            last.spans.push(Span::styled(" …", theme::DIM));
        }
        &cut
    } else {
        &cached
    };
    let hint = "(s to hide)";
    put_lines(lines, area, buf);
    if area.width as usize > hint.len() + 20 {
        let y = area.bottom() - 1;
        let used = lines.get(area.height as usize - 1).map_or(0, Line::width);
        if used + hint.len() < area.width as usize {
            buf.set_string(area.right() - hint.len() as u16, y, hint, theme::DIM);
        }
    }
}

/// How many rows the notes want at this width (0 when there are none).
pub fn notes_rows(app: &App, ui: &UiState, width: u16) -> u16 {
    ui.cache.notes(app, width.saturating_sub(2) as usize).len() as u16
}

/// The demo pane: title, badge, what it proves, then the output (scrollable) and a
/// status line.
pub fn demo(app: &App, ui: &UiState, id: &str, area: Rect, buf: &mut Buffer) {
    let area = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(2),
        ..area
    };
    if area.width < 4 || area.height < 2 {
        return;
    }
    let w = area.width as usize;
    let spec = demo::find(id);
    let title = spec.map_or(id, |s| s.title);
    let mut head = vec![Line::from(vec![
        Span::styled("▶ ", theme::TITLE),
        Span::styled(ellipsize(title, w - 2), theme::TITLE),
    ])];
    let pane = app.panes.get(id);
    // The badge may take a quarter of a short pane (at least two rows, at most five);
    // the output keeps the rest.
    head.extend(badge_lines(pane, w, (area.height as usize / 4).clamp(2, 5)));
    let body_rows = (area.height as usize).saturating_sub(head.len() + 1);
    let body = match pane {
        Some(p) if p.run.is_some() => output_lines(p, w),
        _ => idle_lines(app, id, w),
    };
    ui.pane.set(PaneView {
        rows: body_rows,
        total: body.len(),
    });
    let max_start = body.len().saturating_sub(body_rows);
    let start = pane
        .and_then(|p| p.scroll)
        .unwrap_or(max_start)
        .min(max_start);
    let mut lines = head;
    lines.extend(body.iter().skip(start).take(body_rows).cloned());
    put_lines(&lines, area, buf);
    // Never cut silently: say how much is above and below (j/k scroll).
    let more =
        (start > 0 || start < max_start).then(|| format!(" ↑{start} ↓{} j/k", max_start - start));
    let room = w.saturating_sub(more.as_ref().map_or(0, |m| m.width()));
    let (full, short) = status_text(app, pane);
    let text = if full.width() <= room {
        full
    } else {
        ellipsize(&short, room)
    };
    buf.set_string(area.x, area.bottom() - 1, &text, theme::DIM);
    if let Some(more) = more {
        let x = area.right().saturating_sub(more.width() as u16);
        buf.set_string(x, area.bottom() - 1, more, theme::WARN);
    }
}

/// The badge in at most `rows` rows: where a replay was recorded always shows (it is the
/// point of the badge), the reason gets what is left, cut with "…".
fn badge_lines(pane: Option<&DemoPane>, w: usize, rows: usize) -> Vec<Line<'static>> {
    let Some(pane) = pane else { return Vec::new() };
    let mut origin = None;
    let (text, style) = match pane.badge() {
        Badge::Idle => return Vec::new(),
        Badge::Live => ("● LIVE".to_string(), theme::LIVE),
        Badge::Recorded { why, recording } => {
            origin = Some(recording.map_or_else(
                || "no recording to replay".into(),
                |r| format!("recorded on {} {}, {}", r.kernel, r.arch, r.date),
            ));
            (format!("◌ RECORDED — {why}"), theme::RECORDED)
        }
        Badge::Partial { what, recording } => {
            origin =
                recording.map(|r| format!("◌ recorded on {} {}, {}", r.kernel, r.arch, r.date));
            (format!("◐ PARTIAL — {what}"), theme::RECORDED)
        }
        Badge::Failed { error } => (format!("✗ FAILED — {error}"), theme::BAD),
        Badge::Stopped => (
            "■ STOPPED — x pressed or slide left".to_string(),
            theme::DIM,
        ),
    };
    let origin = origin.map_or_else(Vec::new, |o| {
        wrap(
            &[(theme::WARN, o)],
            w,
            &[Span::raw("  ")],
            &[Span::raw("  ")],
        )
    });
    let origin: Vec<Line<'static>> = origin.into_iter().take(rows.saturating_sub(1)).collect();
    let reason_rows = rows.saturating_sub(origin.len()).max(1);
    let reason = wrap(&[(style, text)], w, &[], &[Span::raw("  ")]);
    let cut = reason.len() > reason_rows;
    let mut lines: Vec<Line<'static>> = reason.into_iter().take(reason_rows).collect();
    if cut && let Some(last) = lines.last_mut() {
        last.spans.push(Span::styled("…", style));
    }
    lines.extend(origin);
    lines
}

fn idle_lines(app: &App, id: &str, w: usize) -> Vec<Line<'static>> {
    let proves = demo::find(id).map_or("", |s| s.proves);
    let kernel = if app.options.kernel.is_empty() {
        "this kernel".to_string()
    } else {
        format!("Linux {}", app.options.kernel)
    };
    let how = if app.options.force_recorded {
        "Press r to replay its recording.".to_string()
    } else {
        format!("Press r to run it live on {kernel}.")
    };
    let mut lines = wrap(&[(theme::DIM, format!("Proves: {proves}."))], w, &[], &[]);
    lines.push(Line::default());
    lines.extend(wrap(&[(Style::default(), how)], w, &[], &[]));
    lines
}

fn output_lines(pane: &DemoPane, w: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut last_stamp = String::new();
    for line in &pane.lines {
        // Each line is timestamped; the gutter shows the time when it changes.
        let now = crate::demo::events::stamp(line.t);
        let shown = if now == last_stamp {
            " ".repeat(now.len())
        } else {
            now.clone()
        };
        last_stamp = now;
        let gutter = Span::styled(format!("{shown} "), theme::DIM);
        let blank = Span::raw(" ".repeat(crate::demo::events::STAMP_WIDTH + 1));
        let (style, text) = match line.kind {
            LineKind::Step => {
                let label = format!("── {} ", line.text);
                let fill = w.saturating_sub(label.width() + 6);
                out.push(Line::from(vec![
                    gutter,
                    Span::styled(
                        format!("{label}{}", "─".repeat(fill)),
                        Style::new().fg(theme::ACCENT),
                    ),
                ]));
                continue;
            }
            LineKind::Probe { .. } => (theme::DIM, format!("probe: {}", line.shown())),
            LineKind::Stderr => (theme::WARN, line.text.clone()),
            LineKind::Replayed => (
                theme::RECORDED.remove_modifier(Modifier::BOLD),
                format!("◌ {}", line.text),
            ),
            LineKind::Verdict { passed: true } => (theme::OK, line.text.clone()),
            LineKind::Verdict { passed: false } => (theme::BAD, line.text.clone()),
            // A result that changed since the previous run stands out until the next.
            LineKind::Stdout if line.text.contains(crate::demo::play::form::WAS) => {
                (theme::CHANGED, line.text.clone())
            }
            LineKind::Stdout => (Style::default(), line.text.clone()),
        };
        // Keep leading spaces (demos indent details) by wrapping with them as prefix.
        let indent = text.len() - text.trim_start().len();
        let pad = Span::raw(" ".repeat(indent));
        let first = vec![gutter, pad.clone()];
        let rest = vec![blank, pad, Span::raw("  ")];
        out.extend(wrap(
            &[(style, text.trim_start().to_string())],
            w,
            &first,
            &rest,
        ));
    }
    out
}

/// "3 ms", "1.25 s".
fn duration(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.0} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

/// The pane's status line, in full and short (when the scroll indicator needs room).
fn status_text(app: &App, pane: Option<&DemoPane>) -> (String, String) {
    let full = match (pane, pane.and_then(DemoPane::outcome)) {
        (Some(p), _) if p.running() => format!(
            "running… {:.1} s · x stop",
            p.lines.last().map_or(0.0, |l| l.t)
        ),
        (Some(p), Some((o, secs))) => {
            let what = match o {
                Outcome::Passed => "✓ passed".to_string(),
                Outcome::Failed { .. } => "✗ failed".to_string(),
                Outcome::Crashed { status } => format!("✗ {status}"),
                Outcome::TimedOut { .. } => "✗ timed out".to_string(),
                Outcome::Stopped => "stopped".to_string(),
                Outcome::NoRecording { .. } => "✗ no recording".to_string(),
                Outcome::Unsupported { .. } => "✗ unsupported".to_string(),
            };
            let toggle = if p.prefer_recorded {
                "live"
            } else {
                "recorded"
            };
            let done = format!("{what} in {}", duration(secs));
            return (format!("{done} · r re-run · f {toggle}"), done);
        }
        _ if app.options.force_recorded => "r replay".to_string(),
        _ => "r run · f recorded".to_string(),
    };
    (full.clone(), full)
}
