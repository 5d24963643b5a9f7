//! `assets/highlighted.json` must hold the embedded talk's code blocks exactly as syntect
//! highlights them now (the TUI presents those without loading syntect). Regenerate with
//! `KDECK_UPDATE_HIGHLIGHT=1 cargo test --test highlight_dump`.

use kdeck::deck::Deck;
use kdeck::highlight::ahead::code_blocks;

#[test]
fn precompiled_highlighting_is_current() {
    let deck = Deck::embedded(&kdeck::demo::ids()).unwrap();
    let blocks: Vec<(String, String)> = deck
        .slides
        .iter()
        .flat_map(|s| code_blocks(&s.body))
        .collect();
    assert!(
        blocks.iter().any(|(l, _)| l == "rust"),
        "the talk has a Rust block"
    );
    let want = kdeck::highlight::dump(&blocks);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/highlighted.json");
    if std::env::var_os("KDECK_UPDATE_HIGHLIGHT").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap();
    assert!(
        have == want,
        "assets/highlighted.json is stale: run KDECK_UPDATE_HIGHLIGHT=1 cargo test --test highlight_dump"
    );
    // And the dump really is colourful.
    let dumped: serde_json::Value = serde_json::from_str(&have).unwrap();
    let colours: std::collections::HashSet<_> = dumped
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| {
            b[2].as_array()
                .unwrap()
                .iter()
                .flat_map(|l| l.as_array().unwrap().iter().map(|p| p[0].as_u64()))
        })
        .collect();
    assert!(colours.len() >= 4, "{colours:?}");
}
