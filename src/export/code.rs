//! Code blocks as HTML: syntect's classed spans (`hl-` prefixed scope names), coloured
//! by the stylesheet in [`CSS`], so the page carries one small style sheet instead of a
//! colour on every span. Unknown languages are escaped plain text.

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::util::LinesWithEndings;

/// Colours for the classes syntect writes, on the page's dark code background; the same
/// scopes and roles as the terminal theme in `crate::highlight`.
pub const CSS: &str = "\
pre.code .hl-comment{color:#8b949e;font-style:italic}
pre.code .hl-string,pre.code .hl-constant.hl-character{color:#7ee787}
pre.code .hl-constant.hl-numeric,pre.code .hl-constant.hl-language,pre.code .hl-constant.hl-other{color:#d2a8ff}
pre.code .hl-keyword,pre.code .hl-storage{color:#79c0ff;font-weight:bold}
pre.code .hl-keyword.hl-operator{color:#c9d1d9;font-weight:normal}
pre.code .hl-entity.hl-name.hl-function,pre.code .hl-support.hl-function,pre.code .hl-variable.hl-function{color:#56d4dd}
pre.code .hl-entity.hl-name.hl-type,pre.code .hl-support.hl-type,pre.code .hl-storage.hl-type{color:#e3b341;font-weight:normal}
pre.code .hl-support.hl-macro,pre.code .hl-entity.hl-name.hl-macro,pre.code .hl-meta.hl-preprocessor{color:#d2a8ff}
pre.code .hl-variable.hl-parameter,pre.code .hl-variable.hl-language{color:#ffa198}
pre.code .hl-entity.hl-name.hl-tag,pre.code .hl-entity.hl-other.hl-attribute-name{color:#56d4dd}
";

/// `code` highlighted as `lang` (a fence token like `c`, `rust`, `sh`): HTML for the
/// inside of a `<pre>`, every piece of the code escaped.
pub fn highlight(lang: &str, code: &str) -> String {
    let Some((syntax, syntaxes)) = crate::highlight::find_syntax(lang) else {
        return super::html::escape(code);
    };
    let mut generator = ClassedHTMLGenerator::new_with_class_style(
        syntax,
        syntaxes,
        ClassStyle::SpacedPrefixed { prefix: "hl-" },
    );
    let mut text = code.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    for line in LinesWithEndings::from(&text) {
        if generator
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            return super::html::escape(code);
        }
    }
    generator.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_gets_classes_and_stays_escaped() {
        let html = highlight("c", "int x = 1; /* <script> & */");
        assert!(html.contains("hl-storage"), "{html}");
        assert!(html.contains("hl-comment"), "{html}");
        assert!(html.contains("&lt;script&gt; &amp;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
    }

    #[test]
    fn unknown_language_is_escaped_text() {
        assert_eq!(highlight("klingon", "a < b"), "a &lt; b");
    }
}
