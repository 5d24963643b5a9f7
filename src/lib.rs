//! kdeck: present "Container-Relevant Kernel Developments" and prove each claim live.
//!
//! Layout (see README "Architecture"): `deck` parses slides, `app` holds state and
//! `update()`, `ui` draws it, `event` feeds one channel, `demo` runs demos in child
//! processes or replays recordings and folds each run into a `RunSummary`, `probe` asks
//! the kernel what it supports, `cast` reads and writes asciicast files, `record` runs
//! headless and writes reports, `export` writes the HTML/Markdown hand-out, `sys` wraps
//! the kernel interfaces everything shares.

pub mod app;
pub mod cast;
pub mod commands;
pub mod deck;
pub mod demo;
pub mod event;
pub mod export;
pub mod facts;
pub mod files;
pub mod highlight;
pub mod hyperlink;
pub mod matrix;
pub mod probe;
pub mod record;
pub mod reload;
pub mod schema;
pub mod signals;
pub mod speaker;
pub mod sys;
pub mod terminal;
pub mod text;
pub mod tui;
pub mod ui;
