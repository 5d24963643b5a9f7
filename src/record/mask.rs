//! Masking the values the kernel (or the clock) produces in text frames, so two
//! walkthroughs of the same deck on the same kernel diff clean.
//!
//! # The masking rule (`--frames`)
//!
//! Slide text, notes and the footer are never touched (the walkthrough sets the
//! elapsed time itself, so the footer is stable), except that the running kernel's
//! release (`uname -r`) becomes `<kernel>` on every row: the header shows it, and so
//! does slide text with a `{kernel}` placeholder. Besides that, one place is masked:
//!
//! - **The demo pane** (its columns, on every row it covers):
//!   1. the kernel release becomes `<kernel>`, and the random name of a demo's temp
//!      directory (the path component right after the temp dir, e.g. `/tmp/`) `#`;
//!   2. the timestamp gutter of an output row (the five columns after the pane's
//!      margin, when they hold a right-aligned stamp and a space: ` 3ms `, `1.2s `,
//!      ` 12s `) becomes blank, as it is on rows whose time did not change (the pane
//!      shows a stamp only when it changes, which depends on timing);
//!   3. in the rest of the row: a hex number `0x…` becomes `0x#`; a decimal number
//!      `N.N` (durations, audit timestamps `1732791234.123`) becomes `#.#`, and an
//!      audit stamp `N.N:serial` becomes `#.#:#`; a run of
//!      three or more digits (pids, inode numbers, serials, years) or a number of
//!      milliseconds (`8 ms`) becomes `#`;
//!   4. runs of spaces become two spaces, so a masked value of another width does not
//!      shift what is aligned after it.
//!      Shorter numbers stay (`uid 0`, `pid 1`, `ABI 7`, `21/32`).
//!
//! A masked pane row is padded back to the pane's width, so the pane's right edge
//! stays in place whatever the width of the digits was.

use unicode_width::UnicodeWidthStr;

/// A rectangle of the frame, in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// The host's values that show up in frames: masked by name, not by shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostValues {
    /// `uname -r`.
    pub kernel: String,
    /// The temp directory demos make their directories in, with a trailing `/`.
    pub temp_dir: String,
}

impl HostValues {
    /// This host's.
    pub fn here() -> HostValues {
        let mut temp_dir = std::env::temp_dir().display().to_string();
        if !temp_dir.ends_with('/') {
            temp_dir.push('/');
        }
        HostValues {
            kernel: crate::cast::uname().map(|(k, _)| k).unwrap_or_default(),
            temp_dir,
        }
    }
}

/// The rows of one frame as text, masked. `cells` holds each row's cell symbols (a
/// cell hidden under a wide character is `""`), `pane` the demo pane's region.
/// Rows are right-trimmed.
pub fn masked_rows(cells: &[Vec<String>], pane: Option<Region>, host: &HostValues) -> Vec<String> {
    cells
        .iter()
        .enumerate()
        .map(|(y, row)| {
            let text = match pane {
                Some(p) if y >= p.y && y < p.y + p.height => {
                    let end = (p.x + p.width).min(row.len());
                    let start = p.x.min(end);
                    let before: String = row[..start].concat();
                    let inside: String = row[start..end].concat();
                    let after: String = row[end..].concat();
                    // Masked values are narrower than the digits they replace: pad
                    // the pane back to its width so its right edge stays put.
                    let masked = mask_pane_row(&inside, host);
                    let masked = masked.trim_end();
                    let pad = (end - start).saturating_sub(masked.width());
                    format!("{before}{masked}{}{after}", " ".repeat(pad))
                }
                _ => mask_kernel(&row.concat(), &host.kernel),
            };
            text.trim_end().to_string()
        })
        .collect()
}

fn mask_kernel(s: &str, kernel: &str) -> String {
    if kernel.is_empty() {
        s.to_string()
    } else {
        s.replace(kernel, "<kernel>")
    }
}

