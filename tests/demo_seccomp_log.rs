//! The `seccomp-log` demo against the real kernel: a SECCOMP_RET_LOG filter in the
//! child, a raw getppid, and the kernel's type=1326 record for the child's pid.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use kdeck::demo::seccomp_log::bpf;

const ID: &str = "seccomp-log";

struct Run {
    code: i32,
    lines: Vec<String>,
}

impl Run {
    fn from(out: Output) -> Run {
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        eprintln!(
            "--- stdout ---\n{stdout}--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Run {
            code: out.status.code().unwrap_or(-1),
            lines: stdout.lines().map(str::to_string).collect(),
        }
    }

    fn line_starting(&self, prefix: &str) -> Option<&str> {
        self.lines
            .iter()
            .map(String::as_str)
            .find(|l| l.starts_with(prefix))
    }

    fn probe_support(&self) -> &str {
        self.line_starting("##kdeck probe ")
            .and_then(|l| l.split_whitespace().nth(2))
            .unwrap_or("")
    }

    /// The pid the demo says it runs as ("In this child, pid N:").
    fn child_pid(&self) -> u32 {
        let line = self
            .line_starting("In this child, pid ")
            .expect("the demo prints its pid");
        line.trim_start_matches("In this child, pid ")
            .trim_end_matches(':')
            .parse()
            .expect("pid is a number")
    }

    /// The raw audit record, re-joined from its wrapped lines.
    fn raw_record(&self) -> Option<String> {
        let start = self.lines.iter().position(|l| l.starts_with("  raw: "))?;
        let mut rec = self.lines[start]["  raw: ".len()..].to_string();
        for l in &self.lines[start + 1..] {
            match l.strip_prefix("       ") {
                Some(more) => {
                    rec.push(' ');
                    rec.push_str(more);
                }
                None => break,
            }
        }
        Some(rec)
    }

    fn seccomp_mode(&self) -> Option<&str> {
        self.line_starting("  Seccomp: ")
            .map(|l| l.trim_start_matches("  Seccomp: ").trim())
    }
}

fn run_child(envs: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["__child", ID])
        .envs(envs.iter().copied())
        .output()
        .expect("run kdeck");
    Run::from(out)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn getppid_nr() -> u32 {
    u32::try_from(libc::SYS_getppid).expect("small syscall number")
}

/// A kernel without RET_LOG support answers "no" and the demo falls back.
fn kernel_lacks_feature(run: &Run) -> bool {
    if run.probe_support() == "no" {
        eprintln!(
            "SKIP: the kernel lacks SECCOMP_RET_LOG: {:?}",
            run.lines.first()
        );
        assert_eq!(run.code, 3);
        return true;
    }
    false
}

fn assert_filter_live(run: &Run) {
    assert!(
        run.lines
            .iter()
            .any(|l| l == "$ seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) = 0"),
        "filter installed live"
    );
    assert!(run.lines.iter().any(|l| l == "  5: ret ALLOW"));
    assert_eq!(run.seccomp_mode(), Some("2"), "Seccomp: 2 printed");
    assert!(run.line_starting("  Seccomp_filters: 1").is_some());
    assert!(run.lines.iter().any(|l| l.contains(" — allowed")));
}

fn assert_record_for(run: &Run, pid: u32) {
    let rec = run.raw_record().expect("raw audit record printed");
    let toks: Vec<&str> = rec.split_whitespace().collect();
    assert!(toks.contains(&"type=1326"), "{rec}");
    let sys = format!("syscall={}", getppid_nr());
    assert!(toks.contains(&sys.as_str()), "{rec}");
    assert!(toks.contains(&"code=0x7ffc0000"), "{rec}");
    let pid_tok = format!("pid={pid}");
    assert!(toks.contains(&pid_tok.as_str()), "{rec}");
    assert!(
        run.lines
            .iter()
            .any(|l| l == "  code=0x7ffc0000 → SECCOMP_RET_LOG")
    );
}

#[test]
fn live_as_root_logs_getppid_with_child_pid() {
    if !is_root() {
        eprintln!("SKIP: not root; the unprivileged test covers this user");
        return;
    }
    let run = run_child(&[]);
    if kernel_lacks_feature(&run) {
        return;
    }
    assert_eq!(run.probe_support(), "yes", "root can read /dev/kmsg");
    assert_filter_live(&run);
    let pid = run.child_pid();
    assert_record_for(&run, pid);
    let verdict = format!(
        "✓ getppid (syscall {}) of pid {pid}: allowed, logged",
        getppid_nr()
    );
    assert_eq!(run.lines.last().map(String::as_str), Some(verdict.as_str()));
    assert_eq!(run.code, 0);
    // The filter lived only in the child.
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().eq(["Seccomp:", "0"]))
    );
}

#[test]
fn as_nobody_filter_live_log_partial() {
    if !is_root() {
        eprintln!("SKIP: setpriv to nobody needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bin = dir.path().join("kdeck");
    std::fs::copy(env!("CARGO_BIN_EXE_kdeck"), &bin).expect("copy binary");
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["__child", ID])
        .output()
        .expect("run setpriv");
    let run = Run::from(out);
    if kernel_lacks_feature(&run) {
        return;
    }
    assert_filter_live(&run);
    let restrict = std::fs::read_to_string("/proc/sys/kernel/dmesg_restrict").unwrap_or_default();
    if restrict.trim() == "1" {
        assert_eq!(run.probe_support(), "partial");
        let partial = run
            .line_starting("##kdeck partial audit-log ")
            .expect("partial audit-log line");
        assert!(partial.contains("CAP_SYSLOG"), "{partial}");
        assert!(partial.contains("kernel.dmesg_restrict = 1"), "{partial}");
        assert!(run.raw_record().is_none());
        assert!(!run.lines.iter().any(|l| l == "##kdeck step audit-log"));
        let last = run.lines.last().map(String::as_str).unwrap_or("");
        assert!(last.starts_with("✓ "), "{last}");
    } else {
        eprintln!(
            "dmesg_restrict = {}: nobody reads the log live",
            restrict.trim()
        );
        assert_record_for(&run, run.child_pid());
    }
    assert_eq!(run.code, 0);
}

#[test]
fn forced_no_falls_back() {
    let run = run_child(&[("KDECK_PROBE_FORCE", "seccomp-log=no")]);
    assert_eq!(run.code, 3);
    assert_eq!(run.probe_support(), "no");
    assert!(run.line_starting("##kdeck unsupported ").is_some());
    assert!(run.line_starting("##kdeck step").is_none());
}

#[test]
fn pretty_prints_the_filter() {
    let prog = bpf::log_filter(bpf::AUDIT_ARCH_X86_64, 110);
    let lines = bpf::disassemble(&prog);
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0], "  0: ld  [arch]");
    assert_eq!(lines[1], "  1: jeq #AUDIT_ARCH_X86_64, 2, 5");
    assert_eq!(lines[2], "  2: ld  [nr]");
    assert!(lines[3].starts_with("  3: jeq #110"), "{}", lines[3]);
    assert!(lines[3].ends_with(", 4, 5"), "{}", lines[3]);
    assert_eq!(lines[4], "  4: ret LOG");
    assert_eq!(lines[5], "  5: ret ALLOW");

    let arm = bpf::disassemble(&bpf::log_filter(bpf::AUDIT_ARCH_AARCH64, 173));
    assert_eq!(arm[1], "  1: jeq #AUDIT_ARCH_AARCH64, 2, 5");
    assert_eq!(bpf::action_name(0x0005_000d), "ERRNO(13)");
}
