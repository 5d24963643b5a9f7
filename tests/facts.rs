//! Machine facts are computed, never written: every slide rendered against two
//! synthetic kernels says what each of them would; placeholders and `sources` are
//! checked with file:line; no slide, note or demo text names the machine the deck was
//! written on; recorded facts are labelled with their kernel and match the recording.

mod common;

use common::synthetic::{self, Kernel};
use common::*;
use kdeck::commands;
use kdeck::deck::Deck;
use kdeck::demo::Recordings;
use kdeck::facts::support_text;

/// (kernel, value) of a fact as the embedded recordings have it.
fn recorded(key: &str) -> (String, String) {
    kdeck::facts::recorded_facts(&Recordings::embedded())
        .remove(key)
        .unwrap_or_else(|| panic!("no recorded {key}"))
}

/// (file, body, notes) of every slide, placeholders filled the way the TUI fills them
/// after `kernel`'s probe answers, whitespace collapsed.
fn rendered(k: &Kernel) -> Vec<(String, String, String)> {
    let app = k.app_at(0, k.release);
    commands::list_rows(&app.deck, &app.slide_vars)
        .into_iter()
        .map(|r| (r.file.to_string(), squash(&r.body), squash(&r.notes)))
        .collect()
}

/// The index of the slide from this file.
fn index_of(file: &str) -> usize {
    deck()
        .slides
        .iter()
        .position(|s| s.file.ends_with(file))
        .unwrap_or_else(|| panic!("no slide {file}"))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn slide<'a>(all: &'a [(String, String, String)], file: &str) -> &'a (String, String, String) {
    all.iter()
        .find(|(f, _, _)| f.ends_with(file))
        .unwrap_or_else(|| panic!("no slide {file}"))
}

fn fact<'a>(k: &'a Kernel, key: &str) -> &'a str {
    k.facts
        .iter()
        .find(|(f, _)| *f == key)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("{key}"))
}

fn badge(k: &Kernel, demo: &str) -> &'static str {
    support_text(k.support.iter().find(|(d, _)| *d == demo).unwrap().1)
}

/// What each slide must say on kernel `k`; `audit` is the audit.userns text expected.
fn assert_agrees(k: &Kernel, audit: &str) {
    let all = rendered(k);
    for (file, body, notes) in &all {
        for text in [body, notes] {
            assert!(!text.contains("{probe:"), "{file}: unfilled: {text}");
            assert!(!text.contains("{kernel}"), "{file}: unfilled: {text}");
            assert!(!text.contains("… probing"), "{file}: {text}");
        }
    }
    let has = |file: &str, body: bool, want: &str| {
        let (_, b, n) = slide(&all, file);
        let text = if body { b } else { n };
        assert!(text.contains(want), "{file} should say {want:?}:\n{text}");
    };
    let abi = fact(k, "landlock.abi");
    let lsms = fact(k, "lsm.list");
    let kspp = fact(k, "kspp.score");
    has(
        "01-title.md",
        true,
        &format!("this kernel (Linux {})", k.release),
    );
    has(
        "03-ima.md",
        true,
        &format!("IMA active on this kernel: {}.", fact(k, "ima.active")),
    );
    has(
        "04-audit.md",
        true,
        &format!("Audit netlink from a user namespace, on this kernel: {audit}."),
    );
    has(
        "07-lsm-now.md",
        true,
        &format!(
            "This kernel: LSM syscalls {}; active LSMs {lsms}.",
            fact(k, "lsm.syscalls")
        ),
    );
    has("07-lsm-now.md", false, &format!("here that is {lsms}."));
    has(
        "12-landlock.md",
        false,
        &format!("ABI version (here {abi})"),
    );
    has(
        "13-landlock-abi.md",
        true,
        &format!("This kernel: ABI {abi}."),
    );
    has(
        "13-landlock-abi.md",
        false,
        &format!("off the slide ({abi})"),
    );
    has(
        "14-namespaces.md",
        true,
        &format!(
            "Now, on this kernel: {}.",
            fact(k, "namespaces.unprivileged")
        ),
    );
    has("16-kspp.md", true, &format!("Checks passed: {kspp}."));
    has(
        "18-then-vs-now.md",
        true,
        &format!(
            "| KSPP | XPFO in the works | {kspp} pass | kspp {} |",
            badge(k, "kspp")
        ),
    );
    has(
        "18-then-vs-now.md",
        true,
        &format!(
            "| Landlock | eBPF RFC | 5.13, no eBPF | landlock {} |",
            badge(k, "landlock")
        ),
    );
}

