//! A slide as plain text for people and scripts (`kdeck list --json`): Markdown
//! structure kept readable (`# `, `- `, `> `, `| a | b |`), links as `text (url)`,
//! placeholders filled from the given values (code blocks are left as written).

use super::markdown::{Block, Inline};
use crate::facts::{Vars, fill};

/// The blocks as plain text, a blank line between top-level blocks.
pub fn readable(blocks: &[Block], vars: &Vars) -> String {
    let mut out = Vec::new();
    for block in blocks {
        out.push(block_text(block, vars));
    }
    out.join("\n\n")
}

fn inlines(list: &[Inline], vars: &Vars) -> String {
    let mut s = String::new();
    for i in list {
        if i.style.url {
            s.push_str(&format!(" ({})", i.text));
        } else {
            s.push_str(&fill(&i.text, vars));
        }
    }
    s
}

fn prefixed(text: &str, first: &str, rest: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(n, l)| format!("{}{l}", if n == 0 { first } else { rest }))
        .collect::<Vec<_>>()
        .join("\n")
}

fn block_text(block: &Block, vars: &Vars) -> String {
    match block {
        Block::Heading { level, inlines: i } => {
            format!("{} {}", "#".repeat(usize::from(*level)), inlines(i, vars))
        }
        Block::Paragraph(i) => inlines(i, vars),
        Block::List { start, items } => items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let mark = start.map_or("- ".to_string(), |s| format!("{}. ", s + n as u64));
                let body = item
                    .iter()
                    .map(|b| block_text(b, vars))
                    .collect::<Vec<_>>()
                    .join("\n");
                prefixed(&body, &mark, &" ".repeat(mark.chars().count()))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Quote(inner) => prefixed(&readable(inner, vars), "> ", "> "),
        Block::Code { lang, code } => format!("```{lang}\n{}\n```", code.trim_end()),
        Block::Table { header, rows, .. } => std::iter::once(header)
            .chain(rows.iter())
            .map(|row| {
                let cells: Vec<String> = row.iter().map(|c| inlines(c, vars)).collect();
                format!("| {} |", cells.join(" | "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Rule => "---".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::markdown::parse;

    #[test]
    fn structure_links_and_placeholders() {
        let vars: Vars = [("probe:landlock.abi".to_string(), "2".to_string())].into();
        let text = readable(
            &parse(
                "# ABI\n\n- ABI {probe:landlock.abi}\n- [docs](https://docs.kernel.org)\n\n> q\n\n| a | b |\n|---|---|\n| 1 | {probe:landlock.abi} |\n\n```c\n{probe:landlock.abi}\n```\n",
            )
            .unwrap(),
            &vars,
        );
        assert_eq!(
            text,
            "# ABI\n\n- ABI 2\n- docs (https://docs.kernel.org)\n\n> q\n\n| a | b |\n| 1 | 2 |\n\n```c\n{probe:landlock.abi}\n```"
        );
    }
}
