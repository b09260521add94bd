//! Builds from source inside the workbench: build events in the console, a failed build marks
//! its node, and the normal hot reload picks up each good artifact.

use std::time::Instant;

use super::action::Effect;
use super::app::App;
use super::console::LineKind;
use super::ops::format_duration;
use crate::build::BuildEvent;

impl App {
    pub(super) fn on_build(&mut self, ev: BuildEvent) -> Vec<Effect> {
        match ev {
            BuildEvent::Started { id, command, files } => {
                let why = files
                    .first()
                    .map(|f| format!(" ({} changed)", f.display()))
                    .unwrap_or_default();
                self.log(LineKind::Info, &format!("building `{id}`{why}: {command}"));
                self.building.push((id, Instant::now()));
            }
            BuildEvent::Output { id, line, .. } => {
                // Cargo's progress lines are noise next to the result; errors and warnings stay.
                let trimmed = line.trim_start();
                if !(trimmed.starts_with("Compiling")
                    || trimmed.starts_with("Finished")
                    || trimmed.is_empty())
                {
                    self.log(LineKind::Stderr, &format!("  {id} │ {line}"));
                }
            }
            BuildEvent::Finished {
                id,
                ok,
                cancelled,
                duration,
                first_error,
                installed,
            } => {
                self.building.retain(|(b, _)| *b != id);
                let took = format_duration(duration);
                if cancelled {
                    self.log(
                        LineKind::Info,
                        &format!("build of `{id}` cancelled (a newer change wins)"),
                    );
                } else if ok {
                    self.build_failed.retain(|b| *b != id);
                    let what = if installed {
                        "the reload follows"
                    } else {
                        "output unchanged"
                    };
                    self.log_detail(LineKind::Reload, &format!("built `{id}`: {what}"), &took);
                } else {
                    if !self.build_failed.contains(&id) {
                        self.build_failed.push(id.clone());
                    }
                    let why = first_error.unwrap_or_else(|| "see the output above".into());
                    self.log_detail(
                        LineKind::Error,
                        &format!("build of `{id}` failed: {why}"),
                        &took,
                    );
                    self.log(
                        LineKind::Error,
                        &format!("  `{id}` keeps running its last good version"),
                    );
                }
            }
            BuildEvent::Warning { id, message } => {
                let who = id.map(|i| format!("`{i}`: ")).unwrap_or_default();
                self.log(LineKind::Error, &format!("build watch: {who}{message}"));
            }
        }
        Vec::new()
    }
}
