//! The kernel command line as the KSPP checks read it: `/proc/cmdline` of the running
//! kernel or a file with another machine's, split into `name` → `value` the way
//! kernel-hardening-checker does (a bare flag has the value "", the last of a repeated
//! name wins, values of parameters the kernel parses with kstrtobool() are normalised
//! to 1/0), up to a lone `--` (what follows is init's).

use std::collections::HashMap;
use std::path::Path;

use super::KsppError;
use super::sources;

/// The running kernel's command line.
pub const PROC_CMDLINE: &str = "/proc/cmdline";

/// Parameters whose values the kernel does not parse with kstrtobool(), so "on" and
/// "1" differ (kernel-hardening-checker's list, with the kernel function that parses
/// each).
const NOT_KSTRTOBOOL: &[&str] = &[
    "debugfs",                   // debugfs_kernel()
    "mitigations",               // mitigations_parse_cmdline()
    "pti",                       // pti_check_boottime_disable()
    "spectre_v2",                // spectre_v2_parse_cmdline()
    "spectre_v2_user",           // spectre_v2_parse_user_cmdline()
    "spectre_bhi",               // spectre_bhi_parse_cmdline()
    "spec_store_bypass_disable", // ssb_parse_cmdline()
    "l1tf",                      // l1tf_cmdline()
    "mds",                       // mds_cmdline()
    "tsx_async_abort",           // tsx_async_abort_parse_cmdline()
    "srbds",                     // srbds_parse_cmdline()
    "mmio_stale_data",           // mmio_stale_data_parse_cmdline()
    "retbleed",                  // retbleed_parse_cmdline()
    "rodata",                    // set_debug_rodata()
    "ssbd",                      // parse_spectre_v4_param() (arm64)
    "spec_rstack_overflow",      // srso_parse_cmdline()
    "gather_data_sampling",      // gds_parse_cmdline()
    "reg_file_data_sampling",    // rfds_parse_cmdline()
    "tsa",                       // tsa_parse_cmdline()
    "indirect_target_selection", // its_parse_cmdline()
    "vmscape",                   // vmscape_parse_cmdline()
    "slub_debug",                // setup_slub_debug()
    "iommu",                     // iommu_setup()
    "vsyscall",                  // vsyscall_setup()
    "vdso32",                    // vdso32_setup()
    "vdso",                      // vdso32_setup()
    "cfi",                       // cfi_parse_cmdline()
    "tsx",                       // tsx_init()
    "lockdown",                  // lockdown_param()
    "intel_iommu",               // intel_iommu_setup()
    "efi",                       // efi_parse_options()
    "hash_pointers",             // hash_pointers_mode_parse()
    "ipv6.disable",              // the disable_ipv6_mod module parameter
    "proc_mem.force_override",   // early_proc_mem_force_override()
];

/// A parsed kernel command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmdline {
    /// Where it came from ("/proc/cmdline" or the file).
    pub source: String,
    params: HashMap<String, String>,
}

impl Cmdline {
    /// Parses one command line (a single line; a trailing newline is fine).
    pub fn parse(text: &str, source: &str) -> Result<Cmdline, KsppError> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let line = lines.next().unwrap_or("");
        if lines.next().is_some() {
            return Err(KsppError::Malformed {
                file: source.to_string(),
                line: 2,
                text: text.lines().nth(1).unwrap_or("").to_string(),
                reason: "a kernel command line is one line",
            });
        }
        let mut params = HashMap::new();
        for word in line.split_whitespace() {
            if word == "--" {
                break;
            }
            let (name, value) = word.split_once('=').unwrap_or((word, ""));
            params.insert(name.to_string(), normalize(name, value));
        }
        Ok(Cmdline {
            source: source.to_string(),
            params,
        })
    }

    /// Reads a command line from a file.
    pub fn load(path: &Path) -> Result<Cmdline, KsppError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| sources::read_error(&name, &e))?;
        Cmdline::parse(&text, &name)
    }

    /// The running kernel's (/proc/cmdline).
    pub fn running() -> Result<Cmdline, KsppError> {
        Cmdline::load(Path::new(PROC_CMDLINE))
    }

    /// The value of `name` ("" for a bare flag), None when it is absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// kstrtobool()'s spellings of true and false become "1" and "0", except for the
/// parameters the kernel parses otherwise.
fn normalize(name: &str, value: &str) -> String {
    if NOT_KSTRTOBOOL.contains(&name) {
        return value.to_string();
    }
    match value.to_ascii_lowercase().as_str() {
        "1" | "on" | "y" | "yes" | "t" | "true" => "1".into(),
        "0" | "off" | "n" | "no" | "f" | "false" => "0".into(),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_values_and_stops_at_double_dash() {
        let c = Cmdline::parse(
            "slab_nomerge init_on_free=on randomize_kstack_offset=1 pti=on a=b=c -- init=x\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.get("slab_nomerge"), Some(""));
        assert_eq!(c.get("init_on_free"), Some("1"));
        assert_eq!(c.get("randomize_kstack_offset"), Some("1"));
        assert_eq!(c.get("pti"), Some("on"), "pti is not kstrtobool");
        assert_eq!(c.get("a"), Some("b=c"));
        assert_eq!(c.get("init"), None);
        let c = Cmdline::parse("intel_iommu=on module.sig_enforce=on", "t").unwrap();
        assert_eq!(
            c.get("intel_iommu"),
            Some("on"),
            "intel_iommu is not kstrtobool"
        );
        assert_eq!(c.get("module.sig_enforce"), Some("1"));
        let e = Cmdline::parse("a\nb\n", "f").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f:2: a kernel command line is one line: \"b\""
        );
    }
}
