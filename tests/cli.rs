//! The command line as a CI engineer and a shell user meet it: the real binary, its
//! reports on standard output, output paths checked before any demo runs, exit codes,
//! GitHub annotations, `--version` and help on every subcommand, completions and the
//! man page, what `kdeck demo` says it ran, `kspp --fail-under`, the crate's metadata.

use std::path::Path;
use std::process::{Command, Stdio};

use quick_junit::{Report, TestCaseStatus};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `kdeck ARGS` in `dir` with no terminal and none of the switches a developer's
/// shell or a CI job might set.
fn kdeck_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("KDECK_PROBE_FORCE")
        .env_remove("KDECK_FORCE_RECORDED")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run kdeck");
    let out = Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    eprintln!(
        "$ kdeck {}\n--- exit {} ---\n--- stdout ---\n{}--- stderr ---\n{}",
        args.join(" "),
        out.code,
        out.stdout,
        out.stderr
    );
    out
}

fn kdeck(args: &[&str]) -> Out {
    kdeck_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The demo that falls back on every machine: its probe is forced to say no.
const FORCED: (&str, &str) = ("KDECK_PROBE_FORCE", "landlock=no");

// ---- kdeck record: reports on standard output, paths checked first, exit 2 --------

#[test]
fn record_reports_go_to_standard_output_with_dash() {
    let tmp = tempfile::tempdir().unwrap();
    let out = kdeck_in(
        tmp.path(),
        &["record", "--only", "landlock", "--json", "-"],
        &[],
    );
    assert_eq!(out.code, 0);
    let doc = json(&out.stdout);
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["demos"][0]["id"], "landlock");
    // The table moved to stderr; no file named "-" appeared.
    assert!(out.stderr.contains("1 demo: 1 live,"), "{}", out.stderr);
    assert!(!tmp.path().join("-").exists());

    let out = kdeck_in(
        tmp.path(),
        &["record", "--only", "landlock", "--junit", "-"],
        &[],
    );
    assert_eq!(out.code, 0);
    let junit = Report::deserialize_from_str(&out.stdout).expect("JUnit on stdout");
    assert_eq!(junit.test_suites[0].test_cases[0].name.as_str(), "landlock");

    let out = kdeck_in(
        tmp.path(),
        &["record", "--only", "landlock", "--markdown", "-"],
        &[],
    );
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with("### kdeck record — Linux "),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("| `landlock` | live | ✅ pass |"));
    assert!(out.stdout.contains("**1 demo**: 1 live, 0 partial"));
    assert!(!out.stdout.contains("DEMO "), "the table went to stdout");
}

#[test]
fn record_checks_output_paths_before_running_demos() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    let bad: [&[&str]; 3] = [
        // A directory where a file should go.
        &["--junit", "taken"],
        // Two reports on standard output.
        &["--json", "-", "--junit", "-"],
        // A parent that can't be created: a file stands in its way.
        &["--json", "j.json", "--markdown", "j.json/x.md"],
    ];
    let want = [
        "kdeck record: --junit taken: is a directory, not a file",
        "kdeck record: --json, --junit: only one report can go to standard output (-)",
        "kdeck record: --markdown j.json/x.md: can't create directory j.json: ",
    ];
    for (args, want) in bad.iter().zip(want) {
        let out_dir = format!("out-{}", args[0].trim_start_matches('-'));
        let mut all = vec!["record", "--only", "landlock", "--out", &out_dir];
        all.extend_from_slice(args);
        let out = kdeck_in(tmp.path(), &all, &[]);
        assert_eq!(out.code, 2, "a usage or I/O error exits 2");
        assert!(out.stderr.starts_with(want), "{}", out.stderr);
        assert_eq!(out.stdout, "", "no demo ran, no table");
        let casts = std::fs::read_dir(tmp.path().join(&out_dir))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(casts, 0, "no demo ran before the check");
    }

    // A missing directory is created, like --out's.
    let out = kdeck_in(
        tmp.path(),
        &[
            "record",
            "--only",
            "landlock",
            "--junit",
            "ci/x/j.xml",
            "--json",
            "ci/y/r.json",
        ],
        &[],
    );
    assert_eq!(out.code, 0);
    assert!(tmp.path().join("ci/x/j.xml").is_file());
    assert_eq!(json(&read(&tmp.path().join("ci/y/r.json")))["schema"], 1);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---- GitHub Actions: annotations, step summary, JUnit -------------------------------

