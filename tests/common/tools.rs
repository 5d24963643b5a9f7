//! External tools the tests run (asciinema under script(1)), each call with its own
//! home and config directories: a tool's first run creates its config (asciinema writes
//! `~/.config/asciinema/install-id`), and two tests doing that at once on a fresh machine
//! race on the shared directory.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Whether `tool` is on PATH.
pub fn has(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A command whose HOME and XDG directories are a fresh temp dir owned by the caller.
pub fn isolated(program: &str, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("ASCIINEMA_CONFIG_HOME", home.join(".config/asciinema"))
        .stdin(Stdio::null());
    cmd
}

/// `asciinema cat PATH` under script(1) (asciinema wants a terminal), in its own home.
pub fn asciinema_cat(path: &Path) -> Output {
    let home = tempfile::tempdir().expect("temp home for asciinema");
    isolated("script", home.path())
        .args([
            "-qec",
            &format!("asciinema cat '{}'", path.display()),
            "/dev/null",
        ])
        .output()
        .expect("script runs")
}
