//! The learner playground: a typed, editable spec for the four playable demos
//! (`landlock`, `seccomp-log`, `namespaces`, `timens`).
//!
//! `kdeck demo ID --print-spec` prints a demo's default spec as TOML; `--spec FILE`
//! parses one (errors name file:line) and hands it to the re-executed child in the
//! [`SPEC_ENV`] environment variable. The child applies the spec with the real calls,
//! then runs a fixed set of real probes and prints one result line each
//! (`  write sibling/: EACCES`). A step the kernel refuses is the kernel's answer, not a
//! kdeck error: the run says which step, the errno and what it means, and is never
//! replaced by the default's recording.

mod changes;
pub mod form;
pub mod landlock;
pub mod namespaces;
pub mod seccomp;
pub mod timens;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::out;
use crate::probe::errno_name;

/// The environment variable that carries a variant's TOML to `kdeck __child`.
pub const SPEC_ENV: &str = "KDECK_SPEC";

/// Ids of the demos that run from a spec.
pub const PLAYABLE: [&str; 4] = ["landlock", "seccomp-log", "namespaces", "timens"];

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("demo {0:?} has no spec; playable demos: landlock, seccomp-log, namespaces, timens")]
    NotPlayable(String),
    #[error("can't write the spec as TOML: {0}")]
    Write(#[from] toml::ser::Error),
}

/// A parsed spec of one playable demo.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    Landlock(landlock::LandlockSpec),
    Seccomp(seccomp::SeccompSpec),
    Namespaces(namespaces::NsSpec),
    Timens(timens::TimensSpec),
}

impl Spec {
    /// The default spec (the demo's own behaviour) of demo `id`.
    pub fn default_for(id: &str) -> Result<Spec, SpecError> {
        Ok(match id {
            "landlock" => Spec::Landlock(Default::default()),
            "seccomp-log" => Spec::Seccomp(Default::default()),
            "namespaces" => Spec::Namespaces(Default::default()),
            "timens" => Spec::Timens(Default::default()),
            other => return Err(SpecError::NotPlayable(other.to_string())),
        })
    }

    /// Parses `text` (read from `file`, named in errors) as demo `id`'s spec.
    pub fn parse(id: &str, text: &str, file: &str) -> Result<Spec, SpecError> {
        Ok(match id {
            "landlock" => Spec::Landlock(from_toml(text, file)?),
            "seccomp-log" => Spec::Seccomp(from_toml(text, file)?),
            "namespaces" => Spec::Namespaces(from_toml(text, file)?),
            "timens" => Spec::Timens(from_toml(text, file)?),
            other => return Err(SpecError::NotPlayable(other.to_string())),
        })
    }

    /// The spec as TOML, with a header comment on how to edit it.
    pub fn to_toml(&self) -> Result<String, SpecError> {
        let (head, body) = match self {
            Spec::Landlock(s) => (landlock::HELP, toml::to_string(s)?),
            Spec::Seccomp(s) => (seccomp::HELP, toml::to_string(s)?),
            Spec::Namespaces(s) => (namespaces::HELP, toml::to_string(s)?),
            Spec::Timens(s) => (timens::HELP, toml::to_string(s)?),
        };
        Ok(format!("{head}\n{body}"))
    }

    /// Applies the spec and runs the probes (in the child); returns the exit code.
    pub fn run(&self) -> i32 {
        match self {
            Spec::Landlock(s) => landlock::run(s),
            Spec::Seccomp(s) => seccomp::run(s),
            Spec::Namespaces(s) => namespaces::run(s),
            Spec::Timens(s) => timens::run(s),
        }
    }
}

/// Whether demo `id` runs from a spec.
pub fn is_playable(id: &str) -> bool {
    PLAYABLE.contains(&id)
}

/// Deserializes TOML, turning toml's byte span into a 1-based line number.
fn from_toml<T: DeserializeOwned + Serialize>(text: &str, file: &str) -> Result<T, SpecError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let line = 1 + text
            .get(..offset)
            .unwrap_or(text)
            .bytes()
            .filter(|b| *b == b'\n')
            .count();
        SpecError::Parse {
            file: file.to_string(),
            line,
            message: e.message().trim().to_string(),
        }
    })
}

