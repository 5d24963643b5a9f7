//! kdeck: present "Container-Relevant Kernel Developments" and prove each claim live.
//!
//! Layout (see README "Architecture"): `deck` parses slides, `app` holds state and
//! `update()`, `ui` draws it, `event` feeds one channel, `demo` runs demos in child
//! processes or replays recordings, `probe` asks the kernel what it supports, `record`
//! reads and writes asciicast files and reports.

pub mod app;
pub mod cast;
pub mod commands;
pub mod deck;
pub mod demo;
pub mod event;
pub mod highlight;
pub mod matrix;
pub mod probe;
pub mod record;
pub mod sys;
pub mod terminal;
pub mod tui;
pub mod ui;
