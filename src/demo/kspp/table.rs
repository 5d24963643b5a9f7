//! The KSPP check table as data: `demos/kspp/checks.toml`, embedded in the binary and
//! parsed once into [`Check`]s whose alternatives are generic [`Cond`]itions.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::KsppError;

/// The table text, embedded at build time.
pub const TABLE_TOML: &str = include_str!("../../../demos/kspp/checks.toml");

/// Where a setting lives: the kernel build config, a runtime sysctl, or the kernel
/// command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A `CONFIG_…` symbol of the kernel's build configuration.
    Config,
    /// A sysctl under /proc/sys (`kernel.kptr_restrict`).
    Sysctl,
    /// A kernel command-line parameter (`init_on_free`), named as
    /// kernel-hardening-checker names it.
    Cmdline,
}

impl Kind {
    /// The kind of a setting, from its name: `CONFIG_…` is config, the rest sysctls
    /// (command-line parameters are told apart by their check's `kind`).
    pub fn of(name: &str) -> Kind {
        if name.starts_with("CONFIG_") {
            Kind::Config
        } else {
            Kind::Sysctl
        }
    }

    /// "config" or "sysctl".
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Sysctl => "sysctl",
            Kind::Cmdline => "cmdline",
        }
    }
}

/// What a condition asks of a setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Equals this value (numbers compare as numbers, config quotes are ignored).
    Eq(String),
    /// A number greater than or equal to this.
    Ge(i64),
    /// One of these values.
    In(Vec<String>),
    /// "# CONFIG_X is not set", or absent (the kernel treats an absent symbol as n).
    NotSet,
    /// Explicitly "# CONFIG_X is not set": the option exists and was turned off.
    Off,
    /// Present in any state (a bare command-line flag, a config line of any value).
    Present,
    /// A command-line parameter given with a value other than `off` or `0`
    /// (kernel-hardening-checker's "is not off": absent fails).
    NotOff,
    /// A comma-separated list (quotes ignored) that has this item
    /// (kernel-hardening-checker's "*value*": `efi=disable_early_pci_dma,nochunk`).
    Has(String),
}

/// One condition: a setting and what its value must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    /// `CONFIG_…`, a dotted sysctl name or a command-line parameter.
    pub name: String,
    /// Where `name` lives.
    pub kind: Kind,
    /// The test applied to its value.
    pub op: Op,
}

