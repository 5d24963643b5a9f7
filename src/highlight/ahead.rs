//! Highlighting ahead of the presenter: a background thread highlights the code blocks of
//! the slides around the current one (the next slide first, then the previous, then
//! further out) into the cache that [`super::highlight`] reads, so a key press finds the
//! next slide's code already coloured instead of running syntect on the UI thread. It
//! works within a window around the current slide ([`AHEAD`] slides forward, [`BEHIND`]
//! back), so a long deck costs what is near, not what is in it; [`follow`] moves the
//! window. A block the UI needs before the thread got to it is highlighted by the UI as
//! before, so nothing ever waits on the thread.

use std::sync::{Arc, Condvar, Mutex, OnceLock};

use crate::deck::{Block, Deck};

/// Slides highlighted ahead of the current one.
pub const AHEAD: usize = 8;
/// Slides highlighted behind the current one.
pub const BEHIND: usize = 3;

/// The code blocks (language, code) of one slide.
type Blocks = Vec<(String, String)>;

struct State {
    /// The slide the presenter is on.
    current: usize,
    /// Per slide: its code blocks, emptied once highlighted.
    todo: Vec<Blocks>,
}

struct Shared {
    state: Mutex<State>,
    moved: Condvar,
}

static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();

/// Every code block (language, code) of `blocks`, in order, nested ones (in lists and
/// quotes) included.
pub fn code_blocks(blocks: &[Block]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    code_of(blocks, &mut out);
    out
}

fn code_of(blocks: &[Block], out: &mut Blocks) {
    for block in blocks {
        match block {
            Block::Code { lang, code } => out.push((lang.clone(), code.clone())),
            Block::List { items, .. } => items.iter().for_each(|item| code_of(item, out)),
            Block::Quote(inner) => code_of(inner, out),
            _ => {}
        }
    }
}

/// The slides in the order they are highlighted from `current`: the next one, the
/// previous one, then alternately further out, within the window.
pub fn order(current: usize, len: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for step in 1..=AHEAD.max(BEHIND) {
        if step <= AHEAD && current + step < len {
            out.push(current + step);
        }
        if step <= BEHIND && step <= current {
            out.push(current - step);
        }
    }
    out
}

/// Starts the thread for `deck`, the presenter being on slide `current`: it highlights
/// that slide's blocks first and then calls `ready` (the first frame may have shown them
/// plain: see [`super::plain_if_missing`]), then works on the window. Does nothing when
/// the deck has no code block outside the precompiled dump, or when a thread already runs.
pub fn start(deck: &Deck, current: usize, ready: impl FnOnce() + Send + 'static) {
    let todo: Vec<Blocks> = deck
        .slides
        .iter()
        .map(|s| {
            let mut blocks = code_blocks(&s.body);
            blocks.retain(|(lang, code)| !super::is_cached(lang, code));
            // Taken from the end: the slide's first block first.
            blocks.reverse();
            blocks
        })
        .collect();
    if todo.iter().all(Vec::is_empty) {
        return;
    }
    let shared = Arc::new(Shared {
        state: Mutex::new(State { current, todo }),
        moved: Condvar::new(),
    });
    if SHARED.set(shared.clone()).is_err() {
        return;
    }
    // Without a thread the UI highlights each block itself, as it would anyway.
    let _ = std::thread::Builder::new()
        .name("highlight".into())
        .spawn(move || {
            // Below the UI thread: on a busy machine a key's frame comes first.
            // SAFETY: setpriority on this thread's own id; no memory is involved.
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
            }
            let first = shared
                .state
                .lock()
                .ok()
                .and_then(|mut s| s.todo.get_mut(current).map(std::mem::take));
            for (lang, code) in first.into_iter().flatten().rev() {
                super::warm(&lang, &code);
            }
            ready();
            run(&shared);
        });
}

/// Tells the thread which slide the presenter is on now; a no-op without a thread.
pub fn follow(current: usize) {
    let Some(shared) = SHARED.get() else { return };
    let Ok(mut state) = shared.state.lock() else {
        return;
    };
    if state.current != current {
        state.current = current;
        shared.moved.notify_one();
    }
}

