//! The model of the playground's edit form (no terminal here): a spec shown as
//! checkboxes, choices and numbers, options this kernel's ABI lacks disabled with the
//! reason ("needs Landlock ABI 4") and, when the probe says this kernel or user can't
//! run the demo at all, every option locked with the reason on top; keys to move and
//! change, `E` to reset, and the spec it describes. [`changes`] and [`marked`]
//! (re-exported) say what a re-run changed ("write sibling/: ok → EACCES"). The app
//! (`app/form.rs`) drives it, `ui/form.rs` draws it.

mod fields;

pub use super::changes::{WAS, changes, marked};

use self::fields::{landlock_fields, ns_fields, seccomp_fields};
use super::Spec;
use super::landlock::{Dir, FsRight, LandlockSpec, NetRight, PathRule, Port, PortRule, ScopeName};
use super::namespaces::{MapLine, Ns, NsSpec};
use super::seccomp::{Action, Rule, SeccompSpec, Syscall};

/// What one field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Check(bool),
    /// One of `options`, by index.
    Choice {
        options: &'static [&'static str],
        at: usize,
    },
    /// A number changed in steps of `step`.
    Number {
        value: i64,
        step: i64,
    },
}

/// One line of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub value: Value,
    /// Why this kernel can't use it (the field can't be changed), if so.
    pub disabled: Option<String>,
}

/// A key the form understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    Up,
    Down,
    /// Space: toggle a checkbox, next choice.
    Toggle,
    Left,
    Right,
    /// `E`: back to the demo's default spec.
    Reset,
}

/// The form of one playable demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub id: String,
    pub fields: Vec<Field>,
    pub selected: usize,
    abi: i32,
    /// Why this kernel or user can't run any variant (the probe said no): shown at the
    /// top, every option off.
    pub refused: Option<String>,
}

const FS_PROBED: [FsRight; 5] = [
    FsRight::WriteFile,
    FsRight::MakeReg,
    FsRight::ReadFile,
    FsRight::Execute,
    FsRight::RemoveFile,
];
/// The form's one errno number, used by every `errno` action.
const ERRNO_KEY: &str = "errno of \"errno\" (1 = EPERM)";
const ACTIONS: &[&str] = &["none", "allow", "log", "errno", "trap", "kill_process"];
const SYSCALLS: [Syscall; 7] = [
    Syscall::Getpid,
    Syscall::Getppid,
    Syscall::Getuid,
    Syscall::Geteuid,
    Syscall::Getgid,
    Syscall::Gettid,
    Syscall::SchedYield,
];
const NAMESPACES: [(Ns, &str); 7] = [
    (Ns::User, "user"),
    (Ns::Pid, "pid"),
    (Ns::Uts, "uts"),
    (Ns::Net, "net"),
    (Ns::Mount, "mount"),
    (Ns::Ipc, "ipc"),
    (Ns::Cgroup, "cgroup"),
];

fn check(key: impl Into<String>, on: bool) -> Field {
    Field {
        key: key.into(),
        value: Value::Check(on),
        disabled: None,
    }
}

fn needs(abi: i32, want: i32) -> Option<String> {
    (abi < want).then(|| format!("needs Landlock ABI {want}"))
}

