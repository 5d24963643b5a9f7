//! The harness of the live demo tests (tests/demo_*.rs): run the real binary as
//! `kdeck __child <id>`, as the test user or as `nobody`, and read its typed messages
//! (on stdout, as no report descriptor is given), each turned into one line to assert
//! on: audience lines and verdicts as shown, the rest as `» probe <yes|partial|no>
//! <evidence>`, `» step <label>`, `» partial <step> <why>`, `» unsupported <why>`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use kdeck::demo::protocol::{ChildMsg, verdict_line};

/// Test-only overrides a run never inherits from the shell running the tests.
const OVERRIDES: [&str; 4] = [
    "KDECK_PROBE_FORCE",
    "KDECK_WG_KIND",
    "KDECK_REPORT_FD",
    "KDECK_SPEC",
];

/// The prefix of every typed message, as [`readable`] writes it.
const CONTROL: &str = "» ";

/// One finished `kdeck __child <id>` run.
pub struct Run {
    /// The exit code; -1 if a signal ended the child.
    pub code: i32,
    pub out: String,
    pub err: String,
}

impl Run {
    /// Every stdout line.
    pub fn lines(&self) -> Vec<&str> {
        self.out.lines().collect()
    }

    /// Whether stdout has exactly this line.
    pub fn has_line(&self, line: &str) -> bool {
        self.out.lines().any(|l| l == line)
    }

    /// Asserts that stdout has exactly this line.
    pub fn assert_line(&self, line: &str) {
        assert!(
            self.has_line(line),
            "missing line {line:?} in:\n{}\nstderr:\n{}",
            self.out,
            self.err
        );
    }

    /// The first line that starts with `prefix`.
    pub fn line_starting(&self, prefix: &str) -> Option<&str> {
        self.out.lines().find(|l| l.starts_with(prefix))
    }

    /// The one line that starts with `prefix`; panics unless there is exactly one.
    pub fn one_line_starting(&self, prefix: &str) -> &str {
        let found: Vec<&str> = self.out.lines().filter(|l| l.starts_with(prefix)).collect();
        assert_eq!(found.len(), 1, "want one {prefix:?} line in:\n{}", self.out);
        found[0]
    }

    /// The `»` control lines, without the prefix ("step ids", "probe yes ...").
    pub fn control_lines(&self) -> Vec<&str> {
        self.out
            .lines()
            .filter_map(|l| l.strip_prefix(CONTROL))
            .collect()
    }

    /// The arguments of every control line with this verb, in order.
    fn control_args(&self, verb: &str) -> Vec<&str> {
        self.control_lines()
            .into_iter()
            .filter_map(|c| c.strip_prefix(verb)?.strip_prefix(' '))
            .collect()
    }

    /// The probe's answer: "yes", "partial" or "no" ("" without a probe line).
    pub fn probe_support(&self) -> &str {
        self.control_args("probe")
            .first()
            .and_then(|a| a.split(' ').next())
            .unwrap_or("")
    }

    /// The step labels (`» step <label>`), in order.
    pub fn steps(&self) -> Vec<&str> {
        self.control_args("step")
    }

    /// The steps that could not run live (`» partial <step> <why>`), in order.
    pub fn partial_steps(&self) -> Vec<&str> {
        self.control_args("partial")
            .into_iter()
            .map(|a| a.split(' ').next().unwrap_or(a))
            .collect()
    }

    /// Asserts that every label is a step and that they came in this order.
    pub fn assert_steps_in_order(&self, labels: &[&str]) {
        let steps = self.steps();
        let at: Vec<usize> = labels
            .iter()
            .map(|l| {
                steps
                    .iter()
                    .position(|s| s == l)
                    .unwrap_or_else(|| panic!("no step {l:?} in {steps:?}"))
            })
            .collect();
        assert!(at.is_sorted(), "steps out of order: {steps:?}");
    }

    /// The lines after `» step <label>` up to the next step marker (empty if
    /// there is no such step).
    pub fn section(&self, label: &str) -> Vec<&str> {
        let marker = format!("{CONTROL}step {label}");
        self.out
            .lines()
            .skip_while(|l| *l != marker)
            .skip(1)
            .take_while(|l| !l.starts_with("» step "))
            .collect()
    }

    /// The last stdout line, where a demo prints its ✓ or ✗ verdict ("" if none).
    pub fn verdict(&self) -> &str {
        self.out.lines().last().unwrap_or_default()
    }

    /// How many ✓/✗ marks ("✓ ", "✗ ") stdout has anywhere.
    pub fn marks(&self) -> usize {
        self.out.matches("✓ ").count() + self.out.matches("✗ ").count()
    }
}

