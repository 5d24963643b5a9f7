//! `kdeck matrix`: every demo on real kernels. For each unpacked kernel package kdeck
//! builds an initramfs around itself ([`initramfs`], [`cpio`]), boots it under qemu
//! ([`qemu`]), where kdeck is `/init` ([`init`]) and runs every demo as root and as
//! `nobody` ([`guest`]); the results come back framed over a serial port ([`collect`])
//! and become a table ([`table`]). The host's own kernel is a column too, run through
//! the same [`guest::run_demos`]. This module never imports ratatui.

pub mod collect;
mod columns;
pub mod cpio;
pub mod guest;
pub mod init;
pub mod initramfs;
pub mod profiles;
pub mod qemu;
pub mod table;
mod vmlinux;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use init::{GuestArgs, is_guest_init};
pub use table::{Cell, KernelColumn, Matrix, for_demo};

use crate::record::report::{DemoMode, Verdict};
pub use columns::column_name;
use columns::{Column, assemble, host_column, kernel_column, prepare, unprepared_column};

/// The matrix that ships with kdeck (`demos/matrix.json`, embedded at build time).
static SHIPPED: &str = include_str!("../../demos/matrix.json");

/// The shipped matrix, or None when the embedded file is missing or unreadable.
pub fn shipped() -> Option<Matrix> {
    serde_json::from_str(SHIPPED)
        .ok()
        .filter(|m: &Matrix| !m.kernels.is_empty())
}

#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{}: not an unpacked kernel package: {why}", dir.display())]
    NotAKernel { dir: PathBuf, why: String },
    #[error("{tool}: {why}")]
    Tool { tool: String, why: String },
    #[error("JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("{0}")]
    Recording(String),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error(transparent)]
    Profile(#[from] profiles::ProfileError),
}

impl MatrixError {
    pub fn io(what: impl AsRef<Path>, source: std::io::Error) -> MatrixError {
        MatrixError::Io {
            what: what.as_ref().display().to_string(),
            source,
        }
    }
}

/// `kdeck matrix` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct MatrixArgs {
    /// An unpacked kernel package (boot/vmlinuz-*, lib/modules/<release>/); repeat for
    /// more kernels. scripts/fetch-kernels.sh prints Debian's 6.1 and 6.12.
    #[arg(long = "kernel", value_name = "DIR", num_args = 1..)]
    pub kernels: Vec<PathBuf>,
    /// Boot each kernel once per profile (default: every profile); see --list-profiles.
    #[arg(long = "profile", value_name = "NAME", num_args = 1..)]
    pub profiles: Vec<String>,
    /// List the boot profiles (command line and sysctls) and exit.
    #[arg(long)]
    pub list_profiles: bool,
    /// Where initramfs images, console logs, casts and summaries go.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the matrix as JSON to FILE (format: README "JSON formats").
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the matrix as a Markdown table to FILE.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Seconds before a guest is killed.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// The qemu accelerator: KVM when it works here (auto), or force kvm or tcg.
    #[arg(long, value_enum, default_value_t = qemu::Accel::Auto)]
    pub accel: qemu::Accel,
    /// Guests booted at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Leave out the host's own kernel.
    #[arg(long)]
    pub no_host: bool,
    /// Also write the matrix to demos/matrix.json (it ships with the next build).
    #[arg(long)]
    pub save: bool,
    /// Copy these demos' casts (run as root, live and passing) from a guest into
    /// demos/<id>/recorded.cast; `ID=GUEST` takes that demo's from GUEST
    /// (`RELEASE[/PROFILE]` or a prefix), e.g. `ima=6.12/ima-tcb`.
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub update_recordings: Vec<String>,
    /// The guest (`RELEASE[/PROFILE]`, the release or a prefix of it) whose casts
    /// --update-recordings takes; default: the last one booted.
    #[arg(long, value_name = "RELEASE")]
    pub recordings_from: Option<String>,
    /// The demos directory --save and --update-recordings write to.
    #[arg(long, value_name = "DIR", default_value = "demos")]
    pub demos_dir: PathBuf,
}

