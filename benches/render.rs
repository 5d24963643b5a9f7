//! In-process render cost: how long one frame of each slide takes to draw at 120x40
//! (App → Widget → ratatui diff into a TestBackend), as medians over many frames, and
//! how long a → key press takes from update() to a finished frame.
//! Run: `cargo bench --bench render`. The end-to-end figures (time to first frame, key
//! latency through a real pty, peak RSS) come from `benches/tui.sh`.

use std::time::{Duration, Instant};

use kdeck::app::{App, Message, Options};
use kdeck::deck::Deck;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let deck = Deck::embedded(&kdeck::demo::ids()).expect("deck");
    let n = deck.slides.len();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut app = App::new(
        deck,
        Options {
            start: 0,
            force_recorded: false,
            kernel: "6.x".into(),
            ..Default::default()
        },
    );
    // Warm up: highlighter, caches.
    for _ in 0..n {
        terminal
            .draw(|f| f.render_widget(&app, f.area()))
            .expect("draw");
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Right,
            KeyModifiers::NONE,
        )));
    }
    let mut per_slide = Vec::new();
    for i in 0..n {
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Home,
            KeyModifiers::NONE,
        )));
        for _ in 0..i {
            app.update(Message::Key(KeyEvent::new(
                KeyCode::Right,
                KeyModifiers::NONE,
            )));
        }
        let times: Vec<Duration> = (0..200)
            .map(|_| {
                terminal.clear().expect("clear");
                let t = Instant::now();
                terminal
                    .draw(|f| f.render_widget(&app, f.area()))
                    .expect("draw");
                t.elapsed()
            })
            .collect();
        per_slide.push((i + 1, median(times)));
    }
    let mut keys = Vec::new();
    for round in 0..40 {
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Home,
            KeyModifiers::NONE,
        )));
        terminal
            .draw(|f| f.render_widget(&app, f.area()))
            .expect("draw");
        for _ in 0..n - 1 {
            let t = Instant::now();
            app.update(Message::Key(KeyEvent::new(
                KeyCode::Right,
                KeyModifiers::NONE,
            )));
            terminal
                .draw(|f| f.render_widget(&app, f.area()))
                .expect("draw");
            if round > 0 {
                keys.push(t.elapsed());
            }
        }
    }
    // The same key path through the real crossterm backend, into memory.
    let mut ct = Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(std::io::sink()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("terminal");
    let mut ct_keys = Vec::new();
    for round in 0..40 {
        app.update(Message::Key(KeyEvent::new(
            KeyCode::Home,
            KeyModifiers::NONE,
        )));
        ct.draw(|f| f.render_widget(&app, f.area())).expect("draw");
        for _ in 0..n - 1 {
            let t = Instant::now();
            app.update(Message::Key(KeyEvent::new(
                KeyCode::Right,
                KeyModifiers::NONE,
            )));
            ct.draw(|f| f.render_widget(&app, f.area())).expect("draw");
            if round > 0 {
                ct_keys.push(t.elapsed());
            }
        }
    }
    println!("render, 120x40, median of 200 full redraws per slide:");
    for (i, d) in &per_slide {
        println!("  slide {i:>2}: {:>7.1} µs", d.as_secs_f64() * 1e6);
    }
    let worst = per_slide.iter().map(|(_, d)| *d).max().unwrap_or_default();
    println!("worst slide: {:.1} µs", worst.as_secs_f64() * 1e6);
    let vars = app.slide_vars.clone();
    let md: Vec<Duration> = (0..500)
        .map(|_| {
            let t = Instant::now();
            let lines = kdeck::ui::markdown::render(&app.deck.slides[n - 2].body, 116, &vars);
            std::hint::black_box(lines);
            t.elapsed()
        })
        .collect();
    println!(
        "markdown of slide {} alone at 116 columns: {:.1} µs",
        n - 1,
        median(md).as_secs_f64() * 1e6
    );
    println!(
        "→ key, update + frame through the crossterm backend (median of {}): {:.1} µs",
        ct_keys.len(),
        median(ct_keys).as_secs_f64() * 1e6
    );
    println!(
        "→ key, update + frame (median of {}): {:.1} µs",
        keys.len(),
        median(keys).as_secs_f64() * 1e6
    );
}
