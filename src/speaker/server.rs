//! The presenting side: accepts connections on this presentation's socket, turns their
//! lines into [`Message::Remote`] (a line that isn't a known message is dropped and
//! logged), counts the speaker views, and sends each one the state after every change.
//!
//! A connection is a speaker view once it says hello: `kdeck speaker` looking for live
//! presentations connects and closes without one, and is never counted. The count
//! goes to the app while the list is locked, so the last count the app hears is the
//! number connected now. Each view has its own writer thread and a one-state mailbox:
//! [`Server::publish`] only replaces what is waiting there (the states are whole, so
//! an older one that was never written is not needed), so the presentation never waits
//! on a speaker, and a speaker that reads slowly (a loaded machine, a stopped process)
//! stays connected and gets the newest state when it reads again. A view is dropped
//! only when its connection ends.

use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;

use super::proto::{self, ToPresenter, ToSpeaker};
use super::{SpeakerError, log, read_lines, send_all, socket};
use crate::app::Message;
use crate::event::Notifier;

/// The newest state line not yet written to one speaker view, or that it is closed.
#[derive(Default)]
struct Mailbox {
    slot: Mutex<(Option<Arc<str>>, bool)>,
    ready: Condvar,
}

impl Mailbox {
    fn slot(&self) -> MutexGuard<'_, (Option<Arc<str>>, bool)> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Leaves `line` for the writer, in place of any line it has not taken yet.
    fn put(&self, line: Arc<str>) {
        self.slot().0 = Some(line);
        self.ready.notify_one();
    }

    fn close(&self) {
        self.slot().1 = true;
        self.ready.notify_one();
    }

    /// Waits for the next line; `None` once closed.
    fn take(&self) -> Option<Arc<str>> {
        let mut slot = self.slot();
        loop {
            if slot.1 {
                return None;
            }
            if let Some(line) = slot.0.take() {
                return Some(line);
            }
            slot = self
                .ready
                .wait(slot)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A connected speaker view.
struct View {
    id: u64,
    mailbox: Arc<Mailbox>,
    /// To end its connection (which also unblocks a write in progress).
    stream: UnixStream,
}

impl View {
    fn end(&self) {
        self.mailbox.close();
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

#[derive(Default)]
struct Clients {
    next_id: u64,
    views: Vec<View>,
    /// The last state sent, for a speaker that connects now.
    last: Option<Arc<str>>,
}

/// This presentation's socket; removed when dropped.
pub struct Server {
    path: PathBuf,
    clients: Arc<Mutex<Clients>>,
}

fn lock(c: &Mutex<Clients>) -> MutexGuard<'_, Clients> {
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

    /// [`Server::publish`] of the state `state` builds, built only when a speaker view
    /// is connected (the presenter's frames don't pay for a view nobody has open). With
    /// none, the last state is forgotten: a view that connects gets the next one, which
    /// follows at once (its arrival redraws the presentation).
    pub fn publish_with(&self, state: impl FnOnce() -> ToSpeaker) {
        {
            let mut c = lock(&self.clients);
            if c.views.is_empty() {
                c.last = None;
                return;
            }
        }
        self.publish(&state());
    }

    /// Leaves `state` for every speaker view (and one that connects later), unless it
    /// is what they have already; never waits for a speaker to read.
    pub fn publish(&self, state: &ToSpeaker) {
        let Ok(line) = proto::line(state) else { return };
        let mut c = lock(&self.clients);
        if c.last.as_deref() == Some(line.as_str()) {
            return;
        }
        let line: Arc<str> = line.into();
        for view in &c.views {
            view.mailbox.put(line.clone());
        }
        c.last = Some(line);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        // The speaker views hear at once that the presentation is gone.
        for view in lock(&self.clients).views.drain(..) {
            view.end();
        }
    }
}

fn accept(listener: UnixListener, clients: Arc<Mutex<Clients>>, notifier: Notifier, dir: PathBuf) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if !socket::same_user(&stream) {
            log(&dir, "refused a connection from another user");
            continue;
        }
        let (clients, notifier, dir) = (clients.clone(), notifier.clone(), dir.clone());
        thread::spawn(move || serve(stream, clients, notifier, dir));
    }
}

/// Reads one connection's lines until it goes away; from its hello on it is a speaker
/// view, counted and sent states until then.
fn serve(stream: UnixStream, clients: Arc<Mutex<Clients>>, notifier: Notifier, dir: PathBuf) {
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut id = None;
    read_lines(reader, &dir, |msg: ToPresenter| match msg {
        ToPresenter::Hello if id.is_none() => match join(&stream, &clients, &notifier) {
            Some((joined, alive)) => {
                id = Some(joined);
                alive
            }
            None => false,
        },
        ToPresenter::Hello => true,
        ToPresenter::Nav(n) => notifier.send(Message::Remote(n.nav)),
    });
    let Some(id) = id else { return };
    let mut c = lock(&clients);
    if let Some(i) = c.views.iter().position(|v| v.id == id) {
        c.views.remove(i).end();
        // Sent under the lock: counts reach the app in the order they changed.
        notifier.send(Message::Speakers(c.views.len()));
    }
}

/// Counts `stream` as a speaker view and starts its writer with the last state; its id
/// and whether the app is still there.
fn join(stream: &UnixStream, clients: &Mutex<Clients>, notifier: &Notifier) -> Option<(u64, bool)> {
    let (writer, handle) = (stream.try_clone().ok()?, stream.try_clone().ok()?);
    let mailbox = Arc::new(Mailbox::default());
    let mut c = lock(clients);
    if let Some(last) = &c.last {
        mailbox.put(last.clone());
    }
    c.next_id += 1;
    let id = c.next_id;
    {
        let mailbox = mailbox.clone();
        thread::spawn(move || write(writer, &mailbox));
    }
    c.views.push(View {
        id,
        mailbox,
        stream: handle,
    });
    // Sent under the lock: counts reach the app in the order they changed.
    Some((id, notifier.send(Message::Speakers(c.views.len()))))
}

/// Writes one view's states as they come, as slowly as it reads; a write that fails
/// (the view is gone) ends the connection, and its reader then drops the view.
fn write(stream: UnixStream, mailbox: &Mailbox) {
    while let Some(line) = mailbox.take() {
        if send_all(&stream, line.as_bytes()).is_err() {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}
