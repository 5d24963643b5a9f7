//! Live body of the `landlock` demo: the (possibly unprivileged) demo process restricts
//! itself with a Landlock ruleset — read-only `/`, writable `allowed/`, no TCP port, no
//! signals or abstract sockets out of the sandbox — and the kernel then refuses a write
//! next door, TCP connect and bind, and kill(parent, 0).
//!
//! Files are only ever written in a fresh temp dir. The sandboxed process can't delete
//! that dir itself, so a helper forked before restricting removes it ([`cleaner`]).

mod checks;
mod cleaner;

use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener};
use std::path::{Path, PathBuf};

use nix::unistd::{Pid, getuid};

use landlock::{
    ABI, Access, AccessFs, AccessNet, PathBeneath, PathFd, PathFdError, RestrictionStatus, Ruleset,
    RulesetAttr, RulesetCreatedAttr, RulesetError, RulesetStatus, Scope,
};

use self::checks::{Findings, NetTargets, UnixTarget};
use self::cleaner::Cleaner;
use super::out;
use crate::probe::landlock::{ABI_NET, ABI_SCOPE, abi_version, why_missing};
use crate::probe::{Probe, errno_name};

/// What each Landlock ABI added, for the "abi" step (as of 2026: ABI 9, Linux 7.1).
const ABI_TABLE: &[(i32, &str)] = &[
    (1, "13 filesystem rights (read, write, mk*, …)"),
    (2, "FS_REFER: rename/link across dirs"),
    (3, "FS_TRUNCATE"),
    (4, "TCP bind and connect, by port"),
    (5, "FS_IOCTL_DEV: ioctl on devices"),
    (6, "scoping: abstract unix sockets, signals"),
    (7, "audit log flags"),
    (8, "TSYNC: restrict all threads at once"),
    (9, "FS_RESOLVE_UNIX: connect to pathname unix sockets"),
];

/// Files the sandbox should still read (the first one present is used).
const READ_TARGETS: &[&str] = &["/etc/hostname", "/etc/os-release", "/etc/passwd"];

/// Rights the ruleset asks for; best effort drops what an older kernel lacks.
const RULESET_ABI: ABI = ABI::V6;

/// Why the sandboxed part stopped early.
#[derive(Debug)]
enum Stop {
    /// Landlock itself turned out missing: fall back to the recording.
    Unsupported(String),
    /// Something else went wrong: the ✗ verdict.
    Fail(String),
}

#[derive(Debug, thiserror::Error)]
enum EnforceError {
    #[error(transparent)]
    Ruleset(#[from] RulesetError),
    #[error(transparent)]
    PathFd(#[from] PathFdError),
}

/// The demo body (runs in the single-threaded `kdeck __child landlock`).
pub fn body(_probe: &Probe) -> i32 {
    // Decide before anything is written.
    let abi = match abi_version() {
        Ok(abi) if abi >= 1 => abi,
        Ok(abi) => return out::unsupported(format!("landlock_create_ruleset(VERSION) = {abi}")),
        Err(errno) => return out::unsupported(why_missing(errno)),
    };
    out::step("abi");
    show_abi(abi);

    out::step("setup");
    let root = match demo_dir() {
        Ok(root) => root,
        Err(e) => return out::fail(format!("could not make a temp dir: {e}")),
    };
    out::say(format!("Temp dir {}", root.display()));
    let cleaner = match Cleaner::spawn(root.clone()) {
        Ok(cleaner) => cleaner,
        Err(why) => return out::fail(format!("cleanup helper: {why}")),
    };
    let result = sandboxed(abi, &root, cleaner.pid());
    let cleanup = cleaner.finish();
    match &cleanup {
        Ok(()) => out::say("Temp dir removed (by a helper outside)"),
        Err(why) => out::say(format!("Temp dir NOT removed: {why}")),
    }
    match result {
        Err(Stop::Unsupported(why)) => out::unsupported(why),
        Err(Stop::Fail(why)) => out::fail(why),
        Ok(mut findings) => {
            if let Err(why) = cleanup {
                findings
                    .problems
                    .push(format!("temp dir not removed: {why}"));
            }
            checks::verdict(abi, &findings)
        }
    }
}

/// The demo's empty temp dir: the one the runner made for this run (it removes it again
/// even if the demo is killed), or, run on its own, a fresh one.
fn demo_dir() -> std::io::Result<PathBuf> {
    match std::env::var_os(super::runner::DEMO_DIR_ENV) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(crate::files::private_temp_dir("kdeck-landlock-")?.keep()),
    }
}

/// Step "abi": the version and what it can restrict.
fn show_abi(abi: i32) {
    out::say(format!(
        "$ landlock_create_ruleset(NULL, 0, VERSION) = {abi}"
    ));
    out::say(format!("ABI {abi} can restrict:"));
    for (n, what) in ABI_TABLE.iter().filter(|(n, _)| *n <= abi) {
        out::say(format!("  {n}  {what}"));
    }
    if let Some((last, _)) = ABI_TABLE.last().filter(|(n, _)| abi > *n) {
        out::say(format!(
            "  {}+ newer than this table: kdeck uses the rights it knows (best effort)",
            last + 1
        ));
    }
}

/// Setup, restrict and the checks; everything after `restrict` runs in the sandbox.
fn sandboxed(abi: i32, root: &Path, helper: Pid) -> Result<Findings, Stop> {
    let allowed = root.join("allowed");
    let sibling = root.join("sibling");
    for dir in [&allowed, &sibling] {
        std::fs::create_dir(dir)
            .map_err(|e| Stop::Fail(format!("mkdir {}: {e}", dir.display())))?;
    }
    out::say("  allowed/ (to be writable), sibling/ (not)");
    let net = if abi >= ABI_NET {
        Some(net_targets()?)
    } else {
        None
    };
    let (unix, signal_target) = if abi >= ABI_SCOPE {
        (unix_target(), Some(checks::signal_target(helper)))
    } else {
        (None, None)
    };
    let read_target = READ_TARGETS.iter().map(Path::new).find(|p| p.is_file());

    out::step("restrict");
    restrict(abi, &allowed)?;

    let mut findings = Findings::default();
    out::step("files");
    checks::files(&mut findings, &allowed, &sibling, read_target);

    out::step("network");
    match &net {
        Some(targets) => checks::network(&mut findings, targets),
        None => skipped(
            "network",
            &format!("ABI {abi} < 4: the kernel can't restrict TCP"),
        ),
    }

    out::step("signals");
    if let Some(target) = &signal_target {
        checks::signals(&mut findings, target, unix.as_ref());
    } else {
        skipped(
            "signals",
            &format!("ABI {abi} < 6: the kernel has no signal scoping"),
        );
    }
    Ok(findings)
}

/// A step this kernel can't show: say so, and let the pane show the recording's.
fn skipped(step: &str, why: &str) {
    out::say(format!("{why} — skipped"));
    out::partial(step, why);
}

/// Our own TCP listener on loopback, and a free port for the bind test.
fn net_targets() -> Result<NetTargets, Stop> {
    let any_port = SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0);
    let io_fail = |what: &str, e: std::io::Error| Stop::Fail(format!("{what}: {e}"));
    let listener = TcpListener::bind(any_port).map_err(|e| io_fail("listen on 127.0.0.1", e))?;
    let connect_port = listener
        .local_addr()
        .map_err(|e| io_fail("getsockname", e))?
        .port();
    // Bind to port 0 once to learn a free port, then let it go again.
    let bind_port = TcpListener::bind(any_port)
        .and_then(|l| l.local_addr())
        .map_err(|e| io_fail("bind 127.0.0.1:0", e))?
        .port();
    out::say(format!(
        "TCP: our listener 127.0.0.1:{connect_port}, free port {bind_port}"
    ));
    Ok(NetTargets {
        _listener: listener,
        connect_port,
        bind_port,
    })
}

