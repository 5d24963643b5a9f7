//! Live body of the `ima` demo: what IMA measured, and that a container can't see it.
//!
//! 1. `measurements` (only where IMA is active): in a forked child's private mount
//!    namespace (securityfs mounted there if the host has it unmounted), count the
//!    runtime measurement list, show its first entries and the policy.
//! 2. `userns`: a forked child in new user + mount namespaces (uid 0 there) tries to
//!    mount securityfs — EPERM: there is no IMA namespace.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::out;
use crate::probe::ima::{
    IMA_DIR, PrivateSecurityfsError, SECURITYFS, detect, mount_private_securityfs, mount_securityfs,
};
use crate::probe::{Probe, Support, errno_name, userns};
use crate::sys::fork::{self, CHILD_TIMEOUT, ChildReport, Reporter};

/// Entries of the measurement list shown on screen.
const SHOWN: usize = 3;
/// Width budget of one shown line.
const WIDTH: usize = 54;

/// Runs the demo; see the module docs.
pub fn body(probe: &Probe) -> i32 {
    out::step("measurements");
    let d = detect();
    let measured = if probe.support == Support::Yes {
        measurements_step()
    } else {
        let why = if d.surely_absent() {
            "this kernel has no IMA (CONFIG_IMA off): the measurement list comes from a recording"
                .to_string()
        } else if d.present() {
            format!("probe: {}", probe.evidence)
        } else {
            format!(
                "IMA not visible here ({}; {})",
                d.securityfs.text(),
                d.lsm.text()
            )
        };
        out::partial("measurements", why);
        None
    };
    out::step("userns");
    let refusal = userns_step();
    if refusal == Refusal::Refused {
        // What the EPERM says depends on whether there is an IMA to see at all.
        if d.present() {
            out::say("  so a container can't reach IMA's files:");
            out::say("  no per-container view (the IMA namespace");
            out::say("  series, v14 Sep 2022, was never merged)");
        } else {
            out::say("  securityfs's own refusal: this kernel has");
            out::say("  no IMA, so it says nothing about IMA");
        }
    }
    match refusal {
        Refusal::Refused => match measured {
            Some(n) => out::pass(format!(
                "IMA listed {n} measurements; a user namespace can't mount securityfs (EPERM): no per-container IMA view"
            )),
            None if d.present() => out::pass(
                "a user namespace can't mount securityfs (EPERM): IMA is active here but has no per-container view",
            ),
            None => out::pass(
                "a user namespace can't mount securityfs (EPERM); no IMA in this kernel, so that is all it shows",
            ),
        },
        Refusal::Mounted => out::fail(
            "securityfs mounted inside a user namespace (child's own mount namespace only)",
        ),
        Refusal::Other(what) => out::fail(format!("mount securityfs in a user namespace: {what}")),
        Refusal::Skipped if measured.is_some() => out::pass(format!(
            "IMA listed {} measurements (user-namespace step not run)",
            measured.unwrap_or(0)
        )),
        Refusal::Skipped => out::unsupported("neither IMA nor user namespaces are available here"),
    }
}

/// Shows the measurement list and the policy; returns the number of measurements, or
/// None when the step could not run live (then it is marked partial).
fn measurements_step() -> Option<u64> {
    out::say("$ mount -t securityfs (private mount namespace)");
    let report = fork::run(CHILD_TIMEOUT, read_ima);
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            out::partial("measurements", format!("fork: {}", errno_name(e)));
            return None;
        }
    };
    if let Some(why) = report.get("err") {
        out::say(format!("  {why}"));
        out::partial("measurements", why);
        return None;
    }
    let count = report.get("count").and_then(|c| c.parse::<u64>().ok())?;
    out::say("$ wc -l ima/ascii_runtime_measurements");
    out::say(format!("  {count} measurements"));
    out::say(format!("$ head -{SHOWN} ima/ascii_runtime_measurements"));
    for e in report.all("entry") {
        out::say(format!("  {}", shorten_entry(e)));
    }
    let exe = report.get("exe").unwrap_or("kdeck");
    out::say(format!("$ grep {exe} (kdeck itself)"));
    match report.get("self") {
        Some(e) => out::say(format!("  {}", shorten_entry(e))),
        None => out::say("  not measured: this policy doesn't measure what runs"),
    }
    show_policy(&report);
    Some(count)
}

