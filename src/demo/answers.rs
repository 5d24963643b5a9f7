//! What this kernel supports, per demo, asked of a fresh `kdeck probe --json` child
//! (probes fork and unshare; never do that in a threaded process). The TUI's event
//! sources and the walkthrough both ask this way.

use crate::probe::Support;

/// What this kernel supports, per demo, from `kdeck probe --json` run as a fresh
/// single-threaded child (probes fork and unshare; never do that in a threaded TUI).
pub fn probe_answers(exe: &std::path::Path) -> Option<Vec<(String, Support)>> {
    let out = std::process::Command::new(exe)
        .args(["probe", "--json"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    /// The part of a `kdeck probe --json` row the App needs.
    #[derive(serde::Deserialize)]
    struct Row {
        demo: String,
        support: Support,
    }
    let rows = serde_json::from_slice::<Vec<Row>>(&out.stdout).ok()?;
    Some(rows.into_iter().map(|r| (r.demo, r.support)).collect())
}
