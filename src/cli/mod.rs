//! The subcommands' handlers, one module per kind of command; `main.rs` keeps the clap
//! definition and the dispatch. This is the binary's side (the only place with anyhow):
//! each handler calls into the library and turns its results and errors into exit
//! codes (0 done, 1 a failing result, 2 kdeck could not do what was asked).

pub mod batch;
pub mod demo;
pub mod info;
pub mod present;

use std::path::PathBuf;

use kdeck::deck::Deck;
use kdeck::demo::{self as demos, Recordings};
use kdeck::text::printable;

/// `--speed X`: a finite number, positive or 0 (instant).
pub fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!(
            "{s:?} is not a replay speed: give a finite number > 0 (2 = twice as fast) or 0 (instant)"
        )),
    }
}

/// The recordings in `dir` (laid out like `demos/`), else the built-in ones.
fn recordings_from(dir: Option<PathBuf>) -> Recordings {
    dir.map_or_else(Recordings::embedded, Recordings::from_dir)
}

/// The deck, or `None` after printing its problems as file:line lines.
fn load_deck(dir: Option<&PathBuf>) -> anyhow::Result<Option<Deck>> {
    let ids = demos::ids();
    let loaded = match dir {
        Some(d) => Deck::from_dir(d, &ids),
        None => Deck::embedded(&ids),
    };
    match loaded {
        Ok(deck) => Ok(Some(deck)),
        Err(errors) => {
            eprintln!("{}", printable(&errors.to_string()));
            eprintln!("kdeck: the deck has {} problem(s)", errors.0.len());
            Ok(None)
        }
    }
}
