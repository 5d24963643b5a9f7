//! `kdeck record`, `kdeck export` and `kdeck matrix`: long runs that write files; each
//! library error type chooses the exit code.

use std::process::ExitCode;

use anyhow::Context;
use kdeck::text::printable;

/// `kdeck record`: the headless run, its own error type choosing the exit code.
pub fn record(args: &kdeck::record::cli::RecordArgs) -> anyhow::Result<ExitCode> {
    kdeck::signals::spawn_reaper().context("can't install the signal handlers")?;
    match kdeck::record::cli::run(args) {
        Ok(code) => Ok(ExitCode::from(code)),
        Err(e) => {
            eprintln!("kdeck record: {}", printable(&e.to_string()));
            Ok(ExitCode::from(e.exit_code()))
        }
    }
}

/// `kdeck export`: the files written, one line each on stderr.
pub fn export(args: &kdeck::export::ExportArgs) -> anyhow::Result<ExitCode> {
    match kdeck::export::run(args) {
        Ok(done) => {
            for line in done {
                eprintln!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("kdeck export: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `kdeck matrix`: a profile name that is not in the table is a usage error (exit 2).
pub fn matrix(args: &kdeck::matrix::MatrixArgs) -> anyhow::Result<ExitCode> {
    match kdeck::matrix::run(args) {
        Ok(code) => Ok(ExitCode::from(code as u8)),
        Err(e @ kdeck::matrix::MatrixError::Profile(_)) => {
            eprintln!("kdeck matrix: {e}");
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e.into()),
    }
}
