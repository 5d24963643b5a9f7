//! The `landlock` demo's spec: which rights the ruleset handles, which directories and
//! ports it allows, which scopes; and the probes run inside the sandbox (write, create,
//! read, execute, remove in `allowed/` and `sibling/`, TCP bind and connect on
//! loopback, a signal to the parent, an abstract unix socket connect).
//!
//! The ruleset is built with the `landlock` crate in best-effort mode: a right this
//! kernel's ABI lacks is dropped (and said so), not an error. The sandboxed probes run
//! in a forked child, so the unsandboxed parent removes the temp dir afterwards.

mod run;

use landlock::{AccessFs, AccessNet, BitFlags, Scope};
use serde::{Deserialize, Serialize};

pub use self::run::run;

/// The comment on top of `--print-spec`.
pub const HELP: &str = "\
# kdeck landlock spec. Rights: execute write_file read_file read_dir remove_dir
# remove_file make_char make_dir make_reg make_sock make_fifo make_block make_sym
# refer (ABI 2) truncate (ABI 3) ioctl_dev (ABI 5); net: bind_tcp connect_tcp (ABI 4);
# scopes: abstract_unix_socket signal (ABI 6). A [[rule]] dir is \"/\", \"allowed\",
# \"sibling\" (the demo's temp dirs) or an absolute path; a [[port]] is \"listener\"
# (our TCP listener, the connect probe) or \"free\" (the bind probe). Rights this
# kernel lacks are dropped (best effort).";

/// A filesystem right (the `landlock` crate's [`AccessFs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FsRight {
    Execute,
    WriteFile,
    ReadFile,
    ReadDir,
    RemoveDir,
    RemoveFile,
    MakeChar,
    MakeDir,
    MakeReg,
    MakeSock,
    MakeFifo,
    MakeBlock,
    MakeSym,
    Refer,
    Truncate,
    IoctlDev,
}

impl FsRight {
    /// Every right, in the kernel's bit order.
    pub const ALL: [FsRight; 16] = [
        FsRight::Execute,
        FsRight::WriteFile,
        FsRight::ReadFile,
        FsRight::ReadDir,
        FsRight::RemoveDir,
        FsRight::RemoveFile,
        FsRight::MakeChar,
        FsRight::MakeDir,
        FsRight::MakeReg,
        FsRight::MakeSock,
        FsRight::MakeFifo,
        FsRight::MakeBlock,
        FsRight::MakeSym,
        FsRight::Refer,
        FsRight::Truncate,
        FsRight::IoctlDev,
    ];

    fn access(self) -> AccessFs {
        match self {
            FsRight::Execute => AccessFs::Execute,
            FsRight::WriteFile => AccessFs::WriteFile,
            FsRight::ReadFile => AccessFs::ReadFile,
            FsRight::ReadDir => AccessFs::ReadDir,
            FsRight::RemoveDir => AccessFs::RemoveDir,
            FsRight::RemoveFile => AccessFs::RemoveFile,
            FsRight::MakeChar => AccessFs::MakeChar,
            FsRight::MakeDir => AccessFs::MakeDir,
            FsRight::MakeReg => AccessFs::MakeReg,
            FsRight::MakeSock => AccessFs::MakeSock,
            FsRight::MakeFifo => AccessFs::MakeFifo,
            FsRight::MakeBlock => AccessFs::MakeBlock,
            FsRight::MakeSym => AccessFs::MakeSym,
            FsRight::Refer => AccessFs::Refer,
            FsRight::Truncate => AccessFs::Truncate,
            FsRight::IoctlDev => AccessFs::IoctlDev,
        }
    }

    /// The Landlock ABI that added this right.
    pub fn abi(self) -> i32 {
        match self {
            FsRight::Refer => 2,
            FsRight::Truncate => 3,
            FsRight::IoctlDev => 5,
            _ => 1,
        }
    }
}

/// A network right (ABI 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetRight {
    BindTcp,
    ConnectTcp,
}

/// A scope (ABI 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeName {
    AbstractUnixSocket,
    Signal,
}

