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

fn kill(pid: u32) {
    assert!(
        std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

fn sockets(run: &Path) -> usize {
    std::fs::read_dir(run.join("kdeck")).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "sock"))
            .count()
    })
}

#[test]
fn a_speaker_view_follows_and_drives_the_talk_and_either_side_survives_the_other() {
    // A runtime dir of the test's own: no other presentation is found.
    let run = tempfile::tempdir().unwrap();
    let env = format!("XDG_RUNTIME_DIR={}", run.path().display());
    let main = Session::start_with_env(&env, "--start 2");
    main.wait_for("notes: Paraphrase the disclaimer");
    let speaker = Session::start_with_env(&env, "speaker");
    speaker.wait_for("kdeck speaker ─ 2/19");
    speaker.wait_for("Paraphrase the disclaimer");
    // The notes moved from the main screen to the speaker view.
    main.wait_gone("notes: Paraphrase the disclaimer");
    main.wait_for("speaker view connected");

    // A key in either terminal moves both.
    main.keys(&["Right"]);
    main.wait_for("3/19");
    speaker.wait_for("kdeck speaker ─ 3/19");
    speaker.wait_for("next: ");
    speaker.keys(&["Right"]);
    main.wait_for("4/19 · Audit");
    speaker.wait_for("kdeck speaker ─ 4/19");

    // Killing the speaker view: the main screen says so, shows its notes again, and
    // still moves.
    kill(speaker.program_pid());
    main.wait_for("speaker view disconnected");
    main.wait_for("notes:");
    main.keys(&["Right"]);
    main.wait_for("5/19");

    // A new speaker view picks up where the talk is; killing the presentation leaves it
    // running and saying so, and the dead presentation's socket is cleaned up.
    let second = Session::start_with_env(&env, "speaker");
    second.wait_for("kdeck speaker ─ 5/19");
    assert_eq!(sockets(run.path()), 1);
    kill(main.program_pid());
    second.wait_for("presentation gone");
    second.keys(&["Right"]);
    second.wait_for("no presentation connected");
    let start = std::time::Instant::now();
    while sockets(run.path()) > 0 {
        assert!(start.elapsed().as_secs() < 5, "the stale socket stays");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // A new presentation is found by the waiting speaker view.
    let again = Session::start_with_env(&env, "--start 7");
    again.wait_for("7/19");
    second.wait_for("kdeck speaker ─ 7/19");
    second.keys(&["q"]);
    assert!(second.wait_for("EXIT=").contains("EXIT=0"));
    again.wait_for("speaker view disconnected");
    again.keys(&["q", "q"]);
    assert!(again.wait_for("EXIT=").contains("EXIT=0"));
}
