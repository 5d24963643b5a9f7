//! The `landlock` demo's spec: which rights the ruleset handles, which directories and
//! ports it allows, which scopes; and the probes run inside the sandbox (write, create,
//! read, execute, remove in `allowed/` and `sibling/`, TCP bind and connect on
//! loopback, a signal to the parent, an abstract unix socket connect).
//!
//! The ruleset is built with the `landlock` crate in best-effort mode: a right this
//! kernel's ABI lacks is dropped (and said so), not an error. The sandboxed probes run
//! in a forked child, so the unsandboxed parent removes the temp dir afterwards.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use landlock::{
    AccessFs, AccessNet, BitFlags, NetPort, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, Scope,
};
use serde::{Deserialize, Serialize};

use super::{io_errno, refused, result};
use crate::demo::landlock::errno_in;
use crate::demo::out;
use crate::probe::fork::{self, Exit};
use crate::probe::landlock::abi_version;
use crate::probe::{errno_name, last_errno};

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

fn fs_flags(rights: &[FsRight]) -> BitFlags<AccessFs> {
    rights
        .iter()
        .fold(BitFlags::EMPTY, |acc, r| acc | r.access())
}

fn net_flags(rights: &[NetRight]) -> BitFlags<AccessNet> {
    rights.iter().fold(BitFlags::EMPTY, |acc, r| {
        acc | match r {
            NetRight::BindTcp => AccessNet::BindTcp,
            NetRight::ConnectTcp => AccessNet::ConnectTcp,
        }
    })
}

fn scope_flags(scopes: &[ScopeName]) -> BitFlags<Scope> {
    scopes.iter().fold(BitFlags::EMPTY, |acc, s| {
        acc | match s {
            ScopeName::AbstractUnixSocket => Scope::AbstractUnixSocket,
            ScopeName::Signal => Scope::Signal,
        }
    })
}

