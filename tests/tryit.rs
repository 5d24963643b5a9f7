//! "Try it yourself": every demo's printed shell commands that this machine can run are
//! run, and their output must show the demo's outcome; `kdeck demo` prints them.

mod common;

use std::process::Command;

use kdeck::demo::tryit;

fn sh(cmd: &str) -> std::process::Output {
    Command::new("timeout")
        .args(["20", "sh", "-c", cmd])
        .current_dir("/")
        .output()
        .expect("run sh")
}

#[test]
fn every_command_this_machine_has_shows_the_outcome() {
    let mut ran = 0;
    for d in kdeck::demo::registry() {
        for t in tryit::for_demo(d.id) {
            if !sh(&format!("{{ {}; }} >/dev/null 2>&1", t.needs))
                .status
                .success()
            {
                eprintln!("{}: this machine lacks what `{}` needs", d.id, t.cmd);
                continue;
            }
            let out = sh(t.cmd);
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                t.expect.met(out.status.success(), &text),
                "{}: `{}` (exit {:?}), expected {:?}: {text}",
                d.id,
                t.cmd,
                out.status.code(),
                t.expect
            );
            ran += 1;
        }
    }
    // Root on a kernel with user and time namespaces has at least these: ima, container,
    // timens, seccomp-log, namespaces, kspp.
    if common::child::is_root() {
        assert!(ran >= 6, "only {ran} commands could run");
    }
}

#[test]
fn kdeck_demo_prints_them_before_the_trailer() {
    let out = Command::new(common::exe())
        .args(["demo", "container"])
        .output()
        .expect("run kdeck");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "Try it yourself:")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(lines[at + 1], "  $ ls -l /proc/self/ns");
    assert!(
        lines.last().is_some_and(|l| l.starts_with("(ran ")),
        "{text}"
    );
}
