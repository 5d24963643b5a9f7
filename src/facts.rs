//! Slide placeholders: machine facts are computed, never written into a slide.
//!
//! `{kernel}` is this kernel's release; `{probe:<demo>}` says whether a demo runs live
//! here; `{probe:<fact>}` is one typed fact from a demo's probe, the same value
//! `kdeck probe --json` prints under `"facts"`. Where the probe can't tell (or with
//! `--recorded`) a fact comes from the demo's recording, labelled with its kernel.
//! This module never imports ratatui or crossterm.

use std::collections::{BTreeMap, HashMap};

use crate::demo::Recordings;
use crate::probe::Support;

/// One fact a probe can establish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactSpec {
    /// The key after `probe:` (`landlock.abi`).
    pub key: &'static str,
    /// The demo whose probe (and recording) has it.
    pub demo: &'static str,
    /// What the value says, for the README and `kdeck check`'s messages.
    pub means: &'static str,
}

/// Every fact, in the order the README lists them.
pub const FACTS: &[FactSpec] = &[
    FactSpec {
        key: "landlock.abi",
        demo: "landlock",
        means: "Landlock ABI from landlock_create_ruleset(VERSION): `7`, `none (ENOSYS)`",
    },
    FactSpec {
        key: "lsm.list",
        demo: "lsm",
        means: "active LSMs in order, from lsm_list_modules or securityfs: `lockdown, capability, landlock, bpf`",
    },
    FactSpec {
        key: "lsm.syscalls",
        demo: "lsm",
        means: "whether the LSM syscalls (6.8) answer: `yes`, `no (ENOSYS)`",
    },
    FactSpec {
        key: "kspp.score",
        demo: "kspp",
        means: "KSPP checks passed out of those decided: `22/32`",
    },
    FactSpec {
        key: "namespaces.unprivileged",
        demo: "namespaces",
        means: "whether an unprivileged user can make user+pid+uts+mount+net+ipc namespaces (root asks as nobody): `yes, as nobody`, `yes (as uid 1000)`, `no: EPERM …`",
    },
    FactSpec {
        key: "audit.userns",
        demo: "audit",
        means: "what AUDIT_GET gets from inside a user namespace: `ECONNREFUSED`",
    },
    FactSpec {
        key: "ima.active",
        demo: "ima",
        means: "whether IMA is active: `yes`, `no`",
    },
];

/// Placeholder values by name (`kernel`, `probe:landlock`, `probe:landlock.abi`).
pub type Vars = HashMap<String, String>;

/// Shown while the probe has not answered yet.
pub const PROBING: &str = "… probing";

/// The fact with this key.
pub fn fact(key: &str) -> Option<&'static FactSpec> {
    FACTS.iter().find(|f| f.key == key)
}

/// Is `name` (the text between the braces) a placeholder kdeck can fill?
pub fn is_known(name: &str, demo_ids: &[&str]) -> bool {
    if name == "kernel" {
        return true;
    }
    name.strip_prefix("probe:")
        .is_some_and(|rest| demo_ids.contains(&rest) || fact(rest).is_some())
}

/// Every placeholder name kdeck knows, for the docs and error messages.
pub fn known_names(demo_ids: &[&str]) -> Vec<String> {
    std::iter::once("kernel".to_string())
        .chain(demo_ids.iter().map(|d| format!("probe:{d}")))
        .chain(FACTS.iter().map(|f| format!("probe:{}", f.key)))
        .collect()
}

/// Candidate placeholders in one line: `{name}` where name is lower-case letters,
/// digits and `_.:-`, starting with a letter (so code like `{ 1, &f }` is not one).
fn candidates(line: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = line[from..].find('{').map(|i| i + from) {
        let Some(close) = line[open..].find('}').map(|i| i + open) else {
            break;
        };
        let name = &line[open + 1..close];
        let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.:-".contains(c));
        if ok {
            out.push((open, close + 1, name));
            from = close + 1;
        } else {
            from = open + 1;
        }
    }
    out
}

/// Placeholders in Markdown text outside fenced code blocks, as (0-based line, name).
pub fn placeholders(text: &str) -> Vec<(usize, String)> {
    let mut fence: Option<&str> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let marker = if t.starts_with("```") {
            Some("```")
        } else if t.starts_with("~~~") {
            Some("~~~")
        } else {
            None
        };
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(f), Some(m)) if f == m => fence = None,
            (Some(_), _) => {}
            (None, None) => out.extend(candidates(line).into_iter().map(|(_, _, n)| (i, n.into()))),
        }
    }
    out
}

/// `text` with every placeholder that has a value in `vars` filled in.
pub fn fill(text: &str, vars: &Vars) -> String {
    if vars.is_empty() || !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut last = 0;
        for (start, end, name) in candidates(line) {
            if let Some(v) = vars.get(name) {
                out.push_str(&line[last..start]);
                out.push_str(v);
                last = end;
            }
        }
        out.push_str(&line[last..]);
    }
    out
}

/// How `{probe:<demo>}` reads for a probe answer.
pub fn support_text(s: Support) -> &'static str {
    match s {
        Support::Yes => "✓ live here",
        Support::Partial => "◐ partly",
        Support::No => "◌ recorded",
    }
}

/// A fact from a recording, labelled with the kernel it was measured on.
pub fn recorded_text(value: &str, kernel: &str) -> String {
    format!("{value} (recorded on Linux {kernel}, not measured now)")
}

