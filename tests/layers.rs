//! The layers hold: every `crate::<module>` path in a source file is checked against
//! the design's "never" rules (a part never imports the named part). The parts and
//! the rules are the ones the README's architecture section draws.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Which part a source path (relative to src/) belongs to.
fn part_of(rel: &str) -> Option<&'static str> {
    let first = rel.split('/').next().unwrap_or(rel);
    let module = first.strip_suffix(".rs").unwrap_or(first);
    Some(match module {
        "main" | "commands" => "Cli",
        "tui" | "terminal" => "Loop",
        "app" | "event" => "App",
        "ui" => "Ui",
        "deck" => "Deck",
        "highlight" => "Highlight",
        "demo" => "Demo",
        "probe" => "Probe",
        "cast" => "Cast",
        "sys" => "Sys",
        "record" => "Record",
        "matrix" => "Matrix",
        _ => return None,
    })
}

/// (from, to, why): `from` never imports `to`.
const NEVER: &[(&str, &str, &str)] = &[
    ("Deck", "Ui", "the model knows no screen"),
    ("Demo", "Ui", "demos talk back only through DemoEvent"),
    ("Probe", "Ui", "probes return data"),
    ("Demo", "App", "the demo side never sees app state"),
    ("Probe", "Demo", "probes stand below demos"),
    ("Demo", "Record", "casts live in cast/, below demos"),
    ("App", "Ui", "the app holds no drawing state"),
    (
        "Ui",
        "Matrix",
        "the matrix is loaded at start, not while drawing",
    ),
    ("Sys", "Demo", "sys is the floor"),
    ("Sys", "Probe", "sys is the floor"),
    ("Cast", "Demo", "casts know no demo"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every (from part, to part, file) a `crate::x` path in src/ makes.
fn edges() -> BTreeSet<(&'static str, &'static str, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges = BTreeSet::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .into_owned();
        let Some(from) = part_of(&rel) else { continue };
        let text = std::fs::read_to_string(&file).expect("read source");
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if let Some(to) = part_of(&module)
                && to != from
            {
                edges.insert((from, to, rel.clone()));
            }
        }
    }
    edges
}

#[test]
fn no_part_imports_what_the_design_forbids() {
    let edges = edges();
    assert!(
        edges.iter().any(|(f, t, _)| (*f, *t) == ("Demo", "Probe")),
        "the scan sees the imports at all"
    );
    let mut broken = Vec::new();
    for (from, to, why) in NEVER {
        let offenders: Vec<&String> = edges
            .iter()
            .filter(|(f, t, _)| f == from && t == to)
            .map(|(_, _, file)| file)
            .collect();
        if !offenders.is_empty() {
            broken.push(format!("{from} imports {to} ({why}): {offenders:?}"));
        }
    }
    assert!(
        broken.is_empty(),
        "layer rules broken:\n{}",
        broken.join("\n")
    );
}
