//! The hand-out page: one HTML file with everything inline (style sheet, the vendored
//! asciinema-player, every recording), locked down by a Content-Security-Policy that
//! allows no network request at all. Each slide is a `<section class="slide">`; a demo
//! slide has its recording beside it: a `div.player` that the inline script turns into
//! an asciinema-player showing the end of the run (all of its lines: the player is as
//! tall as the output), with the badge above it.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::Handout;
use super::runs::Run;
use super::sources;
use crate::cast::{self as asciicast, LineOrMarker};
use crate::deck::{Block, Slide};

/// asciinema-player's browser bundle and style sheet (the npm package, version in
/// `assets/asciinema-player/README.md`).
const PLAYER_JS: &str = include_str!("../../assets/asciinema-player/asciinema-player.min.js");
const PLAYER_CSS: &str = include_str!("../../assets/asciinema-player/asciinema-player.css");

/// Bytes of the inlined player (script and style sheet), in every page.
pub const PLAYER_BYTES: usize = PLAYER_JS.len() + PLAYER_CSS.len();

/// No request of any kind: scripts and styles only inline, WebAssembly (the player's
/// terminal emulator) compiled from inline bytes, images and fonts only as data: URLs.
pub const CSP: &str = "default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; \
style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'";

const PAGE_CSS: &str = include_str!("page.css");

/// Starts every player once the page is parsed; any request the policy blocked is
/// counted on `<body data-blocked>` (the browser test reads it).
const INIT_JS: &str = r#"
document.querySelectorAll("div.player").forEach(function (el) {
  var cast = JSON.parse(document.getElementById(el.dataset.cast).textContent);
  AsciinemaPlayer.create({ data: cast }, el, {
    cols: +el.dataset.cols, rows: +el.dataset.rows, poster: "npt:" + el.dataset.end,
    fit: "width", theme: "asciinema", idleTimeLimit: 2
  });
});
"#;

const WATCH_JS: &str = r#"
document.addEventListener("securitypolicyviolation", function (e) {
  var b = document.body || document.documentElement;
  b.dataset.blocked = (+(b.dataset.blocked || 0) + 1) + "";
  b.dataset.blockedUri = e.blockedURI;
});
"#;

/// HTML-escapes text for element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for inside a `<script>` element: every `<` as `\u003c`, so no `</script>` or
/// `<!--` in the data can end or bend the element.
pub fn script_json(value: &str) -> String {
    serde_json::Value::String(value.to_string())
        .to_string()
        .replace('<', "\\u003c")
}

/// The whole page.
pub fn page(h: &Handout) -> String {
    let deck = h.deck;
    let vars = h.vars();
    let mut out = String::with_capacity(PLAYER_JS.len() + 64 * 1024);
    let title = escape(deck.title());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"kdeck {}\">\n<title>{title}</title>\n\
         <script>{WATCH_JS}</script>\n<style>\n{PLAYER_CSS}\n{PAGE_CSS}\n{}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        super::code::CSS
    );
    out.push_str("<header class=\"deck\">\n");
    let _ = writeln!(out, "<h1>{title}</h1>");
    for line in [&deck.meta.subtitle, &deck.meta.presenter]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(out, "<p class=\"sub\">{}</p>", escape(line));
    }
    let _ = writeln!(
        out,
        "<p class=\"about\">{} slides; the demos as recorded in {}. Made with kdeck {}.</p>",
        deck.slides.len(),
        escape(&h.runs.origin),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("</header>\n<main>\n");
    for (i, slide) in deck.slides.iter().enumerate() {
        let run = slide.demo.as_deref().and_then(|id| h.runs.get(id));
        slide_html(&mut out, i + 1, slide, run, h.notes, &vars);
    }
    out.push_str("</main>\n");
    let _ = write!(
        out,
        "<script>{PLAYER_JS}</script>\n<script>{INIT_JS}</script>\n</body>\n</html>\n"
    );
    out
}