fn names<T: Serialize>(items: &[T]) -> String {
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

/// What the probes need, made before restricting.
struct Setup {
    root: PathBuf,
    _listener: TcpListener,
    connect_port: u16,
    bind_port: u16,
    _unix: Option<UnixListener>,
    unix_addr: Option<UnixAddr>,
}

/// Applies the spec in a forked child and runs the probes there.
pub fn run(spec: &LandlockSpec) -> i32 {
    out::step("abi");
    let abi = match abi_version() {
        Ok(abi) if abi >= 1 => abi,
        Ok(abi) => return refused(&format!("Landlock (ABI {abi})"), libc::EOPNOTSUPP),
        Err(errno) => return refused("landlock_create_ruleset(VERSION)", errno),
    };
    out::say(format!(
        "$ landlock_create_ruleset(NULL, 0, VERSION) = {abi}"
    ));
    show_ruleset(spec, abi);

    out::step("setup");
    let dir = match crate::files::private_temp_dir("kdeck-play-landlock-") {
        Ok(d) => d,
        Err(e) => return out::fail(format!("could not make a temp dir: {e}")),
    };
    let setup = match prepare(dir.path()) {
        Ok(s) => s,
        Err(e) => return out::fail(format!("setup: {e}")),
    };
    out::step("sandbox");
    let report = fork::run(fork::CHILD_TIMEOUT, |rep| sandboxed(spec, &setup, rep));
    drop(setup);
    if let Err(e) = dir.close() {
        out::say(format!("Temp dir NOT removed: {e}"));
    }
    let report = match report {
        Ok(r) => r,
        Err(e) => return out::fail(format!("fork(): {}", errno_name(e))),
    };
    if let Some((errno, step)) = report.get("refused").and_then(|v| v.split_once(' ')) {
        return refused(step, errno.parse().unwrap_or(libc::EINVAL));
    }
    if let Some(why) = report.get("failed") {
        return out::fail(why);
    }
    match report.status {
        Exit::Exited(0) => out::pass("ran the variant: the results above are the kernel's answers"),
        other => out::fail(format!("the sandboxed child ended badly: {other:?}")),
    }
}

/// The spec as the calls about to be made, with what this ABI lacks.
fn show_ruleset(spec: &LandlockSpec, abi: i32) {
    out::say("landlock_create_ruleset(");
    out::say(format!(
        "  handled_access_fs  = {}",
        names(&spec.handled_fs)
    ));
    out::say(format!(
        "  handled_access_net = {}",
        names(&spec.handled_net)
    ));
    out::say(format!("  scoped             = {})", names(&spec.scopes)));
    for r in &spec.rule {
        out::say(format!(
            "landlock_add_rule(PATH_BENEATH, {}: {})",
            r.dir.0,
            names(&r.access)
        ));
    }
    for p in &spec.port {
        let which = match p.port {
            Port::Listener => "listener port",
            Port::Free => "free port",
        };
        out::say(format!(
            "landlock_add_rule(NET_PORT, {which}: {})",
            names(&p.access)
        ));
    }
    for r in spec.handled_fs.iter().filter(|r| r.abi() > abi) {
        out::say(format!(
            "  {} needs Landlock ABI {}: dropped (best effort)",
            names(&[*r]),
            r.abi()
        ));
    }
    if !spec.handled_net.is_empty() && abi < 4 {
        out::say("  TCP rights need Landlock ABI 4: dropped (best effort)");
    }
    if !spec.scopes.is_empty() && abi < 6 {
        out::say("  scopes need Landlock ABI 6: dropped (best effort)");
    }
}

/// Both directories with a file to read/write, one to remove and a script to run;
/// a TCP listener, a free port and an abstract unix listener.
fn prepare(root: &Path) -> std::io::Result<Setup> {
    for d in ["allowed", "sibling"] {
        let dir = root.join(d);
        std::fs::create_dir(&dir)?;
        std::fs::write(dir.join("data"), "kdeck\n")?;
        std::fs::write(dir.join("victim"), "")?;
        let script = dir.join("run.sh");
        std::fs::write(&script, "#!/bin/sh\nexit 0\n")?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    out::say("allowed/ and sibling/: data, victim, run.sh each");
    let any = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    let listener = TcpListener::bind(any)?;
    let connect_port = listener.local_addr()?.port();
    let bind_port = TcpListener::bind(any)?.local_addr()?.port();
    out::say(format!(
        "TCP listener 127.0.0.1:{connect_port}, free port {bind_port}"
    ));
    let name = format!("kdeck-play-{}", std::process::id());
    let (unix, unix_addr) = match UnixAddr::from_abstract_name(name.as_bytes())
        .and_then(|a| UnixListener::bind_addr(&a).map(|l| (l, a)))
    {
        Ok((l, a)) => (Some(l), Some(a)),
        Err(e) => {
            out::say(format!("abstract socket @{name}: {e}"));
            (None, None)
        }
    };
    Ok(Setup {
        root: root.to_path_buf(),
        _listener: listener,
        connect_port,
        bind_port,
        _unix: unix,
        unix_addr,
    })
}

/// In the forked child: restrict, then probe. A refusal goes to the parent through
/// `rep` (the parent prints the verdict after removing the temp dir).
fn sandboxed(spec: &LandlockSpec, setup: &Setup, rep: &mut fork::Reporter) -> i32 {
    let status = match restrict(spec, setup) {
        Ok(s) => s,
        Err((step, errno, text)) => {
            out::say(format!("$ {step}: {text}"));
            match errno {
                Some(e) => rep.kv("refused", format!("{e} {step}")),
                None => rep.kv("failed", format!("{step}: {text}")),
            }
            return 1;
        }
    };
    let how = match status {
        RulesetStatus::FullyEnforced => "fully enforced",
        RulesetStatus::PartiallyEnforced => "partially enforced (this ABI lacks some rights)",
        RulesetStatus::NotEnforced => "NOT enforced",
    };
    out::say(format!("$ landlock_restrict_self() → {how}"));
    out::step("results");
    probes(setup);
    0
}

type Refusal = (&'static str, Option<i32>, String);

fn restrict(spec: &LandlockSpec, setup: &Setup) -> Result<RulesetStatus, Refusal> {
    let err =
        |step: &'static str| move |e: landlock::RulesetError| (step, errno_in(&e), e.to_string());
    let mut ruleset = Ruleset::default();
    if !spec.handled_fs.is_empty() {
        ruleset = ruleset
            .handle_access(fs_flags(&spec.handled_fs))
            .map_err(err("handle_access(fs)"))?;
    }
    if !spec.handled_net.is_empty() {
        ruleset = ruleset
            .handle_access(net_flags(&spec.handled_net))
            .map_err(err("handle_access(net)"))?;
    }
    if !spec.scopes.is_empty() {
        ruleset = ruleset
            .scope(scope_flags(&spec.scopes))
            .map_err(err("scope"))?;
    }
    let mut created = ruleset
        .create()
        .map_err(err("landlock_create_ruleset"))?
        .no_new_privs(spec.no_new_privs);
    for r in &spec.rule {
        let path = match r.dir.0.as_str() {
            "allowed" | "sibling" => setup.root.join(&r.dir.0),
            abs => PathBuf::from(abs),
        };
        let fd = PathFd::new(&path).map_err(|e| {
            let errno = errno_in(&e);
            ("open(O_PATH) of a rule's dir", errno, e.to_string())
        })?;
        created = created
            .add_rule(PathBeneath::new(fd, fs_flags(&r.access)))
            .map_err(err("landlock_add_rule(PATH_BENEATH)"))?;
    }
    for p in &spec.port {
        let port = match p.port {
            Port::Listener => setup.connect_port,
            Port::Free => setup.bind_port,
        };
        created = created
            .add_rule(NetPort::new(port, net_flags(&p.access)))
            .map_err(err("landlock_add_rule(NET_PORT)"))?;
    }
    let status = created
        .restrict_self()
        .map_err(err("landlock_restrict_self"))?;
    if spec.no_new_privs {
        out::say("$ prctl(PR_SET_NO_NEW_PRIVS, 1) = 0");
    }
    Ok(status.ruleset)
}

fn ok_or_errno<T>(r: std::io::Result<T>) -> Result<String, i32> {
    r.map(|_| "ok".to_string()).map_err(|e| io_errno(&e))
}

/// The fixed probes, one result line each.
fn probes(setup: &Setup) {
    for d in ["allowed", "sibling"] {
        let dir = setup.root.join(d);
        result(
            &format!("write {d}/"),
            ok_or_errno(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(dir.join("data"))
                    .and_then(|mut f| f.write_all(b"x")),
            ),
        );
        result(
            &format!("create {d}/"),
            ok_or_errno(std::fs::write(dir.join("new"), "new")),
        );
        result(
            &format!("read {d}/"),
            ok_or_errno(std::fs::read(dir.join("data"))),
        );
        result(
            &format!("execute {d}/"),
            ok_or_errno(std::process::Command::new(dir.join("run.sh")).status()),
        );
        result(
            &format!("remove {d}/"),
            ok_or_errno(std::fs::remove_file(dir.join("victim"))),
        );
    }
    let local = |port| SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    result(
        "tcp bind (free port)",
        ok_or_errno(TcpListener::bind(local(setup.bind_port))),
    );
    result(
        "tcp connect (listener)",
        ok_or_errno(TcpStream::connect(local(setup.connect_port))),
    );
    // SAFETY: kill with signal 0 only checks permission; getppid never fails.
    let rc = unsafe { libc::kill(libc::getppid(), 0) };
    result(
        "signal parent (kill 0)",
        if rc == 0 {
            Ok("ok".into())
        } else {
            Err(last_errno())
        },
    );
    match &setup.unix_addr {
        Some(addr) => result(
            "abstract unix connect",
            ok_or_errno(UnixStream::connect_addr(addr)),
        ),
        None => out::say("  abstract unix connect: not tested (no listener)"),
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