#[test]
fn github_actions_annotations_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let summary_s = summary.to_str().unwrap();
    let envs = [
        FORCED,
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary_s),
    ];
    let out = kdeck_in(tmp.path(), &["record", "--only", "landlock"], &envs);
    assert_eq!(out.code, 0);
    let line = out
        .stderr
        .lines()
        .find(|l| l.starts_with("::"))
        .expect("a workflow command");
    assert!(
        line.starts_with(
            "::warning title=landlock::fell back to its recording: forced unsupported"
        ),
        "{line}"
    );
    let md = read(&summary);
    assert!(md.starts_with("earlier step\n### kdeck record"), "{md}");
    assert!(
        md.contains("**1 demo**: 0 live, 0 partial, 1 recorded"),
        "{md}"
    );

    // Under --on-fallback fail the same fallback is an error annotation (exit 4).
    let out = kdeck_in(
        tmp.path(),
        &["record", "--only", "landlock", "--on-fallback", "fail"],
        &envs,
    );
    assert_eq!(out.code, 4);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("::error title=landlock::fell back")),
        "{}",
        out.stderr
    );

    // Outside GitHub Actions: plain stderr lines only.
    let out = kdeck_in(tmp.path(), &["record", "--only", "landlock"], &[FORCED]);
    assert!(!out.stderr.contains("::warning"), "{}", out.stderr);
    assert!(out.stdout.contains("\n1 demo: 0 live"), "{}", out.stdout);
}

#[test]
fn junit_marks_partial_runs_and_carries_timestamp_and_hostname() {
    let tmp = tempfile::tempdir().unwrap();
    // ima is partial on a kernel without IMA (this machine's), landlock is forced to
    // fall back; both get their mode and reason as properties.
    let out = kdeck_in(
        tmp.path(),
        &[
            "record", "--only", "ima", "landlock", "--junit", "j.xml", "--json", "r.json",
        ],
        &[FORCED],
    );
    assert_eq!(out.code, 0);
    let report = json(&read(&tmp.path().join("r.json")));
    let junit = Report::deserialize_from_str(&read(&tmp.path().join("j.xml"))).unwrap();
    let suite = &junit.test_suites[0];
    let want_start = chrono::DateTime::parse_from_rfc3339(report["date"].as_str().unwrap())
        .expect("RFC 3339 date");
    assert_eq!(suite.timestamp, Some(want_start));
    let host = nix::unistd::gethostname().unwrap();
    assert_eq!(
        suite.extra.get("hostname").map(|h| h.as_str()),
        Some(host.to_str().unwrap())
    );
    let prop = |props: &[quick_junit::Property], name: &str| {
        props
            .iter()
            .find(|p| p.name.as_str() == name)
            .map(|p| p.value.as_str().to_string())
    };
    assert_eq!(
        prop(&suite.properties, "kdeck.kernel").as_deref(),
        report["kernel"].as_str()
    );
    for d in report["demos"].as_array().unwrap() {
        let case = suite
            .test_cases
            .iter()
            .find(|c| c.name.as_str() == d["id"])
            .unwrap();
        assert_eq!(
            prop(&case.properties, "kdeck.mode").as_deref(),
            d["mode"].as_str()
        );
        assert_eq!(
            prop(&case.properties, "kdeck.reason").as_deref(),
            d["reason"].as_str()
        );
    }
    let ima = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "ima")
        .unwrap();
    assert_eq!(
        prop(&ima.properties, "kdeck.mode").as_deref(),
        Some("partial")
    );
    assert!(matches!(ima.status, TestCaseStatus::Success { .. }));
    let reason = prop(&ima.properties, "kdeck.reason").unwrap();
    assert!(reason.contains("IMA"), "{reason}");
}

// ---- --version, help, global options -----------------------------------------------

const SUBCOMMANDS: &[&str] = &[
    "present",
    "probe",
    "demo",
    "check",
    "list",
    "kspp",
    "record",
    "export",
    "matrix",
    "speaker",
    "completions",
    "man",
];