fn show_policy(report: &ChildReport) {
    out::say("$ head -3 ima/policy");
    if let Some(e) = report.get("policy-err") {
        let hint = if e == "EACCES" {
            " (needs CONFIG_IMA_READ_POLICY)"
        } else {
            ""
        };
        out::say(format!("  {e}{hint}"));
        return;
    }
    let lines = report.all("policy");
    if lines.is_empty() {
        out::say("  (empty)");
    }
    for l in lines {
        out::say(format!("  {}", clip(l, WIDTH - 2)));
    }
}

/// In the forked child: make the IMA files visible (mounting securityfs in a private
/// mount namespace if needed) and report what they say.
fn read_ima(rep: &mut Reporter) -> i32 {
    if !Path::new(IMA_DIR).is_dir() {
        match mount_private_securityfs() {
            Ok(()) => {}
            Err(e @ PrivateSecurityfsError::Unshare(_)) => {
                rep.kv(
                    "err",
                    format!("securityfs is not mounted; {e} (needs CAP_SYS_ADMIN)"),
                );
                return 1;
            }
            Err(e) => {
                rep.kv("err", e);
                return 1;
            }
        }
    }
    let list = format!("{IMA_DIR}/ascii_runtime_measurements");
    let file = match std::fs::File::open(&list) {
        Ok(f) => f,
        Err(e) => {
            let n = errno_name(e.raw_os_error().unwrap_or(0));
            let hint = if n == "EACCES" { " (root only)" } else { "" };
            rep.kv("err", format!("open {list}: {n}{hint}"));
            return 1;
        }
    };
    // kdeck's own binary: measured when the policy measures what runs (ima_policy=tcb).
    let me = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    rep.kv("exe", &me);
    let mut count = 0u64;
    let mut found_me = false;
    for line in BufReader::new(file).lines() {
        let Ok(line) = line else { break };
        if (count as usize) < SHOWN {
            rep.kv("entry", &line);
        }
        if !found_me && !me.is_empty() && entry_path(&line) == Some(me.as_str()) {
            rep.kv("self", &line);
            found_me = true;
        }
        count += 1;
    }
    rep.kv("count", count);
    report_policy(rep);
    0
}

fn report_policy(rep: &mut Reporter) {
    match std::fs::File::open(format!("{IMA_DIR}/policy")) {
        Err(e) => rep.kv("policy-err", errno_name(e.raw_os_error().unwrap_or(0))),
        Ok(f) => {
            for line in BufReader::new(f).lines().take(3) {
                let Ok(line) = line else { break };
                rep.kv("policy", line);
            }
        }
    }
}

/// "10 <template-hash> ima-ng sha256:<hex> /path" → "10 ima-ng sha256:1a2b3c4d… /path",
/// clipped to the pane width (the path keeps its tail).
fn shorten_entry(line: &str) -> String {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() < 5 {
        return clip(line, WIDTH);
    }
    let (pcr, template, hash) = (f[0], f[2], f[3]);
    let hash = match hash.split_once(':') {
        Some((algo, hex)) => format!("{algo}:{}…", hex.get(..8).unwrap_or(hex)),
        None => format!("{}…", hash.get(..8).unwrap_or(hash)),
    };
    let head = format!("{pcr} {template} {hash} ");
    // ima-ng and ima end with the path (which may hold spaces); ima-sig and the
    // like add a signature field after it.
    let path = if matches!(template, "ima-ng" | "ima") {
        f[4..].join(" ")
    } else {
        f[4].to_string()
    };
    let room = WIDTH.saturating_sub(head.chars().count()).max(8);
    format!("{head}{}", clip_left(&path, room))
}

