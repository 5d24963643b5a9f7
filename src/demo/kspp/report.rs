//! Generic evaluation of the check table against a config, sysctls and a kernel
//! command line, and the report (what `kdeck kspp --json` prints).

use serde::Serialize;

use super::KsppError;
use super::cmdline::Cmdline;
use super::sources::{ConfigValue, KernelConfig, Reading, SysctlSource};
use super::table::{self, Check, Cond, Kind, Op};

/// The outcome of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// Exactly as in .config or `sysctl -a` (`CONFIG_INIT_ON_ALLOC_DEFAULT_ON`,
    /// `kernel.kptr_restrict`).
    pub name: &'static str,
    /// config, sysctl or cmdline.
    pub kind: Kind,
    /// What passes, in words: "y, or CONFIG_MODULES not set".
    pub desired: String,
    /// What this kernel has for `name`: "y", "0", "not set" or "missing".
    pub actual: String,
    /// Whether one of the alternatives holds.
    pub pass: bool,
    /// When a pass came from another setting than `name`: that alternative
    /// ("CONFIG_MODULES not set").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// One line on why it matters.
    pub why: &'static str,
}

/// A check that could not be decided here (no config, unreadable sysctl).
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// As in [`CheckResult::name`].
    pub name: &'static str,
    /// config or sysctl.
    pub kind: Kind,
    /// Why: "no kernel config" or "net.core.bpf_jit_harden: EACCES".
    pub reason: String,
}

/// The KSPP checks of one kernel.
#[derive(Debug, Clone, Serialize)]
pub struct KsppReport {
    /// Every decided check, in table order.
    pub checks: Vec<CheckResult>,
    /// Checks that could not be decided; not counted in the score.
    pub skipped: Vec<Skipped>,
    /// How many of `checks` pass.
    pub passed: usize,
    /// How many checks were decided (`checks.len()`).
    pub total: usize,
    /// "passed/total".
    pub score: String,
    /// Where the config came from ("/proc/config.gz"), or "unavailable".
    pub config_source: String,
    /// Where the sysctls came from ("/proc/sys (live)" or a dump file).
    pub sysctl_source: String,
    /// Where the command line came from ("/proc/cmdline" or a file); absent when its
    /// checks were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cmdline_source: Option<String>,
}

impl KsppReport {
    /// The checks that fail.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| !c.pass)
    }

    /// The checks that pass.
    pub fn passes(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.pass)
    }

    /// The decided result for a setting, if it is in the table and was decided.
    pub fn get(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// What was seen for one name.
enum Observed {
    Value(String),
    NotSetLine,
    Missing,
    Unknown(String),
}

enum Truth {
    Yes,
    No,
    Unknown(String),
}

/// Where the values come from: the config (None: unknown), the sysctls and the
/// command line (None: its checks are left out).
#[derive(Clone, Copy)]
struct Src<'a> {
    config: Option<&'a KernelConfig>,
    sysctls: &'a SysctlSource,
    cmdline: Option<&'a Cmdline>,
}

fn observe(name: &str, kind: Kind, src: Src) -> Observed {
    let (config, sysctls) = (src.config, src.sysctls);
    match kind {
        Kind::Cmdline => match src.cmdline.map(|c| c.get(name)) {
            None => Observed::Unknown("no kernel command line".to_string()),
            Some(Some(v)) => Observed::Value(v.to_string()),
            Some(None) => Observed::Missing,
        },
        Kind::Config => match config.map(|c| c.get(name)) {
            None => Observed::Unknown("no kernel config".to_string()),
            Some(Some(ConfigValue::Set(v))) => Observed::Value(v.clone()),
            Some(Some(ConfigValue::NotSet)) => Observed::NotSetLine,
            Some(None) => Observed::Missing,
        },
        Kind::Sysctl => match sysctls.read(name) {
            Reading::Value(v) => Observed::Value(v),
            Reading::Missing => Observed::Missing,
            Reading::Unreadable(e) => Observed::Unknown(format!("{name}: {e}")),
        },
    }
}

fn values_equal(actual: &str, want: &str) -> bool {
    let unquoted = actual.trim_matches('"');
    match (table::parse_int(unquoted), table::parse_int(want)) {
        (Some(a), Some(b)) => a == b,
        _ => unquoted == want,
    }
}

fn test_cond(cond: &Cond, seen: Observed) -> Truth {
    let cmdline = cond.kind == Kind::Cmdline;
    let holds = match (&cond.op, seen) {
        (_, Observed::Unknown(why)) => return Truth::Unknown(why),
        // Command-line values compare as written (after kstrtobool normalisation).
        (Op::Eq(want), Observed::Value(v)) if cmdline => &v == want,
        (Op::NotSet, Observed::Value(_)) if cmdline => false,
        (Op::Present, Observed::Value(_) | Observed::NotSetLine) => true,
        (Op::NotOff, Observed::Value(v)) => !matches!(v.as_str(), "off" | "0"),
        (Op::Eq(want), Observed::Value(v)) => values_equal(&v, want),
        (Op::Ge(min), Observed::Value(v)) => table::parse_int(&v).is_some_and(|n| n >= *min),
        (Op::In(set), Observed::Value(v)) => set.iter().any(|w| values_equal(&v, w)),
        (Op::Has(item), Observed::Value(v)) => v.trim_matches('"').split(',').any(|i| i == item),
        (Op::NotSet, Observed::Value(v)) => v == "n",
        (Op::NotSet, _) => true,
        (Op::Off, Observed::NotSetLine) => true,
        _ => false,
    };
    if holds { Truth::Yes } else { Truth::No }
}

