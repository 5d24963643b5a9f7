//! The JSON summary of a headless run of every demo (the schema `kdeck record --json`
//! writes), read and written here so the host can read what the guest ran.

use serde::{Deserialize, Serialize};

/// The whole summary of one run (one kernel, one user).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub kdeck_version: String,
    pub kernel: String,
    pub arch: String,
    pub uid: u32,
    pub date: String,
    /// `auto`, `live` or `recorded`: what was asked for.
    pub mode: String,
    pub demos: Vec<DemoResult>,
    pub summary: Counts,
    pub exit_code: i32,
}

/// How one demo went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoResult {
    pub id: String,
    pub title: String,
    /// `live`, `partial`, `recorded` or `failed`.
    pub mode: String,
    /// `pass`, `fail` or `fallback`.
    pub verdict: String,
    pub seconds: f64,
    /// Why it was not (fully) live, or the probe's evidence when it was.
    pub reason: String,
    /// `kdeck record` writes `null` when no probe answer is known (a replay of a
    /// recording without one, a crash before the probe): read as empty.
    #[serde(default, deserialize_with = "null_as_default")]
    pub probe: ProbeSummary,
    /// The ✓/✗ line, empty when there was none.
    pub verdict_line: String,
    pub exit: i32,
    /// The recording's file name, next to the summary.
    pub cast: String,
}

fn null_as_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ProbeSummary, D::Error> {
    Ok(Option::<ProbeSummary>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProbeSummary {
    /// `yes`, `partial` or `no`.
    pub support: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub total: usize,
    pub live: usize,
    pub partial: usize,
    pub recorded: usize,
    pub failed: usize,
}

impl Counts {
    /// Counts the modes of these results.
    pub fn of(demos: &[DemoResult]) -> Counts {
        let n = |m: &str| demos.iter().filter(|d| d.mode == m).count();
        Counts {
            total: demos.len(),
            live: n("live"),
            partial: n("partial"),
            recorded: n("recorded"),
            failed: n("failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_schema() {
        let json = r#"{"kdeck_version": "0.1.0", "kernel": "6.12.9", "arch": "x86_64", "uid": 0,
          "date": "2026-11-28T12:00:00Z", "mode": "auto",
          "demos": [{"id": "landlock", "title": "Landlock", "mode": "partial", "verdict": "pass",
                     "seconds": 0.012, "reason": "r", "probe": {"support": "yes", "evidence": "e"},
                     "verdict_line": "✓ ok", "exit": 0, "cast": "landlock.cast"}],
          "summary": {"total": 1, "live": 0, "partial": 1, "recorded": 0, "failed": 0}, "exit_code": 0}"#;
        let s: RunSummary = serde_json::from_str(json).unwrap();
        assert_eq!(s.demos[0].mode, "partial");
        assert_eq!(Counts::of(&s.demos), s.summary);
        let again: RunSummary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }
}
