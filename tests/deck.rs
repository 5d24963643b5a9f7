//! Deck parsing and `kdeck check` / `kdeck list`: good decks load, every bad input gives
//! `file:line: message` and exit status 1, nothing panics.

use std::path::Path;
use std::process::Command;

use kdeck::deck::{Block, Deck};

fn ids() -> Vec<&'static str> {
    kdeck::demo::ids()
}

fn deck_dir(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

/// The single error of loading a deck made of `files`, as text.
fn error_of(files: &[(&str, &[u8])]) -> String {
    let dir = deck_dir(files);
    let err = Deck::from_dir(dir.path(), &ids()).expect_err("the deck is invalid");
    let text = err.to_string();
    text.replace(&format!("{}/", dir.path().display()), "")
        .replace(&dir.path().display().to_string(), "DIR")
}

const GOOD: &[u8] =
    b"+++\ntitle = \"One\"\nsection = \"Intro\"\nminutes = 2\n+++\n# One\n\nHello.\n???\nSay hi.\n";

#[test]
fn embedded_talk_loads() {
    let deck = Deck::embedded(&ids()).unwrap();
    assert!(deck.slides.len() >= 16);
    assert_eq!(deck.title(), "Container-Relevant Kernel Developments");
    assert!(
        deck.slides.iter().all(|s| !s.notes.is_empty()),
        "every slide has speaker notes"
    );
    let demos: Vec<_> = deck
        .slides
        .iter()
        .filter_map(|s| s.demo.as_deref())
        .collect();
    for id in ids() {
        assert!(demos.contains(&id), "demo {id} is on a slide");
    }
    let sections: Vec<_> = deck.slides.iter().map(|s| s.section.as_str()).collect();
    for want in ["IMA", "Audit", "Landlock", "WireGuard"] {
        assert!(
            sections.iter().any(|s| s.contains(want)),
            "section {want}: {sections:?}"
        );
    }
}

#[test]
fn a_directory_of_slides_alone_is_a_deck() {
    let dir = deck_dir(&[
        ("01-one.md", GOOD),
        ("02-two.md", b"+++\ntitle = \"Two\"\n+++\nBody\n"),
        ("README.txt", b"ignored"),
    ]);
    let deck = Deck::from_dir(dir.path(), &ids()).unwrap();
    assert_eq!(deck.slides.len(), 2);
    assert_eq!(deck.slides[0].notes, "Say hi.");
    assert_eq!(deck.slides[1].section, "Intro", "section carries over");
    assert_eq!(
        deck.budget_minutes(),
        3.0,
        "2 + 1 (a slide without minutes counts one)"
    );
    assert!(matches!(
        deck.slides[0].body[0],
        Block::Heading { level: 1, .. }
    ));
}

#[test]
fn deck_toml_sets_title_and_budget() {
    let dir = deck_dir(&[
        ("01.md", GOOD),
        (
            "deck.toml",
            b"title = \"T\"\npresenter = \"me\"\nminutes = 20\n",
        ),
    ]);
    let deck = Deck::from_dir(dir.path(), &ids()).unwrap();
    assert_eq!(deck.title(), "T");
    assert_eq!(deck.budget_minutes(), 20.0);
}

#[test]
fn bad_inputs_name_file_and_line() {
    type Files<'a> = &'a [(&'a str, &'a [u8])];
    let cases: &[(Files, &str)] = &[
        (
            &[("01.md", b"# no front matter\n")],
            "01.md:1: missing front matter: the file must start with a line `+++`",
        ),
        (
            &[("01.md", b"")],
            "01.md:1: empty slide file: it needs `+++` front matter with a title",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\n")],
            "01.md:1: front matter opened here is never closed with a `+++` line",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\nsection = \n+++\n")],
            "01.md:3: string values must be quoted, expected literal string",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\ncolour = \"red\"\n+++\n")],
            "01.md:3: unknown field `colour`, expected one of `title`, `section`, `demo`, `minutes`, `layout`, `sources`",
        ),
        (
            &[("01.md", b"+++\nsection = \"x\"\n+++\n")],
            "01.md:2: missing field `title`",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\nlayout = \"diagonal\"\n+++\n")],
            "01.md:3: unknown variant `diagonal`, expected `normal` or `center`",
        ),
        (
            &[("01.md", b"+++\ntitle = \"  \"\n+++\n")],
            "01.md:2: title is empty",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\n\ndemo = \"nope\"\n+++\n")],
            "01.md:4: unknown demo id \"nope\" (known: ima, audit, container, lsm, timens, seccomp-log, landlock, namespaces, wireguard, kspp)",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\nminutes = -1\n+++\n")],
            "01.md:3: minutes must be a positive number, got -1",
        ),
        (
            &[("01.md", b"+++\ntitle = \"x\"\n+++\nok\n\xff\xfe bad\n")],
            "01.md:5: not valid UTF-8 (bad byte at offset 23)",
        ),
        (
            &[("01.md", GOOD), ("deck.toml", b"title = 3\n")],
            "deck.toml:1: invalid type: integer `3`, expected a string",
        ),
        (
            &[("notes.txt", b"x")],
            "DIR: no slides: a deck needs at least one *.md file",
        ),
    ];
    for (files, want) in cases {
        assert_eq!(&error_of(files), want);
    }
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let text = error_of(&[
        ("01.md", b"nope"),
        ("02.md", b"+++\ntitle = \"x\"\ndemo = \"zz\"\n+++\n"),
    ]);
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn unreadable_deck_directory() {
    let err = Deck::from_dir(Path::new("/nonexistent/kdeck-deck"), &ids())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("/nonexistent/kdeck-deck: can't read deck directory:"),
        "{err}"
    );
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x9e3779b97f4a7c15u64;
    for len in 0..400 {
        let mut bytes = b"+++\ntitle = \"x\"\n+++\n".to_vec();
        for _ in 0..len {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push(b"+#*-_`[]()!|>\n ax\t=\"1\xff"[(seed % 21) as usize]);
        }
        let cut = (seed as usize) % (bytes.len() + 1);
        let _ = Deck::from_files(
            "fuzz",
            vec![
                ("a.md".into(), bytes.clone()),
                ("b.md".into(), bytes[..cut].to_vec()),
            ],
            &ids(),
        );
    }
}