fn test_alt(alt: &[Cond], src: Src) -> Truth {
    let mut unknown = None;
    for cond in alt {
        match test_cond(cond, observe(&cond.name, cond.kind, src)) {
            Truth::No => return Truth::No,
            Truth::Unknown(why) => unknown = unknown.or(Some(why)),
            Truth::Yes => {}
        }
    }
    unknown.map_or(Truth::Yes, Truth::Unknown)
}

fn op_text(op: &Op) -> String {
    match op {
        Op::Eq(v) => v.clone(),
        Op::Ge(n) => format!("≥ {n}"),
        Op::In(vs) => vs.join(" or "),
        Op::NotSet => "not set".to_string(),
        Op::Off => "disabled".to_string(),
        Op::Present => "present".to_string(),
        Op::NotOff => "not off".to_string(),
        Op::Has(v) => format!("has {v}"),
    }
}

fn cond_text(cond: &Cond, check_name: &str) -> String {
    if cond.name == check_name {
        return op_text(&cond.op);
    }
    match (&cond.op, cond.kind) {
        (Op::Eq(v), Kind::Config | Kind::Cmdline) => format!("{}={v}", cond.name),
        (Op::Eq(v), Kind::Sysctl) => format!("{} = {v}", cond.name),
        (op, _) => format!("{} {}", cond.name, op_text(op)),
    }
}

fn alt_text(alt: &[Cond], check_name: &str) -> String {
    let parts: Vec<String> = alt.iter().map(|c| cond_text(c, check_name)).collect();
    parts.join(" and ")
}

/// "y, or CONFIG_MODULES not set": every alternative of a check, in words.
pub fn desired_text(check: &Check) -> String {
    let alts: Vec<String> = check
        .alternatives
        .iter()
        .map(|a| alt_text(a, &check.name))
        .collect();
    alts.join(", or ")
}

fn actual_text(seen: Observed, kind: Kind) -> String {
    match seen {
        Observed::Value(v) if v.is_empty() && kind == Kind::Cmdline => "present".to_string(),
        Observed::Value(v) => v,
        Observed::NotSetLine => "not set".to_string(),
        Observed::Missing if kind == Kind::Cmdline => "not given".to_string(),
        Observed::Missing => "missing".to_string(),
        Observed::Unknown(why) => why,
    }
}

enum Outcome {
    Decided(CheckResult),
    Skipped(Skipped),
}

fn evaluate_check(check: &'static Check, src: Src) -> Outcome {
    let mut unknown = None;
    let mut matched = None;
    for alt in &check.alternatives {
        match test_alt(alt, src) {
            Truth::Yes => {
                matched = Some(alt);
                break;
            }
            Truth::Unknown(why) => unknown = unknown.or(Some(why)),
            Truth::No => {}
        }
    }
    if let (None, Some(reason)) = (matched, unknown) {
        return Outcome::Skipped(Skipped {
            name: &check.name,
            kind: check.kind,
            reason,
        });
    }
    let other_setting = matched.filter(|alt| alt.iter().any(|c| c.name != check.name));
    Outcome::Decided(CheckResult {
        name: &check.name,
        kind: check.kind,
        desired: desired_text(check),
        actual: actual_text(observe(&check.name, check.kind, src), check.kind),
        pass: matched.is_some(),
        matched: other_setting.map(|alt| alt_text(alt, "")),
        why: &check.why,
    })
}

/// Evaluates the config and sysctl checks of the built-in table. Config checks need
/// `config`; without it they are skipped (not failed), and so are sysctls this user
/// can't read.
pub fn evaluate(
    config: Option<&KernelConfig>,
    sysctls: &SysctlSource,
) -> Result<KsppReport, KsppError> {
    evaluate_with_cmdline(config, sysctls, None)
}

