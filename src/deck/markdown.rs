//! Slide bodies: CommonMark (+ GFM tables and strikethrough) parsed by pulldown-cmark
//! into a small block model that the UI wraps and styles. No terminal types here.
//!
//! Lists and quotes nest at most [`MAX_NESTING`] levels: the block model is a tree that
//! the UI walks recursively, and tens of thousands of `>` would overflow the stack (and
//! could never be read on a screen anyway). Deeper nesting is an error at its line.

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Inline emphasis flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InlineStyle {
    pub bold: bool,
    pub italic: bool,
    pub code: bool,
    pub strike: bool,
    /// Text of a link.
    pub link: bool,
    /// The URL of a link, shown after its text.
    pub url: bool,
}

/// A run of text with one style. `"\n"` inside `text` is a hard line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inline {
    pub text: String,
    pub style: InlineStyle,
}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One block of a slide body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        inlines: Vec<Inline>,
    },
    Paragraph(Vec<Inline>),
    /// `start` is the first number of an ordered list, `None` for bullets.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    Code {
        lang: String,
        code: String,
    },
    Table {
        aligns: Vec<Align>,
        header: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    Rule,
}

/// How deep lists and quotes may nest (together: a quote in a list in a quote is 3).
pub const MAX_NESTING: usize = 32;

/// Why a slide body can't be presented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkdownError {
    /// Lists and quotes nested deeper than [`MAX_NESTING`]; `offset` is the byte in the
    /// body where the level past the limit starts.
    #[error(
        "lists and quotes nest more than {MAX_NESTING} levels deep here ({MAX_NESTING} is the limit)"
    )]
    TooDeep { offset: usize },
}

impl MarkdownError {
    /// Byte offset in the parsed text the error is about.
    pub fn offset(&self) -> usize {
        match self {
            MarkdownError::TooDeep { offset } => *offset,
        }
    }
}

/// Parses a slide body.
pub fn parse(src: &str) -> Result<Vec<Block>, MarkdownError> {
    let mut b = Builder {
        stack: vec![Frame::Blocks(Vec::new())],
        ..Builder::default()
    };
    let parser = Parser::new_ext(src, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    for (ev, range) in parser.into_offset_iter() {
        if let Event::Start(Tag::List(_) | Tag::BlockQuote(_)) = ev
            && b.nesting() >= MAX_NESTING
        {
            return Err(MarkdownError::TooDeep {
                offset: range.start,
            });
        }
        b.event(ev);
    }
    Ok(b.finish())
}

/// The plain text of blocks (for search), one line per block.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading { inlines, .. } | Block::Paragraph(inlines) => {
                push_inlines(&mut out, inlines);
            }
            Block::List { items, .. } => {
                for item in items {
                    out.push_str(&plain_text(item));
                }
            }
            Block::Quote(inner) => out.push_str(&plain_text(inner)),
            Block::Code { code, .. } => out.push_str(code),
            Block::Table { header, rows, .. } => {
                for cell in header.iter().chain(rows.iter().flatten()) {
                    push_inlines(&mut out, cell);
                    out.push(' ');
                }
            }
            Block::Rule => {}
        }
        out.push('\n');
    }
    out
}

fn push_inlines(out: &mut String, inlines: &[Inline]) {
    for i in inlines {
        out.push_str(&i.text);
    }
}