#[test]
fn every_slide_agrees_with_an_old_kernel() {
    let k = synthetic::old();
    // This kernel's probe could not make a user namespace: the audit fact is the
    // recording's, labelled with the kernel it came from.
    let (kernel, value) = recorded("audit.userns");
    assert_eq!(value, "ECONNREFUSED");
    assert_agrees(
        &k,
        &format!("ECONNREFUSED (recorded on Linux {kernel}, not measured now)"),
    );
}

#[test]
fn every_slide_agrees_with_a_recent_kernel() {
    assert_agrees(&synthetic::recent(), "ECONNREFUSED");
}

#[test]
fn the_two_kernels_render_differently_and_never_borrow_each_others_facts() {
    let (old, new) = (synthetic::old(), synthetic::recent());
    let text = |k: &Kernel| {
        rendered(k)
            .into_iter()
            .map(|(_, b, n)| format!("{b}\n{n}"))
            .collect::<String>()
    };
    let (a, b) = (text(&old), text(&new));
    assert!(a.contains("This kernel: ABI 2.") && !a.contains("This kernel: ABI 7."));
    assert!(b.contains("This kernel: ABI 7.") && !b.contains("This kernel: ABI 2."));
    assert!(a.contains("Checks passed: 17/30.") && !a.contains("24/32"));
    assert!(b.contains("Checks passed: 24/32.") && !b.contains("17/30"));
    assert!(!a.contains(new.release) && !b.contains(old.release));
    assert!(a.contains("on this kernel: no: unshare(CLONE_NEWUSER): EPERM as uid 1000"));
    assert!(b.contains("on this kernel: yes (as uid 1000).") && !b.contains("EPERM as uid"));
}

#[test]
fn the_tui_shows_the_same_facts() {
    let k = synthetic::old();
    let i = index_of("13-landlock-abi.md");
    let mut app = app_at(i);
    assert!(screen(&app, 100, 30).contains("This kernel: ABI … probing."));
    k.apply(&mut app);
    let s = screen(&app, 100, 30);
    assert!(s.contains("This kernel: ABI 2."), "{s}");
    // The notes are filled too.
    assert!(s.contains("off the slide (2)"), "{s}");
}

#[test]
fn recorded_mode_labels_every_fact_with_its_kernel() {
    let i = index_of("16-kspp.md");
    let mut app = kdeck::app::App::new(
        deck(),
        kdeck::app::Options {
            start: i,
            force_recorded: true,
            kernel: KERNEL.into(),
            ..Default::default()
        },
    );
    synthetic::recent().apply(&mut app);
    let rows = commands::list_rows(&app.deck, &app.slide_vars);
    let body = squash(&rows[i].body);
    let (kernel, score) = recorded("kspp.score");
    assert!(
        body.contains(&format!(
            "Checks passed: {score} (recorded on Linux {kernel}, not measured now)."
        )),
        "{body}"
    );
    assert_ne!(score, "24/32");
    assert!(
        !body.contains("24/32"),
        "the live value must not show in recorded mode: {body}"
    );
    let s = screen(&app, 100, 30);
    assert!(s.contains(&format!("{score} (recorded on Linux")), "{s}");
}

#[test]
fn recorded_facts_are_what_the_recording_itself_shows() {
    let recs = Recordings::embedded();
    let facts = kdeck::facts::recorded_facts(&recs);
    assert_eq!(facts.len(), kdeck::facts::FACTS.len(), "{facts:?}");
    for f in kdeck::facts::FACTS {
        let cast = recs.load(f.demo).unwrap();
        let meta = cast.header.kdeck.clone().unwrap();
        let value = &meta.facts[f.key];
        let probe = meta.probe.clone().unwrap_or_default();
        let out: String = cast
            .events
            .iter()
            .filter(|e| e.kind == kdeck::cast::EventKind::Output)
            .map(|e| e.data.as_str())
            .collect();
        let shown = match f.key {
            "landlock.abi" => {
                probe.ends_with(&format!("landlock_create_ruleset(VERSION) = {value}"))
            }
            "lsm.list" => value
                .split(", ")
                .all(|name| out.contains(&format!("  {name}\r\n"))),
            "lsm.syscalls" => value == "yes" && probe.starts_with("yes — lsm_list_modules(): "),
            "kspp.score" => out.contains(&format!("{value} KSPP checks pass")),
            "namespaces.unprivileged" => {
                let uid = value
                    .trim_start_matches("yes (as uid ")
                    .trim_end_matches(')');
                probe.contains(&format!("unshare(CLONE_NEWUSER) ok as uid {uid},"))
            }
            "audit.userns" => out.contains(&format!("AUDIT_GET → {value}")),
            "ima.active" => value == "yes" && probe.starts_with("yes — IMA active"),
            other => panic!("no check for fact {other}"),
        };
        assert!(
            shown,
            "{}: {} = {value:?} is not what it shows",
            f.demo, f.key
        );
    }
}