fn kdeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_command_exit_codes() {
    let (code, out, _) = kdeck(&["check"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("embedded:") && out.contains("0 problem(s)"),
        "{out}"
    );
    let dir = deck_dir(&[("01.md", b"+++\ntitle = \"x\"\ncolour = 1\n+++\n")]);
    let (code, _, err) = kdeck(&["check", "--deck", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("01.md:3: unknown field `colour`"), "{err}");
}

#[test]
fn list_command_text_and_json() {
    let (code, out, _) = kdeck(&["list"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Landlock") && out.contains("seccomp-log"),
        "{out}"
    );
    let (code, out, _) = kdeck(&["list", "--json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], 1);
    let rows = &doc["slides"];
    let deck = Deck::embedded(&ids()).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), deck.slides.len());
    assert_eq!(rows[0]["title"], deck.slides[0].title.as_str());
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["demo"] == "landlock")
    );
}

/// A big deck: the slides keep their order, a slide without a section is in the one
/// before it, and every broken slide is reported, in order.
#[test]
fn a_big_deck_keeps_order_sections_and_errors() {
    let slide = |i: usize| {
        let section = match i {
            0 => "section = \"A\"\n",
            60 => "section = \"B\"\n",
            _ => "",
        };
        let body = if i == 70 || i == 90 {
            "+++\ntitle = \"broken\"\nbogus = 1\n+++\nx\n".to_string()
        } else {
            format!("+++\ntitle = \"Slide {i}\"\n{section}+++\n# Slide {i}\n")
        };
        (format!("deck/{i:03}.md"), body.into_bytes())
    };
    let files: Vec<(String, Vec<u8>)> = (0..120).rev().map(slide).collect();
    let err = Deck::from_files("deck", files, &ids())
        .unwrap_err()
        .to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("deck/070.md:3:"), "{err}");
    assert!(lines[1].starts_with("deck/090.md:3:"), "{err}");

    let files: Vec<(String, Vec<u8>)> = (0..120)
        .filter(|i| *i != 70 && *i != 90)
        .rev()
        .map(slide)
        .collect();
    let deck = Deck::from_files("deck", files, &ids()).unwrap();
    assert_eq!(deck.slides.len(), 118);
    for (n, s) in deck.slides.iter().enumerate() {
        let i: usize = s.title.trim_start_matches("Slide ").parse().unwrap();
        assert_eq!(
            i,
            if n < 70 {
                n
            } else if n < 89 {
                n + 1
            } else {
                n + 2
            }
        );
        assert_eq!(s.section, if i < 60 { "A" } else { "B" }, "slide {i}");
    }
}

/// A deck that names no section shows each slide's own title in the header, not the
/// first slide's title on every slide.
#[test]
fn without_sections_each_slide_is_its_own() {
    let files = (1..=3)
        .map(|i| {
            (
                format!("d/{i}.md"),
                format!("+++\ntitle = \"Slide {i}\"\n+++\ntext\n").into_bytes(),
            )
        })
        .collect();
    let deck = Deck::from_files("d", files, &ids()).unwrap();
    let sections: Vec<&str> = deck.slides.iter().map(|s| s.section.as_str()).collect();
    assert_eq!(sections, ["Slide 1", "Slide 2", "Slide 3"]);
}