fn slide_html(
    out: &mut String,
    n: usize,
    slide: &Slide,
    run: Option<&Run>,
    notes: bool,
    vars: &std::collections::HashMap<String, String>,
) {
    let class = if run.is_some() { "slide demo" } else { "slide" };
    let _ = writeln!(
        out,
        "<section class=\"{class}\" id=\"slide-{n}\" data-slide=\"{n}\">\n<a class=\"only\" id=\"only-{n}\"></a>\n<div class=\"text\">"
    );
    let _ = writeln!(
        out,
        "<p class=\"where\"><a href=\"#slide-{n}\">{n}</a> · {}</p>\n<h2>{}</h2>",
        escape(&slide.section),
        escape(&super::substitute(&slide.title, vars))
    );
    super::blocks::blocks(out, body_without_title(slide), vars);
    let cited = sources::of(slide);
    if !cited.is_empty() {
        out.push_str("<div class=\"sources\"><h4>Sources</h4>\n<ul>\n");
        for s in cited {
            match s.url.as_deref().filter(|u| u.starts_with("http")) {
                Some(u) => {
                    let _ = writeln!(
                        out,
                        "<li><a href=\"{}\">{}</a></li>",
                        escape(u),
                        escape(&s.text)
                    );
                }
                None => {
                    let _ = writeln!(out, "<li>{}</li>", escape(&s.text));
                }
            }
        }
        out.push_str("</ul></div>\n");
    }
    if notes && !slide.notes.is_empty() {
        out.push_str("<aside class=\"notes\"><h4>Speaker notes</h4>\n");
        for para in slide.notes.split("\n\n") {
            let _ = writeln!(out, "<p>{}</p>", escape(para.trim()));
        }
        out.push_str("</aside>\n");
    }
    out.push_str("</div>\n");
    if let Some(run) = run {
        player_html(out, run);
    }
    out.push_str("</section>\n");
}

/// The body, less a first heading that repeats the slide's title (shown already).
pub fn body_without_title(slide: &Slide) -> &[Block] {
    match slide.body.first() {
        Some(Block::Heading { inlines, .. })
            if inlines.iter().map(|i| i.text.as_str()).collect::<String>() == slide.title =>
        {
            &slide.body[1..]
        }
        _ => &slide.body,
    }
}

fn player_html(out: &mut String, run: &Run) {
    let header = &run.cast.header;
    let rows = usize::from(header.height).max(rows_needed(&run.cast) + 1);
    let id = escape(&run.id);
    let _ = write!(
        out,
        "<figure class=\"run\">\n<figcaption class=\"badge {}\"><b>{}</b> {}</figcaption>\n\
         <div class=\"player\" data-demo=\"{id}\" data-cast=\"cast-{id}\" data-cols=\"{}\" data-rows=\"{rows}\" data-end=\"{:.3}\"></div>\n\
         <script type=\"application/json\" id=\"cast-{id}\">{}</script>\n\
         <p class=\"source\">{}</p>\n</figure>\n",
        run.badge.kind.class(),
        run.badge.kind.label(),
        escape(&run.badge.detail),
        header.width,
        run.cast.duration() + 1.0,
        script_json(&asciicast::write_v2(&run.cast)),
        escape(&run.source)
    );
}

/// Terminal rows the recording's lines take at its width, long lines wrapping: the
/// player gets that many, so the last frame shows the run from its first line.
fn rows_needed(cast: &asciicast::Cast) -> usize {
    let cols = usize::from(cast.header.width.max(1));
    asciicast::output_lines(cast)
        .into_iter()
        .map(|(_, l)| match l {
            LineOrMarker::Line(t) => UnicodeWidthStr::width(t.as_str()).div_ceil(cols).max(1),
            LineOrMarker::Marker(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element() {
        let s = script_json("a</script><!--b");
        assert_eq!(s, "\"a\\u003c/script>\\u003c!--b\"");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a</script><!--b");
    }

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
