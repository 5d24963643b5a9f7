//! Live reload and the speaker view, in real terminals (tmux): a slide file edited
//! while kdeck presents it shows the new text; a broken edit shows a banner naming
//! file:line and keeps the last good slide; a speaker view in a second terminal follows
//! and drives the presentation.

mod common;

use std::path::Path;

use common::tmux::Session;

/// A copy of the built-in deck in a fresh directory.
fn deck_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("slides")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

/// The file of slide `n` (1-based) in a deck directory.
fn slide_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files[n - 1].clone()
}

#[test]
fn editing_a_slide_redraws_it_and_a_broken_edit_keeps_the_last_good_one() {
    let deck = deck_copy();
    let file = slide_file(deck.path(), 2);
    let s = Session::start(&format!("--deck {} --start 2", deck.path().display()));
    s.wait_for("The 2017 talk in one slide");
    let original = std::fs::read_to_string(&file).unwrap();
    let (front, body) = original.split_at(original.find("\n+++\n").unwrap() + 5);
    std::fs::write(&file, format!("{front}Freshly edited line.\n\n{body}")).unwrap();
    s.wait_for("Freshly edited line.");
    assert!(s.screen().contains("2/19"), "still on the same slide");

    // Break the front matter: the banner names file and line, the slide stays.
    let broken = original.replacen("title = ", "title = = ", 1);
    std::fs::write(&file, &broken).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let screen = s.wait_for("not reloaded: ");
    assert!(screen.contains(&format!("{name}:2:")), "{screen}");
    assert!(screen.contains("Freshly edited line."), "{screen}");

    std::fs::write(&file, &original).unwrap();
    let fixed = s.wait_gone("not reloaded: ");
    assert!(!fixed.contains("Freshly edited line."), "{fixed}");
    assert!(fixed.contains("The 2017 talk in one slide"));
    s.keys(&["q", "q"]);
    assert!(s.wait_for("EXIT=").contains("EXIT=0"));
}
