//! Hostile slide bodies (deep nesting, huge tables, code and paragraphs), shared by the
//! tests (`tests/hostile_slides.rs`) and the benchmark (`benches/hostile.rs`).
#![allow(dead_code)]

use std::fmt::Write;

/// A slide file with this title and body.
pub fn slide(title: &str, body: &str) -> String {
    format!("+++\ntitle = \"{title}\"\n+++\n{body}\n")
}

/// `depth` list items, each nested in the one before.
pub fn nested_list(depth: usize) -> String {
    let mut s = String::new();
    for i in 0..depth {
        let _ = writeln!(s, "{}- item {i} of a deeply nested list", "  ".repeat(i));
    }
    s
}

/// One line of `depth` quote markers.
pub fn nested_quotes(depth: usize) -> String {
    format!("{} deep", ">".repeat(depth))
}

/// One line of `depth` list markers.
pub fn nested_markers(depth: usize) -> String {
    format!("{}deep", "- ".repeat(depth))
}

/// A table of `rows` x `cols` cells named `r<row>c<col>`.
pub fn table(rows: usize, cols: usize) -> String {
    let mut s = String::from("|");
    for c in 0..cols {
        let _ = write!(s, " h{c} |");
    }
    s.push_str("\n|");
    s.push_str(&"---|".repeat(cols));
    for r in 0..rows {
        s.push_str("\n|");
        for c in 0..cols {
            let _ = write!(s, " r{r}c{c} |");
        }
    }
    s.push('\n');
    s
}

/// A Rust code block of about `bytes` bytes in short lines.
pub fn code_lines(bytes: usize) -> String {
    let line = "fn main() { let x = 1 + 2; println!(\"{}\", x); }\n";
    format!("```rust\n{}```\n", line.repeat(bytes / line.len()))
}

/// A Rust code block of about `bytes` bytes on a single line.
pub fn code_one_line(bytes: usize) -> String {
    format!("```rust\n{}\n```\n", "let x = 1; ".repeat(bytes / 11))
}

/// A paragraph of about `bytes` bytes.
pub fn paragraph(bytes: usize) -> String {
    "word ".repeat(bytes / 5)
}

/// The huge slides a deck may hold and kdeck must still present interactively, by name.
pub fn big_slides() -> Vec<(&'static str, String)> {
    vec![
        ("list-32-deep", nested_list(32)),
        ("quotes-32-deep", nested_quotes(32)),
        ("table-500x200", table(500, 200)),
        ("table-200x500", table(200, 500)),
        ("code-3MB-lines", code_lines(3 << 20)),
        ("code-3MB-one-line", code_one_line(3 << 20)),
        ("paragraph-3MB", paragraph(3 << 20)),
    ]
}

/// Bodies nested past the limit: `kdeck check` must name their file and line.
pub fn too_deep() -> Vec<(&'static str, String)> {
    vec![
        ("list-33-deep", nested_list(33)),
        ("list-400-deep", nested_list(400)),
        ("list-2000-deep", nested_list(2000)),
        ("quotes-50000-deep", nested_quotes(50_000)),
        ("markers-50000-deep", nested_markers(50_000)),
    ]
}

/// A deck directory holding one slide per (name, body), in order.
pub fn deck_dir(slides: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, (name, body)) in slides.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("{:02}-{name}.md", i + 1)),
            slide(name, body),
        )
        .expect("write slide");
    }
    dir
}
