//! GitHub Actions workflow commands for `kdeck record` run under `GITHUB_ACTIONS=true`:
//! each failure an `::error title=ID::reason` line and each reported fallback a
//! `::warning title=ID::reason` line, which GitHub shows as annotations on the run
//! (next to the Markdown table in the step summary). Escaping follows GitHub's rules:
//! `%`, CR and LF in the message; also `:` and `,` in a property such as `title`.

/// Whether kdeck runs inside a GitHub Actions job.
pub fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// `::LEVEL title=TITLE::MESSAGE`, escaped. `level` is `error`, `warning` or `notice`.
pub fn annotation(level: &str, title: &str, message: &str) -> String {
    format!(
        "::{level} title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// A workflow command's message: `%` → `%25`, CR → `%0D`, LF → `%0A`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` → `%3A`,
/// `,` → `%2C`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_github() {
        assert_eq!(escape_data("50%\r\nnext: a, b"), "50%25%0D%0Anext: a, b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            annotation("warning", "wireguard", "no WireGuard: 100%\nsee log"),
            "::warning title=wireguard::no WireGuard: 100%25%0Asee log"
        );
    }
}