fn one_slide(body: &str) -> Result<Deck, kdeck::deck::DeckErrors> {
    Deck::from_files(
        "t",
        vec![("t/01-x.md".into(), body.as_bytes().to_vec())],
        &kdeck::demo::ids(),
    )
}

#[test]
fn an_unknown_placeholder_is_an_error_with_file_and_line() {
    let e = one_slide("+++\ntitle = \"x\"\n+++\n# x\n\nABI {probe:landlock.abj}\n???\non {kernal}\n```c\n{ 1 } {nope}\n```\n")
        .unwrap_err()
        .to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(
        lines[0].starts_with(
            "t/01-x.md:6: unknown placeholder {probe:landlock.abj} (known: {kernel}, "
        ),
        "{e}"
    );
    assert!(lines[0].contains("{probe:landlock.abi}"), "{e}");
    assert!(
        lines[1].starts_with("t/01-x.md:8: unknown placeholder {kernal}"),
        "{e}"
    );
}

#[test]
fn sources_are_checked() {
    let e = one_slide("+++\ntitle = \"x\"\nsources = [\n  { url = \"lwn.net/Articles/1/\", backs = \"x\" },\n  { url = \"https://lwn.net/\", backs = \" \" },\n]\n+++\n# x\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "t/01-x.md:4: sources[0]: source URL \"lwn.net/Articles/1/\" must start with https:// or http://\n\
         t/01-x.md:5: sources[1]: `backs` is empty: say which claim the source backs"
    );
    let e = one_slide("+++\ntitle = \"x\"\nsources = [{ url = \"https://lwn.net/\", backs = \"x\", extra = 1 }]\n+++\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t/01-x.md:3: unknown field `extra`"), "{e}");
    // A "Now" line without sources: `kdeck check` says where.
    let deck = one_slide("+++\ntitle = \"x\"\n+++\n# x\n\n**Now:** merged.\n").unwrap();
    let (report, errors) = commands::check(&deck, &Recordings::embedded());
    assert_eq!(errors, 1);
    assert!(
        report.starts_with("t/01-x.md:6: a \"Now\" line needs its source"),
        "{report}"
    );
}

#[test]
fn the_talk_names_a_source_for_every_now_line() {
    for s in &deck().slides {
        if s.now_line.is_some() {
            assert!(!s.sources.is_empty(), "{}", s.file);
        }
    }
    let (report, errors) = commands::check(&deck(), &Recordings::embedded());
    assert_eq!(errors, 0, "{report}");
}

#[test]
fn list_json_has_body_notes_and_sources() {
    let out = std::process::Command::new(exe())
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = doc["slides"].as_array().expect("slides");
    let r = rows
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("13-landlock-abi.md"))
        .unwrap();
    let body = r["body"].as_str().unwrap();
    let notes = r["notes"].as_str().unwrap();
    // Filled from this kernel's own probe, the same answer `kdeck probe --json` gives.
    let probe = std::process::Command::new(exe())
        .args(["probe", "--json"])
        .output()
        .unwrap();
    let probe: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let abi = probe["demos"]
        .as_array()
        .expect("demos")
        .iter()
        .find(|p| p["demo"] == "landlock")
        .and_then(|p| p["facts"]["landlock.abi"].as_str())
        .unwrap();
    assert!(body.contains(&format!("This kernel: ABI {abi}.")), "{body}");
    // The plain `kdeck probe` table lists the same facts.
    let table = std::process::Command::new(exe())
        .arg("probe")
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains(&format!("\n  landlock.abi             {abi}\n")),
        "{table}"
    );
    assert!(
        body.contains("| 9 | 7.1 | FS_RESOLVE_UNIX: pathname unix sockets |"),
        "{body}"
    );
    assert!(notes.contains(&format!("off the slide ({abi})")), "{notes}");
    assert!(!body.contains('{') && !notes.contains('{'));
    assert_eq!(
        r["sources"][0]["url"],
        "https://docs.kernel.org/userspace-api/landlock.html"
    );
}

/// Phrases that state one machine's result as a fact, case-insensitive.
const MACHINE: &[&str] = &[
    "our vm",
    "test vm",
    "this vm",
    "the vm",
    "our 6.",
    "our kernel",
    "our machine",
    "our laptop",
    "on 6.18",
    "(6.18)",
    "6.18 vm",
    "dev machine",
];

