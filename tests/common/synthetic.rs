//! Two synthetic kernels' probe answers, as `kdeck probe --json` would give them, so
//! rendering tests and snapshots never depend on the machine running the tests.

use std::collections::BTreeMap;

use kdeck::app::{App, Message, Options};
use kdeck::probe::Support;

/// One kernel's probe answers.
pub struct Kernel {
    pub release: &'static str,
    pub support: Vec<(&'static str, Support)>,
    pub facts: Vec<(&'static str, &'static str)>,
}

impl Kernel {
    pub fn facts(&self) -> BTreeMap<String, String> {
        self.facts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Feeds the answers to the app the way the TUI's probe child does.
    pub fn apply(&self, app: &mut App) {
        app.update(Message::Probes(
            self.support
                .iter()
                .map(|(d, s)| (d.to_string(), *s))
                .collect(),
        ));
        app.update(Message::Facts(self.facts()));
    }

    /// An app at slide `index` that has had these answers.
    pub fn app_at(&self, index: usize, kernel: &str) -> App {
        let mut app = App::new(
            super::deck(),
            Options {
                start: index,
                force_recorded: false,
                kernel: kernel.into(),
                ..Default::default()
            },
        );
        self.apply(&mut app);
        app
    }
}

/// Like Debian 12's stock kernel with unprivileged user namespaces switched off:
/// Landlock ABI 2, no LSM syscalls, no IMA. The audit probe needs a user namespace, so
/// it has no `audit.userns` (the recording's value fills in, labelled).
pub fn old() -> Kernel {
    use Support::*;
    Kernel {
        release: "6.1.0-57-amd64",
        support: vec![
            ("ima", Partial),
            ("audit", Yes),
            ("container", No),
            ("lsm", Partial),
            ("timens", No),
            ("seccomp-log", Partial),
            ("landlock", Partial),
            ("namespaces", No),
            ("wireguard", Yes),
            ("kspp", Partial),
        ],
        facts: vec![
            ("landlock.abi", "2"),
            ("lsm.syscalls", "no (ENOSYS)"),
            (
                "lsm.list",
                "lockdown, capability, landlock, yama, apparmor, tomoyo, bpf",
            ),
            ("kspp.score", "17/30"),
            (
                "namespaces.unprivileged",
                "no: unshare(CLONE_NEWUSER): EPERM as uid 1000; user.max_user_namespaces = 0",
            ),
            ("ima.active", "no"),
        ],
    }
}

/// Like a recent kernel: Landlock ABI 7, LSM syscalls, user namespaces allowed, no IMA.
pub fn recent() -> Kernel {
    use Support::*;
    Kernel {
        release: "6.18.9-synthetic",
        support: vec![
            ("ima", Partial),
            ("audit", Yes),
            ("container", Yes),
            ("lsm", Yes),
            ("timens", Yes),
            ("seccomp-log", Yes),
            ("landlock", Yes),
            ("namespaces", Yes),
            ("wireguard", No),
            ("kspp", Yes),
        ],
        facts: vec![
            ("landlock.abi", "7"),
            ("lsm.syscalls", "yes"),
            ("lsm.list", "lockdown, capability, landlock, bpf"),
            ("kspp.score", "24/32"),
            ("namespaces.unprivileged", "yes (as uid 1000)"),
            ("audit.userns", "ECONNREFUSED"),
            ("ima.active", "no"),
        ],
    }
}
