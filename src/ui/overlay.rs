//! Overlays: help, the slide overview, and the "too small" notice.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::theme;
use super::wrap::{ellipsize, wrap};
use crate::app::{App, MatrixRow};

/// Every key, as the help overlay lists it.
pub const KEYS: &[(&str, &str)] = &[
    ("→ l space PgDn", "next slide"),
    ("← h PgUp", "previous slide"),
    ("g Home / G End", "first / last slide"),
    ("12 Enter", "jump to slide 12"),
    ("o", "overview of all slides"),
    ("/ text Enter", "search slides; n / N next / previous match"),
    ("s", "show / hide speaker notes"),
    ("c", "sources of this slide's claims"),
    ("r", "run (or re-run) the slide's demo"),
    ("x", "stop the demo"),
    ("f", "toggle live / recorded, and run"),
    ("e", "edit the demo's spec and re-run it (playground)"),
    ("j k ↓ ↑", "scroll the demo output a line"),
    ("J K ^d ^u", "scroll the demo output a page"),
    ("] [ ⇧↓ ⇧↑", "scroll a slide that doesn't fit"),
    ("m", "where this demo ran: the kernel matrix"),
    ("t / T", "timer: start, pause, resume / reset"),
    ("b .", "blank the screen (any key brings it back)"),
    ("?", "this help; Esc closes it (Esc never quits)"),
    ("q q / ^c", "quit: q asks again; Ctrl-C at once"),
];

/// The speaker view, which the help mentions after the keys and badges: it is a
/// command to run in a second terminal, not a key.
const SPEAKER: (&str, &str) = (
    "kdeck speaker",
    "notes, next slide, timer in a 2nd terminal",
);

/// What the demo pane's badges mean, for the help.
const BADGES: &[(&str, Style, &str)] = &[
    ("● LIVE", theme::LIVE, "ran on this kernel, now"),
    (
        "◐ PARTIAL",
        theme::RECORDED,
        "ran here; a step is shown from a recording",
    ),
    (
        "◌ RECORDED",
        theme::RECORDED,
        "replay of a real run on another kernel",
    ),
    (
        "✗ FAILED",
        theme::BAD,
        "✗ verdict, crash, timeout or no recording",
    ),
];

pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

pub(super) fn boxed(title: &str, area: Rect, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    let block = Block::bordered()
        .border_style(Style::new().fg(theme::ACCENT))
        .title(Line::styled(format!(" {title} "), theme::TITLE));
    let inner = block.inner(area);
    block.render(area, buf);
    inner
}

pub fn help(area: Rect, buf: &mut Buffer) {
    let key_w = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let rect = centered(area, 64, (KEYS.len() + BADGES.len()) as u16 + 6);
    let inner = boxed("keys", rect, buf);
    let what_w = (inner.width as usize).saturating_sub(key_w + 1);
    let row = |label: &str, style: Style, what: &str| {
        Line::from(vec![
            Span::styled(format!(" {label:<key_w$}"), style),
            Span::raw(ellipsize(what, what_w)),
        ])
    };
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| row(k, theme::H3, what))
        .collect();
    lines.push(Line::default());
    lines.extend(BADGES.iter().map(|(b, style, what)| row(b, *style, what)));
    lines.push(Line::default());
    lines.push(row(SPEAKER.0, theme::H3, SPEAKER.1));
    lines.push(Line::styled(" ? or Esc closes this help", theme::DIM));
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
}

/// The current slide's `sources`: each URL and the claim it backs.
pub fn sources(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(slide) = app.deck.slides.get(app.current) else {
        return;
    };
    let width = area.width.saturating_sub(6).clamp(20, 96);
    let text_w = width.saturating_sub(4) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if slide.sources.is_empty() {
        lines.push(Line::raw(" This slide lists no sources."));
    }
    for (i, src) in slide.sources.iter().enumerate() {
        if i > 0 {
            lines.push(Line::default());
        }
        lines.extend(wrap(
            &[(theme::H3, src.url.clone())],
            text_w,
            &[Span::raw(" ")],
            &[Span::raw(" ")],
        ));
        lines.extend(wrap(
            &[(Style::default(), src.backs.clone())],
            text_w,
            &[Span::raw("   ")],
            &[Span::raw("   ")],
        ));
    }
    lines.push(Line::default());
    lines.push(Line::styled(" c or Esc closes", theme::DIM));
    let rect = centered(area, width, (lines.len() as u16 + 2).min(area.height));
    let inner = boxed("sources", rect, buf);
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
}

pub fn overview(app: &App, selected: usize, area: Rect, buf: &mut Buffer) {
    let rect = centered(
        area,
        area.width.saturating_sub(6).max(20),
        area.height.saturating_sub(4).max(6),
    );
    let inner = boxed("slides · ↑↓ Enter · Esc", rect, buf);
    let rows = inner.height as usize;
    let first = selected
        .saturating_sub(rows.saturating_sub(1) / 2)
        .min(app.deck.slides.len().saturating_sub(rows));
    for (row, (i, slide)) in app
        .deck
        .slides
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .enumerate()
    {
        let demo = slide
            .demo
            .as_deref()
            .map(|d| format!(" [{d}]"))
            .unwrap_or_default();
        let mark = if i == app.current { "▸" } else { " " };
        let text = format!(
            "{mark}{:>3}  {} · {}{demo}",
            i + 1,
            slide.title,
            slide.section
        );
        let style = if i == selected {
            theme::HIGHLIGHT
        } else {
            Style::default()
        };
        let line = Line::styled(
            format!(
                "{:<w$}",
                ellipsize(&text, inner.width as usize),
                w = inner.width as usize
            ),
            style,
        );
        buf.set_line(inner.x, inner.y + row as u16, &line, inner.width);
    }
}

