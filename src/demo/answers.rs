//! What this kernel supports, per demo, asked of a fresh `kdeck probe --json` child
//! (probes fork and unshare; never do that in a threaded process). The TUI's event
//! sources, the walkthrough, `kdeck record` and `kdeck demo --record` all ask this way.

use std::collections::BTreeMap;

use crate::probe::Support;

/// Per demo id, what the probe answered.
pub type ProbeAnswers = Vec<(String, Support)>;

/// The part of `kdeck probe --json` the callers need, typed.
#[derive(serde::Deserialize)]
struct Doc {
    demos: Vec<Row>,
}

/// One demo's row.
#[derive(serde::Deserialize)]
struct Row {
    demo: String,
    support: Support,
    #[serde(default)]
    facts: BTreeMap<String, String>,
}

/// What this kernel supports, per demo.
pub fn probe_answers(exe: &std::path::Path) -> Option<ProbeAnswers> {
    probe_report(exe).map(|(answers, _)| answers)
}

/// The probe answers per demo and every typed fact (`landlock.abi` → `7`), from one
/// `kdeck probe --json` child.
pub fn probe_report(exe: &std::path::Path) -> Option<(ProbeAnswers, BTreeMap<String, String>)> {
    let out = std::process::Command::new(exe)
        .args(["probe", "--json"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let doc = serde_json::from_slice::<Doc>(&out.stdout).ok()?;
    let mut facts = BTreeMap::new();
    let mut answers = Vec::with_capacity(doc.demos.len());
    for row in doc.demos {
        facts.extend(row.facts);
        answers.push((row.demo, row.support));
    }
    Some((answers, facts))
}