/// `<temp dir>/name…` → `<temp dir>/#`.
fn mask_temp(s: &str, temp_dir: &str) -> String {
    if temp_dir.len() < 2 {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(temp_dir) {
        let after = &rest[at + temp_dir.len()..];
        let name_len = after
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            .unwrap_or(after.len());
        out.push_str(&rest[..at + temp_dir.len()]);
        if name_len > 0 {
            out.push('#');
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

/// One row of the demo pane, from its left margin column on.
pub fn mask_pane_row(row: &str, host: &HostValues) -> String {
    let row = mask_temp(&mask_kernel(row, &host.kernel), &host.temp_dir);
    let chars: Vec<char> = row.chars().collect();
    // The margin column, then the gutter: a stamp and a space.
    let end = 2 + crate::demo::events::STAMP_WIDTH;
    let masked = if chars.len() >= end && is_gutter(&chars[1..end]) {
        let rest: String = chars[end..].iter().collect();
        format!("{}  {}", chars[0], mask_values(&rest))
    } else {
        mask_values(&row)
    };
    collapse_gaps(&masked)
}

/// Runs of spaces become two spaces: a masked value of another length ("8 ms" and
/// "10 ms" both become "# ms") must not shift what is aligned after it.
fn collapse_gaps(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut spaces = 0;
    for ch in s.chars() {
        if ch == ' ' {
            spaces += 1;
            continue;
        }
        out.push_str(&" ".repeat(spaces.min(2)));
        spaces = 0;
        out.push(ch);
    }
    out.push_str(&" ".repeat(spaces.min(2)));
    out
}

/// ` 3ms `, `99ms `, `1.2s `, ` 12s `: a right-aligned stamp
/// ([`crate::demo::events::stamp`]), then a space.
fn is_gutter(g: &[char]) -> bool {
    let s: String = g.iter().collect();
    let Some(stamp) = s.strip_suffix(' ') else {
        return false;
    };
    let stamp = stamp.trim_start();
    let number = stamp
        .strip_suffix("ms")
        .or_else(|| stamp.strip_suffix('s'))
        .unwrap_or("");
    let (int, frac) = number.split_once('.').unwrap_or((number, "0"));
    let digits = |d: &str| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit());
    digits(int) && digits(frac)
}

/// `0x…` → `0x#`, `N.N` → `#.#`, three or more digits → `#`.
pub fn mask_values(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let digits_from = |mut j: usize| {
        while j < c.len() && c[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '0'
            && matches!(c.get(i + 1), Some('x' | 'X'))
            && c.get(i + 2).is_some_and(char::is_ascii_hexdigit)
        {
            let mut j = i + 2;
            while j < c.len() && c[j].is_ascii_hexdigit() {
                j += 1;
            }
            out.push_str("0x#");
            i = j;
        } else if c[i].is_ascii_digit() {
            let j = digits_from(i);
            if c.get(j) == Some(&'.') && c.get(j + 1).is_some_and(char::is_ascii_digit) {
                out.push_str("#.#");
                i = digits_from(j + 1);
                // An audit stamp `time:serial` keeps its serial masked too.
                if c.get(i) == Some(&':') && c.get(i + 1).is_some_and(char::is_ascii_digit) {
                    out.push_str(":#");
                    i = digits_from(i + 1);
                }
            } else {
                let unit = |u: &str| {
                    u.chars()
                        .enumerate()
                        .all(|(k, ch)| c.get(j + k) == Some(&ch))
                };
                if j - i >= 3 || unit(" ms") || unit("ms") {
                    // Long numbers (pids, inodes) and durations in milliseconds.
                    out.push('#');
                } else {
                    out.extend(&c[i..j]);
                }
                i = j;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(
            mask_values("getppid() = 4121, ip=0x7f56ed85c829 in 0.01 s, uid 0 pid 1"),
            "getppid() = #, ip=0x# in #.# s, uid 0 pid 1"
        );
        assert_eq!(
            mask_values("audit(1732791234.123:45): 21/32 a:12"),
            "audit(#.#:#): 21/32 a:12"
        );
        assert_eq!(mask_values("0x zero 0 12 1.x"), "0x zero 0 12 1.x");
    }

    fn host() -> HostValues {
        HostValues {
            kernel: "6.18.44-x".into(),
            temp_dir: "/tmp/".into(),
        }
    }

    #[test]
    fn gutter_kernel_and_temp() {
        assert_eq!(
            mask_pane_row("  3ms $ cat /proc/4121/status", &host()),
            "  $ cat /proc/#/status"
        );
        for stamp in [" 99ms ok", " 1.2s ok", "  12s ok", "  3ms ok"] {
            assert_eq!(mask_pane_row(stamp, &host()), "  ok", "{stamp}");
        }
        assert_eq!(mask_pane_row(" ms ok", &host()), " ms ok");
        assert_eq!(
            mask_pane_row(" ◌ RECORDED (recorded on 6.18.44-x x86_64)", &host()),
            " ◌ RECORDED (recorded on <kernel> x86_64)"
        );
        assert_eq!(mask_pane_row("       wrapped 1234", &host()), "  wrapped #");
        assert_eq!(
            mask_pane_row(
                " Temp dir /tmp/kdeck-landlock-wtlXLg/allowed and /tmp/",
                &host()
            ),
            " Temp dir /tmp/#/allowed and /tmp/"
        );
    }

    #[test]
    fn only_pane_and_header() {
        let row = |s: &str| s.chars().map(|c| c.to_string()).collect::<Vec<_>>();
        let cells = vec![
            row("┌ 1234 6.1 ┐"),
            row("│ 1234 │ 0.5s pid 4121 "),
            row("└ 99:99 ┘"),
        ];
        let pane = Region {
            x: 8,
            y: 1,
            width: 16,
            height: 1,
        };
        let host = HostValues {
            kernel: "6.1".into(),
            temp_dir: "/tmp/".into(),
        };
        let out = masked_rows(&cells, Some(pane), &host);
        assert_eq!(out, ["┌ 1234 <kernel> ┐", "│ 1234 │  pid #", "└ 99:99 ┘"]);
        let wide = vec![row("│ ab │ pid 41210 │")];
        let pane = Region {
            x: 6,
            y: 0,
            width: 11,
            height: 1,
        };
        assert_eq!(
            masked_rows(&wide, Some(pane), &host),
            ["│ ab │ pid #     │"]
        );
    }
}
