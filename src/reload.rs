//! Live reload of `--deck DIR`: an inotify watch (through `notify`) on the directory;
//! a burst of writes (editors write, rename and chmod in a few milliseconds) is
//! debounced, then the deck is parsed again and sent to the app as
//! [`Message::Reload`], a good deck or the problems that keep the last good one on
//! screen. Background work only: it sends on the channel and never touches the UI.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::thread;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecursiveMode, Watcher};

use crate::app::Message;
use crate::deck::Deck;
use crate::event::Notifier;

/// Quiet time that ends a burst of file events.
pub const QUIET: Duration = Duration::from_millis(25);
/// A burst longer than this reloads anyway.
pub const MAX_WAIT: Duration = Duration::from_millis(120);

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("can't watch {dir} for changes: {source}")]
    Watch {
        dir: String,
        #[source]
        source: notify::Error,
    },
}

/// Keeps the watch alive; dropping it stops watching.
pub struct Watch {
    _watcher: notify::RecommendedWatcher,
}

/// Whether an event on `path` may change the deck (slide files and deck.toml; not an
/// editor's swap or backup file).
fn matters(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !name.starts_with('.') && (name.ends_with(".md") || name == "deck.toml")
}

fn relevant(event: &notify::Event) -> bool {
    let kind = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
        _ => true,
    };
    kind && event.paths.iter().any(|p| matters(p))
}

/// Watches `dir` and sends a [`Message::Reload`] after each settled change.
pub fn watch(
    dir: PathBuf,
    known_demos: Vec<&'static str>,
    notifier: Notifier,
) -> Result<Watch, ReloadError> {
    let (tx, rx) = channel::<()>();
    let shown = dir.display().to_string();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if res.is_ok_and(|e| relevant(&e)) {
            let _ = tx.send(());
        }
    })
    .map_err(|source| ReloadError::Watch {
        dir: shown.clone(),
        source,
    })?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|source| ReloadError::Watch { dir: shown, source })?;
    thread::spawn(move || {
        while rx.recv().is_ok() {
            let first = Instant::now();
            loop {
                match rx.recv_timeout(QUIET) {
                    Ok(()) if first.elapsed() < MAX_WAIT => continue,
                    Ok(()) | Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            if !notifier.send(Message::Reload(Deck::from_dir(&dir, &known_demos))) {
                return;
            }
        }
    });
    Ok(Watch { _watcher: watcher })
}
