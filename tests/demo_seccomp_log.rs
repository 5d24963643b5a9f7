//! The `seccomp-log` demo against the real kernel: a SECCOMP_RET_LOG filter in the
//! child, a raw getppid, and the kernel's type=1326 record for the child's pid.

mod common;

use common::child::{Run, assert_forced_fallback, child_as_nobody, child_as_root};
use kdeck::demo::seccomp_log::bpf;

const ID: &str = "seccomp-log";

/// The pid the demo says it runs as ("In this child, pid N:").
fn child_pid(run: &Run) -> u32 {
    let line = run
        .line_starting("In this child, pid ")
        .expect("the demo prints its pid");
    line.trim_start_matches("In this child, pid ")
        .trim_end_matches(':')
        .parse()
        .expect("pid is a number")
}

/// The raw audit record, re-joined from its wrapped lines.
fn raw_record(run: &Run) -> Option<String> {
    let lines = run.lines();
    let start = lines.iter().position(|l| l.starts_with("  raw: "))?;
    let mut rec = lines[start]["  raw: ".len()..].to_string();
    for l in &lines[start + 1..] {
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

fn seccomp_mode(run: &Run) -> Option<&str> {
    run.line_starting("  Seccomp: ")
        .map(|l| l.trim_start_matches("  Seccomp: ").trim())
}

fn getppid_nr() -> u32 {
    u32::try_from(libc::SYS_getppid).expect("small syscall number")
}

/// A kernel without RET_LOG support answers "no" and the demo falls back.
fn kernel_lacks_feature(run: &Run) -> bool {
    if run.probe_support() == "no" {
        eprintln!(
            "SKIP: the kernel lacks SECCOMP_RET_LOG: {:?}",
            run.lines().first()
        );
        assert_eq!(run.code, 3);
        return true;
    }
    false
}

fn assert_filter_live(run: &Run) {
    assert!(
        run.has_line("$ seccomp(SECCOMP_SET_MODE_FILTER, 0, &prog) = 0"),
        "filter installed live"
    );
    assert!(run.has_line("  5: ret ALLOW"));
    assert_eq!(seccomp_mode(run), Some("2"), "Seccomp: 2 printed");
    assert!(run.line_starting("  Seccomp_filters: 1").is_some());
    assert!(run.out.lines().any(|l| l.contains(" — allowed")));
}

fn assert_record_for(run: &Run, pid: u32) {
    let rec = raw_record(run).expect("raw audit record printed");
    let toks: Vec<&str> = rec.split_whitespace().collect();
    assert!(toks.contains(&"type=1326"), "{rec}");
    let sys = format!("syscall={}", getppid_nr());
    assert!(toks.contains(&sys.as_str()), "{rec}");
    assert!(toks.contains(&"code=0x7ffc0000"), "{rec}");
    let pid_tok = format!("pid={pid}");
    assert!(toks.contains(&pid_tok.as_str()), "{rec}");
    assert!(run.has_line("  code=0x7ffc0000 → SECCOMP_RET_LOG"));
}

#[test]
fn live_as_root_logs_getppid_with_child_pid() {
    // Not root: the unprivileged test covers this user.
    let Some(run) = child_as_root(ID, &[]) else {
        return;
    };
    if kernel_lacks_feature(&run) {
        return;
    }
    assert_eq!(run.probe_support(), "yes", "root can read /dev/kmsg");
    assert_filter_live(&run);
    let pid = child_pid(&run);
    assert_record_for(&run, pid);
    let verdict = format!(
        "✓ getppid (syscall {}) of pid {pid}: allowed, logged",
        getppid_nr()
    );
    assert_eq!(run.verdict(), verdict);
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
    let Some(run) = child_as_nobody(ID, &[]) else {
        return;
    };
    if kernel_lacks_feature(&run) {
        return;
    }
    assert_filter_live(&run);
    let restrict = std::fs::read_to_string("/proc/sys/kernel/dmesg_restrict").unwrap_or_default();
    if restrict.trim() == "1" {
        assert_eq!(run.probe_support(), "partial");
        let partial = run
            .line_starting("» partial audit-log ")
            .expect("partial audit-log line");
        assert!(partial.contains("CAP_SYSLOG"), "{partial}");
        assert!(partial.contains("kernel.dmesg_restrict = 1"), "{partial}");
        assert!(raw_record(&run).is_none());
        assert!(!run.steps().contains(&"audit-log"));
        let last = run.verdict();
        assert!(last.starts_with("✓ "), "{last}");
    } else {
        eprintln!(
            "dmesg_restrict = {}: nobody reads the log live",
            restrict.trim()
        );
        assert_record_for(&run, child_pid(&run));
    }
    assert_eq!(run.code, 0);
}

#[test]
fn forced_no_falls_back() {
    assert_forced_fallback(ID);
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
