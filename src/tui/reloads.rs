//! What the app does when a watched file changes: swap the component in, show the WIT diff,
//! flash the node and its dependents, re-check plugs and re-instantiate (keeping the last good
//! version when the new one is broken).

use std::time::{Duration, Instant};

use super::action::Effect;
use super::app::App;
use super::console::LineKind;
use crate::reload::{self, FileKind, Outcome, ReloadEvent, WatchState, WatchStatus};

/// How long a reloaded node flashes on the graph.
pub const FLASH_FOR: Duration = Duration::from_millis(1200);

impl App {
    pub(super) fn on_reload(&mut self, mut ev: ReloadEvent) -> Vec<Effect> {
        if ev.kind != FileKind::Component {
            if self.workspace.is_saved_as(&ev.path) {
                return Vec::new();
            }
            self.log(
                LineKind::Reload,
                &format!("{} changed on disk — :reload to re-read it", ev.file_name()),
            );
            return Vec::new();
        }
        let changed = reload::apply_to_workspace(&mut self.workspace, &mut ev);
        let kind = match ev.outcome {
            Outcome::Failed | Outcome::Incompatible | Outcome::Removed => LineKind::Error,
            _ => LineKind::Reload,
        };
        self.log(kind, &ev.summary_line());
        if !ev.diff.is_empty() {
            self.log(LineKind::Reload, &ev.diff.render());
        }
        for b in &ev.broken_plugs {
            self.log(LineKind::Error, &format!("  broken plug: {b}"));
        }
        if !changed {
            if matches!(ev.outcome, Outcome::Failed | Outcome::Removed) {
                self.log(
                    LineKind::Error,
                    &format!("  `{}` keeps running its last good version", ev.id),
                );
            }
            return Vec::new();
        }
        let until = Instant::now() + FLASH_FOR;
        for id in reload::dependents(&self.workspace, &ev.id) {
            self.flash.push((id, until));
        }
        self.refresh();
        if ev.outcome == Outcome::Incompatible {
            self.log(
                LineKind::Error,
                "  not re-instantiated: fix the plugs (p / :plug) or the component; the last good version keeps running",
            );
            return Vec::new();
        }
        self.reload_runtime()
    }

    pub(super) fn on_watch_status(&mut self, status: WatchStatus) {
        self.watch = match status.state {
            WatchState::Watching => "on".into(),
            _ => serde_json::to_value(status.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "?".into()),
        };
        self.log(LineKind::Reload, &status.message);
    }
}
