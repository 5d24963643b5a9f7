//! Where the app's messages come from. Background threads (the clock, the demo engine's
//! sink, the probe child's reader, terminating signals) send [`Message`]s on one channel
//! and only send. In the terminal, keys are read on the main thread itself (a thread hop
//! per key costs more than drawing the frame): the main thread sleeps in poll(2) on the
//! terminal and on a wake-up socket that every channel send (and SIGWINCH) writes to.
//! The wake-up socket is a datagram socket pair, not a pipe: a write after the reading
//! end is gone fails with ECONNREFUSED instead of raising SIGPIPE, so a clock tick at
//! exit can't kill kdeck.
//! Tests and the headless walkthrough feed the same loop from a plain channel.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};

use crate::app::Message;
use crate::demo::Sink;
pub use crate::demo::{probe_answers, probe_report};

/// A source of messages for [`crate::tui::run`].
pub trait Source {
    /// Blocks until at least one message is there and returns every message that is;
    /// an empty batch means the source is closed.
    fn next_batch(&mut self) -> Vec<Message>;

    /// Whether the loop draws a frame after the batch just returned (the walkthrough
    /// holds the frame after pressing `r` until the run's first step is complete).
    fn draws(&self) -> bool {
        true
    }
}

impl Source for Receiver<Message> {
    fn next_batch(&mut self) -> Vec<Message> {
        let Ok(first) = self.recv() else {
            return Vec::new();
        };
        let mut batch = vec![first];
        batch.extend(self.try_iter());
        batch
    }
}

/// A sender that also wakes the main thread.
#[derive(Clone)]
pub struct Notifier {
    tx: Sender<Message>,
    wake: Arc<OwnedFd>,
}

impl Notifier {
    /// A notifier whose messages go to a plain receiver (tests and headless use).
    pub fn channel() -> std::io::Result<(Notifier, Receiver<Message>)> {
        let (_read, wake) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK | nix::fcntl::OFlag::O_CLOEXEC)?;
        let (tx, rx) = channel();
        let wake = Arc::new(wake);
        Ok((Notifier { tx, wake }, rx))
    }

    /// Sends; false when the app is gone.
    pub fn send(&self, msg: Message) -> bool {
        let sent = self.tx.send(msg).is_ok();
        // A full pipe already means "wake up"; EAGAIN is fine.
        let _ = nix::unistd::write(self.wake.as_fd(), &[1]);
        sent
    }
}

/// The terminal's message source: keys and resizes from the terminal, the rest from
/// the channel.
pub struct Events {
    notifier: Notifier,
    rx: Receiver<Message>,
    wake_read: OwnedFd,
}

impl Events {
    pub fn new() -> std::io::Result<Self> {
        let (wake_read, wake_write) = std::os::unix::net::UnixDatagram::pair()?;
        wake_read.set_nonblocking(true)?;
        wake_write.set_nonblocking(true)?;
        let (wake_read, wake_write) = (OwnedFd::from(wake_read), OwnedFd::from(wake_write));
        let (tx, rx) = channel();
        Ok(Events {
            notifier: Notifier {
                tx,
                wake: Arc::new(wake_write),
            },
            rx,
            wake_read,
        })
    }

    /// A sender for background threads.
    pub fn notifier(&self) -> Notifier {
        self.notifier.clone()
    }

    /// A demo sink that forwards into this source.
    pub fn demo_sink(&self) -> Sink {
        let n = self.notifier();
        crate::demo::sink(move |ev| {
            n.send(Message::Demo(ev));
        })
    }

    /// Sends the elapsed time on every second boundary.
    pub fn spawn_clock(&self, start: Instant) {
        let n = self.notifier();
        thread::spawn(move || {
            loop {
                let elapsed = start.elapsed();
                let to_next = Duration::from_secs(1)
                    - Duration::from_nanos(u64::from(elapsed.subsec_nanos()));
                thread::sleep(to_next);
                if !n.send(Message::Tick(start.elapsed())) {
                    break;
                }
            }
        });
    }

    /// Asks `kdeck probe --json` in the background and sends the answers when they come.
    pub fn spawn_probes(&self, exe: std::path::PathBuf) {
        let n = self.notifier();
        thread::spawn(move || {
            if let Some((answers, facts)) = probe_report(&exe) {
                n.send(Message::Probes(answers));
                n.send(Message::Facts(facts));
            }
        });
    }

    /// Terminating signals become a clean quit (see [`crate::signals`]: the caller
    /// restores the terminal, then dies by the signal); SIGWINCH wakes the loop so a
    /// resize redraws at once.
    pub fn spawn_signals(&self) -> std::io::Result<()> {
        let winch = self.notifier.wake.try_clone()?;
        signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, winch)?;
        let n = self.notifier();
        crate::signals::spawn_terminating(move || {
            n.send(Message::Quit);
        })
    }

    /// Terminal events already read or readable now, without blocking (at most a
    /// screenful of keys per batch, so a flood can't starve the rest).
    fn terminal_events(batch: &mut Vec<Message>) {
        for _ in 0..256 {
            match event::poll(Duration::ZERO) {
                Ok(true) => {}
                Ok(false) => break,
                Err(_) => {
                    batch.push(Message::Quit);
                    break;
                }
            }
            match event::read() {
                Ok(Event::Key(k)) => batch.push(Message::Key(k)),
                Ok(Event::Resize(..)) => batch.push(Message::Resize),
                Ok(_) => {}
                Err(_) => {
                    batch.push(Message::Quit);
                    break;
                }
            }
        }
    }
}

/// Whether the terminal hung up (its window closed, its ssh session died): then reading
/// it gives EOF forever, and crossterm would spin on it.
fn terminal_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: std::io::stdin().as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no wait.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

impl Source for Events {
    fn next_batch(&mut self) -> Vec<Message> {
        let mut woken = false;
        loop {
            let mut batch = Vec::new();
            if terminal_gone() {
                batch.push(Message::Quit);
                return batch;
            }
            Self::terminal_events(&mut batch);
            loop {
                match self.rx.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return batch,
                }
            }
            if !batch.is_empty() {
                return batch;
            }
            if woken {
                // Woken with nothing to read: a SIGWINCH. Redraw at the new size.
                return vec![Message::Resize];
            }
            let mut fds = [
                libc::pollfd {
                    fd: std::io::stdin().as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: self.wake_read.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: two valid pollfds; the timeout bounds the wait.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, 1000) };
            if fds[1].revents != 0 {
                let mut buf = [0u8; 256];
                while matches!(nix::unistd::read(&self.wake_read, &mut buf), Ok(n) if n > 0) {}
                woken = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waking_after_the_loop_is_gone_raises_no_sigpipe() {
        // A pipe would give EPIPE (and SIGPIPE, which ends kdeck with 141); the
        // datagram socket refuses quietly.
        let events = Events::new().unwrap();
        let notifier = events.notifier();
        drop(events);
        let err = nix::unistd::write(notifier.wake.as_fd(), &[1]).unwrap_err();
        assert_eq!(err, nix::errno::Errno::ECONNREFUSED);
        let err = nix::unistd::write(notifier.wake.as_fd(), &[1]).unwrap_err();
        assert_eq!(err, nix::errno::Errno::ENOTCONN, "and from then on");
        assert!(!notifier.send(Message::Resize), "the app is gone");
    }
}
