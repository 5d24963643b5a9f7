//! The columns of the matrix: the host's own run, and each guest kernel booted under
//! qemu (initramfs, boot, collect the framed results, read the summaries), then the
//! cells built from them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::guest::{self, KernelReport};
use super::profiles::Profile;
use super::table::{Cell, KernelColumn, Matrix};
use super::{MatrixError, collect, initramfs, qemu};
use crate::record::report::{DemoMode, DemoReport, RunReport, Verdict};

/// One column's results: the kernel and each user's run.
pub(super) struct Column {
    pub kernel: KernelColumn,
    pub runs: Vec<(String, Result<RunReport, String>)>,
    pub dir: PathBuf,
}

pub(super) fn host_column(dir: &Path) -> Column {
    let report = KernelReport::of_running();
    let run = guest::run_demos(dir).map_err(|e| e.to_string());
    let user = if nix::unistd::getuid().is_root() {
        "root"
    } else {
        "user"
    };
    Column {
        kernel: KernelColumn {
            name: "host".into(),
            release: report.release,
            arch: report.arch,
            source: "host".into(),
            lsms: report.lsms,
            landlock_abi: report.landlock_abi,
            error: run.as_ref().err().cloned(),
            ..KernelColumn::default()
        },
        runs: vec![(user.into(), run)],
        dir: dir.to_path_buf(),
    }
}

/// A kernel's initramfs, built once and booted once per profile.
pub(super) struct Prepared {
    pub kd: initramfs::KernelDir,
    pub initramfs: PathBuf,
    /// The image qemu boots (an extracted vmlinux, or the vmlinuz) and why.
    pub image: PathBuf,
    pub image_note: String,
}

/// Opens a kernel dir and builds its initramfs under `out/<release>/`.
pub(super) fn prepare(dir: &Path, exe: &Path, out: &Path) -> Result<Prepared, MatrixError> {
    let kd = initramfs::KernelDir::open(dir)?;
    let kout = out.join(&kd.release);
    std::fs::create_dir_all(&kout).map_err(|e| MatrixError::io(&kout, e))?;
    let built = initramfs::build(&kd, exe, &kout.join("initramfs.cpio"))?;
    let (image, image_note) = super::vmlinux::bootable(&kd, &kout);
    Ok(Prepared {
        kd,
        initramfs: built.path,
        image,
        image_note,
    })
}

/// The column of a kernel that could not be prepared: named after its dir.
pub(super) fn unprepared_column(dir: &Path, profile: &Profile, why: String) -> Column {
    Column {
        kernel: KernelColumn {
            name: format!("{}/{}", dir.display(), profile.name),
            source: "qemu".into(),
            profile: profile.name.clone(),
            error: Some(why),
            ..Default::default()
        },
        runs: Vec::new(),
        dir: dir.to_path_buf(),
    }
}

/// Boots a prepared kernel with one profile; results under `out/<release>/<profile>/`.
pub(super) fn kernel_column(
    prep: &Prepared,
    profile: &Profile,
    out: &Path,
    timeout: Duration,
    accel: qemu::Accel,
) -> Column {
    let release = &prep.kd.release;
    let mut col = Column {
        kernel: KernelColumn {
            name: column_name(release, &profile.name),
            release: release.clone(),
            source: "qemu".into(),
            profile: profile.name.clone(),
            cmdline: profile.cmdline.clone(),
            image: prep.image_note.clone(),
            ..Default::default()
        },
        runs: Vec::new(),
        dir: out.join(release).join(&profile.name),
    };
    if let Err(e) = boot_kernel(prep, profile, timeout, accel, &mut col) {
        col.kernel.error = Some(e.to_string());
    }
    col
}

/// `6.1.0-57-amd64/no-userns`: a guest column's name.
pub fn column_name(release: &str, profile: &str) -> String {
    format!("{release}/{profile}")
}

fn boot_kernel(
    prep: &Prepared,
    profile: &Profile,
    timeout: Duration,
    accel: qemu::Accel,
    col: &mut Column,
) -> Result<(), MatrixError> {
    let kout = col.dir.clone();
    std::fs::create_dir_all(&kout).map_err(|e| MatrixError::io(&kout, e))?;
    let cmdline = format!("kdeck.profile={} {}", profile.name, profile.cmdline);
    let boot = qemu::boot(
        &prep.image,
        &prep.initramfs,
        &kout,
        timeout,
        accel,
        &cmdline,
    )?;
    col.kernel.accel = Some(boot.accel.into());
    col.kernel.boot_seconds = Some((boot.seconds * 10.0).round() / 10.0);
    let bundle = collect::parse(&boot.results)
        .or_else(|e| collect::parse(&boot.console).map_err(|_| e))
        .map_err(|e| no_results(&boot, &e.to_string(), timeout, &kout))?;
    save_files(&bundle, &kout)?;
    take_report(&bundle, col);
    Ok(())
}