/// One KSPP recommendation.
#[derive(Debug, Clone)]
pub struct Check {
    /// The setting, exactly as in .config or `sysctl -a`.
    pub name: String,
    /// Config or sysctl (from the name), or cmdline (`kind = "cmdline"` in the table).
    pub kind: Kind,
    /// Accepted alternatives: the check passes if every condition of one holds.
    pub alternatives: Vec<Vec<Cond>>,
    /// One line on why it matters.
    pub why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    name: String,
    #[serde(default)]
    kind: Option<String>,
    any: Vec<RawAlt>,
    why: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAlt {
    One(String),
    All(Vec<String>),
}

/// Parses "NAME OP [VALUE]" (see the header of checks.toml).
pub fn parse_cond(text: &str) -> Result<Cond, String> {
    let mut words = text.split_whitespace();
    let (Some(name), Some(op)) = (words.next(), words.next()) else {
        return Err(format!("{text:?}: expected \"NAME OP [VALUE]\""));
    };
    let rest: Vec<&str> = words.collect();
    let value = rest.join(" ");
    let op = match (op, value.is_empty()) {
        ("eq", false) => Op::Eq(value),
        ("ge", false) => {
            Op::Ge(parse_int(&value).ok_or_else(|| format!("{text:?}: ge needs a number"))?)
        }
        ("in", false) => Op::In(parse_list(&value)),
        ("not_set", true) => Op::NotSet,
        ("off", true) => Op::Off,
        ("present", true) => Op::Present,
        ("not_off", true) => Op::NotOff,
        ("has", false) => Op::Has(value),
        _ => return Err(format!("{text:?}: unknown operator or bad value")),
    };
    Ok(Cond {
        kind: Kind::of(name),
        name: name.to_string(),
        op,
    })
}

fn parse_list(value: &str) -> Vec<String> {
    value
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect()
}

/// A decimal or 0x-hex integer, as configs and sysctls write them.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

/// Parses a table in the checks.toml format.
pub fn parse_table(text: &str) -> Result<Vec<Check>, String> {
    let raw: RawTable = toml::from_str(text).map_err(|e| e.to_string())?;
    raw.check.into_iter().map(convert_check).collect()
}

fn convert_check(raw: RawCheck) -> Result<Check, String> {
    if raw.any.is_empty() {
        return Err(format!("{}: no alternatives", raw.name));
    }
    let kind = match raw.kind.as_deref() {
        None => Kind::of(&raw.name),
        Some("cmdline") => Kind::Cmdline,
        Some(other) => return Err(format!("{}: unknown kind {other:?}", raw.name)),
    };
    // In a command-line check every name that is not CONFIG_… is a parameter.
    let in_check = |mut c: Cond| {
        if kind == Kind::Cmdline && c.kind != Kind::Config {
            c.kind = Kind::Cmdline;
        }
        c
    };
    let alternatives = raw
        .any
        .into_iter()
        .map(|alt| match alt {
            RawAlt::One(c) => Ok(vec![in_check(parse_cond(&c)?)]),
            RawAlt::All(cs) if !cs.is_empty() => {
                cs.iter().map(|c| parse_cond(c).map(in_check)).collect()
            }
            RawAlt::All(_) => Err(format!("{}: empty alternative", raw.name)),
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Check {
        kind,
        name: raw.name,
        alternatives,
        why: raw.why,
    })
}

/// The built-in table, parsed on first use.
pub fn checks() -> Result<&'static [Check], KsppError> {
    static TABLE: OnceLock<Result<Vec<Check>, String>> = OnceLock::new();
    match TABLE.get_or_init(|| parse_table(TABLE_TOML)) {
        Ok(v) => Ok(v.as_slice()),
        Err(e) => Err(KsppError::Table(e.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_is_well_formed() {
        let checks = checks().expect("table parses");
        assert!(checks.len() >= 25, "{} checks", checks.len());
        for c in checks {
            assert!(c.why.chars().count() <= 50, "why too long: {}", c.name);
            let named = c
                .alternatives
                .iter()
                .flatten()
                .any(|cond| cond.name == c.name);
            assert!(
                named,
                "{}: no alternative tests the check's own name",
                c.name
            );
            assert!(
                c.name.starts_with("CONFIG_") || c.name.contains('.') || c.kind == Kind::Cmdline,
                "{}",
                c.name
            );
        }
        let mut names: Vec<_> = checks.iter().map(|c| c.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), checks.len(), "duplicate check names");
    }

    #[test]
    fn conditions_parse() {
        assert_eq!(
            parse_cond("kernel.unprivileged_bpf_disabled in [1,2]"),
            Ok(Cond {
                name: "kernel.unprivileged_bpf_disabled".into(),
                kind: Kind::Sysctl,
                op: Op::In(vec!["1".into(), "2".into()])
            })
        );
        assert_eq!(parse_cond("x ge 0x10").map(|c| c.op), Ok(Op::Ge(16)));
        assert_eq!(parse_cond("CONFIG_X not_set").map(|c| c.op), Ok(Op::NotSet));
        assert_eq!(
            parse_cond("efi has disable_early_pci_dma").map(|c| c.op),
            Ok(Op::Has("disable_early_pci_dma".into()))
        );
        assert!(parse_cond("efi has").is_err());
        assert!(parse_cond("CONFIG_X eq").is_err());
        assert!(parse_cond("CONFIG_X off y").is_err());
        assert!(parse_cond("CONFIG_X lt 3").is_err());
    }
}
