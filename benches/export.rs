//! `kdeck export` of the whole built-in talk, in process: loading the deck and the shipped
//! recordings, rendering the HTML page (syntect highlighting, every cast inlined) and the
//! Markdown. Target: the whole HTML export ≤ 300 ms. Reports the HTML file's size.
//! Run: `cargo bench --bench export`.

use std::time::{Duration, Instant};

use kdeck::deck::Deck;
use kdeck::export::{Handout, Runs, html, markdown};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let ids = kdeck::demo::ids();
    // The first export pays for loading syntect's syntaxes: measured on its own.
    let first = Instant::now();
    let deck = Deck::embedded(&ids).expect("deck");
    let runs = Runs::shipped(&deck).expect("shipped recordings");
    let page = html::page(&Handout {
        deck: &deck,
        runs: &runs,
        notes: true,
    });
    let first = first.elapsed();
    let mut whole = Vec::new();
    let mut md = Vec::new();
    let mut size = 0;
    for _ in 0..30 {
        let t = Instant::now();
        let deck = Deck::embedded(&ids).expect("deck");
        let runs = Runs::shipped(&deck).expect("shipped recordings");
        let handout = Handout {
            deck: &deck,
            runs: &runs,
            notes: true,
        };
        size = html::page(&handout).len();
        whole.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(markdown::document(&handout));
        md.push(t.elapsed());
    }
    assert_eq!(size, page.len());
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "export of the whole talk ({} slides, {} recordings, with notes)",
        deck.slides.len(),
        runs.len()
    );
    println!(
        "  HTML, first in the process (loads syntect): {:.1} ms",
        ms(first)
    );
    println!(
        "  HTML, median of 30:                         {:.1} ms",
        ms(median(whole))
    );
    println!(
        "  Markdown, median of 30:                     {:.2} ms",
        ms(median(md))
    );
    println!(
        "  HTML file size: {} bytes ({} KiB; the player is {} KiB of it)",
        size,
        size.div_ceil(1024),
        html::PLAYER_BYTES.div_ceil(1024)
    );
    let verdict = if first <= Duration::from_millis(300) {
        "within"
    } else {
        "OVER"
    };
    println!("  target ≤ 300 ms for the whole export: {verdict}");
}