/// Runs the matrix, prints it, writes what was asked; returns the exit code (0: every
/// kernel gave results; 1: some did not).
pub fn run(args: &MatrixArgs) -> Result<i32, MatrixError> {
    if args.list_profiles {
        print!("{}", profiles::listing()?);
        return Ok(0);
    }
    let profiles = if args.profiles.is_empty() {
        profiles::all()?
    } else {
        profiles::select(&args.profiles)?
    };
    let exe = std::env::current_exe().map_err(|e| MatrixError::io("current_exe", e))?;
    let out = out_dir(args)?;
    let started = Instant::now();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let columns = boot_all(args, &profiles, &exe, &out, jobs);
    let matrix = assemble(&columns);
    print!("{}", crate::text::printable(&matrix.render_text()));
    println!(
        "\n(matrix of {} kernel(s) × {} profile(s) in {:.1} s, {jobs} at a time; files in {})",
        args.kernels.len(),
        profiles.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    write_outputs(args, &matrix)?;
    if !args.update_recordings.is_empty() {
        update_recordings(args, &columns, &matrix)?;
    }
    let broken = columns.iter().any(|c| c.kernel.error.is_some());
    Ok(i32::from(broken))
}

/// The user's --out (which must be theirs), else a fresh private directory: never a
/// fixed name in the shared temp dir, where another user could plant symlinks.
fn out_dir(args: &MatrixArgs) -> Result<PathBuf, MatrixError> {
    Ok(match &args.out {
        Some(dir) => {
            crate::files::own_dir(dir)?;
            dir.clone()
        }
        None => crate::files::fresh_temp_dir("kdeck-matrix-")?,
    })
}

/// The host's column (unless --no-host), then one column per kernel × profile in that
/// order: one initramfs per kernel, then every kernel × profile booted through a pool
/// of `jobs` workers.
fn boot_all(
    args: &MatrixArgs,
    profiles: &[profiles::Profile],
    exe: &Path,
    out: &Path,
    jobs: usize,
) -> Vec<Column> {
    let timeout = Duration::from_secs(args.timeout);
    let prepared: Vec<Result<columns::Prepared, String>> = args
        .kernels
        .iter()
        .map(|k| prepare(k, exe, out).map_err(|e| e.to_string()))
        .collect();
    let tasks: Vec<(usize, &profiles::Profile)> = (0..args.kernels.len())
        .flat_map(|k| profiles.iter().map(move |p| (k, p)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Column>>> =
        tasks.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let mut columns: Vec<Option<Column>> = Vec::new();
    std::thread::scope(|s| {
        let host = (!args.no_host).then(|| s.spawn(|| host_column(&out.join("host"))));
        let workers: Vec<_> = (0..jobs.min(tasks.len()))
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(k, p)) = tasks.get(i) else { break };
                        let col = match &prepared[k] {
                            Ok(prep) => kernel_column(prep, p, out, timeout, args.accel),
                            Err(e) => unprepared_column(&args.kernels[k], p, e.clone()),
                        };
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(col);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            let _ = w.join();
        }
        columns.push(host.and_then(|h| h.join().ok()));
    });
    columns.extend(slots.into_iter().map(|m| m.into_inner().ok().flatten()));
    columns.into_iter().flatten().collect()
}

/// Writes the matrix where asked: --json, --markdown, and demos/matrix.json (--save).
fn write_outputs(args: &MatrixArgs, matrix: &Matrix) -> Result<(), MatrixError> {
    let json = crate::schema::pretty(crate::schema::MATRIX, matrix).map_err(MatrixError::Json)?;
    let write = |p: &Path, text: &str| crate::files::write_file(p, text.as_bytes());
    if let Some(p) = &args.json {
        write(p, &json)?;
    }
    if let Some(p) = &args.markdown {
        write(p, &matrix.render_markdown())?;
    }
    if args.save {
        let p = args.demos_dir.join("matrix.json");
        write(&p, &format!("{json}\n"))?;
        println!("saved {}", p.display());
    }
    Ok(())
}

/// Copies live, passing root casts from one guest kernel into demos/<id>/recorded.cast.
fn update_recordings(
    args: &MatrixArgs,
    columns: &[Column],
    matrix: &Matrix,
) -> Result<(), MatrixError> {
    let guests: Vec<&Column> = columns
        .iter()
        .filter(|c| c.kernel.source == "qemu")
        .collect();
    let pick = |want: Option<&str>| {
        match want {
            Some(want) => guests
                .iter()
                .rev()
                .find(|c| c.kernel.name.starts_with(want)),
            None => guests.last(),
        }
        .copied()
        .ok_or_else(|| {
            MatrixError::Recording(format!(
                "--update-recordings: no guest {} in this run",
                want.unwrap_or("at all")
            ))
        })
    };
    for spec in &args.update_recordings {
        let (id, want) = match spec.split_once('=') {
            Some((id, guest)) => (id, Some(guest)),
            None => (spec.as_str(), args.recordings_from.as_deref()),
        };
        let col = pick(want)?;
        let cell = matrix
            .cells
            .iter()
            .find(|c| c.demo == id && c.kernel == col.kernel.name && c.user == "root")
            .ok_or_else(|| {
                MatrixError::Recording(format!("{id}: no result on {}", col.kernel.name))
            })?;
        if cell.mode != DemoMode::Live || cell.verdict != Verdict::Pass {
            return Err(MatrixError::Recording(format!(
                "{id} was {} ({}) on {}, not live and passing: recording not updated ({})",
                cell.mode, cell.verdict, col.kernel.name, cell.reason
            )));
        }
        let from = col.dir.join("root").join(format!("{id}.cast"));
        let to_dir = args.demos_dir.join(id);
        std::fs::create_dir_all(&to_dir).map_err(|e| MatrixError::io(&to_dir, e))?;
        let to = to_dir.join("recorded.cast");
        let bytes = crate::files::read_regular(&from, crate::files::RECORDING_CAP, "a recording")?;
        crate::files::write_file(&to, &bytes)?;
        println!(
            "updated {} from {} (live on {})",
            to.display(),
            from.display(),
            col.kernel.name
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_matrix_is_consistent() {
        // The placeholder (no kernels) reads as None; a real one names its kernels.
        let Some(m) = shipped() else { return };
        for c in &m.cells {
            assert!(m.kernels.iter().any(|k| k.name == c.kernel), "{c:?}");
        }
        for id in crate::demo::ids() {
            assert!(
                !for_demo(&m, id).is_empty(),
                "{id} is not in demos/matrix.json"
            );
        }
    }
}