/// Facts stored in the demos' recordings: key → (kernel, value).
pub fn recorded_facts(recordings: &Recordings) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let mut demos: Vec<&str> = FACTS.iter().map(|f| f.demo).collect();
    demos.dedup();
    // Each recording once (lsm has two facts), not once per fact.
    for demo in demos {
        let Some(header) = recordings.load_header(demo) else {
            continue;
        };
        let Some(meta) = &header.kdeck else {
            continue;
        };
        for f in FACTS.iter().filter(|f| f.demo == demo) {
            if let Some(v) = meta.facts.get(f.key) {
                out.insert(f.key.to_string(), (meta.kernel.clone(), v.clone()));
            }
        }
    }
    out
}

/// Writes into a recording's header the facts of its demo that this kernel's probe
/// established (`live` as from `kdeck probe --json`), so that recorded mode can show
/// them labelled with the recording's kernel. A replayed run keeps none: its facts are
/// the original recording's.
pub fn stamp(cast: &mut crate::cast::Cast, live: &BTreeMap<String, String>) {
    let Some(meta) = cast.header.kdeck.as_mut() else {
        return;
    };
    if meta.mode == "replayed" {
        return;
    }
    for f in FACTS.iter().filter(|f| f.demo == meta.demo) {
        if let Some(v) = live.get(f.key) {
            meta.facts.insert(f.key.to_string(), v.clone());
        }
    }
}

/// Where fact values come from, and how to fill every placeholder with them.
#[derive(Debug, Clone, Default)]
pub struct FactSource {
    /// This kernel's release.
    pub kernel: String,
    /// Per demo id, what the probe answered (`None`: not yet known).
    pub support: Vec<(String, Option<Support>)>,
    /// Facts the live probe established; `None` while it has not answered.
    pub live: Option<BTreeMap<String, String>>,
    /// Facts from the recordings: key → (kernel, value).
    pub recorded: BTreeMap<String, (String, String)>,
    /// `--recorded`: every fact is the recording's.
    pub force_recorded: bool,
}

impl FactSource {
    /// The value of one fact as a slide shows it.
    pub fn fact_text(&self, key: &str) -> String {
        let recorded = self.recorded.get(key).map(|(k, v)| recorded_text(v, k));
        if self.force_recorded {
            return recorded.unwrap_or_else(|| "not recorded".to_string());
        }
        match &self.live {
            None => PROBING.to_string(),
            Some(live) => match live.get(key) {
                Some(v) => v.clone(),
                None => recorded.unwrap_or_else(|| "unknown: the probe could not tell".into()),
            },
        }
    }

    /// Every placeholder's value.
    pub fn vars(&self) -> Vars {
        let mut vars = Vars::new();
        vars.insert("kernel".into(), self.kernel.clone());
        for (id, s) in &self.support {
            let text = s.map_or(PROBING, support_text);
            vars.insert(format!("probe:{id}"), text.to_string());
        }
        for f in FACTS {
            vars.insert(format!("probe:{}", f.key), self.fact_text(f.key));
        }
        vars
    }
}

/// Front matter `sources` URL check: `http(s)://host/...`, no spaces. The error says
/// what is wrong.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("source URL {url:?} must start with https:// or http://"))?;
    if url.chars().any(char::is_whitespace) {
        return Err(format!("source URL {url:?} contains whitespace"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
    if !host_ok {
        return Err(format!("source URL {url:?} has no valid host name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_fills_placeholders_outside_code() {
        let text =
            "ABI {probe:landlock.abi} on {kernel}\n```c\nstruct x = { 1 };\n{kernel}\n```\n{nope}";
        let names = placeholders(text);
        assert_eq!(
            names,
            vec![
                (0, "probe:landlock.abi".to_string()),
                (0, "kernel".to_string()),
                (5, "nope".to_string())
            ]
        );
        let vars: Vars = [
            ("kernel".to_string(), "6.1.0".to_string()),
            ("probe:landlock.abi".to_string(), "2".to_string()),
        ]
        .into();
        assert_eq!(
            fill("ABI {probe:landlock.abi} on {kernel}, {x}", &vars),
            "ABI 2 on 6.1.0, {x}"
        );
        assert_eq!(fill("fn main() {}", &vars), "fn main() {}");
    }

    #[test]
    fn known_names() {
        let ids = ["landlock"];
        assert!(is_known("kernel", &ids));
        assert!(is_known("probe:landlock", &ids));
        assert!(is_known("probe:landlock.abi", &ids));
        assert!(!is_known("probe:landlock.abis", &ids));
        assert!(!is_known("probe:lsm", &ids));
        assert!(!is_known("kernal", &ids));
    }

    #[test]
    fn recorded_and_missing_facts_are_labelled() {
        let mut src = FactSource {
            kernel: "6.1.0".into(),
            recorded: [(
                "ima.active".to_string(),
                ("6.12.1".to_string(), "yes".to_string()),
            )]
            .into(),
            ..Default::default()
        };
        assert_eq!(src.fact_text("ima.active"), PROBING);
        src.live = Some([("landlock.abi".to_string(), "2".to_string())].into());
        assert_eq!(src.fact_text("landlock.abi"), "2");
        assert_eq!(
            src.fact_text("ima.active"),
            "yes (recorded on Linux 6.12.1, not measured now)"
        );
        assert_eq!(
            src.fact_text("kspp.score"),
            "unknown: the probe could not tell"
        );
        src.force_recorded = true;
        assert_eq!(src.fact_text("landlock.abi"), "not recorded");
        assert_eq!(
            src.fact_text("ima.active"),
            "yes (recorded on Linux 6.12.1, not measured now)"
        );
    }

    #[test]
    fn urls() {
        assert!(check_url("https://lwn.net/Articles/740621/").is_ok());
        assert!(check_url("https://docs.kernel.org").is_ok());
        assert!(check_url("lwn.net/Articles/1").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://lwn net/").is_err());
        assert!(check_url("ftp://x.org/").is_err());
    }
}