/// Where a path rule points: the demo's `allowed/`, `sibling/`, `/`, or an absolute path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Dir(String);

impl Dir {
    /// One of the demo's own directories (`allowed`, `sibling`).
    pub(super) fn demo(name: &str) -> Dir {
        Dir(name.to_string())
    }
}

impl TryFrom<String> for Dir {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.starts_with('/') || s == "allowed" || s == "sibling" {
            Ok(Dir(s))
        } else {
            Err(format!(
                "dir {s:?}: want \"allowed\", \"sibling\" or an absolute path"
            ))
        }
    }
}

impl From<Dir> for String {
    fn from(d: Dir) -> String {
        d.0
    }
}

/// A port a rule allows: our listener's (connect probe) or the free one (bind probe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Port {
    Listener,
    Free,
}

/// `[[rule]]`: a directory and the rights allowed beneath it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathRule {
    pub dir: Dir,
    pub access: Vec<FsRight>,
}

/// `[[port]]`: a TCP port and the rights allowed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortRule {
    pub port: Port,
    pub access: Vec<NetRight>,
}

/// The `landlock` demo's spec; the default is the demo's own ruleset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandlockSpec {
    /// prctl(PR_SET_NO_NEW_PRIVS) before restricting (required without CAP_SYS_ADMIN).
    pub no_new_privs: bool,
    pub handled_fs: Vec<FsRight>,
    #[serde(default)]
    pub handled_net: Vec<NetRight>,
    #[serde(default)]
    pub scopes: Vec<ScopeName>,
    #[serde(default)]
    pub rule: Vec<PathRule>,
    #[serde(default)]
    pub port: Vec<PortRule>,
}

impl Default for LandlockSpec {
    fn default() -> Self {
        LandlockSpec {
            no_new_privs: true,
            handled_fs: FsRight::ALL.to_vec(),
            handled_net: vec![NetRight::BindTcp, NetRight::ConnectTcp],
            scopes: vec![ScopeName::AbstractUnixSocket, ScopeName::Signal],
            rule: vec![
                PathRule {
                    dir: Dir("/".into()),
                    access: vec![FsRight::Execute, FsRight::ReadFile, FsRight::ReadDir],
                },
                PathRule {
                    dir: Dir("allowed".into()),
                    access: FsRight::ALL.to_vec(),
                },
            ],
            port: Vec::new(),
        }
    }
}

pub(crate) fn fs_flags(rights: &[FsRight]) -> BitFlags<AccessFs> {
    rights
        .iter()
        .fold(BitFlags::EMPTY, |acc, r| acc | r.access())
}

pub(crate) fn net_flags(rights: &[NetRight]) -> BitFlags<AccessNet> {
    rights.iter().fold(BitFlags::EMPTY, |acc, r| {
        acc | match r {
            NetRight::BindTcp => AccessNet::BindTcp,
            NetRight::ConnectTcp => AccessNet::ConnectTcp,
        }
    })
}

pub(crate) fn scope_flags(scopes: &[ScopeName]) -> BitFlags<Scope> {
    scopes.iter().fold(BitFlags::EMPTY, |acc, s| {
        acc | match s {
            ScopeName::AbstractUnixSocket => Scope::AbstractUnixSocket,
            ScopeName::Signal => Scope::Signal,
        }
    })
}

pub(crate) fn names<T: Serialize>(items: &[T]) -> String {
    let v: Vec<String> = items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use landlock::{ABI, Access};

    #[test]
    fn default_handles_every_right() {
        let s = LandlockSpec::default();
        assert_eq!(fs_flags(&s.handled_fs), AccessFs::from_all(ABI::V6));
    }

    #[test]
    fn dir_must_be_known_or_absolute() {
        let e = super::super::Spec::parse(
            "landlock",
            "no_new_privs = true\nhandled_fs = [\"read_file\"]\n[[rule]]\ndir = \"etc\"\naccess = []\n",
            "v.toml",
        )
        .expect_err("relative dir");
        assert!(e.to_string().starts_with("v.toml:4: "), "{e}");
    }
}
