//! Recordings and reports: everything kdeck writes for humans or CI to read later.
//!
//! - [`asciicast`]: read (v2 and v3) and write (v2) the asciicast files that hold demo
//!   recordings (`demos/<id>/recorded.cast`) and headless runs, plus the helpers the
//!   replay needs (output split into lines, the lines of one step).
//! - [`demo_cast`]: one demo run's events as a recording.
//! - `kdeck record` (CI): [`cli`] (flags, exit codes), [`headless`] (running demos
//!   without a terminal and classifying the runs), [`report`] (table, JSON schema,
//!   JUnit, Markdown), [`walkthrough`] and [`mask`] (the talk rendered through the UI
//!   into one cast and into masked text frames), [`outputs`] (report paths checked
//!   before the run, `-` for standard output), [`github`] (workflow-command
//!   annotations), [`error`].
//!
//! This module never imports ratatui or crossterm, except [`walkthrough`], which
//! drives the real UI to render the talk.

pub mod cli;
pub mod demo_cast;
pub mod error;
pub mod github;
pub mod headless;
pub mod mask;
pub mod outputs;
pub mod report;
mod walk;
pub mod walkthrough;

pub use error::RecordError;