/// The one-line banner under the header while the deck on disk doesn't parse.
pub fn banner(text: &str, area: Rect, buf: &mut Buffer) {
    if area.height < 3 || area.width < 3 {
        return;
    }
    let w = area.width.saturating_sub(2);
    let line = format!(" ✗ {text}");
    let line = format!("{:<w$}", ellipsize(&line, w as usize), w = w as usize);
    buf.set_string(area.x + 1, area.y + 1, line, theme::BAD.reversed());
}

/// Shown below the minimum size: says so, in as much of the message as fits.
pub fn too_small(area: Rect, buf: &mut Buffer) {
    let msg = format!(
        "terminal too small (need {}x{})",
        super::frame::MIN_WIDTH,
        super::frame::MIN_HEIGHT
    );
    let lines = wrap(&[(theme::WARN, msg)], area.width as usize, &[], &[]);
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (i, l) in lines.iter().take(area.height as usize).enumerate() {
        let x = area.x + area.width.saturating_sub(l.width() as u16) / 2;
        buf.set_line(x, top + i as u16, l, area.width);
    }
}

/// `m`: on which kernels (and as which user) the current demo ran live, partial or
/// recorded, and why. The first row is the running kernel, from this process's own
/// probe and labelled with its release; then the matrix that ships with kdeck
/// (`demos/matrix.json`), each row under its own kernel name, the machine it was
/// made on under that machine's release.
pub fn kernel_matrix(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(id) = app.current_demo() else { return };
    let rect = centered(
        area,
        area.width.saturating_sub(6).max(20),
        area.height.saturating_sub(4).max(6),
    );
    let inner = boxed(
        &format!("{id} on real kernels · m or Esc closes"),
        rect,
        buf,
    );
    let mut lines: Vec<Line<'static>> = vec![this_machine(app, id), Line::default()];
    match app.matrix_for(id) {
        None => lines.push(Line::styled(
            " No kernel matrix ships with this build (run `kdeck matrix --save`).",
            theme::WARN,
        )),
        Some((rows, stamp)) => {
            lines.push(Line::styled(
                format!(" Shipped matrix ({stamp}):"),
                theme::DIM,
            ));
            if rows.is_empty() {
                lines.push(Line::styled(
                    format!(" The matrix has no runs of {id}."),
                    theme::WARN,
                ));
            }
            lines.extend(matrix_rows(app, &rows, inner.width as usize));
        }
    }
    for (i, l) in lines.iter().take(inner.height as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
}

/// The matrix overlay's first row: this kernel, this user, and what this process's
/// own probe said of demo `id` (or that it is still probing).
fn this_machine(app: &App, id: &str) -> Line<'static> {
    let user = if nix::unistd::getuid().is_root() {
        "root"
    } else {
        "user"
    };
    let here = match app.probes.iter().find(|(d, _)| d == id).map(|(_, s)| *s) {
        Some(crate::probe::Support::Yes) => ("live", theme::LIVE),
        Some(crate::probe::Support::Partial) => ("partial", theme::RECORDED),
        Some(crate::probe::Support::No) => ("recorded", theme::RECORDED),
        None => ("probing…", theme::DIM),
    };
    Line::from(vec![
        Span::raw(format!(
            " {} (this machine, probed now) · {user}: ",
            app.options.kernel
        )),
        Span::styled(here.0.to_string(), here.1),
    ])
}

/// The shipped matrix's runs of one demo, `w` columns wide: one line per kernel when
/// its users agree, each followed by its reason, said once and "as above" when the
/// row before had the same one.
fn matrix_rows(app: &App, rows: &[MatrixRow], w: usize) -> Vec<Line<'static>> {
    let mut groups: Vec<(&str, Vec<&str>, &str, &str)> = Vec::new();
    for &(kernel, user, mode, reason) in rows {
        match groups.last_mut() {
            Some(g) if g.0 == kernel && g.2 == mode && g.3 == reason => g.1.push(user),
            _ => groups.push((kernel, vec![user], mode, reason)),
        }
    }
    let mut lines = Vec::new();
    let mut last_reason = "";
    for (kernel, users, mode, reason) in groups {
        let style = match mode {
            "live" => theme::LIVE,
            "partial" | "recorded" => theme::RECORDED,
            _ => theme::BAD,
        };
        // A host column is the machine the matrix was made on, not this one.
        let label = match app.matrix_host_release(kernel) {
            Some(release) => format!("{release} (where the matrix was made)"),
            None => kernel.to_string(),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(" {label} · {}: ", users.join(", "))),
            Span::styled(mode.to_string(), style),
        ]));
        let said = if reason == last_reason {
            "as above".to_string()
        } else {
            reason.to_string()
        };
        if !reason.is_empty() {
            lines.extend(wrap(
                &[(theme::DIM, said)],
                w,
                &[Span::raw("   ")],
                &[Span::raw("   ")],
            ));
        }
        last_reason = reason;
    }
    lines
}