fn machine_mentions(file: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let low = line.to_lowercase();
        for p in MACHINE {
            if low.contains(p) {
                found.push(format!("{file}:{}: {p:?}: {line}", n + 1));
            }
        }
        // A version may date a feature ("since 6.18", "in 6.18"), never a machine.
        let mut from = 0;
        while let Some(i) = low[from..].find("6.18").map(|i| i + from) {
            let before = low[..i].trim_end();
            if !(before.ends_with("since") || before.ends_with("in")) {
                found.push(format!("{file}:{}: 6.18: {line}", n + 1));
            }
            from = i + 4;
        }
    }
    found
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_slide_note_or_demo_text_names_the_development_machine() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for s in &deck().slides {
        let text = std::fs::read_to_string(root.join(&s.file)).unwrap();
        found.extend(machine_mentions(&s.file, &text));
    }
    let mut files = Vec::new();
    rust_files(&root.join("src/demo"), &mut files);
    rust_files(&root.join("src/probe"), &mut files);
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        // What a demo prints, not its unit tests' fixtures.
        let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
        found.extend(machine_mentions(&p.display().to_string(), shipped));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The guard itself catches what the deck used to say.
    for old in [
        "On 6.18: no audit_containerid",
        "our 6.18 VM says 7",
        "~half pass (6.18)",
        "Our 6.18 test VM has no IMA",
        "as measured on the VM",
    ] {
        assert!(!machine_mentions("x", old).is_empty(), "{old}");
    }
    assert!(
        machine_mentions("x", "since 6.18 audit records carry labels; merged in 5.13").is_empty()
    );
}

#[test]
fn c_shows_the_slides_sources_and_help_lists_it() {
    let i = index_of("13-landlock-abi.md");
    let mut app = app_at(i);
    app.update(key('c'));
    let s = screen(&app, 100, 30);
    assert!(s.contains(" sources "), "{s}");
    assert!(
        s.contains("https://docs.kernel.org/userspace-api/landlock.html"),
        "{s}"
    );
    assert!(
        s.contains("ABI 9: LANDLOCK_ACCESS_FS_RESOLVE_UNIX (commit of 7 Apr 2026)"),
        "{s}"
    );
    assert!(s.contains("c or Esc closes"), "{s}");
    app.update(key('c'));
    assert!(!screen(&app, 100, 30).contains("c or Esc closes"));
    app.update(key('?'));
    assert!(screen(&app, 100, 30).contains("c               sources of this slide's claims"));
}

#[test]
fn the_unprivileged_namespaces_fact_is_measured_as_an_unprivileged_user() {
    let out = std::process::Command::new(exe())
        .args(["probe", "--json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = doc["demos"].as_array().expect("demos");
    let fact = rows
        .iter()
        .find(|r| r["demo"] == "namespaces")
        .and_then(|r| r["facts"]["namespaces.unprivileged"].as_str())
        .unwrap()
        .to_string();
    // SAFETY: getuid never fails.
    let uid = unsafe { libc::getuid() };
    if uid != 0 {
        assert!(
            fact == format!("yes (as uid {uid})") || fact.starts_with("no: "),
            "{fact}"
        );
        return;
    }
    // As root the probe drops to nobody; ask util-linux the same question as nobody.
    let nobody = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args([
            "unshare", "--user", "--pid", "--uts", "--mount", "--net", "--ipc",
        ])
        .args(["--fork", "true"])
        .status()
        .unwrap();
    if nobody.success() {
        assert_eq!(fact, "yes, as nobody");
    } else {
        assert!(fact.starts_with("no: "), "{fact}");
        assert!(fact.contains("as nobody"), "{fact}");
    }
}

/// Start-up reads the embedded recordings' first lines only: the same headers as
/// loading (and checking) them whole.
#[test]
fn embedded_headers_read_alone_are_the_whole_recordings_headers() {
    let recs = Recordings::embedded();
    let mut n = 0;
    for d in kdeck::demo::registry() {
        let Ok(whole) = recs.load(d.id) else { continue };
        let alone = recs.load_header(d.id).expect("a header");
        assert_eq!(
            serde_json::to_value(&alone.kdeck).unwrap(),
            serde_json::to_value(&whole.header.kdeck).unwrap(),
            "{}",
            d.id
        );
        assert_eq!(
            (alone.width, alone.height),
            (whole.header.width, whole.header.height)
        );
        n += 1;
    }
    assert_eq!(
        n,
        kdeck::demo::registry().len(),
        "every demo has a recording"
    );
}
