//! Decoding and fitting an audit seccomp record
//! (`audit: type=1326 audit(…): … pid=5662 comm="x" exe="…" … syscall=110 … code=0x7ffc0000`)
//! to a narrow pane.

/// Audit message type of a seccomp record (AUDIT_SECCOMP).
pub const AUDIT_SECCOMP: u16 = 1326;

/// The value of `key=` in a record (quotes kept), e.g. `field(rec, "pid")`.
pub fn field<'a>(rec: &'a str, key: &str) -> Option<&'a str> {
    rec.split_whitespace().find_map(|tok| {
        tok.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// A numeric field (decimal, or hex with 0x).
pub fn num_field(rec: &str, key: &str) -> Option<u64> {
    let v = field(rec, key)?;
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Whether `rec` is the seccomp record (type 1326) of syscall `nr` made by `pid`.
pub fn is_seccomp_record(rec: &str, pid: u32, nr: u32) -> bool {
    let ty = format!("type={AUDIT_SECCOMP}");
    rec.split_whitespace().any(|t| t == ty)
        && num_field(rec, "pid") == Some(u64::from(pid))
        && num_field(rec, "syscall") == Some(u64::from(nr))
}

/// `p` cut from the left at a `/` to at most `max` chars, with a leading "…".
pub fn shorten_path(p: &str, max: usize) -> String {
    if p.chars().count() <= max {
        return p.to_string();
    }
    let budget = max.saturating_sub(1);
    let chars: Vec<char> = p.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(budget)..].iter().collect();
    match tail.find('/') {
        Some(i) => format!("…{}", &tail[i..]),
        None => format!("…{tail}"),
    }
}

/// The record with the (long) `exe="…"` path cut to its file name, to fit the pane.
pub fn shorten_exe(rec: &str) -> String {
    rec.split_whitespace()
        .map(|tok| match tok.strip_prefix("exe=\"") {
            Some(path) => {
                let path = path.trim_end_matches('"');
                let name = path.rsplit('/').next().unwrap_or(path);
                if name.len() < path.len() {
                    format!("exe=\"…/{name}\"")
                } else {
                    tok.to_string()
                }
            }
            None => tok.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Greedy word wrap at spaces to lines of at most `width` chars (a longer word gets
/// its own line).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const REC: &str = "audit: type=1326 audit(1764330000.123:456): auid=4294967295 \
        uid=0 gid=0 ses=4294967295 pid=5662 comm=\"kdeck\" \
        exe=\"/work/wt/seccomp/target/debug/kdeck\" sig=0 arch=c000003e syscall=110 \
        compat=0 ip=0x7f1234567890 code=0x7ffc0000";

    #[test]
    fn fields() {
        assert_eq!(field(REC, "comm"), Some("\"kdeck\""));
        assert_eq!(num_field(REC, "pid"), Some(5662));
        assert_eq!(num_field(REC, "code"), Some(0x7ffc_0000));
        assert!(is_seccomp_record(REC, 5662, 110));
        assert!(!is_seccomp_record(REC, 566, 110));
        assert!(!is_seccomp_record(REC, 5662, 11));
    }

    #[test]
    fn fitting() {
        let short = shorten_exe(REC);
        assert!(short.contains("exe=\"…/kdeck\""));
        for line in wrap(&short, 48) {
            assert!(line.chars().count() <= 48, "{line}");
        }
        assert_eq!(wrap(&short, 48).join(" "), short);
        assert_eq!(
            shorten_path("/work/wt/seccomp/target/debug/kdeck", 20),
            "…/target/debug/kdeck"
        );
        assert_eq!(shorten_path("/bin/true", 20), "/bin/true");
    }
}
