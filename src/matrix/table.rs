//! The matrix model (what ships as `demos/matrix.json`), and its text and Markdown
//! renderings: one row per kernel × profile × user, one column per demo, each cell
//! live / partial / recorded / failed (in Markdown with the reason).
//!
//! `demos/matrix.json` schema:
//! ```json
//! {"schema": 1, "kdeck_version": "0.1.0", "date": "2026-11-28T12:00:00Z",
//!  "kernels": [{"name": "6.1.0-57-amd64", "release": "6.1.0-57-amd64", "arch": "x86_64",
//!               "source": "qemu|host", "lsms": ["lockdown", "capability", "…"],
//!               "landlock_abi": 2, "modules": ["wireguard.ko: ok"], "accel": "tcg",
//!               "boot_seconds": 21.5, "error": null, "profile": "no-userns",
//!               "cmdline": "… kdeck.profile=no-userns",
//!               "sysctls": ["user.max_user_namespaces=0: ok"]}],
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
    /// The boot profile (`kdeck matrix --list-profiles`); empty for the host.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub profile: String,
    /// The guest's /proc/cmdline as it booted (the profile's part at the end).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cmdline: String,
    /// The profile's sysctls as the guest's init wrote them: `name=value: ok` or the errno.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sysctls: Vec<String>,
    /// What qemu booted: `vmlinux (PVH entry, xz-decompressed)` or `vmlinuz (…)`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
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

    /// The plain-text table (a row per kernel × profile × user, a column per demo)
    /// with the kernels' facts and the reasons below it.
    pub fn render_text(&self) -> String {
        let rows = self.rows(false);
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

    /// The same as Markdown (GitHub tables); each cell that is not live carries its
    /// reason.
    pub fn render_markdown(&self) -> String {
        let rows = self.rows(true);
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
        out
    }

    /// The users a kernel has cells for, root first.
    fn users_of(&self, kernel: &str) -> Vec<String> {
        let mut users: Vec<String> = Vec::new();
        for c in self.cells.iter().filter(|c| c.kernel == kernel) {
            if !users.contains(&c.user) {
                users.push(c.user.clone());
            }
        }
        users.sort_by_key(|u| u != "root");
        users
    }

    /// Header then one row per kernel × user; `reasons` puts a fallback's reason into
    /// its cell.
    fn rows(&self, reasons: bool) -> Vec<Vec<String>> {
        let demos = self.demos();
        let mut head = vec!["KERNEL".to_string(), "USER".to_string()];
        head.extend(demos.iter().cloned());
        let mut rows = vec![head];
        for k in &self.kernels {
            let users = self.users_of(&k.name);
            if users.is_empty() {
                let mut r = vec![k.name.clone(), "—".into()];
                r.extend(demos.iter().map(|_| "—".to_string()));
                rows.push(r);
            }
            for u in users {
                let mut r = vec![k.name.clone(), u.clone()];
                for d in &demos {
                    let cell = self
                        .cells
                        .iter()
                        .find(|c| &c.demo == d && c.kernel == k.name && c.user == u);
                    r.push(match cell {
                        None => "—".into(),
                        Some(c) if reasons && c.mode != DemoMode::Live && !c.reason.is_empty() => {
                            format!("{}: {}", c.mode.as_str(), c.reason)
                        }
                        Some(c) => c.mode.as_str().to_string(),
                    });
                }
                rows.push(r);
            }
        }
        rows
    }
}

fn kernel_line(k: &KernelColumn) -> String {
    let mut parts = vec![match k.release.as_str() {
        "" => format!("{} ({})", k.name, k.source),
        r => format!("{}: Linux {r} {} ({})", k.name, k.arch, k.source),
    }];
    if !k.profile.is_empty() {
        parts.push(format!("profile {}", k.profile));
    }
    if !k.sysctls.is_empty() {
        parts.push(format!("sysctls {}", k.sysctls.join(", ")));
    }
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
    fn a_row_per_kernel_and_user_a_column_per_demo() {
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
            text.starts_with(
                "KERNEL  USER    seccomp-log  landlock\n\
                 ──────  ──────  ───────────  ────────\n\
                 host    root    —            live\n\
                 6.1     root    live         live\n\
                 6.1     nobody  partial      live\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("seccomp-log on 6.1 as nobody: partial — partial because"),
            "{text}"
        );
        let md = m.render_markdown();
        assert!(
            md.contains(
                "| KERNEL | USER | seccomp-log | landlock |\n|---|---|---|---|\n\
                 | host | root | — | live |\n\
                 | 6.1 | root | live | live |\n\
                 | 6.1 | nobody | partial: partial because | live |\n"
            ),
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