/// Why a boot brought no results back: the timeout, the parse error, the console's
/// last lines and qemu's own complaint.
fn no_results(boot: &qemu::Boot, error: &str, timeout: Duration, kout: &Path) -> MatrixError {
    let why = if boot.timed_out {
        format!("killed after {} s; ", timeout.as_secs())
    } else {
        String::new()
    };
    let last = |t: &str, n: usize| {
        let t = printable(t);
        let tail: Vec<&str> = t
            .lines()
            .filter(|l| !l.trim().is_empty())
            .rev()
            .take(n)
            .collect();
        tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
    };
    let console = match last(&boot.console, 3) {
        c if c.is_empty() => "the console is empty".to_string(),
        c => format!("the console ends: {c}"),
    };
    let qemu = match last(&boot.stderr, 2) {
        q if q.is_empty() => String::new(),
        q => format!("; qemu ({}): {q}", boot.accel),
    };
    MatrixError::Recording(format!(
        "{why}{error}; {console}{qemu} (see {})",
        kout.display()
    ))
}

/// Writes the guest's files under `kout` (names that would leave it are skipped).
fn save_files(bundle: &collect::Bundle, kout: &Path) -> Result<(), MatrixError> {
    for (name, data) in &bundle.files {
        let rel = Path::new(name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            continue;
        }
        let p = kout.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| MatrixError::io(parent, e))?;
        }
        crate::files::write_file(&p, data)?;
    }
    Ok(())
}

/// The guest's kernel.json and each user's summary.json into the column.
fn take_report(bundle: &collect::Bundle, col: &mut Column) {
    let Some(report) = bundle
        .files
        .get("kernel.json")
        .and_then(|d| serde_json::from_slice::<KernelReport>(d).ok())
    else {
        col.kernel.error = Some("the guest sent no kernel.json".into());
        return;
    };
    col.kernel.arch = report.arch;
    col.kernel.lsms = report.lsms;
    col.kernel.landlock_abi = report.landlock_abi;
    col.kernel.modules = report.modules;
    col.kernel.sysctls = report.sysctls;
    col.kernel.cmdline = report.cmdline;
    if !bundle.complete {
        col.kernel.error = Some(format!(
            "incomplete results; runs: {}",
            report.runs.join("; ")
        ));
    }
    for user in ["root", "nobody"] {
        let run = bundle
            .files
            .get(&format!("{user}/summary.json"))
            .ok_or_else(|| {
                let how = report.runs.iter().find(|r| r.starts_with(user)).cloned();
                how.unwrap_or_else(|| format!("{user}: no summary"))
            })
            .and_then(|d| {
                serde_json::from_slice::<RunReport>(d)
                    .map_err(|e| format!("{user}/summary.json: {e}"))
            });
        col.runs.push((user.into(), run));
    }
}

/// Builds the matrix from the columns; a user's run that failed fills its cells with
/// `failed` and the reason.
pub(super) fn assemble(columns: &[Column]) -> Matrix {
    let mut cells = Vec::new();
    for col in columns {
        let name = &col.kernel.name;
        if col.runs.is_empty() {
            for id in crate::demo::ids() {
                cells.push(failed_cell(
                    id,
                    name,
                    "root",
                    col.kernel.error.as_deref().unwrap_or("no results"),
                ));
            }
        }
        for (user, run) in &col.runs {
            match run {
                Ok(s) => cells.extend(s.demos.iter().map(|d| cell_of(d, name, user))),
                Err(e) => cells.extend(
                    crate::demo::ids()
                        .into_iter()
                        .map(|id| failed_cell(id, name, user, e)),
                ),
            }
        }
    }
    Matrix {
        kdeck_version: env!("CARGO_PKG_VERSION").into(),
        date: crate::cast::now_rfc3339_utc(),
        kernels: columns.iter().map(|c| c.kernel.clone()).collect(),
        cells,
    }
}

/// One user's run of one demo as a cell. A live cell's reason is the probe's evidence
/// (what made it live); the others keep the report's reason.
fn cell_of(d: &DemoReport, kernel: &str, user: &str) -> Cell {
    let reason = match (d.mode, &d.probe) {
        (DemoMode::Live, Some(p)) => p.evidence.clone(),
        _ => d.reason.clone(),
    };
    Cell {
        demo: d.id.clone(),
        kernel: kernel.into(),
        user: user.into(),
        mode: d.mode,
        verdict: d.verdict,
        reason,
        verdict_line: d.verdict_line.clone(),
    }
}

fn failed_cell(demo: &str, kernel: &str, user: &str, why: &str) -> Cell {
    Cell {
        demo: demo.into(),
        kernel: kernel.into(),
        user: user.into(),
        mode: DemoMode::Failed,
        verdict: Verdict::Fail,
        reason: why.into(),
        verdict_line: String::new(),
    }
}

/// Text without escape sequences and control characters (SeaBIOS clears the screen).
fn printable(t: &str) -> String {
    crate::text::printable(t).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn printable_drops_escapes() {
        let s = "c\x1b[?7l\x1b[2J\x1b[0mSeaBIOS (version 1.16)\r\nBooting\x1bc ok";
        assert_eq!(super::printable(s), "cSeaBIOS (version 1.16)\nBooting ok");
    }
}
