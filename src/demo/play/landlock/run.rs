//! Applying a landlock spec: setup, the sandboxed child, the probes.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{SocketAddr as UnixAddr, UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use landlock::{
    NetPort, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
};

use super::super::{io_errno, refused, result};
use super::{LandlockSpec, Port, fs_flags, names, net_flags, scope_flags};
use crate::demo::landlock::errno_in;
use crate::demo::out;
use crate::probe::landlock::abi_version;
use crate::probe::{errno_name, last_errno};
use crate::sys::fork::{self, Exit};

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
