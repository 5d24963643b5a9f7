//! What a re-run of a playground variant changed: the result lines (`  what: result`)
//! whose result differs from the previous run's, as the footer's summary
//! ("write sibling/: ok → EACCES") and as the pane's marked line
//! ("write sibling/: EACCES ← was ok").

/// The marker a changed result line gets in the demo pane, kept until the next run:
/// "  write sibling/: ok ← was EACCES".
pub const WAS: &str = " ← was ";

/// A result line (`  what: result`) split into what and its result (without a marker).
fn result(line: &str) -> Option<(&str, &str)> {
    if !line.starts_with("  ") || line.starts_with("   ") {
        return None;
    }
    let (k, v) = line.trim_start().split_once(": ")?;
    Some((k, v.split_once(WAS).map_or(v, |(v, _)| v)))
}

/// For a result line whose result differs from the previous run's: (what, was, now).
fn moved<'a>(before: &'a str, line: &'a str) -> Option<(&'a str, &'a str, &'a str)> {
    let (k, v) = result(line)?;
    let (_, was) = before.lines().filter_map(result).find(|(ok, _)| *ok == k)?;
    (was != v).then_some((k, was, v))
}

/// What changed between two runs' result lines, in order: "write sibling/: ok → EACCES".
pub fn changes(before: &str, after: &str) -> Vec<String> {
    after
        .lines()
        .filter_map(|l| moved(before, l))
        .map(|(k, was, v)| format!("{k}: {was} → {v}"))
        .collect()
}

/// The line with its previous result appended ([`WAS`]) when it is a result line that
/// changed since the previous run's output `before`.
pub fn marked(before: &str, line: &str) -> Option<String> {
    moved(before, line).map(|(_, was, _)| format!("{line}{WAS}{was}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_what_moved() {
        let before = "── results ──\n  write sibling/: EACCES\n  read sibling/: ok\n";
        let after = "  write sibling/: ok\n  read sibling/: ok\n    type=1326 x: y\n";
        assert_eq!(changes(before, after), vec!["write sibling/: EACCES → ok"]);
        let line = "  write sibling/: ok";
        let marked = marked(before, line).expect("changed");
        assert_eq!(marked, "  write sibling/: ok ← was EACCES");
        assert_eq!(super::marked(before, "  read sibling/: ok"), None);
        // A marked line compares by its result, not its marker.
        assert_eq!(
            changes(&marked, "  write sibling/: ok"),
            Vec::<String>::new()
        );
    }
}
