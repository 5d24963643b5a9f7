//! The presenting side: accepts speaker views on this presentation's socket, turns
//! their lines into [`Message::Remote`] (a line that isn't a known message is dropped
//! and logged), tells the app how many are connected, and sends each one the state after
//! every change. A speaker that stops reading is dropped after a short write timeout,
//! so it can never stall the presentation.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use super::proto::{self, ToPresenter, ToSpeaker};
use super::{SpeakerError, log, read_lines, send_all, socket};
use crate::app::Message;
use crate::event::Notifier;

/// A write to a speaker view that takes longer than this drops it.
const WRITE_TIMEOUT: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Clients {
    next_id: u64,
    streams: Vec<(u64, UnixStream)>,
    /// The last state sent, for a speaker that connects now.
    last: Option<String>,
}

/// This presentation's socket; removed when dropped.
pub struct Server {
    path: PathBuf,
    clients: Arc<Mutex<Clients>>,
}

fn lock(c: &Mutex<Clients>) -> std::sync::MutexGuard<'_, Clients> {
    c.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Server {
    /// Listens as presentation `name` in the user's socket directory.
    pub fn start(name: &str, notifier: Notifier) -> Result<Server, SpeakerError> {
        let dir = socket::dir()?;
        Server::start_in(&dir, name, notifier)
    }

    pub fn start_in(dir: &Path, name: &str, notifier: Notifier) -> Result<Server, SpeakerError> {
        let (listener, path) = socket::listen(dir, name)?;
        let clients = Arc::new(Mutex::new(Clients::default()));
        let server = Server {
            path,
            clients: clients.clone(),
        };
        let dir = dir.to_path_buf();
        thread::spawn(move || accept(listener, clients, notifier, dir));
        Ok(server)
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends `state` to every speaker view, unless it is what they have already.
    pub fn publish(&self, state: &ToSpeaker) {
        let Ok(line) = proto::line(state) else { return };
        let mut c = lock(&self.clients);
        if c.last.as_deref() == Some(line.as_str()) {
            return;
        }
        c.streams
            .retain(|(_, s)| send_all(s, line.as_bytes()).is_ok());
        c.last = Some(line);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn accept(listener: UnixListener, clients: Arc<Mutex<Clients>>, notifier: Notifier, dir: PathBuf) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if !socket::same_user(&stream) {
            log(&dir, "refused a connection from another user");
            continue;
        }
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        let Ok(reader) = stream.try_clone() else {
            continue;
        };
        let (id, count) = {
            let mut c = lock(&clients);
            if let Some(last) = &c.last
                && send_all(&stream, last.as_bytes()).is_err()
            {
                continue;
            }
            c.next_id += 1;
            let id = c.next_id;
            c.streams.push((id, stream));
            (id, c.streams.len())
        };
        if !notifier.send(Message::Speakers(count)) {
            return;
        }
        let (clients, notifier, dir) = (clients.clone(), notifier.clone(), dir.clone());
        thread::spawn(move || read(reader, id, clients, notifier, dir));
    }
}

/// Reads one speaker view's lines until it goes away.
fn read(
    stream: UnixStream,
    id: u64,
    clients: Arc<Mutex<Clients>>,
    notifier: Notifier,
    dir: PathBuf,
) {
    let mut alive = true;
    read_lines(stream, &dir, |msg: ToPresenter| match msg {
        ToPresenter::Nav(n) => {
            alive = notifier.send(Message::Remote(n.nav));
            alive
        }
    });
    if !alive {
        return;
    }
    let count = {
        let mut c = lock(&clients);
        c.streams.retain(|(i, _)| *i != id);
        c.streams.len()
    };
    notifier.send(Message::Speakers(count));
}
