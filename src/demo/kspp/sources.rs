//! Where the values come from: a kernel config (/proc/config.gz, /boot/config-<release>
//! or a file) and sysctls (live from /proc/sys or a `sysctl -a` dump).

use std::collections::HashMap;
use std::io::Read;

use crate::files;
use std::path::Path;

use super::KsppError;
use crate::probe::errno_name;

/// A config symbol's state in a kernel config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    /// `CONFIG_X=<value>`: the raw value as written (`y`, `m`, `"str"`, `123`).
    Set(String),
    /// `# CONFIG_X is not set`.
    NotSet,
}

/// A parsed kernel config.
#[derive(Debug, Clone)]
pub struct KernelConfig {
    /// Where it was read from ("/proc/config.gz", a file name).
    pub source: String,
    values: HashMap<String, ConfigValue>,
}

impl KernelConfig {
    /// Parses .config text. Accepted lines: `CONFIG_X=y|m|"str"|123`,
    /// `# CONFIG_X is not set`, other `#` comments and blank lines. Anything else is
    /// malformed and reported as `source:line`.
    pub fn parse(text: &str, source: &str) -> Result<KernelConfig, KsppError> {
        let mut values = HashMap::new();
        let mut errors = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(comment) = line.strip_prefix('#') {
                if let Some(name) = not_set_symbol(comment) {
                    values.insert(name.to_string(), ConfigValue::NotSet);
                }
                continue;
            }
            match parse_assignment(line) {
                Ok((name, value)) => {
                    values.insert(name.to_string(), ConfigValue::Set(value.to_string()));
                }
                Err(reason) => errors.push(KsppError::Malformed {
                    file: source.to_string(),
                    line: idx + 1,
                    text: raw.to_string(),
                    reason,
                }),
            }
        }
        all_problems(errors)?;
        Ok(KernelConfig {
            source: source.to_string(),
            values,
        })
    }

    /// The symbol's state; `None` when the config does not mention it.
    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.values.get(name)
    }

    /// How many symbols the config mentions.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the config mentions no symbol at all.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// `" CONFIG_X is not set"` (after the `#`) → `CONFIG_X`.
fn not_set_symbol(comment: &str) -> Option<&str> {
    let name = comment.trim().strip_suffix(" is not set")?.trim();
    is_symbol(name).then_some(name)
}

fn is_symbol(name: &str) -> bool {
    name.strip_prefix("CONFIG_").is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

fn parse_assignment(line: &str) -> Result<(&str, &str), &'static str> {
    let (name, value) = line
        .split_once('=')
        .ok_or("expected CONFIG_NAME=VALUE or a # comment")?;
    if !is_symbol(name) {
        return Err("the name is not a CONFIG_ symbol");
    }
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    if value.is_empty() || (value.starts_with('"') && !quoted) {
        return Err("the value is empty or an unterminated string");
    }
    if !quoted && value.chars().any(char::is_whitespace) {
        return Err("an unquoted value contains spaces");
    }
    Ok((name, value))
}

/// Reads the running kernel's config: /proc/config.gz, else /boot/config-<release>.
/// `Ok(None)`: neither exists. An error names the file that exists but can't be read.
pub fn load_running() -> Result<Option<KernelConfig>, KsppError> {
    let mut first_error = None;
    for path in crate::sys::host::kernel_config_paths() {
        if std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        match read_config_text(Path::new(&path)) {
            Ok(text) => return KernelConfig::parse(&text, &path).map(Some),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// Reads a config file (a regular file of at most 16 MiB), gunzipping it if it starts
/// with the gzip magic (at most 64 MiB once unpacked).
pub fn read_config_text(path: &Path) -> Result<String, KsppError> {
    let name = path.display().to_string();
    let bytes = files::read_regular(path, files::CONFIG_CAP, "a kernel config")
        .map_err(|e| file_error(&name, &e))?;
    let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
        let cap = 4 * files::CONFIG_CAP;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|e| read_error(&name, &e))?;
        if out.len() as u64 > cap {
            return Err(KsppError::Read {
                file: name,
                reason: format!("unpacks to more than {}", files::human_size(cap)),
            });
        }
        out
    } else {
        bytes
    };
    files::utf8(&name, plain).map_err(|e| file_error(&name, &e))
}

/// No problems: Ok; one: that one; more: all of them.
fn all_problems(mut errors: Vec<KsppError>) -> Result<(), KsppError> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(KsppError::Several(errors)),
    }
}

/// A [`files::FileError`] as a kspp read error.
pub fn file_error(name: &str, e: &files::FileError) -> KsppError {
    let (file, reason) = match e {
        files::FileError::NotUtf8 { line, .. } => (format!("{name}:{line}"), e.reason()),
        _ => (name.to_string(), e.reason()),
    };
    KsppError::Read { file, reason }
}

