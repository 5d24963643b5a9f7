//! The form's fields built from a spec, one builder per demo.

use super::super::landlock::{FsRight, LandlockSpec, NetRight, Port, ScopeName};
use super::super::namespaces::{MapLine, NsSpec};
use super::super::seccomp::{Action, SeccompSpec};
use super::{
    ACTIONS, ERRNO_KEY, FS_PROBED, Field, NAMESPACES, SYSCALLS, Value, check, fs_name, needs,
};

pub(super) fn landlock_fields(s: &LandlockSpec, abi: i32) -> Vec<Field> {
    let mut f = vec![check("no_new_privs", s.no_new_privs)];
    for r in FsRight::ALL {
        f.push(Field {
            disabled: needs(abi, r.abi()),
            ..check(format!("handle {}", fs_name(r)), s.handled_fs.contains(&r))
        });
    }
    for (right, name) in [
        (NetRight::BindTcp, "bind_tcp"),
        (NetRight::ConnectTcp, "connect_tcp"),
    ] {
        f.push(Field {
            disabled: needs(abi, 4),
            ..check(format!("handle {name}"), s.handled_net.contains(&right))
        });
    }
    for (scope, name) in [
        (ScopeName::AbstractUnixSocket, "abstract_unix_socket"),
        (ScopeName::Signal, "signal"),
    ] {
        f.push(Field {
            disabled: needs(abi, 6),
            ..check(format!("scope {name}"), s.scopes.contains(&scope))
        });
    }
    for dir in ["allowed", "sibling"] {
        let rule = s.rule.iter().find(|p| String::from(p.dir.clone()) == dir);
        for r in FS_PROBED {
            let on = rule.is_some_and(|p| p.access.contains(&r));
            f.push(check(format!("{dir}/ allows {}", fs_name(r)), on));
        }
    }
    for (port, right, key) in [
        (
            Port::Listener,
            NetRight::ConnectTcp,
            "connect to the listener allowed",
        ),
        (Port::Free, NetRight::BindTcp, "bind the free port allowed"),
    ] {
        let on = s
            .port
            .iter()
            .any(|p| p.port == port && p.access.contains(&right));
        f.push(Field {
            disabled: needs(abi, 4),
            ..check(key, on)
        });
    }
    f
}

pub(super) fn seccomp_fields(s: &SeccompSpec) -> Vec<Field> {
    let mut f = vec![
        check("no_new_privs", s.no_new_privs),
        check("SECCOMP_FILTER_FLAG_LOG", s.log_flag),
        Field {
            key: ERRNO_KEY.into(),
            value: Value::Number {
                value: s
                    .rule
                    .iter()
                    .find_map(|r| r.errno)
                    .map_or(i64::from(libc::EPERM), i64::from),
                step: 1,
            },
            disabled: None,
        },
    ];
    for sc in SYSCALLS {
        let name = s
            .rule
            .iter()
            .find(|r| r.syscall == sc)
            .map_or("none", |r| match r.action {
                Action::Allow => "allow",
                Action::Log => "log",
                Action::Errno => "errno",
                Action::Trap => "trap",
                Action::KillProcess => "kill_process",
            });
        f.push(Field {
            key: sc.name().to_string(),
            value: Value::Choice {
                options: ACTIONS,
                at: ACTIONS.iter().position(|a| *a == name).unwrap_or(0),
            },
            disabled: None,
        });
    }
    f
}

pub(super) fn ns_fields(s: &NsSpec) -> Vec<Field> {
    let mut f: Vec<Field> = NAMESPACES
        .iter()
        .map(|(ns, n)| check(format!("unshare {n}"), s.unshare.contains(ns)))
        .collect();
    f.push(check("deny setgroups", s.deny_setgroups));
    let root = [MapLine {
        inside: 0,
        outside: None,
        count: 1,
    }];
    f.push(check(
        "map me to root",
        s.uid_map == root && s.gid_map == root,
    ));
    f
}