/// The file path of an `ima-ng`/`ima` entry (the fields after the hash), else the
/// fifth field.
fn entry_path(line: &str) -> Option<&str> {
    let mut f = line.splitn(5, ' ');
    let (_, _, template, _) = (f.next()?, f.next()?, f.next()?, f.next()?);
    let rest = f.next()?;
    if matches!(template, "ima-ng" | "ima") {
        Some(rest)
    } else {
        rest.split(' ').next()
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}…")
}

fn clip_left(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let kept: String = s.chars().skip(n - max.saturating_sub(1)).collect();
    format!("…{kept}")
}

/// What the user-namespace mount attempt gave.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// EPERM, as expected.
    Refused,
    /// The mount succeeded (in the child's own mount namespace only).
    Mounted,
    /// Another error.
    Other(String),
    /// User namespaces are not available (reported as partial).
    Skipped,
}

fn userns_step() -> Refusal {
    // The target must exist; it lives in the child's private mount namespace either
    // way. Where sysfs lacks the directory, a temp dir the demo made stands in.
    let tmp;
    let target = if Path::new(SECURITYFS).is_dir() {
        SECURITYFS.to_string()
    } else {
        tmp = match crate::files::private_temp_dir("kdeck-ima-") {
            Ok(t) => t,
            Err(e) => return Refusal::Other(format!("temp dir: {e}")),
        };
        tmp.path().display().to_string()
    };
    out::say("$ unshare(CLONE_NEWUSER|CLONE_NEWNS)");
    out::say(format!("$ mount -t securityfs securityfs {target}"));
    let report = fork::run(CHILD_TIMEOUT, |rep| try_mount_in_userns(rep, &target));
    let report = match report {
        Ok(r) => r,
        Err(e) => return Refusal::Other(format!("fork: {}", errno_name(e))),
    };
    if let Some(why) = report.get("refused") {
        out::say(format!("  {why}"));
        out::partial("userns", format!("user namespaces refused here: {why}"));
        return Refusal::Skipped;
    }
    let uid = report.get("uid").unwrap_or("?");
    match report.get("mount") {
        Some("EPERM") => {
            out::say(format!("inside a user namespace (uid {uid} there):"));
            out::say("  mount securityfs → EPERM");
            Refusal::Refused
        }
        Some("ok") => {
            out::say(format!("  uid {uid}: mount succeeded — in the child's"));
            out::say("  own mount namespace only; gone with it");
            Refusal::Mounted
        }
        Some(other) => {
            out::say(format!("  mount securityfs → {other}"));
            Refusal::Other(other.to_string())
        }
        None => {
            let what = report
                .get("err")
                .map_or_else(|| format!("{:?}", report.status), str::to_string);
            out::say(format!("  {what}"));
            Refusal::Other(what)
        }
    }
}

/// In the forked child: new user + mount namespaces, private mounts, then the mount.
fn try_mount_in_userns(rep: &mut Reporter, target: &str) -> i32 {
    if let Err(why) = userns::enter_userns(libc::CLONE_NEWNS) {
        rep.kv("refused", why);
        return 2;
    }
    // SAFETY: getuid never fails.
    rep.kv("uid", unsafe { libc::getuid() });
    if let Err(e) = userns::make_mounts_private() {
        rep.kv("err", e);
        return 1;
    }
    match mount_securityfs(target) {
        Ok(()) => rep.kv("mount", "ok"),
        Err(e) => rep.kv("mount", errno_name(e)),
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_shortened_to_the_pane() {
        let line = "10 91f34b5c671d73504b274a919661cf80dab1e127 ima-ng \
                    sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef \
                    /usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so";
        let s = shorten_entry(line);
        assert!(s.starts_with("10 ima-ng sha256:01234567… …"), "{s}");
        assert!(s.ends_with("252.so"), "{s}");
        assert!(s.chars().count() <= WIDTH, "{s}");
        assert_eq!(shorten_entry("short"), "short");
        assert_eq!(
            entry_path(line),
            Some("/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so")
        );
        assert_eq!(entry_path("10 ab ima-ng sha256:00 /a b"), Some("/a b"));
        assert_eq!(
            entry_path("10 ab ima-sig sha256:00 /init sig"),
            Some("/init")
        );
        assert_eq!(entry_path("10 ab"), None);
    }
}
