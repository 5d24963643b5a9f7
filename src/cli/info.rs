//! `kdeck probe`, `kdeck list`, `kdeck check` and `kdeck kspp`: what this kernel
//! supports and what a deck holds, as a table or JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kdeck::commands;
use kdeck::demo::Recordings;
use kdeck::text::printable;

use super::{load_deck, recordings_from};

/// `kdeck probe`: the support table, or JSON.
pub fn probe(json: bool) -> anyhow::Result<ExitCode> {
    let rows = commands::probe_all();
    if json {
        println!(
            "{}",
            kdeck::schema::pretty_list(kdeck::schema::PROBE, "demos", &rows)?
        );
    } else {
        print!("{}", commands::probe_table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

/// `kdeck list`: the slides, or JSON with what each demo would do here.
pub fn list(deck: Option<&PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let Some(deck) = load_deck(deck)? else {
        return Ok(ExitCode::from(1));
    };
    if json {
        let rows = commands::list_rows(
            &deck,
            &commands::live_vars(&commands::probe_all(), &Recordings::embedded()),
        );
        println!(
            "{}",
            kdeck::schema::pretty_list(kdeck::schema::LIST, "slides", &rows)?
        );
    } else {
        print!("{}", commands::list_table(&deck));
    }
    Ok(ExitCode::SUCCESS)
}

/// `kdeck check`: the report; exit 1 when it found errors.
pub fn check(deck: Option<&PathBuf>, recordings: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let Some(deck) = load_deck(deck)? else {
        return Ok(ExitCode::from(1));
    };
    let (report, errors) = commands::check(&deck, &recordings_from(recordings));
    print!("{}", printable(&report));
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `kdeck kspp`: the table or JSON; with `--fail-under N`, exit 1 below N passing checks.
pub fn kspp(
    config: Option<&Path>,
    sysctl: Option<&Path>,
    cmdline: Option<&Path>,
    json: bool,
    fail_under: Option<usize>,
) -> anyhow::Result<ExitCode> {
    use kdeck::demo::kspp;
    let report = kspp::cli_report(config, sysctl, cmdline)?;
    if json {
        println!("{}", kdeck::schema::pretty(kdeck::schema::KSPP, &report)?);
    } else {
        print!("{}", printable(&kspp::render_text(&report)));
    }
    match fail_under {
        Some(n) if report.passed < n => {
            eprintln!(
                "kdeck kspp: {} of {} checks pass, fewer than --fail-under {n}",
                report.passed, report.total
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
