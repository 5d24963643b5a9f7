//! The hand-out as plain Markdown: the same slides, sources, notes and badges as the
//! HTML page, each recording's output as a fenced text block (for reading in an editor
//! or diffing two runs).

use std::collections::HashMap;
use std::fmt::Write as _;

use super::runs::Run;
use super::{Handout, html::body_without_title, sources, substitute};
use crate::cast::{self as asciicast, LineOrMarker};
use crate::deck::markdown::Align;
use crate::deck::{Block, Inline, Slide};

type Vars = HashMap<String, String>;

/// The whole document.
pub fn document(h: &Handout) -> String {
    let deck = h.deck;
    let vars = h.vars();
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", deck.title());
    for line in [&deck.meta.subtitle, &deck.meta.presenter]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(out, "{line}  ");
    }
    let _ = writeln!(
        out,
        "\n{} slides; the demos as recorded in {}. Made with kdeck {}.\n",
        deck.slides.len(),
        h.runs.origin,
        env!("CARGO_PKG_VERSION")
    );
    for (i, slide) in deck.slides.iter().enumerate() {
        let run = slide.demo.as_deref().and_then(|id| h.runs.get(id));
        slide_md(&mut out, i + 1, slide, run, h.notes, &vars);
    }
    out
}

fn slide_md(
    out: &mut String,
    n: usize,
    slide: &Slide,
    run: Option<&Run>,
    notes: bool,
    vars: &Vars,
) {
    let _ = writeln!(
        out,
        "---\n\n## {n}. {}\n\n*{}*\n",
        substitute(&slide.title, vars),
        slide.section
    );
    for b in body_without_title(slide) {
        block(out, b, "", vars);
        out.push('\n');
    }
    let cited = sources::of(slide);
    if !cited.is_empty() {
        out.push_str("**Sources**\n\n");
        for s in cited {
            match s.url {
                Some(u) => {
                    let _ = writeln!(out, "- [{}]({u})", s.text);
                }
                None => {
                    let _ = writeln!(out, "- {}", s.text);
                }
            }
        }
        out.push('\n');
    }
    if notes && !slide.notes.is_empty() {
        out.push_str("> **Speaker notes**\n>\n");
        for line in slide.notes.lines() {
            let _ = writeln!(out, "> {line}").map(|_| ());
        }
        out.push('\n');
    }
    if let Some(run) = run {
        let _ = writeln!(
            out,
            "**Demo `{}`: {}** {}\n",
            run.id,
            run.badge.kind.label(),
            run.badge.detail
        );
        let text: Vec<String> = asciicast::output_lines(&run.cast)
            .into_iter()
            .filter_map(|(_, l)| match l {
                LineOrMarker::Line(t) => Some(t),
                LineOrMarker::Marker(_) => None,
            })
            .collect();
        let body = text.join("\n");
        let fence = fence_for(&body);
        let _ = writeln!(out, "{fence}text\n{body}\n{fence}\n\n*{}*\n", run.source);
    }
}

/// A backtick fence longer than any run of backticks in `body`.
fn fence_for(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn block(out: &mut String, b: &Block, indent: &str, vars: &Vars) {
    match b {
        Block::Heading { level, inlines: i } => {
            let _ = writeln!(
                out,
                "{indent}{} {}",
                "#".repeat((usize::from(*level) + 2).min(6)),
                inlines(i, vars)
            );
        }
        Block::Paragraph(i) => {
            for line in inlines(i, vars).lines() {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
        Block::List { start, items } => {
            for (k, item) in items.iter().enumerate() {
                let marker = match start {
                    Some(s) => format!("{}. ", s + k as u64),
                    None => "- ".to_string(),
                };
                let inner_indent = format!("{indent}{}", " ".repeat(marker.len()));
                let mut item_out = String::new();
                for ib in item {
                    block(&mut item_out, ib, &inner_indent, vars);
                }
                let item_out = item_out
                    .strip_prefix(inner_indent.as_str())
                    .unwrap_or(&item_out);
                let _ = write!(out, "{indent}{marker}{item_out}");
            }
        }
        Block::Quote(inner) => {
            let quoted = format!("{indent}> ");
            for ib in inner {
                block(out, ib, &quoted, vars);
            }
        }
        Block::Code { lang, code } => {
            let fence = fence_for(code);
            let _ = writeln!(out, "{indent}{fence}{lang}");
            for line in code.lines() {
                let _ = writeln!(out, "{indent}{line}");
            }
            let _ = writeln!(out, "{indent}{fence}");
        }
        Block::Table {
            aligns,
            header,
            rows,
        } => {
            let row = |cells: &[Vec<Inline>]| {
                let cells: Vec<String> = cells
                    .iter()
                    .map(|c| inlines(c, vars).replace('|', "\\|").replace('\n', " "))
                    .collect();
                format!("{indent}| {} |", cells.join(" | "))
            };
            let _ = writeln!(out, "{}", row(header));
            let rule: Vec<&str> = (0..header.len())
                .map(|i| match aligns.get(i) {
                    Some(Align::Center) => ":-:",
                    Some(Align::Right) => "--:",
                    _ => "---",
                })
                .collect();
            let _ = writeln!(out, "{indent}|{}|", rule.join("|"));
            for r in rows {
                let _ = writeln!(out, "{}", row(r));
            }
        }
        Block::Rule => {
            let _ = writeln!(out, "{indent}***");
        }
    }
}

/// Inline runs as Markdown: emphasis marks around styled runs, links as `[text](url)`.
fn inlines(runs: &[Inline], vars: &Vars) -> String {
    let mut out = String::new();
    let mut link_text: Option<String> = None;
    for r in runs {
        let text = substitute(&r.text, vars);
        if r.style.url {
            let shown = link_text.take().unwrap_or_else(|| text.clone());
            let _ = write!(out, "[{shown}]({text})");
            continue;
        }
        let mut piece = text.replace('\n', "  \n");
        if r.style.code {
            piece = format!("`{piece}`");
        }
        if r.style.strike {
            piece = format!("~~{piece}~~");
        }
        if r.style.italic {
            piece = format!("*{piece}*");
        }
        if r.style.bold {
            piece = format!("**{piece}**");
        }
        if r.style.link {
            link_text.get_or_insert_with(String::new).push_str(&piece);
        } else {
            if let Some(t) = link_text.take() {
                let _ = write!(out, "<{t}>");
            }
            out.push_str(&piece);
        }
    }
    if let Some(t) = link_text.take() {
        let _ = write!(out, "<{t}>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::markdown::parse;

    fn md(src: &str) -> String {
        let mut out = String::new();
        for b in parse(src).unwrap() {
            block(&mut out, &b, "", &Vars::new());
        }
        out
    }

    #[test]
    fn round_trips_the_common_blocks() {
        assert_eq!(
            md("see [docs](https://x.org/a) and <https://y.org/>"),
            "see [docs](https://x.org/a) and <https://y.org/>\n"
        );
        assert_eq!(md("- a\n- **b**\n"), "- a\n- **b**\n");
        assert_eq!(md("> q\n"), "> q\n");
        assert_eq!(
            md("| a | b |\n|---|:-:|\n| 1 | 2 |\n"),
            "| a | b |\n|---|:-:|\n| 1 | 2 |\n"
        );
        assert_eq!(md("```c\nint x;\n```\n"), "```c\nint x;\n```\n");
    }

    #[test]
    fn fences_outgrow_backticks_in_the_text() {
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("plain"), "```");
    }
}
