//! Kernel feature probes. A probe *calls* the feature (a syscall, a sysctl read, an
//! unshare in a throwaway child) and maps the errno to an answer with its evidence.
//! Probes never parse `uname` to guess. This module never imports ratatui or crossterm.

pub mod audit;
pub mod container;
pub mod ima;
pub mod kspp;
pub mod landlock;
pub mod lsm;
pub mod namespaces;
pub mod seccomp;
pub mod timens;
pub mod userns;
pub mod wireguard;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How far this kernel (and these privileges) support a demo's feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Support {
    /// Everything the demo shows can run live.
    Yes,
    /// Some of it can run live; `Probe::evidence` says what cannot.
    Partial,
    /// Nothing of it can run live here.
    No,
}

impl Support {
    /// The answer from its word (`yes`, `partial`, `no`).
    pub fn from_word(word: &str) -> Option<Support> {
        [Support::Yes, Support::Partial, Support::No]
            .into_iter()
            .find(|s| s.as_str() == word)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Support::Yes => "yes",
            Support::Partial => "partial",
            Support::No => "no",
        }
    }
}

/// A probe's answer: the verdict and the evidence it rests on, in plain words,
/// e.g. "landlock_create_ruleset(VERSION) = 7" or "unshare(CLONE_NEWUSER): EPERM".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub feature: &'static str,
    pub support: Support,
    pub evidence: String,
    /// Typed facts for slide placeholders (`{probe:landlock.abi}`), keyed as listed in
    /// [`crate::facts::FACTS`]; a fact the probe could not establish is left out.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<&'static str, String>,
}

impl Probe {
    pub fn yes(feature: &'static str, evidence: impl Into<String>) -> Self {
        Probe {
            feature,
            support: Support::Yes,
            evidence: evidence.into(),
            facts: BTreeMap::new(),
        }
    }
    pub fn partial(feature: &'static str, evidence: impl Into<String>) -> Self {
        Probe {
            feature,
            support: Support::Partial,
            evidence: evidence.into(),
            facts: BTreeMap::new(),
        }
    }
    /// The same answer carrying one more fact.
    pub fn with_fact(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.facts.insert(key, value.into());
        self
    }
    pub fn no(feature: &'static str, evidence: impl Into<String>) -> Self {
        Probe {
            feature,
            support: Support::No,
            evidence: evidence.into(),
            facts: BTreeMap::new(),
        }
    }
}

pub use crate::sys::errno::{errno_name, last_errno};

/// Tests only (the `test-hooks` feature, which only this package's own test builds
/// enable): `KDECK_PROBE_FORCE=<demo-id>=no[,<demo-id>=partial...]` makes the named
/// demos' probes answer as given (evidence says it was forced), to show the fallback
/// path on a kernel that has every feature. The shipped binary is built without it:
/// its probes give the kernel's answer, whatever the environment says.
#[cfg(feature = "test-hooks")]
pub const FORCE_ENV: &str = "KDECK_PROBE_FORCE";

/// The answer [`FORCE_ENV`] forces for this demo, if any (test builds only).
#[cfg(feature = "test-hooks")]
pub fn forced(demo_id: &str) -> Option<Support> {
    let spec = std::env::var(FORCE_ENV).ok()?;
    spec.split(',').find_map(|item| {
        let (id, val) = item.split_once('=')?;
        if id.trim() != demo_id {
            return None;
        }
        match val.trim() {
            "no" => Some(Support::No),
            "partial" => Some(Support::Partial),
            "yes" => Some(Support::Yes),
            _ => None,
        }
    })
}

/// Reads a small text file (sysctl, /proc entry) and trims it; the error is rendered
/// as evidence ("/proc/sys/kernel/seccomp/actions_avail: ENOENT").
pub fn read_trimmed(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| match e.raw_os_error() {
            Some(n) => format!("{path}: {}", errno_name(n)),
            None => format!("{path}: {e}"),
        })
}
