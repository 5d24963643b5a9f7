//! `kdeck speaker`: the speaker view's loop. A connection thread finds the presentation
//! (the newest, or the one `--session` names), reads its states and reports them as
//! [`Message::Presentation`]; when the presentation goes away the view says so, keeps
//! its keys working, and reconnects when a presentation is there again. Keys that move
//! the talk are sent as typed [`Nav`] lines; the presentation moves, and both screens
//! show it.

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::proto::{self, Nav, NavMsg, ToPresenter, ToSpeaker, Upstream};
use super::view::View;
use super::{SpeakerError, read_lines, send_all, socket};
use crate::app::Message;
use crate::event::{Events, Notifier, Source};

/// How often a speaker view without a presentation looks for one.
const RETRY: Duration = Duration::from_millis(250);

type Writer = Arc<Mutex<Option<UnixStream>>>;

/// Runs the speaker view until `q` or Ctrl-C (or SIGTERM/SIGHUP, or the terminal closes).
pub fn run(session: Option<String>) -> Result<(), SpeakerError> {
    let dir = socket::dir()?;
    let first = socket::find(&dir, session.as_deref())?;
    let io = |what: &str| {
        let what = what.to_string();
        move |source| SpeakerError::Io { what, source }
    };
    let mut events = Events::new().map_err(io("can't create the wake-up pipe"))?;
    events
        .spawn_signals()
        .map_err(io("can't install the signal handlers"))?;
    let writer: Writer = Arc::default();
    {
        let (writer, notifier) = (writer.clone(), events.notifier());
        thread::spawn(move || connect_loop(dir, session, first, writer, notifier));
    }
    let mut terminal = crate::terminal::init().map_err(io("can't set up the terminal"))?;
    let mut view = View::default();
    let result = (|| -> std::io::Result<()> {
        loop {
            terminal.draw(|area, buf| ratatui::widgets::Widget::render(&view, area, buf))?;
            let batch = events.next_batch();
            if batch.is_empty() {
                return Ok(());
            }
            for msg in batch {
                if !handle(&mut view, msg, &writer) {
                    return Ok(());
                }
            }
        }
    })();
    crate::terminal::restore();
    result.map_err(io("drawing failed"))
}

/// Applies one message to the view; false to quit.
fn handle(view: &mut View, msg: Message, writer: &Writer) -> bool {
    match msg {
        Message::Quit => return false,
        Message::Presentation(Upstream::Connected { label }) => {
            view.status = Some(format!("connected to {label}"));
            view.connected = Some(label);
        }
        Message::Presentation(Upstream::State(s)) => view.state = Some(*s),
        Message::Presentation(Upstream::Gone) => {
            view.connected = None;
            view.status = None;
        }
        Message::Key(k) if k.kind == KeyEventKind::Press => return key(view, k, writer),
        _ => {}
    }
    true
}

fn key(view: &mut View, k: KeyEvent, writer: &Writer) -> bool {
    if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
        return false;
    }
    view.status = None;
    let nav = match k.code {
        KeyCode::Char('q') => return false,
        KeyCode::Char(c @ '0'..='9') => {
            if view.jump.len() < 4 {
                view.jump.push(c);
            }
            None
        }
        KeyCode::Enter if !view.jump.is_empty() => {
            let n: usize = view.jump.parse().unwrap_or(0);
            view.jump.clear();
            Some(Nav::Goto {
                slide: n.saturating_sub(1),
            })
        }
        KeyCode::Esc => {
            view.jump.clear();
            None
        }
        KeyCode::Right | KeyCode::Char('l' | ' ') | KeyCode::PageDown => Some(Nav::Next),
        KeyCode::Left | KeyCode::Char('h') | KeyCode::PageUp => Some(Nav::Previous),
        KeyCode::Home | KeyCode::Char('g') => Some(Nav::First),
        KeyCode::End | KeyCode::Char('G') => Some(Nav::Last),
        KeyCode::Char('t') => Some(Nav::ToggleTimer),
        KeyCode::Char('T') => Some(Nav::ResetTimer),
        _ => None,
    };
    if let Some(nav) = nav {
        let line = proto::line(&ToPresenter::Nav(NavMsg { nav })).unwrap_or_default();
        let guard = writer.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = guard
            .as_ref()
            .is_some_and(|s| send_all(s, line.as_bytes()).is_ok());
        if !sent {
            view.status = Some("no presentation connected: the key did nothing".into());
        }
    }
    true
}

/// Connects, reads states until the presentation goes away, and starts over.
fn connect_loop(
    dir: PathBuf,
    session: Option<String>,
    first: socket::Session,
    writer: Writer,
    notifier: Notifier,
) {
    let mut next = Some(first);
    loop {
        let found = next
            .take()
            .map_or_else(|| socket::find(&dir, session.as_deref()).ok(), Some);
        let stream = found
            .as_ref()
            .and_then(|s| UnixStream::connect(&s.path).ok());
        // Saying hello makes this connection a speaker view (see `server`).
        let hello = proto::line(&ToPresenter::Hello).unwrap_or_default();
        let stream = stream.filter(|s| send_all(s, hello.as_bytes()).is_ok());
        let (Some(found), Some(stream)) = (found, stream) else {
            thread::sleep(RETRY);
            continue;
        };
        *writer.lock().unwrap_or_else(PoisonError::into_inner) = stream.try_clone().ok();
        let label = format!("{} (pid {})", found.name, found.pid);
        if !notifier.send(Message::Presentation(Upstream::Connected { label })) {
            return;
        }
        let mut alive = true;
        read_lines(stream, &dir, |msg: ToSpeaker| match msg {
            ToSpeaker::State(s) => {
                alive = notifier.send(Message::Presentation(Upstream::State(s)));
                alive
            }
        });
        if !alive {
            return;
        }
        *writer.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if !notifier.send(Message::Presentation(Upstream::Gone)) {
            return;
        }
        thread::sleep(RETRY);
    }
}