/// Whether the tests run as root (and so can switch to nobody).
pub fn is_root() -> bool {
    // SAFETY: geteuid never fails and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `kdeck __child <id>` as the test user with `envs` set (test-only overrides
/// cleared first), from `/`.
pub fn child(id: &str, envs: &[(&str, &str)]) -> Run {
    finish(Command::new(super::exe()), id, envs)
}

/// [`child`] for a test that only means something as root: `None`, with the reason
/// printed, if the tests are not root.
pub fn child_as_root(id: &str, envs: &[(&str, &str)]) -> Option<Run> {
    if !is_root() {
        eprintln!("skip: not root; this run checks what root sees");
        return None;
    }
    Some(child(id, envs))
}

/// Runs `kdeck __child <id>` as uid/gid 65534 with no groups (setpriv) with `envs`
/// set; `None`, with the reason printed, if the tests are not root and so can't
/// switch users.
///
/// The binary nobody runs is a copy in a fresh 0755 temp dir, so no directory on the
/// way to the build output needs to be traversable. Exec of a fresh copy can race
/// with a fork in another test thread, whose child briefly holds the copy's write fd
/// (ETXTBSY): such a run is retried.
pub fn child_as_nobody(id: &str, envs: &[(&str, &str)]) -> Option<Run> {
    if !is_root() {
        eprintln!("skip: not root, can't switch to nobody with setpriv");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    chmod_755(dir.path());
    let bin = dir.path().join("kdeck");
    std::fs::copy(super::exe(), &bin).expect("copy kdeck");
    chmod_755(&bin);
    let run = || {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        finish(cmd, id, envs)
    };
    for _ in 0..20 {
        let r = run();
        if !r.err.contains("Text file busy") {
            return Some(r);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(run())
}

/// The uid and gid a run had: 65534 for [`child_as_nobody`], else the test's own.
pub fn run_ids(as_nobody: bool) -> (u32, u32) {
    if as_nobody {
        (65534, 65534)
    } else {
        // SAFETY: getuid/getgid never fail and touch no memory.
        unsafe { (libc::getuid(), libc::getgid()) }
    }
}

/// Runs the demo with its probe forced to "no" (`KDECK_PROBE_FORCE=<id>=no`) and
/// asserts the fallback: exit 3, the forced probe line first, one `»
/// unsupported` line, and no step ran. Returns the run for further checks.
pub fn assert_forced_fallback(id: &str) -> Run {
    assert_forced_fallback_with(id, &[])
}

/// [`assert_forced_fallback`] with more environment for the child.
pub fn assert_forced_fallback_with(id: &str, envs: &[(&str, &str)]) -> Run {
    let force = format!("{id}=no");
    let mut all = vec![("KDECK_PROBE_FORCE", force.as_str())];
    all.extend_from_slice(envs);
    let r = child(id, &all);
    assert_eq!(r.code, 3, "exit code; output:\n{}", r.out);
    assert!(
        r.out.starts_with("» probe no forced unsupported"),
        "{}",
        r.out
    );
    assert_eq!(r.probe_support(), "no");
    r.one_line_starting("» unsupported ");
    assert!(!r.out.contains("» step"), "no live step ran: {}", r.out);
    assert!(r.steps().is_empty());
    r
}

/// Asserts that the output fits the demo pane: at most `max_lines` lines besides the
/// control lines, and at most `max_cols` characters in each, except the ✓/✗ verdict
/// (which the pane wraps).
pub fn assert_fits_pane(out: &str, max_lines: usize, max_cols: usize) {
    let lines: Vec<&str> = out.lines().filter(|l| !l.starts_with("»")).collect();
    assert!(lines.len() <= max_lines, "{} lines", lines.len());
    for l in lines
        .iter()
        .filter(|l| !l.starts_with('✓') && !l.starts_with('✗'))
    {
        assert!(l.chars().count() <= max_cols, "too wide: {l:?}");
    }
}

fn finish(mut cmd: Command, id: &str, envs: &[(&str, &str)]) -> Run {
    cmd.args(["__child", id]).current_dir("/");
    for k in OVERRIDES {
        cmd.env_remove(k);
    }
    cmd.envs(envs.iter().copied());
    let o = cmd.output().expect("run kdeck");
    let run = Run {
        code: o.status.code().unwrap_or(-1),
        out: readable(&String::from_utf8_lossy(&o.stdout)),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    eprintln!(
        "--- kdeck __child {id}: exit {} ---\n{}--- stderr ---\n{}",
        run.code, run.out, run.err
    );
    run
}

/// The child's stdout (its report descriptor, as no KDECK_REPORT_FD is given) with
/// each typed message written as one readable line: `» probe <support> <evidence>`,
/// `» step <label>`, `» partial <step> <why>`, `» unsupported <why>`; audience lines
/// and verdicts as the pane shows them. Lines that are no message stay as they are.
fn readable(stdout: &str) -> String {
    let mut out = String::new();
    for line in stdout.lines() {
        let shown = match ChildMsg::parse(line) {
            Some(ChildMsg::Probe { support, evidence }) => {
                format!("{CONTROL}probe {} {evidence}", support.as_str())
            }
            Some(ChildMsg::Step { label }) => format!("{CONTROL}step {label}"),
            Some(ChildMsg::Line { text }) => text,
            Some(ChildMsg::Verdict { passed, text }) => verdict_line(passed, &text),
            Some(ChildMsg::Partial { step, why }) => format!("{CONTROL}partial {step} {why}"),
            Some(ChildMsg::Unsupported { why }) => format!("{CONTROL}unsupported {why}"),
            None => line.to_string(),
        };
        out.push_str(&shown);
        out.push('\n');
    }
    out
}

fn chmod_755(path: &Path) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
}
