//! Boot profiles: the same kernel booted with features switched off or on. Each is a
//! kernel command line and sysctls the guest's init writes before any demo runs;
//! the table ships in the binary (`profiles.toml` beside this file) and is listed by
//! `kdeck matrix --list-profiles`. The guest learns its profile from
//! `kdeck.profile=NAME` on its command line and looks it up in the same table.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The shipped table (embedded at build time).
static PROFILES: &str = include_str!("profiles.toml");

/// The profile a guest gets when none is asked for.
pub const DEFAULT: &str = "default";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("profiles.toml: {0}")]
    Parse(String),
    #[error("unknown profile {name:?} (known: {})", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
}

/// One boot profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(skip)]
    pub name: String,
    /// One line on what it changes.
    pub about: String,
    /// Appended to the kernel command line.
    #[serde(default)]
    pub cmdline: String,
    /// sysctl name (dotted) → value, written by the guest's init.
    #[serde(default)]
    pub sysctls: BTreeMap<String, String>,
}

impl Profile {
    /// `/proc/sys/...` for a dotted sysctl name.
    pub fn sysctl_path(name: &str) -> String {
        format!("/proc/sys/{}", name.replace('.', "/"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    profile: toml::Table,
}

/// Every profile in the table's order.
pub fn all() -> Result<Vec<Profile>, ProfileError> {
    parse(PROFILES)
}

fn parse(text: &str) -> Result<Vec<Profile>, ProfileError> {
    let file: File = toml::from_str(text).map_err(|e| ProfileError::Parse(e.to_string()))?;
    let mut out = Vec::new();
    // toml::Table keeps keys sorted; the file's order comes from where each name first
    // appears in the text.
    let mut names: Vec<&String> = file.profile.keys().collect();
    names.sort_by_key(|n| text.find(&format!("[profile.{n}]")).unwrap_or(usize::MAX));
    for name in names {
        let value = file.profile[name.as_str()].clone();
        let mut p: Profile = value
            .try_into()
            .map_err(|e: toml::de::Error| ProfileError::Parse(format!("profile.{name}: {e}")))?;
        p.name = name.clone();
        out.push(p);
    }
    Ok(out)
}

/// The named profiles, in the order asked; an unknown name is an error listing the
/// known ones.
pub fn select(names: &[String]) -> Result<Vec<Profile>, ProfileError> {
    let all = all()?;
    names
        .iter()
        .map(|n| {
            all.iter()
                .find(|p| &p.name == n)
                .cloned()
                .ok_or_else(|| ProfileError::Unknown {
                    name: n.clone(),
                    known: all.iter().map(|p| p.name.clone()).collect(),
                })
        })
        .collect()
}

/// `kdeck matrix --list-profiles`: name, what it does, its command line and sysctls.
pub fn listing() -> Result<String, ProfileError> {
    let all = all()?;
    let w = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for p in &all {
        out.push_str(&format!("{:<w$}  {}\n", p.name, p.about));
        if !p.cmdline.is_empty() {
            out.push_str(&format!("{:<w$}    cmdline: {}\n", "", p.cmdline));
        }
        if !p.sysctls.is_empty() {
            let s: Vec<String> = p.sysctls.iter().map(|(k, v)| format!("{k}={v}")).collect();
            out.push_str(&format!("{:<w$}    sysctls: {}\n", "", s.join(" ")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_parse_in_file_order() {
        let all = all().unwrap();
        let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "default",
                "no-landlock",
                "no-userns",
                "ima-tcb",
                "audit",
                "hardened"
            ]
        );
        let ll = &all[1];
        assert!(ll.cmdline.starts_with("lsm="), "{ll:?}");
        assert!(!ll.cmdline.contains("landlock"), "{ll:?}");
        assert_eq!(all[2].sysctls["user.max_user_namespaces"], "0");
        assert!(all[5].cmdline.contains("init_on_free=1"));
        assert_eq!(
            Profile::sysctl_path("kernel.yama.ptrace_scope"),
            "/proc/sys/kernel/yama/ptrace_scope"
        );
    }

    #[test]
    fn unknown_profile_lists_the_known() {
        let e = select(&["nope".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown profile \"nope\" (known: default, no-landlock, no-userns, ima-tcb, audit, hardened)"
        );
        assert!(parse("[profile.x]\nabout = 1\n").is_err());
        assert!(parse("[profile.x]\nabout = \"a\"\nextra = 1\n").is_err());
    }
}
