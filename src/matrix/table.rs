//! The matrix model (what ships as `demos/matrix.json`), and its text and Markdown
//! renderings: one row per demo, one column per kernel, each cell live / partial /
//! recorded / failed, split by user when root and nobody differ.
//!
//! `demos/matrix.json` schema:
//! ```json
//! {"kdeck_version": "0.1.0", "date": "2026-11-28T12:00:00Z",
//!  "kernels": [{"name": "6.1.0-57-amd64", "release": "6.1.0-57-amd64", "arch": "x86_64",
//!               "source": "qemu|host", "lsms": ["lockdown", "capability", "…"],
//!               "landlock_abi": 2, "modules": ["wireguard.ko: ok"], "accel": "tcg",
//!               "boot_seconds": 21.5, "error": null}],
//!  "cells": [{"demo": "landlock", "kernel": "6.1.0-57-amd64", "user": "root|nobody",
//!             "mode": "live|partial|recorded|failed", "verdict": "pass|fail|fallback",
//!             "reason": "…", "verdict_line": "✓ …"}]}
//! ```

use crate::record::report::{DemoMode, Verdict};
use serde::{Deserialize, Serialize};

/// Every demo on every kernel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Matrix {
    pub kdeck_version: String,
    pub date: String,
    pub kernels: Vec<KernelColumn>,
    pub cells: Vec<Cell>,
}

/// One kernel (a column).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KernelColumn {
    /// Column name: `host` or the guest's release.
    pub name: String,
    pub release: String,
    pub arch: String,
    /// `host` (this machine's kernel) or `qemu` (booted as a guest).
    pub source: String,
    pub lsms: Vec<String>,
    pub landlock_abi: Option<i32>,
    pub modules: Vec<String>,
    pub accel: Option<String>,
    pub boot_seconds: Option<f64>,
    /// Why this kernel has no (or not all) results.
    pub error: Option<String>,
}

/// One demo on one kernel as one user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Cell {
    pub demo: String,
    pub kernel: String,
    pub user: String,
    pub mode: DemoMode,
    pub verdict: Verdict,
    pub reason: String,
    pub verdict_line: String,
}

/// For the TUI: on which kernels, as which user, a demo ran how, and why:
/// `(kernel, user, mode, reason)` in column order.
pub fn for_demo<'a>(m: &'a Matrix, id: &str) -> Vec<(&'a str, &'a str, &'a str, &'a str)> {
    m.kernels
        .iter()
        .flat_map(|k| {
            m.cells
                .iter()
                .filter(move |c| c.kernel == k.name && c.demo == id)
        })
        .map(|c| {
            (
                c.kernel.as_str(),
                c.user.as_str(),
                c.mode.as_str(),
                c.reason.as_str(),
            )
        })
        .collect()
}

impl Matrix {
    /// Demo ids in row order: the registry's, then any others the cells name.
    pub fn demos(&self) -> Vec<String> {
        let mut ids: Vec<String> = crate::demo::ids().into_iter().map(String::from).collect();
        for c in &self.cells {
            if !ids.contains(&c.demo) {
                ids.push(c.demo.clone());
            }
        }
        ids.retain(|id| self.cells.iter().any(|c| &c.demo == id));
        ids
    }

    /// The text of one cell: `live`, or `live (root) · partial (nobody)`.
    pub fn cell_text(&self, demo: &str, kernel: &str) -> String {
        let cells: Vec<&Cell> = self
            .cells
            .iter()
            .filter(|c| c.demo == demo && c.kernel == kernel)
            .collect();
        match cells.as_slice() {
            [] => "—".into(),
            [one] => one.mode.to_string(),
            many if many.iter().all(|c| c.mode == many[0].mode) => many[0].mode.to_string(),
            many => many
                .iter()
                .map(|c| format!("{} ({})", c.mode, c.user))
                .collect::<Vec<_>>()
                .join(" · "),
        }
    }

