//! Headless Chromium for the hand-out tests: find it (or say why the test skips), run it
//! with a throw-away profile, and read back the DOM it dumped and the requests the page
//! made, from the browser's own net log.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scraper::{ElementRef, Html, Selector};

use super::path;

/// Chromium, or `None` (with the reason printed) outside CI when none is installed.
pub fn browser() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but no chromium is installed (.ci/run installs it)"
        );
        eprintln!(
            "SKIP: no chromium in PATH (apt-get install chromium); browser tests skip outside CI only"
        );
    }
    found
}

pub fn chromium(browser: &Path, scratch: &Path, args: &[&str]) -> Output {
    let profile = tempfile::tempdir_in(scratch).unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", path(profile.path())))
        .args(args)
        .env("HOME", profile.path())
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A page as the browser left it: its DOM, and the URLs the page itself requested
/// (from Chromium's net log; the browser's own background requests have no origin).
pub struct Opened {
    pub dom: Html,
    pub page_requests: Vec<String>,
}

pub fn open(browser: &Path, page: &Path) -> Opened {
    let scratch = page.parent().unwrap();
    let log = scratch.join("net-log.json");
    let out = chromium(
        browser,
        scratch,
        &[
            &format!("--log-net-log={}", path(&log)),
            "--dump-dom",
            &format!("file://{}", path(page)),
        ],
    );
    let net: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).expect("net log is JSON");
    let start_job = &net["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    let page_requests = net["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| &e["type"] == start_job && e["params"]["initiator"] != "not an origin")
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect();
    Opened {
        dom: Html::parse_document(&String::from_utf8_lossy(&out.stdout)),
        page_requests,
    }
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

pub fn text(e: ElementRef) -> String {
    e.text().collect()
}

/// The lines the player drew on its terminal.
pub fn player_lines(slide: ElementRef) -> Vec<String> {
    slide
        .select(&sel("div.player .ap-term-text .ap-line"))
        .map(|l| text(l).trim_end().to_string())
        .collect()
}
