//! Recordings and reports: everything kdeck writes for humans or CI to read later.
//!
//! - [`asciicast`]: read (v2 and v3) and write (v2) the asciicast files that hold demo
//!   recordings (`demos/<id>/recorded.cast`) and headless runs, plus the helpers the
//!   replay needs (output split into lines, the lines of one step).
//!
//! This module never imports ratatui or crossterm.

pub mod asciicast;
pub mod demo_cast;