/// The thread: the nearest slide in the window with blocks left, highlighted one block
/// at a time (the lock is not held while highlighting); sleeps until the window moves
/// when it is done.
fn run(shared: &Shared) {
    loop {
        let next = {
            let Ok(mut state) = shared.state.lock() else {
                return;
            };
            loop {
                let len = state.todo.len();
                let found = order(state.current, len)
                    .into_iter()
                    .find(|&i| !state.todo[i].is_empty());
                match found {
                    Some(i) => break state.todo[i].pop(),
                    None => match shared.moved.wait(state) {
                        Ok(s) => state = s,
                        Err(_) => return,
                    },
                }
            }
        };
        if let Some((lang, code)) = next {
            super::warm(&lang, &code);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Waits (at most 60 s, so a broken thread fails instead of hanging) for `code` of
    /// slide `n` to be in the cache.
    fn wait_cached(n: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if super::super::is_cached("rust", &code(n)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    fn code(n: usize) -> String {
        format!("fn slide_{n}() -> u32 {{\n    {n}\n}}")
    }

    #[test]
    fn the_thread_does_the_current_slide_then_the_window_and_follows() {
        let files = (0..20)
            .map(|n| {
                let text = format!("+++\ntitle = \"s{n}\"\n+++\n```rust\n{}\n```\n", code(n));
                (format!("{n:02}.md"), text.into_bytes())
            })
            .collect();
        let deck = Deck::from_files("test", files, &[]).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        start(&deck, 0, move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(
            super::super::is_cached("rust", &code(0)),
            "current slide first"
        );
        for n in 1..=AHEAD {
            assert!(wait_cached(n), "slide {n} is in the window");
        }
        // The window is done: what lies beyond stays untouched until the presenter moves.
        std::thread::sleep(Duration::from_millis(50));
        assert!(!super::super::is_cached("rust", &code(AHEAD + 4)));
        follow(AHEAD);
        assert!(wait_cached(AHEAD + 4), "the window moved");
        let lines = crate::highlight::highlight("rust", &code(AHEAD + 4));
        let colours: std::collections::HashSet<_> =
            lines.iter().flatten().map(|(s, _)| s.fg).collect();
        assert!(colours.len() >= 2, "highlighted, not plain: {colours:?}");
    }

    #[test]
    fn plain_if_missing_gives_plain_lines_and_says_so() {
        let code = "fn only_in_this_test() {}\n";
        let (lines, plain) =
            crate::highlight::plain_if_missing(|| crate::highlight::highlight("rust", code));
        assert!(plain);
        assert_eq!(
            lines,
            vec![vec![(
                ratatui::style::Style::default(),
                "fn only_in_this_test() {}".to_string()
            )]]
        );
        let (coloured, plain) =
            crate::highlight::plain_if_missing(|| crate::highlight::highlight("c", "int x;"));
        assert!(plain, "nothing was cached by the plain pass");
        assert_eq!(coloured.len(), 1);
        let lines = crate::highlight::highlight("rust", code);
        assert!(lines[0].len() > 1, "coloured once asked outside: {lines:?}");
    }

    #[test]
    fn next_then_previous_then_outward_within_the_window() {
        assert_eq!(order(5, 20), vec![6, 4, 7, 3, 8, 2, 9, 10, 11, 12, 13]);
        assert_eq!(order(0, 3), vec![1, 2]);
        assert_eq!(order(2, 3), vec![1, 0]);
        assert!(order(0, 1).is_empty());
    }

    #[test]
    fn nested_code_blocks_are_found() {
        let blocks = crate::deck::markdown::parse(
            "- item\n\n  ```c\n  int x;\n  ```\n\n> ```sh\n> ls\n> ```\n\n```rust\nfn f() {}\n```\n",
        )
        .unwrap();
        let out = code_blocks(&blocks);
        let langs: Vec<&str> = out.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(langs, ["c", "sh", "rust"]);
    }
}