enum Frame {
    Blocks(Vec<Block>),
    Quote(Vec<Block>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
}

#[derive(Default)]
struct TableBuild {
    aligns: Vec<Align>,
    header: Vec<Vec<Inline>>,
    rows: Vec<Vec<Vec<Inline>>>,
    row: Vec<Vec<Inline>>,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    inlines: Vec<Inline>,
    style: InlineStyle,
    styles: Vec<InlineStyle>,
    links: Vec<(String, usize)>,
    code: Option<(String, String)>,
    table: Option<TableBuild>,
}

impl Builder {
    /// Lists and quotes open now.
    fn nesting(&self) -> usize {
        self.stack
            .iter()
            .filter(|f| matches!(f, Frame::Quote(_) | Frame::List { .. }))
            .count()
    }

    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => match &mut self.code {
                Some((_, code)) => code.push_str(&t),
                None => self.text(&t, self.style),
            },
            Event::Code(t) => self.text(
                &t,
                InlineStyle {
                    code: true,
                    ..self.style
                },
            ),
            Event::Html(t) | Event::InlineHtml(t) => {
                self.text(t.trim_end_matches('\n'), self.style)
            }
            Event::SoftBreak => self.text(" ", self.style),
            Event::HardBreak => self.text("\n", self.style),
            Event::Rule => self.push_block(Block::Rule),
            Event::TaskListMarker(done) => {
                self.text(if done { "[x] " } else { "[ ] " }, self.style)
            }
            Event::FootnoteReference(r) => self.text(&format!("[^{r}]"), self.style),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::List(start) => {
                self.flush_paragraph();
                self.stack.push(Frame::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => self.stack.push(Frame::Blocks(Vec::new())),
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.stack.push(Frame::Quote(Vec::new()));
            }
            Tag::CodeBlock(kind) => {
                self.flush_paragraph();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::Table(aligns) => {
                self.flush_paragraph();
                let aligns = aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::Center => Align::Center,
                        Alignment::Right => Align::Right,
                        _ => Align::Left,
                    })
                    .collect();
                self.table = Some(TableBuild {
                    aligns,
                    ..TableBuild::default()
                });
            }
            Tag::TableCell => self.inlines.clear(),
            Tag::Emphasis => self.push_style(|s| s.italic = true),
            Tag::Strong => self.push_style(|s| s.bold = true),
            Tag::Strikethrough => self.push_style(|s| s.strike = true),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push((dest_url.to_string(), self.inlines.len()));
                self.push_style(|s| s.link = true);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush_paragraph(),
            TagEnd::Heading(level) => {
                let inlines = std::mem::take(&mut self.inlines);
                self.push_block(Block::Heading {
                    level: level as u8,
                    inlines,
                });
            }
            TagEnd::Item | TagEnd::List(_) | TagEnd::BlockQuote(_) => self.end_container(tag),
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    self.push_block(Block::Code {
                        lang,
                        code: code.trim_end_matches('\n').to_string(),
                    });
                }
            }
            TagEnd::TableCell | TagEnd::TableHead | TagEnd::TableRow | TagEnd::Table => {
                self.end_table_part(tag)
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link | TagEnd::Image => self.end_link(),
            _ => {}
        }
    }

    /// The end of a list item, a list or a quote: its blocks go to the frame around it.
    fn end_container(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Item => {
                self.flush_paragraph();
                if let Some(Frame::Blocks(blocks)) = self.stack.pop()
                    && let Some(Frame::List { items, .. }) = self.stack.last_mut()
                {
                    items.push(blocks);
                }
            }
            TagEnd::List(_) => {
                if let Some(Frame::List { start, items }) = self.stack.pop() {
                    self.push_block(Block::List { start, items });
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                if let Some(Frame::Quote(blocks)) = self.stack.pop() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            _ => {}
        }
    }

    /// The end of a table cell, its head, a row or the whole table.
    fn end_table_part(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inlines);
                if let Some(t) = &mut self.table {
                    t.row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header = std::mem::take(&mut t.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.push_block(Block::Table {
                        aligns: t.aligns,
                        header: t.header,
                        rows: t.rows,
                    });
                }
            }
            _ => {}
        }
    }

    /// The end of a link or image: its URL follows in the text unless the text is the
    /// URL already.
    fn end_link(&mut self) {
        self.pop_style();
        if let Some((url, first)) = self.links.pop() {
            let text: String = self.inlines[first.min(self.inlines.len())..]
                .iter()
                .map(|i| i.text.as_str())
                .collect();
            let bare = url.trim_start_matches("mailto:");
            if !url.is_empty() && text.trim() != bare {
                self.text(
                    &url,
                    InlineStyle {
                        url: true,
                        ..InlineStyle::default()
                    },
                );
            }
        }
    }

    fn push_style(&mut self, f: impl FnOnce(&mut InlineStyle)) {
        self.styles.push(self.style);
        f(&mut self.style);
    }

    fn pop_style(&mut self) {
        self.style = self.styles.pop().unwrap_or_default();
    }

    fn text(&mut self, text: &str, style: InlineStyle) {
        match self.inlines.last_mut() {
            Some(last) if last.style == style => last.text.push_str(text),
            _ => self.inlines.push(Inline {
                text: text.to_string(),
                style,
            }),
        }
    }

    fn flush_paragraph(&mut self) {
        if self.table.is_some() {
            return;
        }
        let inlines = std::mem::take(&mut self.inlines);
        if inlines.iter().any(|i| !i.text.trim().is_empty()) {
            self.push_block(Block::Paragraph(inlines));
        }
    }

    fn push_block(&mut self, block: Block) {
        match self.stack.last_mut() {
            Some(Frame::Blocks(v)) | Some(Frame::Quote(v)) => v.push(block),
            Some(Frame::List { items, .. }) => items.push(vec![block]),
            None => self.stack.push(Frame::Blocks(vec![block])),
        }
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush_paragraph();
        // Unbalanced input can't happen with pulldown-cmark, but fold any open frames.
        while self.stack.len() > 1 {
            match self.stack.pop() {
                Some(Frame::Blocks(b)) | Some(Frame::Quote(b)) => {
                    for block in b {
                        self.push_block(block);
                    }
                }
                Some(Frame::List { start, items }) => self.push_block(Block::List { start, items }),
                None => break,
            }
        }
        match self.stack.pop() {
            Some(Frame::Blocks(b)) => b,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Vec<Block> {
        parse(src).unwrap()
    }

    #[test]
    fn nesting_up_to_the_limit_parses_and_past_it_is_an_error_where_it_starts() {
        let quotes = |n: usize| format!("intro\n\n{} deep\n", ">".repeat(n));
        let mut blocks = parse_ok(&quotes(MAX_NESTING));
        let mut depth = 0;
        while let Some(Block::Quote(inner)) = blocks.pop() {
            depth += 1;
            blocks = inner;
        }
        assert_eq!(depth, MAX_NESTING);
        let err = parse(&quotes(MAX_NESTING + 1)).unwrap_err();
        assert_eq!(err.offset(), "intro\n\n".len() + MAX_NESTING);
        for n in [40_000, 200_000] {
            assert!(parse(&quotes(n)).is_err(), "{n} quotes");
            let list = format!("{}deep", "- ".repeat(n));
            assert!(parse(&list).is_err(), "{n} list markers");
        }
        let lists: String = (0..=MAX_NESTING)
            .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
            .collect();
        let err = parse(&lists).unwrap_err();
        let line = lists[..err.offset()].matches('\n').count() + 1;
        assert_eq!(line, MAX_NESTING + 1, "the first line past the limit");
        let mixed = "> - > - > - x\n";
        assert!(parse(mixed).is_ok());
    }

    fn t(s: &str) -> Inline {
        Inline {
            text: s.into(),
            style: InlineStyle::default(),
        }
    }

    #[test]
    fn headings_paragraphs_and_styles() {
        let b = parse_ok("# Title\n\nSome **bold** and *it* and `code`.\nnext line");
        assert_eq!(
            b[0],
            Block::Heading {
                level: 1,
                inlines: vec![t("Title")]
            }
        );
        let Block::Paragraph(p) = &b[1] else {
            panic!("{b:?}")
        };
        assert!(p.iter().any(|i| i.text == "bold" && i.style.bold));
        assert!(p.iter().any(|i| i.text == "it" && i.style.italic));
        assert!(p.iter().any(|i| i.text == "code" && i.style.code));
        assert!(p.last().is_some_and(|i| i.text.ends_with(" next line")));
    }

    #[test]
    fn nested_tight_lists() {
        let b = parse_ok("- a\n  - b\n  - c\n- d\n\n1. one\n2. two\n");
        let Block::List { start: None, items } = &b[0] else {
            panic!("{b:?}")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0][0], Block::Paragraph(vec![t("a")]));
        assert!(matches!(&items[0][1], Block::List { items, .. } if items.len() == 2));
        assert!(matches!(&b[1], Block::List { start: Some(1), items } if items.len() == 2));
    }

    #[test]
    fn links_keep_their_url_once() {
        let b = parse_ok("[LWN](https://lwn.net/) and <https://x.org>");
        let Block::Paragraph(p) = &b[0] else { panic!() };
        let urls: Vec<_> = p
            .iter()
            .filter(|i| i.style.url)
            .map(|i| i.text.as_str())
            .collect();
        assert_eq!(urls, vec!["https://lwn.net/"]);
        assert!(p.iter().any(|i| i.text == "https://x.org" && i.style.link));
    }

    #[test]
    fn code_quote_table_rule() {
        let b = parse_ok(
            "```rust\nfn main() {}\n```\n\n> quoted\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n---\n",
        );
        assert_eq!(
            b[0],
            Block::Code {
                lang: "rust".into(),
                code: "fn main() {}".into()
            }
        );
        assert_eq!(
            b[1],
            Block::Quote(vec![Block::Paragraph(vec![t("quoted")])])
        );
        let Block::Table {
            aligns,
            header,
            rows,
        } = &b[2]
        else {
            panic!("{b:?}")
        };
        assert_eq!(aligns, &vec![Align::Left, Align::Right]);
        assert_eq!(header.len(), 2);
        assert_eq!(rows, &vec![vec![vec![t("1")], vec![t("2")]]]);
        assert_eq!(b[3], Block::Rule);
    }

    #[test]
    fn plain_text_for_search() {
        let b = parse_ok("# Seccomp\n\n- logs **syscalls**\n");
        assert_eq!(plain_text(&b), "Seccomp\nlogs syscalls\n\n");
    }
}