/// [`evaluate`], and with a command line its checks too (without one they are left
/// out, not skipped: they belong to a boot, not to a build).
pub fn evaluate_with_cmdline(
    config: Option<&KernelConfig>,
    sysctls: &SysctlSource,
    cmdline: Option<&Cmdline>,
) -> Result<KsppReport, KsppError> {
    let src = Src {
        config,
        sysctls,
        cmdline,
    };
    let mut checks = Vec::new();
    let mut skipped = Vec::new();
    for check in table::checks()? {
        if check.kind == Kind::Cmdline && cmdline.is_none() {
            continue;
        }
        match evaluate_check(check, src) {
            Outcome::Decided(r) => checks.push(r),
            Outcome::Skipped(s) => skipped.push(s),
        }
    }
    let passed = checks.iter().filter(|c| c.pass).count();
    let total = checks.len();
    Ok(KsppReport {
        checks,
        skipped,
        passed,
        total,
        score: format!("{passed}/{total}"),
        config_source: config.map_or_else(|| "unavailable".to_string(), |c| c.source.clone()),
        sysctl_source: sysctls.describe(),
        cmdline_source: cmdline.map(|c| c.source.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::kspp::table::Kind;
    use std::collections::HashMap;

    fn dump(pairs: &[(&str, &str)]) -> SysctlSource {
        SysctlSource::Dump {
            file: "t".into(),
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<HashMap<_, _>>(),
        }
    }

    #[test]
    fn alternatives_and_skips() {
        let cfg = KernelConfig::parse("# CONFIG_MODULES is not set\nCONFIG_BPF_JIT=y\n", "c")
            .expect("parses");
        let s = dump(&[
            ("kernel.unprivileged_bpf_disabled", "2"),
            ("kernel.kptr_restrict", "0"),
        ]);
        let r = evaluate(Some(&cfg), &s).expect("evaluates");
        let sig = r.get("CONFIG_MODULE_SIG_FORCE").expect("decided");
        assert!(sig.pass);
        assert_eq!(sig.actual, "missing");
        assert_eq!(sig.matched.as_deref(), Some("CONFIG_MODULES not set"));
        assert_eq!(sig.desired, "y, or CONFIG_MODULES not set");
        let bpf = r.get("kernel.unprivileged_bpf_disabled").expect("decided");
        assert!(bpf.pass && bpf.matched.is_none());
        let kptr = r.get("kernel.kptr_restrict").expect("decided");
        assert!(!kptr.pass);
        assert_eq!((kptr.actual.as_str(), kptr.desired.as_str()), ("0", "≥ 1"));
        // BPF_JIT=y and no bpf_jit_harden in the dump: decided, failed.
        assert!(!r.get("net.core.bpf_jit_harden").expect("decided").pass);
        // No DEVMEM line at all: "off" needs the explicit line.
        assert!(!r.get("CONFIG_DEVMEM").expect("decided").pass);
        // Without a command line its checks are left out, not skipped.
        let table = table::checks().expect("table");
        assert_eq!(
            r.total + r.skipped.len(),
            table.iter().filter(|c| c.kind != Kind::Cmdline).count()
        );
    }

    #[test]
    fn cmdline_checks_judge_like_kernel_hardening_checker() {
        let cfg = KernelConfig::parse(
            "CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y\n# CONFIG_INIT_ON_FREE_DEFAULT_ON is not set\n",
            "c",
        )
        .expect("parses");
        let s = dump(&[]);
        let line = "init_on_free=on slab_nomerge mitigations=auto,nosmt pti=1 spectre_v2=off \
                    efi=nochunk,disable_early_pci_dma intel_iommu=on";
        let cl = Cmdline::parse(line, "cl").expect("parses");
        let r = evaluate_with_cmdline(Some(&cfg), &s, Some(&cl)).expect("evaluates");
        let get = |n: &str| r.get(n).unwrap_or_else(|| panic!("{n} decided"));
        // Not given, the config default is the hardened one.
        let alloc = get("init_on_alloc");
        assert!(alloc.pass);
        assert_eq!(alloc.actual, "not given");
        assert_eq!(
            alloc.matched.as_deref(),
            Some("CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y and init_on_alloc not set")
        );
        // on → 1 (kstrtobool); pti is not kstrtobool, so 1 is not "on".
        assert!(get("init_on_free").pass);
        assert!(!get("pti").pass);
        assert_eq!(get("slab_nomerge").actual, "present");
        // "is not off": off fails even with mitigations=auto,nosmt; absent passes
        // through mitigations=auto,nosmt.
        assert!(!get("spectre_v2").pass);
        assert!(get("mds").pass);
        assert!(get("mitigations").pass);
        assert!(!get("nosmt").pass);
        // "has": one item of a comma-separated list; intel_iommu=on stays "on".
        assert!(get("efi").pass && get("intel_iommu").pass);
        assert_eq!(r.cmdline_source.as_deref(), Some("cl"));
    }

    #[test]
    fn without_config_only_sysctls_count() {
        let s = dump(&[("kernel.kptr_restrict", "2")]);
        let r = evaluate(None, &s).expect("evaluates");
        assert!(r.checks.iter().all(|c| c.kind == Kind::Sysctl));
        assert!(r.get("kernel.kptr_restrict").expect("decided").pass);
        assert!(r.skipped.iter().any(|k| k.name == "CONFIG_VMAP_STACK"));
        // A sysctl whose only other alternative is a config symbol is still decided
        // when the sysctl itself passes, skipped when it fails and the config is unknown.
        assert!(
            r.skipped
                .iter()
                .any(|k| k.name == "net.core.bpf_jit_harden")
        );
        assert_eq!(r.config_source, "unavailable");
    }
}
