//! "Try it yourself": for each demo, plain shell commands (util-linux `unshare`,
//! `setpriv`, `ip`, /proc and /sys reads) that reproduce its main result without
//! kdeck, printed after `kdeck demo ID`. Each command says what it shows and carries
//! how a test checks it ([`Expect`]) and what it needs ([`TryIt::needs`]), so the
//! test runs every command the machine has and compares the outcome.

/// What the command's output (stdout and stderr) shows when it reproduces the demo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// The output contains this text.
    Contains(&'static str),
    /// The command fails (exit status not 0): the kernel refused.
    Fails,
    /// The output starts with a number at least this large (an uptime: the host's own
    /// uptime is added to it, so no fixed text would do).
    NumberAtLeast(f64),
}

impl Expect {
    /// Whether a command's output and exit status are what this expects.
    pub fn met(&self, success: bool, output: &str) -> bool {
        match self {
            Expect::Contains(want) => success && output.contains(want),
            Expect::Fails => !success,
            Expect::NumberAtLeast(min) => {
                success
                    && output
                        .split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<f64>().ok())
                        .is_some_and(|n| n >= *min)
            }
        }
    }
}

/// One command to try.
#[derive(Debug, Clone, Copy)]
pub struct TryIt {
    /// The shell command line.
    pub cmd: &'static str,
    /// What to look for in its output, in words.
    pub shows: &'static str,
    pub expect: Expect,
    /// A shell test that succeeds when this machine can run `cmd` (tool and kernel
    /// feature present).
    pub needs: &'static str,
}

const USERNS: &str = "unshare -Ur true";

static TABLE: &[(&str, &[TryIt])] = &[
    (
        "ima",
        &[TryIt {
            cmd: "unshare -Urm mount -t securityfs none /mnt",
            shows: "permission denied: securityfs (and IMA) stays outside user namespaces",
            expect: Expect::Fails,
            needs: USERNS,
        }],
    ),
    (
        "audit",
        &[TryIt {
            cmd: "unshare -Ur auditctl -s",
            shows: "an error: the audit socket refuses a user namespace",
            expect: Expect::Fails,
            needs: "command -v auditctl && unshare -Ur true",
        }],
    ),
    (
        "container",
        &[TryIt {
            cmd: "ls -l /proc/self/ns",
            shows: "one link per namespace type (user:[…], pid:[…], …): no container object",
            expect: Expect::Contains("user:["),
            needs: "test -d /proc/self/ns",
        }],
    ),
    (
        "lsm",
        &[TryIt {
            cmd: "cat /sys/kernel/security/lsm; echo",
            shows: "the stacked LSMs in the order they run (capability is always among them)",
            expect: Expect::Contains("capability"),
            needs: "test -r /sys/kernel/security/lsm",
        }],
    ),
    (
        "timens",
        &[TryIt {
            cmd: "unshare -Ur --time --boottime 31536000 cat /proc/uptime",
            shows: "an uptime over 31536000 s: a year added inside the time namespace",
            expect: Expect::NumberAtLeast(31_536_000.0),
            needs: "unshare -Ur --time true",
        }],
    ),
    (
        "seccomp-log",
        &[TryIt {
            cmd: "cat /proc/sys/kernel/seccomp/actions_avail",
            shows: "`log` among the actions this kernel's filters may return",
            expect: Expect::Contains("log"),
            needs: "test -r /proc/sys/kernel/seccomp/actions_avail",
        }],
    ),
    (
        "landlock",
        &[TryIt {
            cmd: "setpriv --landlock-access fs:write-file --landlock-rule path-beneath:read-file:/ sh -c 'echo x > \"$HOME/kdeck-try\"'",
            shows: "permission denied: the sandboxed shell can't write (util-linux 2.40+)",
            expect: Expect::Fails,
            needs: "setpriv --help | grep -q landlock",
        }],
    ),
    (
        "namespaces",
        &[TryIt {
            cmd: "unshare -Urpf --mount-proc sh -c 'id -u; echo $$'",
            shows: "0 and 1: root and the first process, without privileges",
            expect: Expect::Contains("0\n1"),
            needs: USERNS,
        }],
    ),
    (
        "wireguard",
        &[TryIt {
            cmd: "unshare -Urn sh -c 'ip link add wg0 type wireguard && ip -br link show wg0'",
            shows: "wg0: a WireGuard device in a fresh network namespace",
            expect: Expect::Contains("wg0"),
            needs: "unshare -Urn ip link add wg0 type wireguard",
        }],
    ),
    (
        "kspp",
        &[TryIt {
            cmd: "cat /proc/sys/kernel/kptr_restrict /proc/sys/kernel/dmesg_restrict",
            shows: "two of the sysctls the KSPP score checks (1 or 2 = hardened)",
            expect: Expect::Contains("\n"),
            needs: "test -r /proc/sys/kernel/kptr_restrict",
        }],
    ),
];

/// The commands of demo `id` (empty for an unknown id).
pub fn for_demo(id: &str) -> &'static [TryIt] {
    TABLE.iter().find(|(d, _)| *d == id).map_or(&[], |(_, t)| t)
}

/// The "Try it yourself" block as lines.
pub fn lines(id: &str) -> Vec<String> {
    let cmds = for_demo(id);
    if cmds.is_empty() {
        return Vec::new();
    }
    let mut out = vec!["Try it yourself:".to_string()];
    for t in cmds {
        out.push(format!("  $ {}", t.cmd));
        out.push(format!("    shows {}", t.shows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_has_commands() {
        for d in crate::demo::registry() {
            assert!(!for_demo(d.id).is_empty(), "{}", d.id);
        }
    }

    #[test]
    fn an_uptime_a_year_ahead_is_met_whatever_the_hosts_own_uptime() {
        let e = Expect::NumberAtLeast(31_536_000.0);
        assert!(e.met(true, "31536012.34 20.01\n"));
        assert!(
            e.met(true, "31550995.48 1.0\n"),
            "after hours of host uptime"
        );
        assert!(!e.met(true, "15000.12 20.01\n"), "no year added");
        assert!(!e.met(false, "31536012.34 20.01\n"));
        assert!(!e.met(true, "unshare: EPERM"));
    }
}