/// Our own abstract unix socket listener; `None` (and a line why) if it can't be made.
fn unix_target() -> Option<UnixTarget> {
    let name = format!("kdeck-landlock-{}", std::process::id());
    let made = UnixAddr::from_abstract_name(name.as_bytes())
        .and_then(|addr| UnixListener::bind_addr(&addr).map(|l| (l, addr)));
    match made {
        Ok((listener, addr)) => {
            out::say(format!("Abstract unix socket: @{name}"));
            Some(UnixTarget {
                _listener: listener,
                addr,
            })
        }
        Err(e) => {
            out::say(format!("abstract socket @{name}: {e} — not tested"));
            None
        }
    }
}

/// Step "restrict": describe the ruleset, enforce it, report how well.
fn restrict(abi: i32, allowed: &Path) -> Result<(), Stop> {
    out::say("Ruleset (landlock crate, best effort):");
    out::say("  /         read files and dirs, execute");
    out::say("  allowed/  everything: write, create, remove");
    if abi >= ABI_NET {
        out::say("  TCP       bind+connect handled, no port allowed");
    }
    if abi >= ABI_SCOPE {
        out::say("  scoped    signals, abstract unix sockets");
    }
    let status = enforce(allowed).map_err(|e| stop_for(&e))?;
    let how = match status.ruleset {
        RulesetStatus::FullyEnforced => "fully enforced",
        RulesetStatus::PartiallyEnforced => "partially enforced",
        RulesetStatus::NotEnforced => {
            return Err(Stop::Unsupported(
                "landlock_restrict_self: ruleset not enforced".into(),
            ));
        }
    };
    out::say(format!("$ landlock_restrict_self() → {how}"));
    if status.ruleset == RulesetStatus::PartiallyEnforced {
        out::say(format!("  (ABI {abi} lacks some rights we asked for)"));
    }
    out::say(format!(
        "  as uid {}, no_new_privs = {}: no privilege needed",
        getuid(),
        u8::from(status.no_new_privs)
    ));
    Ok(())
}

/// Builds the ruleset with the landlock crate and restricts this process.
fn enforce(allowed: &Path) -> Result<RestrictionStatus, EnforceError> {
    Ok(Ruleset::default()
        .handle_access(AccessFs::from_all(RULESET_ABI))?
        .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)?
        .scope(Scope::AbstractUnixSocket | Scope::Signal)?
        .create()?
        .add_rule(PathBeneath::new(
            PathFd::new("/")?,
            AccessFs::from_read(RULESET_ABI),
        ))?
        .add_rule(PathBeneath::new(
            PathFd::new(allowed)?,
            AccessFs::from_all(RULESET_ABI),
        ))?
        .restrict_self()?)
}

/// ENOSYS / EOPNOTSUPP / EPERM from Landlock's own syscalls mean "fall back".
fn stop_for(e: &EnforceError) -> Stop {
    match errno_in(e) {
        Some(n @ (libc::ENOSYS | libc::EOPNOTSUPP | libc::EPERM)) => {
            Stop::Unsupported(format!("Landlock ruleset: {} ({e})", errno_name(n)))
        }
        _ => Stop::Fail(format!("Landlock ruleset: {e}")),
    }
}

/// The errno of the first `io::Error` in an error's source chain.
pub(crate) fn errno_in(e: &(dyn std::error::Error + 'static)) -> Option<i32> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return io.raw_os_error();
        }
        cur = err.source();
    }
    None
}
