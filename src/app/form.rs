//! The playground in the app: `e` on a playable demo's slide opens the edit form over
//! the demo pane (↑↓ move, space toggles or picks the next choice, ←→ change a choice
//! or number, Enter runs the variant live, Esc cancels, `E` resets to the default).
//! When the variant's run ends, each result line that changed since the previous run
//! shows what it was ("write sibling/: ok ← was EACCES") until the next run, and the
//! footer sums the changes up;
//! when any run ends, the pane ends with the demo's "Try it yourself" commands.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{App, DemoPane};
use crate::demo::DemoCommand;
use crate::demo::play::Spec;
use crate::demo::play::form::{Form, FormKey, changes, marked};
use crate::demo::{DemoEvent, LineKind, OutputLine};

/// The form being edited and the spec it started from.
#[derive(Debug, Clone)]
pub struct FormState {
    pub form: Form,
    pub base: Spec,
}

/// Playground state: the open form, each demo's last variant, the run being watched.
#[derive(Debug, Default)]
pub struct Play {
    pub form: Option<FormState>,
    last: std::collections::HashMap<String, Spec>,
    /// (run, output before it) of the variant run whose changes are still to report.
    pending: Option<(u64, String)>,
}

fn output_text(pane: &DemoPane) -> String {
    pane.lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

impl App {
    /// `e`: opens the form for the current demo, if it is playable; when the probe says
    /// this kernel or user can't run it, every option is off and the reason is on top
    /// (Enter still runs it, to show which step the kernel refuses).
    pub(super) fn open_form(&mut self) -> Vec<DemoCommand> {
        let Some(id) = self.current_demo().map(str::to_string) else {
            self.status = Some("this slide has no demo".into());
            return Vec::new();
        };
        let base = match self.play.last.get(&id) {
            Some(spec) => spec.clone(),
            None => match Spec::default_for(&id) {
                Ok(spec) => spec,
                Err(e) => {
                    self.status = Some(e.to_string());
                    return Vec::new();
                }
            },
        };
        let abi = crate::probe::landlock::abi_version().unwrap_or(0);
        let mut form = Form::new(&id, &base, abi);
        if self
            .probes
            .iter()
            .any(|(d, s)| *d == id && *s == crate::probe::Support::No)
        {
            form.refuse(crate::demo::play::probe_refusal(&id));
        }
        self.play.form = Some(FormState { form, base });
        Vec::new()
    }

    /// A key while the form is open.
    pub(super) fn form_key(&mut self, key: KeyEvent) -> Vec<DemoCommand> {
        let Some(state) = self.play.form.as_mut() else {
            return Vec::new();
        };
        let k = match key.code {
            KeyCode::Up | KeyCode::Char('k') => FormKey::Up,
            KeyCode::Down | KeyCode::Char('j') => FormKey::Down,
            KeyCode::Char(' ') => FormKey::Toggle,
            KeyCode::Left | KeyCode::Char('h') => FormKey::Left,
            KeyCode::Right | KeyCode::Char('l') => FormKey::Right,
            KeyCode::Char('E') => FormKey::Reset,
            KeyCode::Esc => {
                self.play.form = None;
                return Vec::new();
            }
            KeyCode::Enter => return self.run_form(),
            _ => return Vec::new(),
        };
        state.form.key(k);
        Vec::new()
    }

    /// Enter: closes the form and runs its spec live.
    fn run_form(&mut self) -> Vec<DemoCommand> {
        let Some(state) = self.play.form.take() else {
            return Vec::new();
        };
        let id = state.form.id.clone();
        let spec = state.form.to_spec(&state.base);
        let toml = match spec.to_toml() {
            Ok(t) => t,
            Err(e) => {
                self.status = Some(e.to_string());
                return Vec::new();
            }
        };
        self.play.last.insert(id.clone(), spec);
        let before = self.panes.get(&id).map(output_text).unwrap_or_default();
        let (mut cmds, run) = self.begin_run(&id);
        self.play.pending = Some((run, before));
        cmds.push(DemoCommand::StartVariant {
            run,
            id,
            spec: toml,
        });
        cmds
    }

    /// After a demo event: when a run ends, its pane gets the demo's "Try it yourself"
    /// commands; when the watched variant run ends, its changed result lines are marked
    /// with what they were and the footer says what changed.
    pub(super) fn note_changes(&mut self, ev: &DemoEvent) {
        let DemoEvent::Exited { run, seconds, .. } = ev else {
            return;
        };
        if let Some(pane) = self.panes.values_mut().find(|p| p.run == Some(*run)) {
            for text in crate::demo::tryit::lines(&pane.id) {
                pane.lines.push(OutputLine {
                    t: *seconds,
                    kind: LineKind::Stdout,
                    text,
                });
            }
        }
        let Some((want, before)) = self.play.pending.take_if(|(r, _)| r == run) else {
            return;
        };
        let Some(pane) = self.panes.values_mut().find(|p| p.run == Some(want)) else {
            return;
        };
        let diff = changes(&before, &output_text(pane));
        for line in &mut pane.lines {
            if let Some(text) = marked(&before, &line.text) {
                line.text = text;
            }
        }
        self.status = Some(if before.is_empty() {
            "variant ran (e edits it again)".to_string()
        } else if diff.is_empty() {
            "changed since the previous run: nothing".to_string()
        } else {
            format!("changed since the previous run: {}", diff.join("; "))
        });
    }
}
