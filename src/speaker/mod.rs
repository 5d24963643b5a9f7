//! The speaker view: `kdeck present` listens on a Unix socket only its user can open,
//! `kdeck speaker` connects from a second terminal and shows the notes, the next slide,
//! the timer and the demo's state; navigation keys in either terminal move both.
//! `proto` holds the typed messages, `socket` where sockets live and who may use them,
//! `server` the presenting side, `state` what it tells the speaker, `view` the speaker's
//! screen and `client` its loop. Either side going away leaves the other working.

pub mod client;
pub mod proto;
pub mod server;
pub mod socket;
pub mod state;
pub mod view;

use std::io::Write;
use std::path::{Path, PathBuf};

/// What can go wrong setting up either side.
#[derive(Debug, thiserror::Error)]
pub enum SpeakerError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("refusing {dir} for the presentation socket: it {why}")]
    Unsafe { dir: String, why: String },
    #[error("{}", no_presentation(dir, wanted.as_deref(), running))]
    NoPresentation {
        dir: String,
        wanted: Option<String>,
        running: Vec<String>,
    },
}

fn no_presentation(dir: &str, wanted: Option<&str>, running: &[String]) -> String {
    match (wanted, running.is_empty()) {
        (None, _) => format!(
            "no presentation is running (none listens in {dir}); start `kdeck present` first"
        ),
        (Some(w), true) => format!("no presentation {w:?} is running (none listens in {dir})"),
        (Some(w), false) => format!("no presentation {w:?}; running: {}", running.join(", ")),
    }
}

/// The speaker links' log: `<dir>/kdeck.log`, one line per event, with the pid.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("kdeck.log")
}

/// Appends one line to the log (the terminal belongs to the UI, so problems with the
/// link, such as a malformed message, are written here).
pub fn log(dir: &Path, line: &str) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir))
    {
        let _ = writeln!(f, "{secs} pid {}: {line}", std::process::id());
    }
}

/// Writes all of `bytes` to a socket without raising SIGPIPE when the other side is gone
/// (kdeck restores SIGPIPE's default so `kdeck list | head` ends quietly; a vanished
/// speaker view or presentation must only be an error here, never kill the process).
pub fn send_all(stream: &std::os::unix::net::UnixStream, mut bytes: &[u8]) -> std::io::Result<()> {
    use nix::sys::socket::{MsgFlags, send};
    use std::os::fd::AsRawFd;
    while !bytes.is_empty() {
        match send(stream.as_raw_fd(), bytes, MsgFlags::MSG_NOSIGNAL) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Reads JSON lines of type `T` from `stream` until it closes (or `on` returns false);
/// a line that isn't a `T` (foreign, malformed, not UTF-8) is logged and dropped.
pub fn read_lines<T: serde::de::DeserializeOwned>(
    stream: std::os::unix::net::UnixStream,
    dir: &Path,
    mut on: impl FnMut(T) -> bool,
) {
    use std::io::BufRead;
    for line in std::io::BufReader::new(stream).split(b'\n') {
        let Ok(line) = line else { break };
        match serde_json::from_slice::<T>(&line) {
            Ok(msg) => {
                if !on(msg) {
                    return;
                }
            }
            Err(e) => {
                let shown: String = String::from_utf8_lossy(&line).chars().take(80).collect();
                log(
                    dir,
                    &format!("dropped a malformed message ({e}): {shown:?}"),
                );
            }
        }
    }
}