    /// Cells that were not live, with their reasons (and live ones' evidence is left out).
    fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for demo in self.demos() {
            for k in &self.kernels {
                for c in self
                    .cells
                    .iter()
                    .filter(|c| c.demo == demo && c.kernel == k.name)
                {
                    if c.mode != DemoMode::Live && k.error.as_deref() != Some(c.reason.as_str()) {
                        out.push(format!(
                            "{demo} on {} as {}: {} — {}",
                            k.name, c.user, c.mode, c.reason
                        ));
                    }
                }
            }
        }
        out
    }

    /// The plain-text table with the kernels' facts and the reasons below it.
    pub fn render_text(&self) -> String {
        let rows = self.rows();
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (n, r) in rows.iter().enumerate() {
            let line: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}", w = *w))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
            if n == 0 {
                out.push_str(
                    &widths
                        .iter()
                        .map(|w| "─".repeat(*w))
                        .collect::<Vec<_>>()
                        .join("  "),
                );
                out.push('\n');
            }
        }
        out.push('\n');
        for k in &self.kernels {
            out.push_str(&format!("{}\n", kernel_line(k)));
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push_str("\nnot live:\n");
            for n in notes {
                out.push_str(&format!("  {n}\n"));
            }
        }
        out
    }

    /// The same as Markdown (GitHub tables).
    pub fn render_markdown(&self) -> String {
        let rows = self.rows();
        let mut out = String::from("# kdeck matrix\n\n");
        for (n, r) in rows.iter().enumerate() {
            out.push_str(&format!(
                "| {} |\n",
                r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
            ));
            if n == 0 {
                out.push_str(&format!("|{}\n", "---|".repeat(r.len())));
            }
        }
        out.push_str("\n## Kernels\n\n");
        for k in &self.kernels {
            out.push_str(&format!("- {}\n", md(&kernel_line(k))));
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push_str("\n## Not live\n\n");
            for n in notes {
                out.push_str(&format!("- {}\n", md(&n)));
            }
        }
        out
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let mut head = vec!["DEMO".to_string()];
        head.extend(self.kernels.iter().map(|k| k.name.clone()));
        let mut rows = vec![head];
        for d in self.demos() {
            let mut r = vec![d.clone()];
            r.extend(self.kernels.iter().map(|k| self.cell_text(&d, &k.name)));
            rows.push(r);
        }
        rows
    }
}

fn kernel_line(k: &KernelColumn) -> String {
    let mut parts = vec![match k.release.as_str() {
        "" => format!("{} ({})", k.name, k.source),
        r => format!("{}: Linux {r} {} ({})", k.name, k.arch, k.source),
    }];
    if !k.lsms.is_empty() {
        parts.push(format!("LSMs {}", k.lsms.join(",")));
    }
    match k.landlock_abi {
        Some(abi) => parts.push(format!("Landlock ABI {abi}")),
        None if k.error.is_none() => parts.push("no Landlock".into()),
        None => {}
    }
    if let (Some(a), Some(s)) = (&k.accel, k.boot_seconds) {
        parts.push(format!("{a}, {s:.1} s"));
    }
    if let Some(e) = &k.error {
        parts.push(format!("error: {e}"));
    }
    parts.join(" · ")
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(demo: &str, kernel: &str, user: &str, mode: &str) -> Cell {
        Cell {
            demo: demo.into(),
            kernel: kernel.into(),
            user: user.into(),
            mode: serde_json::from_value(serde_json::Value::from(mode)).expect("a mode"),
            reason: format!("{mode} because"),
            ..Cell::default()
        }
    }

    fn sample() -> Matrix {
        Matrix {
            kernels: vec![
                KernelColumn {
                    name: "host".into(),
                    release: "6.18".into(),
                    source: "host".into(),
                    landlock_abi: Some(7),
                    ..Default::default()
                },
                KernelColumn {
                    name: "6.1".into(),
                    release: "6.1.0-57-amd64".into(),
                    source: "qemu".into(),
                    landlock_abi: Some(2),
                    ..Default::default()
                },
            ],
            cells: vec![
                cell("landlock", "host", "root", "live"),
                cell("landlock", "6.1", "root", "live"),
                cell("landlock", "6.1", "nobody", "live"),
                cell("seccomp-log", "6.1", "root", "live"),
                cell("seccomp-log", "6.1", "nobody", "partial"),
            ],
            ..Matrix::default()
        }
    }

    #[test]
    fn cells_split_by_user_only_when_they_differ() {
        let m = sample();
        assert_eq!(m.cell_text("landlock", "6.1"), "live");
        assert_eq!(
            m.cell_text("seccomp-log", "6.1"),
            "live (root) · partial (nobody)"
        );
        assert_eq!(m.cell_text("seccomp-log", "host"), "—");
        assert_eq!(m.demos(), ["seccomp-log", "landlock"]);
        let text = m.render_text();
        assert!(
            text.contains("seccomp-log  —     live (root) · partial (nobody)"),
            "{text}"
        );
        assert!(
            text.contains("seccomp-log on 6.1 as nobody: partial — partial because"),
            "{text}"
        );
        let md = m.render_markdown();
        assert!(
            md.contains("| DEMO | host | 6.1 |\n|---|---|---|\n"),
            "{md}"
        );
    }

    #[test]
    fn for_demo_lists_every_kernel_and_user() {
        let m = sample();
        assert_eq!(
            for_demo(&m, "landlock"),
            [
                ("host", "root", "live", "live because"),
                ("6.1", "root", "live", "live because"),
                ("6.1", "nobody", "live", "live because")
            ]
        );
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Matrix>(&json).unwrap(), m);
    }
}