#[test]
fn version_works_on_every_subcommand() {
    let version = env!("CARGO_PKG_VERSION");
    let out = kdeck(&["--version"]);
    assert_eq!(
        (out.code, out.stdout.trim()),
        (0, format!("kdeck {version}").as_str())
    );
    for sub in SUBCOMMANDS {
        let out = kdeck(&[sub, "--version"]);
        assert_eq!(out.code, 0, "{sub} --version");
        assert_eq!(out.stdout.trim(), format!("kdeck-{sub} {version}"));
    }
}

#[test]
fn every_flag_has_a_one_line_help_and_no_module_paths() {
    // The subcommand list is the help's own, so a new subcommand is checked too.
    let top = kdeck(&["--help"]).stdout;
    let listed: Vec<&str> = top
        .split("Commands:")
        .nth(1)
        .expect("a Commands section")
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|s| *s != "help")
        .collect();
    assert_eq!(listed, SUBCOMMANDS);
    for sub in std::iter::once("").chain(SUBCOMMANDS.iter().copied()) {
        let args: Vec<&str> = [sub, "-h"].into_iter().filter(|a| !a.is_empty()).collect();
        let help = kdeck(&args).stdout;
        let mut options = 0;
        for line in help.lines().filter(|l| l.trim_start().starts_with('-')) {
            options += 1;
            // "      --json <FILE>  Write ...": the flag, two spaces or more, the help.
            let text = line.trim().split_once("  ").map(|(_, h)| h.trim());
            assert!(
                text.is_some_and(|t| !t.is_empty()),
                "kdeck {sub}: no help for {line:?}"
            );
        }
        assert!(options >= 2, "kdeck {sub} -h lists its options:\n{help}");
        for args in [vec![sub, "-h"], vec![sub, "--help"]] {
            let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
            let help = kdeck(&args).stdout;
            assert!(!help.contains("::"), "kdeck {sub}: a Rust path in:\n{help}");
        }
    }
}

