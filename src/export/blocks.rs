//! Slide bodies (the deck's block model) as HTML: headings, paragraphs, nested lists,
//! quotes, tables, highlighted code, links. Every piece of text is escaped; a link's
//! target is kept only when it is http(s) or mailto.

use std::collections::HashMap;

use super::html::escape;
use super::substitute;
use crate::deck::markdown::Align;
use crate::deck::{Block, Inline};

type Vars = HashMap<String, String>;

/// Appends `blocks` as HTML. Headings sit two levels below the page's slide titles.
pub fn blocks(out: &mut String, blocks: &[Block], vars: &Vars) {
    for b in blocks {
        block(out, b, vars);
    }
}

fn block(out: &mut String, b: &Block, vars: &Vars) {
    match b {
        Block::Heading { level, inlines: i } => {
            let h = (level + 2).min(6);
            out.push_str(&format!("<h{h}>"));
            inlines(out, i, vars);
            out.push_str(&format!("</h{h}>\n"));
        }
        Block::Paragraph(i) => {
            out.push_str("<p>");
            inlines(out, i, vars);
            out.push_str("</p>\n");
        }
        Block::List { start, items } => {
            let close = match start {
                Some(n) if *n != 1 => {
                    out.push_str(&format!("<ol start=\"{n}\">\n"));
                    "</ol>\n"
                }
                Some(_) => {
                    out.push_str("<ol>\n");
                    "</ol>\n"
                }
                None => {
                    out.push_str("<ul>\n");
                    "</ul>\n"
                }
            };
            for item in items {
                out.push_str("<li>");
                blocks(out, item, vars);
                out.push_str("</li>\n");
            }
            out.push_str(close);
        }
        Block::Quote(inner) => {
            out.push_str("<blockquote>\n");
            blocks(out, inner, vars);
            out.push_str("</blockquote>\n");
        }
        Block::Code { lang, code } => {
            out.push_str(&format!(
                "<pre class=\"code\" data-lang=\"{}\"><code>",
                escape(lang)
            ));
            out.push_str(&super::code::highlight(lang, code));
            out.push_str("</code></pre>\n");
        }
        Block::Table {
            aligns,
            header,
            rows,
        } => {
            out.push_str("<table>\n<thead><tr>");
            for (i, cell) in header.iter().enumerate() {
                out.push_str(&format!("<th{}>", align(aligns.get(i))));
                inlines(out, cell, vars);
                out.push_str("</th>");
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for (i, cell) in row.iter().enumerate() {
                    out.push_str(&format!("<td{}>", align(aligns.get(i))));
                    inlines(out, cell, vars);
                    out.push_str("</td>");
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Rule => out.push_str("<hr>\n"),
    }
}

fn align(a: Option<&Align>) -> &'static str {
    match a {
        Some(Align::Center) => " class=\"center\"",
        Some(Align::Right) => " class=\"right\"",
        _ => "",
    }
}

/// Appends inline runs. A link's text runs are followed in the model by a run holding
/// its URL (unless the text is the URL): together they become one `<a>`.
pub fn inlines(out: &mut String, runs: &[Inline], vars: &Vars) {
    let mut i = 0;
    while i < runs.len() {
        let run = &runs[i];
        if run.style.link || run.style.url {
            let end = runs[i..]
                .iter()
                .position(|r| !r.style.link)
                .map_or(runs.len(), |p| i + p);
            let text_runs = &runs[i..end];
            let (href, next) = match runs.get(end) {
                Some(u) if u.style.url && !text_runs.is_empty() => (u.text.clone(), end + 1),
                _ if text_runs.is_empty() => (run.text.clone(), i + 1),
                _ => (text_runs.iter().map(|r| r.text.as_str()).collect(), end),
            };
            let shown = if text_runs.is_empty() {
                std::slice::from_ref(run)
            } else {
                text_runs
            };
            match safe_url(&href) {
                Some(url) => out.push_str(&format!("<a href=\"{}\">", escape(url))),
                None => out.push_str("<a>"),
            }
            for r in shown {
                styled(out, r, vars);
            }
            out.push_str("</a>");
            i = next;
        } else {
            styled(out, run, vars);
            i += 1;
        }
    }
}

fn styled(out: &mut String, run: &Inline, vars: &Vars) {
    let s = run.style;
    let tags: Vec<&str> = [
        (s.bold, "strong"),
        (s.italic, "em"),
        (s.strike, "del"),
        (s.code, "code"),
    ]
    .into_iter()
    .filter_map(|(on, tag)| on.then_some(tag))
    .collect();
    for t in &tags {
        out.push_str(&format!("<{t}>"));
    }
    let text = substitute(&run.text, vars);
    out.push_str(&escape(&text).replace('\n', "<br>"));
    for t in tags.iter().rev() {
        out.push_str(&format!("</{t}>"));
    }
}

/// The URL when its scheme is one a hand-out may link to.
fn safe_url(url: &str) -> Option<&str> {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        .then_some(url.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::markdown::parse;

    fn html(md: &str) -> String {
        let mut out = String::new();
        blocks(&mut out, &parse(md).unwrap(), &Vars::new());
        out
    }

    #[test]
    fn links_become_anchors() {
        assert_eq!(
            html("see [the docs](https://docs.kernel.org/x) now"),
            "<p>see <a href=\"https://docs.kernel.org/x\">the docs</a> now</p>\n"
        );
        assert_eq!(
            html("<https://lwn.net/>"),
            "<p><a href=\"https://lwn.net/\">https://lwn.net/</a></p>\n"
        );
        assert_eq!(html("[x](javascript:alert(1))"), "<p><a>x</a></p>\n");
    }

    #[test]
    fn text_is_escaped_and_styled() {
        assert_eq!(
            html("**a <b>** & `c<d>`"),
            "<p><strong>a &lt;b&gt;</strong> &amp; <code>c&lt;d&gt;</code></p>\n"
        );
    }

    #[test]
    fn tables_and_lists() {
        let out = html("| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n3. x\n4. y\n");
        assert!(
            out.contains("<th class=\"center\">a</th><th class=\"right\">b</th>"),
            "{out}"
        );
        assert!(
            out.contains("<ol start=\"3\">\n<li><p>x</p>\n</li>"),
            "{out}"
        );
    }
}
