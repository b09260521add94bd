//! `wirebench watch --build`: rebuild components from source on save, next to the reload
//! watch. Components whose file is missing are built first (before the workspace is opened);
//! then each build is printed as it starts, streams and ends, and the reload watch takes the
//! artifact a good build copies over the component file.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::{bail, Context, Result};
use crossbeam_channel::{select, Receiver, Sender};
use serde::Serialize;

use crate::build::{load_configs, BuildConfig, BuildEvent, Builder, BuilderOptions};
use crate::reload::{fmt_ms, rfc3339, FileKind, Outcome, ReloadEvent};
use crate::workspace::MANIFEST_FILE;

/// The builder of a `watch --build` and the configs it runs.
pub(super) struct Builds {
    pub builder: Builder,
    pub configs: Vec<BuildConfig>,
    pub events: Receiver<BuildEvent>,
}

impl Builds {
    /// Reads the build entries of the `wirebench.toml` named by `paths` and starts watching
    /// their sources.
    pub fn start(paths: &[PathBuf]) -> Result<Builds> {
        let manifest = manifest_of(paths)?;
        let configs = load_configs(&manifest).context("cannot read the build settings")?;
        if configs.is_empty() {
            bail!(
                "`{}` has no component with a `build` command — run `wirebench init` or add \
                 `build = \"…\"` under [components.<id>] (see docs/workspace.md)",
                manifest.display()
            );
        }
        for c in &configs {
            // The reload watch needs the folder of every component file, built or not.
            if let Some(dir) = c.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
        }
        let (tx, events): (Sender<BuildEvent>, _) = crossbeam_channel::unbounded();
        let builder = Builder::start_with(configs.clone(), BuilderOptions::default(), tx)
            .context("cannot start the source watcher")?;
        Ok(Builds {
            builder,
            configs,
            events,
        })
    }

    /// Builds every component whose file is missing and waits for them (printing as they
    /// go); false when interrupted.
    pub fn build_missing(&self, out: &super::Printer, signals: &Receiver<()>) -> Result<bool> {
        let missing: Vec<&str> = self
            .configs
            .iter()
            .filter(|c| !c.path.exists())
            .map(|c| c.id.as_str())
            .collect();
        for id in &missing {
            self.builder.rebuild(id)?;
        }
        let mut left: HashSet<&str> = missing.into_iter().collect();
        while !left.is_empty() {
            select! {
                recv(signals) -> _ => return Ok(false),
                recv(self.events) -> msg => {
                    let Ok(ev) = msg else { return Ok(false) };
                    out.build(&ev)?;
                    if let BuildEvent::Finished { id, cancelled: false, .. } = &ev {
                        left.remove(id.as_str());
                    }
                }
            }
        }
        Ok(true)
    }

    /// The folders of the component files, for the reload watch (a component whose first
    /// build failed is added when a later one succeeds).
    pub fn component_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for c in &self.configs {
            if let Some(d) = c.path.parent().filter(|d| d.is_dir()) {
                if !dirs.iter().any(|x| x == d) {
                    dirs.push(d.to_path_buf());
                }
            }
        }
        dirs
    }

    /// A component file that appeared gets its configured id, not its file stem.
    pub fn name_added(&self, ev: &mut ReloadEvent) {
        if ev.kind != FileKind::Component || ev.outcome != Outcome::Added {
            return;
        }
        let Ok(path) = fs::canonicalize(&ev.path) else {
            return;
        };
        if let Some(c) = self
            .configs
            .iter()
            .find(|c| fs::canonicalize(&c.path).is_ok_and(|p| p == path))
        {
            ev.id = c.id.clone();
        }
    }
}

/// The `wirebench.toml` that `--build` reads: the one named, or the one in the one folder.
fn manifest_of(paths: &[PathBuf]) -> Result<PathBuf> {
    if let [one] = paths {
        if one.is_dir() && one.join(MANIFEST_FILE).is_file() {
            return Ok(one.join(MANIFEST_FILE));
        }
        if one.is_file() && one.extension().is_some_and(|e| e == "toml") {
            return Ok(one.clone());
        }
    }
    bail!(
        "--build needs one workspace folder with a wirebench.toml (or the file itself) — run \
         `wirebench init DIR` to write one for a Cargo workspace"
    )
}

fn seconds(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        fmt_ms(d)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn file_list(files: &[PathBuf]) -> String {
    let names: Vec<String> = files
        .iter()
        .take(3)
        .map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| f.display().to_string())
        })
        .collect();
    let more = files.len().saturating_sub(3);
    if more > 0 {
        format!("{} and {more} more", names.join(", "))
    } else {
        names.join(", ")
    }
}

/// One text line for a build event, without the time.
pub(super) fn build_line(ev: &BuildEvent) -> String {
    match ev {
        BuildEvent::Started { id, command, files } if files.is_empty() => {
            format!("{id}: building: {command}")
        }
        BuildEvent::Started { id, command, files } => {
            format!("{id}: {} changed — building: {command}", file_list(files))
        }
        BuildEvent::Output { id, line, .. } => format!("  {id} | {line}"),
        BuildEvent::Finished {
            id,
            cancelled: true,
            duration,
            ..
        } => format!(
            "{id}: build cancelled after {} (newer change)",
            seconds(*duration)
        ),
        BuildEvent::Finished {
            id,
            ok: true,
            duration,
            installed,
            ..
        } => format!(
            "{id}: built in {}{}",
            seconds(*duration),
            if *installed {
                ""
            } else {
                " (component file unchanged)"
            }
        ),
        BuildEvent::Finished {
            id,
            duration,
            first_error,
            ..
        } => format!(
            "error: {id}: build failed in {}: {} — keeping the last good version",
            seconds(*duration),
            first_error.as_deref().unwrap_or("no error message")
        ),
        BuildEvent::Warning {
            id: Some(id),
            message,
        } => format!("warning: {id}: {message}"),
        BuildEvent::Warning { id: None, message } => format!("warning: {message}"),
    }
}

/// A build event as one JSON object with its time (docs/json-watch.md).
pub(super) fn build_json(ev: &BuildEvent) -> Result<String> {
    #[derive(Serialize)]
    struct Line<'a> {
        #[serde(flatten)]
        event: &'a BuildEvent,
        time: String,
    }
    Ok(serde_json::to_string(&Line {
        event: ev,
        time: rfc3339(SystemTime::now()),
    })?)
}