#[test]
fn global_options_before_a_subcommand_are_rejected() {
    let out = kdeck(&["--deck", "/nonexistent", "list"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "", "nothing listed");
    assert!(
        out.stderr
            .contains("the subcommand 'list' cannot be used with '--deck <DIR>'"),
        "{}",
        out.stderr
    );
    let out = kdeck(&["--recorded", "demo", "landlock"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("'--recorded'"), "{}", out.stderr);
    // After the subcommand, --deck is list's own and is honoured.
    let out = kdeck(&["list", "--deck", "/nonexistent"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("/nonexistent"), "{}", out.stderr);
}

// ---- completions and man page ---------------------------------------------------------

#[test]
fn completions_for_bash_zsh_fish() {
    let bash = kdeck(&["completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(
        bash.stdout.contains("complete -F _kdeck"),
        "{}",
        bash.stdout
    );
    // bash itself parses it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kdeck.bash");
    std::fs::write(&file, &bash.stdout).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let zsh = kdeck(&["completions", "zsh"]);
    assert_eq!(zsh.code, 0);
    assert!(zsh.stdout.starts_with("#compdef kdeck"), "{}", zsh.stdout);
    let fish = kdeck(&["completions", "fish"]);
    assert_eq!(fish.code, 0);
    assert!(
        fish.stdout
            .contains("complete -c kdeck -n \"__fish_kdeck_using_subcommand record\""),
        "{}",
        fish.stdout
    );
    for out in [&bash, &zsh, &fish] {
        assert!(
            out.stdout.contains("fail-under"),
            "kspp's flags are completed"
        );
    }
    let bad = kdeck(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn man_page_is_roff_on_stdout() {
    let out = kdeck(&["man"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(".TH kdeck 1"), "{}", out.stdout);
    for sub in SUBCOMMANDS {
        assert!(out.stdout.contains(sub), "{sub} missing from the man page");
    }
    // --dir: the main page and one per subcommand, as `man` finds them.
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("man1");
    let out = kdeck(&["man", "--dir", man1.to_str().unwrap()]);
    assert_eq!(out.code, 0);
    assert_eq!(read(&man1.join("kdeck.1")), kdeck(&["man"]).stdout);
    let record = read(&man1.join("kdeck-record.1"));
    assert!(record.contains(".TH kdeck-record 1"), "{record}");
    assert!(record.contains("\\-\\-markdown"), "{record}");
    for sub in SUBCOMMANDS {
        assert!(
            man1.join(format!("kdeck-{sub}.1")).is_file(),
            "kdeck-{sub}.1"
        );
    }
    assert!(
        !man1.join("kdeck-__child.1").exists(),
        "hidden subcommands stay out"
    );
}

// ---- kdeck demo says what ran ---------------------------------------------------------

#[test]
fn demo_header_says_what_actually_ran() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = kdeck_in(dir, &["demo", "landlock", "--speed", "0"], &[FORCED]);
    assert_eq!(out.code, 0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "kdeck demo landlock");
    assert!(!out.stdout.contains("(live)"), "{}", out.stdout);
    assert!(out.stdout.contains("\n◌ RECORDED — forced unsupported"));
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("(replayed the recording, finished in "),
        "{last}"
    );

    let out = kdeck_in(dir, &["demo", "landlock"], &[]);
    assert_eq!(out.code, 0);
    let last = out.stdout.lines().last().unwrap();
    assert!(last.starts_with("(ran live, finished in "), "{last}");
    assert!(!out.stdout.contains("RECORDED"));

    let out = kdeck_in(
        dir,
        &["demo", "landlock", "--recorded", "--speed", "0"],
        &[],
    );
    assert_eq!(
        out.stdout.lines().next(),
        Some("kdeck demo landlock (recorded)")
    );
}

// ---- kdeck kspp -------------------------------------------------------------------------

fn kspp_fixture(name: &str) -> String {
    format!("{}/tests/fixtures/kspp/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn kspp_fail_under_gates_on_passing_checks() {
    let (config, sysctl) = (
        kspp_fixture("default.config"),
        kspp_fixture("default.sysctl"),
    );
    let base = ["kspp", "--config", &config, "--sysctl", &sysctl];
    let out = kdeck(&[&base[..], &["--json"]].concat());
    assert_eq!(out.code, 0);
    let doc = json(&out.stdout);
    assert_eq!(doc["schema"], 1);
    let passed = doc["passed"].as_u64().unwrap() as usize;
    assert!(passed > 0);
    let at = passed.to_string();
    let above = (passed + 1).to_string();
    let out = kdeck(&[&base[..], &["--fail-under", &at]].concat());
    assert_eq!(out.code, 0, "{passed} passing is not under {passed}");
    let out = kdeck(&[&base[..], &["--fail-under", &above]].concat());
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!(
            "{passed} of {} checks pass, fewer than --fail-under {above}",
            doc["total"]
        )),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("KSPP checks"), "the table still prints");
}

#[test]
fn kspp_names_a_missing_file_and_a_directory_in_words() {
    let out = kdeck(&["kspp", "--config", "/nonexistent/kspp.config"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "kdeck: /nonexistent/kspp.config: its directory /nonexistent does not exist\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = kdeck(&["kspp", "--sysctl", d]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stderr, format!("kdeck: {d}: is a directory\n"));
}

// ---- JSON schema everywhere ---------------------------------------------------------------

#[test]
fn every_json_output_carries_a_schema_number() {
    let probe = json(&kdeck(&["probe", "--json"]).stdout);
    assert_eq!(probe["schema"], 1);
    let first = &probe["demos"][0];
    for field in ["demo", "title", "support", "evidence"] {
        assert!(
            first.get(field).is_some(),
            "probe row lacks {field}: {first}"
        );
    }
    let list = json(&kdeck(&["list", "--json"]).stdout);
    assert_eq!(list["schema"], 1);
    assert_eq!(list["slides"][0]["n"], 1);
    let tmp = tempfile::tempdir().unwrap();
    let out = kdeck_in(
        tmp.path(),
        &["matrix", "--no-host", "--out", "m", "--json", "m.json"],
        &[],
    );
    assert_eq!(out.code, 0);
    let matrix = json(&read(&tmp.path().join("m.json")));
    assert_eq!(matrix["schema"], 1);
    assert!(matrix["kernels"].as_array().unwrap().is_empty());
    // kspp's and record's are checked above.
}

#[test]
fn the_tui_reads_the_probe_json_it_asks_for() {
    // The "Then vs now" slide and the walkthrough read `kdeck probe --json` this way.
    let answers =
        kdeck::demo::probe_answers(Path::new(env!("CARGO_BIN_EXE_kdeck"))).expect("probe answers");
    let ids: Vec<&str> = answers.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, kdeck::demo::ids());
    let landlock = answers.iter().find(|(id, _)| id == "landlock").unwrap();
    assert_eq!(landlock.1, kdeck::probe::Support::Yes);
}

// ---- the crate can be installed and published ------------------------------------------------

#[test]
fn cargo_metadata_for_install_and_publishing() {
    let manifest: toml::Table = toml::from_str(&read(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
    ))
    .unwrap();
    let package = manifest["package"].as_table().unwrap();
    for key in ["repository", "homepage", "readme", "description", "license"] {
        let value = package.get(key).and_then(|v| v.as_str()).unwrap_or("");
        assert!(!value.is_empty(), "Cargo.toml lacks package.{key}");
    }
    for key in ["keywords", "categories"] {
        let n = package
            .get(key)
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len);
        assert!(
            (1..=5).contains(&n),
            "package.{key}: 1 to 5 entries, not {n}"
        );
    }
    let readme =
        read(&Path::new(env!("CARGO_MANIFEST_DIR")).join(package["readme"].as_str().unwrap()));
    assert!(readme.contains("cargo install --path ."));
}

/// `cargo install --path .` builds and installs a working kdeck (debug profile), without
/// the test hooks this test build has. It builds in a target directory of its own inside
/// this build's (kept between runs, so only kdeck itself is recompiled after a change):
/// sharing this build's would put the hookless binary where the other tests run theirs.
#[test]
fn cargo_install_from_the_checkout_works() {
    let root = tempfile::tempdir().unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_kdeck"));
    let target = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/kdeck")
        .join("install-check");
    let out = Command::new(env!("CARGO"))
        .args(["install", "--locked", "--debug", "--offline", "--path", "."])
        .arg("--root")
        .arg(root.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo install");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = root.path().join("bin/kdeck");
    let version = kdeck_at(&installed, &["--version"]);
    assert_eq!(
        version.trim(),
        format!("kdeck {}", env!("CARGO_PKG_VERSION"))
    );
    // The slides are in the binary: it lists them from any directory.
    let list = kdeck_at(&installed, &["list"]);
    assert!(
        list.contains("Container-Relevant Kernel Developments"),
        "{list}"
    );
    // Built without the test-hooks feature this test build has: no hook's variable is in
    // the binary, and setting one changes nothing.
    let hooks = [
        kdeck::demo::TEST_SLEEP_ENV,
        kdeck::probe::FORCE_ENV,
        kdeck::probe::wireguard::KIND_ENV,
    ];
    let has = |bin: &Path, name: &str| {
        let bytes = std::fs::read(bin).unwrap();
        bytes.windows(name.len()).any(|w| w == name.as_bytes())
    };
    for hook in hooks {
        assert!(has(exe, hook), "the test build lacks its hook {hook}");
        assert!(
            !has(&installed, hook),
            "the installed kdeck has the hook {hook}"
        );
    }
    let demo = |id: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::new(&installed);
        cmd.args(["demo", id])
            .env_remove("KDECK_FORCE_RECORDED")
            .stdin(Stdio::null());
        for hook in hooks {
            cmd.env_remove(hook);
        }
        let out = cmd.envs(env.iter().copied()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), text)
    };
    // With the hooks the child would sleep past the demo's timeout, or the probe would
    // say no and the recording would play: the demo runs live either way.
    for env in [
        (kdeck::demo::TEST_SLEEP_ENV, "600"),
        (kdeck::probe::FORCE_ENV, "landlock=no"),
    ] {
        let (code, text) = demo("landlock", &[env]);
        assert_eq!(code, Some(0), "{env:?}: {text}");
        assert!(text.contains("(ran live, finished in"), "{env:?}: {text}");
    }
    // With the hook the WireGuard demo would create a bridge (where the kernel has one),
    // live; without it, the run is the one with the variable unset, line for line but
    // the last one's time.
    let kind = (kdeck::probe::wireguard::KIND_ENV, "bridge");
    let (plain_code, plain) = demo("wireguard", &[]);
    let (code, text) = demo("wireguard", &[kind]);
    let untimed = |t: &str| {
        t.lines()
            .map(|l| l.split(", finished in").next().unwrap_or(l).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(code, plain_code, "{text}");
    assert_eq!(untimed(&text), untimed(&plain));
    assert!(!text.contains("bridge"), "{text}");
}

fn kdeck_at(exe: &Path, args: &[&str]) -> String {
    let o = Command::new(exe)
        .args(args)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run the installed kdeck");
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout).into_owned()
}