/// Renders an I/O error on `path` in words with the errno's name: "path: no such file
/// or directory (ENOENT)", "path: is a directory (EISDIR)" (or the error's own words).
pub fn read_error(path: &str, e: &std::io::Error) -> KsppError {
    let reason = match e.raw_os_error() {
        Some(n) => {
            let words = std::io::Error::from_raw_os_error(n).to_string();
            let words = words
                .strip_suffix(&format!(" (os error {n})"))
                .unwrap_or(&words);
            let mut chars = words.chars();
            let words: String = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            format!("{words} ({})", errno_name(n))
        }
        None => e.to_string(),
    };
    KsppError::Read {
        file: path.to_string(),
        reason,
    }
}

/// A sysctl's value as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The value, trimmed.
    Value(String),
    /// No such sysctl (the kernel lacks the feature).
    Missing,
    /// It exists but can't be read by this user ("EACCES").
    Unreadable(String),
}

/// Where sysctl values come from.
#[derive(Debug, Clone)]
pub enum SysctlSource {
    /// /proc/sys of the running kernel.
    Live,
    /// A `sysctl -a` dump read from a file.
    Dump {
        /// The file's name, for the report.
        file: String,
        /// name → value.
        values: HashMap<String, String>,
    },
}

impl SysctlSource {
    /// Parses a `sysctl -a` dump: `name = value` lines; blank lines and lines starting
    /// with `#` or `;` are skipped; anything else is malformed (`file:line`).
    pub fn parse_dump(text: &str, file: &str) -> Result<SysctlSource, KsppError> {
        let mut values = HashMap::new();
        let mut errors = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let parsed = line
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .filter(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace));
            let Some((key, value)) = parsed else {
                errors.push(KsppError::Malformed {
                    file: file.to_string(),
                    line: idx + 1,
                    text: raw.to_string(),
                    reason: "expected `name = value` as `sysctl -a` prints it",
                });
                continue;
            };
            values.insert(key.to_string(), value.to_string());
        }
        all_problems(errors)?;
        Ok(SysctlSource::Dump {
            file: file.to_string(),
            values,
        })
    }

    /// Reads one sysctl (`kernel.kptr_restrict` → /proc/sys/kernel/kptr_restrict).
    pub fn read(&self, name: &str) -> Reading {
        match self {
            SysctlSource::Live => read_live(name),
            SysctlSource::Dump { values, .. } => match values.get(name) {
                Some(v) => Reading::Value(v.clone()),
                None => Reading::Missing,
            },
        }
    }

    /// "/proc/sys (live)" or the dump's file name.
    pub fn describe(&self) -> String {
        match self {
            SysctlSource::Live => "/proc/sys (live)".to_string(),
            SysctlSource::Dump { file, .. } => file.clone(),
        }
    }
}

/// The /proc/sys path of a dotted sysctl name.
pub fn sysctl_path(name: &str) -> String {
    format!("/proc/sys/{}", name.replace('.', "/"))
}

fn read_live(name: &str) -> Reading {
    match std::fs::read_to_string(sysctl_path(name)) {
        Ok(v) => Reading::Value(v.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Reading::Missing,
        Err(e) => Reading::Unreadable(match e.raw_os_error() {
            Some(n) => errno_name(n),
            None => e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_lines_parse() {
        let text = "#\n# Linux/x86 6.18 Kernel Configuration\n\nCONFIG_A=y\nCONFIG_B=m\n\
                    CONFIG_S=\"a b\"\nCONFIG_N=4096\nCONFIG_H=0xa\n# CONFIG_C is not set\n";
        let c = KernelConfig::parse(text, "t").expect("parses");
        assert_eq!(c.get("CONFIG_A"), Some(&ConfigValue::Set("y".into())));
        assert_eq!(c.get("CONFIG_S"), Some(&ConfigValue::Set("\"a b\"".into())));
        assert_eq!(c.get("CONFIG_C"), Some(&ConfigValue::NotSet));
        assert_eq!(c.get("CONFIG_D"), None);
        assert_eq!(c.len(), 6);
    }

    #[test]
    fn malformed_config_lines_name_file_and_line() {
        for bad in [
            "CONFIG_A",
            "FOO=y",
            "CONFIG_A=",
            "CONFIG_A=\"x",
            "CONFIG_A=y y",
        ] {
            let text = format!("CONFIG_OK=y\n{bad}\n");
            match KernelConfig::parse(&text, "f.config") {
                Err(KsppError::Malformed { file, line, .. }) => {
                    assert_eq!((file.as_str(), line), ("f.config", 2), "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn sysctl_dump_parses() {
        let s = SysctlSource::parse_dump("kernel.printk = 4\t4\t1\t7\nkernel.x =\n", "d")
            .expect("parses");
        assert_eq!(s.read("kernel.printk"), Reading::Value("4\t4\t1\t7".into()));
        assert_eq!(s.read("kernel.x"), Reading::Value(String::new()));
        assert_eq!(s.read("kernel.y"), Reading::Missing);
        assert!(SysctlSource::parse_dump("ok = 1\nnonsense\n", "d").is_err());
    }
}