/// Reads and parses a spec file for demo `id`.
pub fn load(id: &str, path: &Path) -> Result<Spec, SpecError> {
    let name = path.display().to_string();
    let text = crate::files::read_text(path, 64 * 1024, "spec").map_err(|e| SpecError::Parse {
        file: name.clone(),
        line: 1,
        message: e.reason(),
    })?;
    Spec::parse(id, &text, &name)
}

/// The child side: the spec in [`SPEC_ENV`], if one was passed; `Err` carries the
/// exit code after a ✗ line (a spec the parent checked can't fail here, but the
/// child doesn't trust its environment).
pub fn from_env(id: &str) -> Option<Result<Spec, i32>> {
    let text = std::env::var(SPEC_ENV).ok()?;
    Some(Spec::parse(id, &text, SPEC_ENV).map_err(|e| out::fail(e.to_string())))
}

/// What an errno from a refused step usually means, in a few words.
pub fn explain(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "not permitted for this user (a capability or a user namespace is missing)",
        libc::EACCES => "access denied (a policy, e.g. no_new_privs or a mapping rule, says no)",
        libc::EINVAL => "the kernel rejected the arguments (or this kernel lacks the feature)",
        libc::ENOSYS => "this kernel does not have the system call",
        libc::EOPNOTSUPP => "the feature is built but disabled on this kernel",
        libc::ENOSPC => "a namespace limit (/proc/sys/user/max_*) is reached",
        libc::ERANGE => "the value is out of the range the kernel accepts",
        libc::ENOENT => "no such file or directory",
        libc::EUSERS => "too many nested user namespaces",
        _ => "see the man page of the call",
    }
}

/// Prints the refusal of `step` and the final line; the run still passes: the kernel's
/// "no" is the answer the learner asked for.
pub fn refused(step: &str, errno: i32) -> i32 {
    out::say(format!(
        "  the kernel refused {step}: {} — {}",
        errno_name(errno),
        explain(errno)
    ));
    out::pass(format!(
        "kernel answered: {step} refused with {}",
        errno_name(errno)
    ))
}

/// One probe's result line, `  <what>: <result>` (compared between runs).
pub fn result(what: &str, res: Result<String, i32>) {
    match res {
        Ok(v) => out::say(format!("  {what}: {v}")),
        Err(e) => out::say(format!("  {what}: {}", errno_name(e))),
    }
}

/// The errno of an `io::Error` (EIO if it has none).
pub fn io_errno(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

/// Why no variant of playable demo `id` can run when its probe says no, in plain words
/// for the top of its form: the refused call where it is cheap to ask again in this
/// process (Landlock's VERSION call, the user-namespace sysctls).
pub fn probe_refusal(id: &str) -> String {
    let what = match id {
        "landlock" => match crate::probe::landlock::abi_version() {
            Err(errno) => crate::probe::landlock::why_missing(errno),
            Ok(_) => "Landlock can't be used by this process".to_string(),
        },
        "seccomp-log" => "seccomp filters with the log action can't be used here".to_string(),
        _ => {
            let mut why = "this user can't create the namespaces it needs".to_string();
            for (name, v) in crate::probe::userns::sysctls() {
                why.push_str(&format!("; {name} = {v}"));
            }
            why
        }
    };
    format!("the probe says no: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_round_trips() {
        for id in PLAYABLE {
            let spec = Spec::default_for(id).expect("playable");
            let text = spec.to_toml().expect("toml");
            assert_eq!(
                Spec::parse(id, &text, "x.toml").expect("parse"),
                spec,
                "{text}"
            );
        }
    }

    #[test]
    fn errors_name_the_line() {
        let text = "handled_fs = [\"read_file\"]\nscopes = [\"signal\"]\nhandled_net = [\"fly\"]\n";
        let err = Spec::parse("landlock", text, "v.toml").expect_err("bad right");
        let msg = err.to_string();
        assert!(msg.starts_with("v.toml:3: "), "{msg}");
        assert!(msg.contains("fly"), "{msg}");
    }

    #[test]
    fn not_playable() {
        assert!(Spec::default_for("kspp").is_err());
    }
}
