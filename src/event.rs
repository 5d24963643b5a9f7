//! One channel feeds the app: key presses and resizes (an input thread), the clock
//! (a tick thread), demo events (the engine's sink) and SIGTERM/SIGHUP (a signal
//! thread). Background threads only send.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread;
use std::time::{Duration, Instant};

use ratatui::crossterm::event::{self, Event};

use crate::app::Message;
use crate::demo::Sink;

/// The channel and its senders.
pub struct Events {
    pub tx: Sender<Message>,
    pub rx: Receiver<Message>,
}

impl Default for Events {
    fn default() -> Self {
        let (tx, rx) = channel();
        Events { tx, rx }
    }
}

impl Events {
    /// A demo sink that forwards into this channel.
    pub fn demo_sink(&self) -> Sink {
        let tx = self.tx.clone();
        let tx = std::sync::Mutex::new(tx);
        std::sync::Arc::new(move |ev| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(Message::Demo(ev));
            }
        })
    }

    /// Reads the terminal's events until the channel closes.
    pub fn spawn_input(&self) {
        let tx = self.tx.clone();
        thread::spawn(move || {
            loop {
                let msg = match event::read() {
                    Ok(Event::Key(k)) => Message::Key(k),
                    Ok(Event::Resize(..)) => Message::Resize,
                    Ok(_) => continue,
                    Err(_) => Message::Quit,
                };
                let quit = matches!(msg, Message::Quit);
                if tx.send(msg).is_err() || quit {
                    break;
                }
            }
        });
    }

    /// Sends the elapsed time on every second boundary.
    pub fn spawn_clock(&self, start: Instant) {
        let tx = self.tx.clone();
        thread::spawn(move || {
            loop {
                let elapsed = start.elapsed();
                let to_next = Duration::from_secs(1)
                    - Duration::from_nanos(u64::from(elapsed.subsec_nanos()));
                thread::sleep(to_next);
                if tx.send(Message::Tick(start.elapsed())).is_err() {
                    break;
                }
            }
        });
    }

    /// Asks `kdeck probe --json` (a fresh single-threaded child: probes fork and unshare)
    /// what this kernel supports, and sends the answers when they come.
    pub fn spawn_probes(&self, exe: std::path::PathBuf) {
        let tx = self.tx.clone();
        thread::spawn(move || {
            let Ok(out) = std::process::Command::new(exe)
                .args(["probe", "--json"])
                .stdin(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .output()
            else {
                return;
            };
            let Ok(rows) = serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout) else {
                return;
            };
            let answers = rows
                .iter()
                .filter_map(|r| {
                    let support = match r["support"].as_str()? {
                        "yes" => crate::probe::Support::Yes,
                        "partial" => crate::probe::Support::Partial,
                        _ => crate::probe::Support::No,
                    };
                    Some((r["demo"].as_str()?.to_string(), support))
                })
                .collect();
            let _ = tx.send(Message::Probes(answers));
        });
    }

    /// SIGTERM and SIGHUP become a clean quit (the terminal is restored by the caller).
    pub fn spawn_signals(&self) -> std::io::Result<()> {
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGHUP,
        ])?;
        let tx = self.tx.clone();
        thread::spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(Message::Quit);
            }
        });
        Ok(())
    }
}
