//! What huge and deeply nested slides cost (issue: a 400-level list took 2.5 s per key,
//! a 500x200 table 8–12 s, a 10 MB code block 40 s and 1.5 GB): per slide, the time to
//! load the deck, the first frame (rendering the slide into the cache) and a key's
//! frame after it (median), at 120x40; and how long loading takes to reject nesting
//! past the limit. Run: `cargo bench --bench hostile`.

#[path = "../tests/common/slides.rs"]
mod slides;
use slides as hostile;

use std::time::{Duration, Instant};

use kdeck::app::{App, Message, Options};
use kdeck::deck::Deck;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let ids = kdeck::demo::ids();
    println!(
        "{:<22} {:>10} {:>12} {:>12}",
        "slide", "load ms", "1st frame ms", "key ms"
    );
    for (name, body) in hostile::big_slides() {
        let dir = hostile::deck_dir(&[(name, body)]);
        let t = Instant::now();
        let deck = Deck::from_dir(dir.path(), &ids).expect("deck");
        let load = t.elapsed();
        let mut app = App::new(
            deck,
            Options {
                start: 0,
                force_recorded: false,
                kernel: "6.x".into(),
                ..Default::default()
            },
        );
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let t = Instant::now();
        terminal
            .draw(|f| f.render_widget(&app, f.area()))
            .expect("draw");
        let first = t.elapsed();
        let mut keys: Vec<Duration> = (0..50)
            .map(|i| {
                let k = if i % 2 == 0 { 's' } else { 'j' };
                let t = Instant::now();
                app.update(Message::Key(KeyEvent::new(
                    KeyCode::Char(k),
                    KeyModifiers::NONE,
                )));
                terminal
                    .draw(|f| f.render_widget(&app, f.area()))
                    .expect("draw");
                t.elapsed()
            })
            .collect();
        keys.sort();
        println!(
            "{name:<22} {:>10.1} {:>12.2} {:>12.3}",
            ms(load),
            ms(first),
            ms(keys[keys.len() / 2])
        );
    }
    println!("{:<22} {:>10}", "rejected (too deep)", "load ms");
    for (name, body) in hostile::too_deep() {
        let dir = hostile::deck_dir(&[(name, body)]);
        let t = Instant::now();
        let loaded = Deck::from_dir(dir.path(), &ids);
        let took = t.elapsed();
        assert!(loaded.is_err(), "{name} must be rejected");
        println!("{name:<22} {:>10.1}", ms(took));
    }
}