fn fs_name(r: FsRight) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl Form {
    /// The form showing `spec`; `abi` is this kernel's Landlock ABI (0 if none).
    pub fn new(id: &str, spec: &Spec, abi: i32) -> Form {
        let fields = match spec {
            Spec::Landlock(s) => landlock_fields(s, abi),
            Spec::Seccomp(s) => seccomp_fields(s),
            Spec::Namespaces(s) => ns_fields(s),
            Spec::Timens(s) => vec![
                check("user namespace too", s.user_namespace),
                Field {
                    key: "monotonic offset (s)".into(),
                    value: Value::Number {
                        value: s.monotonic,
                        step: 3600,
                    },
                    disabled: None,
                },
                Field {
                    key: "boottime offset (s)".into(),
                    value: Value::Number {
                        value: s.boottime,
                        step: 86_400,
                    },
                    disabled: None,
                },
            ],
        };
        Form {
            id: id.to_string(),
            fields,
            selected: 0,
            abi,
            refused: None,
        }
    }

    /// The probe said no: `why` goes at the top and no option can be changed.
    pub fn refuse(&mut self, why: impl Into<String>) {
        self.refused = Some(why.into());
    }

    /// Applies one key.
    pub fn key(&mut self, key: FormKey) {
        let last = self.fields.len().saturating_sub(1);
        match key {
            FormKey::Up => self.selected = self.selected.saturating_sub(1),
            FormKey::Down => self.selected = (self.selected + 1).min(last),
            FormKey::Reset => {
                if let Ok(spec) = Spec::default_for(&self.id) {
                    let refused = self.refused.take();
                    *self = Form::new(&self.id, &spec, self.abi);
                    if let Some(why) = refused {
                        self.refuse(why);
                    }
                }
            }
            FormKey::Toggle | FormKey::Left | FormKey::Right => {
                let Some(f) = self.fields.get_mut(self.selected) else {
                    return;
                };
                if f.disabled.is_some() || self.refused.is_some() {
                    return;
                }
                match (&mut f.value, key) {
                    (Value::Check(on), _) => *on = !*on,
                    (Value::Choice { options, at }, FormKey::Left) => {
                        *at = (*at + options.len() - 1) % options.len()
                    }
                    (Value::Choice { options, at }, _) => *at = (*at + 1) % options.len(),
                    (Value::Number { value, step }, FormKey::Left) => *value -= *step,
                    (Value::Number { value, step }, FormKey::Right) => *value += *step,
                    (Value::Number { .. }, _) => {}
                }
            }
        }
    }

    fn on(&self, key: &str) -> bool {
        self.fields
            .iter()
            .any(|f| f.key == key && f.value == Value::Check(true))
    }

    fn choice(&self, key: &str) -> &'static str {
        self.fields
            .iter()
            .find_map(|f| match (&f.value, f.key == key) {
                (Value::Choice { options, at }, true) => options.get(*at).copied(),
                _ => None,
            })
            .unwrap_or("none")
    }

    fn number(&self, key: &str) -> i64 {
        self.fields
            .iter()
            .find_map(|f| match (&f.value, f.key == key) {
                (Value::Number { value, .. }, true) => Some(*value),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// The spec the form describes, built on `base` (what the form doesn't show is kept).
    pub fn to_spec(&self, base: &Spec) -> Spec {
        match base {
            Spec::Landlock(s) => Spec::Landlock(self.landlock(s)),
            Spec::Seccomp(s) => Spec::Seccomp(self.seccomp(s)),
            Spec::Namespaces(s) => Spec::Namespaces(self.namespaces(s)),
            Spec::Timens(_) => Spec::Timens(super::timens::TimensSpec {
                user_namespace: self.on("user namespace too"),
                monotonic: self.number("monotonic offset (s)"),
                boottime: self.number("boottime offset (s)"),
            }),
        }
    }

    fn landlock(&self, base: &LandlockSpec) -> LandlockSpec {
        let mut s = base.clone();
        s.no_new_privs = self.on("no_new_privs");
        for r in FsRight::ALL {
            let on = self.on(&format!("handle {}", fs_name(r)));
            set(&mut s.handled_fs, r, on);
        }
        for (right, name) in [
            (NetRight::BindTcp, "bind_tcp"),
            (NetRight::ConnectTcp, "connect_tcp"),
        ] {
            set(
                &mut s.handled_net,
                right,
                self.on(&format!("handle {name}")),
            );
        }
        for (scope, name) in [
            (ScopeName::AbstractUnixSocket, "abstract_unix_socket"),
            (ScopeName::Signal, "signal"),
        ] {
            set(&mut s.scopes, scope, self.on(&format!("scope {name}")));
        }
        for dir in ["allowed", "sibling"] {
            for r in FS_PROBED {
                let on = self.on(&format!("{dir}/ allows {}", fs_name(r)));
                let at = s
                    .rule
                    .iter()
                    .position(|p| String::from(p.dir.clone()) == dir);
                match at {
                    Some(i) => set(&mut s.rule[i].access, r, on),
                    None if on => s.rule.push(PathRule {
                        dir: Dir::demo(dir),
                        access: vec![r],
                    }),
                    None => {}
                }
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
            let on = self.on(key);
            match s.port.iter().position(|p| p.port == port) {
                Some(i) => set(&mut s.port[i].access, right, on),
                None if on => s.port.push(PortRule {
                    port,
                    access: vec![right],
                }),
                None => {}
            }
        }
        s
    }

    fn seccomp(&self, _base: &SeccompSpec) -> SeccompSpec {
        let errno = u16::try_from(self.number(ERRNO_KEY).clamp(1, 4095)).unwrap_or(1);
        let errno = (i32::from(errno) != libc::EPERM).then_some(errno);
        let rule = SYSCALLS
            .iter()
            .filter_map(|sc| {
                let action = match self.choice(sc.name()) {
                    "allow" => Action::Allow,
                    "log" => Action::Log,
                    "errno" => Action::Errno,
                    "trap" => Action::Trap,
                    "kill_process" => Action::KillProcess,
                    _ => return None,
                };
                Some(Rule {
                    syscall: *sc,
                    action,
                    errno: errno.filter(|_| action == Action::Errno),
                })
            })
            .collect();
        SeccompSpec {
            no_new_privs: self.on("no_new_privs"),
            log_flag: self.on("SECCOMP_FILTER_FLAG_LOG"),
            rule,
        }
    }

    fn namespaces(&self, base: &NsSpec) -> NsSpec {
        let mut s = base.clone();
        s.unshare = NAMESPACES
            .iter()
            .filter(|(_, n)| self.on(&format!("unshare {n}")))
            .map(|(ns, _)| *ns)
            .collect();
        s.deny_setgroups = self.on("deny setgroups");
        let root = vec![MapLine {
            inside: 0,
            outside: None,
            count: 1,
        }];
        let map_root = self.on("map me to root");
        if map_root != (base.uid_map == root && base.gid_map == root) {
            (s.uid_map, s.gid_map) = if map_root {
                (root.clone(), root)
            } else {
                (Vec::new(), Vec::new())
            };
        }
        s
    }
}

fn set<T: PartialEq + Copy>(v: &mut Vec<T>, item: T, on: bool) {
    let has = v.contains(&item);
    if on && !has {
        v.push(item);
    } else if !on && has {
        v.retain(|x| *x != item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untouched_form_gives_the_default_back() {
        for id in super::super::PLAYABLE {
            let spec = Spec::default_for(id).expect("playable");
            let form = Form::new(id, &spec, 7);
            assert_eq!(form.to_spec(&spec), spec, "{id}");
        }
    }

    #[test]
    fn toggling_sibling_write_adds_a_rule_and_reset_undoes_it() {
        let spec = Spec::default_for("landlock").expect("playable");
        let mut form = Form::new("landlock", &spec, 7);
        let at = form
            .fields
            .iter()
            .position(|f| f.key == "sibling/ allows write_file")
            .expect("field");
        for _ in 0..at {
            form.key(FormKey::Down);
        }
        form.key(FormKey::Toggle);
        let Spec::Landlock(s) = form.to_spec(&spec) else {
            panic!("landlock")
        };
        let rule = s.rule.last().expect("rule");
        assert_eq!(String::from(rule.dir.clone()), "sibling");
        assert_eq!(rule.access, vec![FsRight::WriteFile]);
        form.key(FormKey::Reset);
        assert_eq!(form.to_spec(&spec), spec);
    }

    #[test]
    fn rights_this_abi_lacks_are_disabled_with_the_reason() {
        let spec = Spec::default_for("landlock").expect("playable");
        let mut form = Form::new("landlock", &spec, 3);
        let at = form
            .fields
            .iter()
            .position(|f| f.key == "handle bind_tcp")
            .expect("field");
        assert_eq!(
            form.fields[at].disabled.as_deref(),
            Some("needs Landlock ABI 4")
        );
        form.selected = at;
        form.key(FormKey::Toggle);
        assert_eq!(form.fields[at].value, Value::Check(true), "unchanged");
    }

    #[test]
    fn seccomp_choice_cycles() {
        let spec = Spec::default_for("seccomp-log").expect("playable");
        let mut form = Form::new("seccomp-log", &spec, 7);
        form.selected = form
            .fields
            .iter()
            .position(|f| f.key == "getppid")
            .expect("getppid");
        form.key(FormKey::Toggle);
        let Spec::Seccomp(s) = form.to_spec(&spec) else {
            panic!("seccomp")
        };
        assert_eq!(s.rule[0].action, Action::Errno);
        assert_eq!(s.rule[0].errno, None, "EPERM by default");
        form.selected = form
            .fields
            .iter()
            .position(|f| f.key == ERRNO_KEY)
            .expect("errno");
        for _ in 0..12 {
            form.key(FormKey::Right);
        }
        let Spec::Seccomp(s) = form.to_spec(&spec) else {
            panic!("seccomp")
        };
        assert_eq!(s.rule[0].errno, Some(13));
    }
}
