//! `wirebench watch PATH... [--json] [--debounce MS] [--instantiate] [--build]`: the headless
//! twin of the TUI's hot reload — one line per settled change of a watched file, until
//! Ctrl-C/SIGTERM. With `--build`, also rebuilds components from source on save (`builds`).
//!
//! Text: `12:01:30 kv.wasm reloaded in 41 ms (sha256 ab12…→cd34…): +1 func` or `12:01:30
//! error: kv.wasm: … — keeping the last good version`. `--json` prints one object per line
//! (docs/json-watch.md), flushed per line so a script reading the pipe sees each at once.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use clap::Args;
use crossbeam_channel::{select, Receiver};
use serde::Serialize;

mod builds;

use crate::build::BuildEvent;
use crate::reload::{
    apply_to_workspace, broken_plugs, rfc3339, FileKind, LiveSession, LiveTarget, Outcome,
    ReloadError, ReloadEvent, WatchEvent, WatchOptions, WatchSet, WatchStatus, Watcher,
};
use crate::runtime::{self, SessionOptions};
use crate::util::sanitize::one_line;
use crate::workspace::{Workspace, WorkspaceError};

/// Arguments of `wirebench watch`.
#[derive(Debug, Args)]
pub struct WatchCommand {
    /// Component files or folders to watch (a folder: every `*.wasm`, `wirebench.toml` and
    /// `*.wac` in it, including files added later).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON object per line (see docs/json-watch.md).
    #[arg(long)]
    pub json: bool,
    /// Quiet time after the last write to a file before it is read, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub debounce: u64,
    /// Also compile and instantiate each new version (linked with the workspace, missing
    /// imports stubbed) and report failures; the last good version is kept.
    #[arg(long)]
    pub instantiate: bool,
    /// After each text line, print the WIT diff.
    #[arg(long, conflicts_with = "json")]
    pub diff: bool,
    /// Also rebuild each component when its sources change, with the `build`, `watch` and
    /// `artifact` keys of wirebench.toml (`wirebench init` writes them); components not built
    /// yet are built first. A failed build keeps the last good version.
    #[arg(long)]
    pub build: bool,
}

impl WatchCommand {
    /// Watches until interrupted; exit status 0 on Ctrl-C or SIGTERM.
    pub fn exec(self) -> Result<ExitCode> {
        let signals = signal_channel()?;
        let mut out = Printer {
            json: self.json,
            diff: self.diff,
        };
        let builds = if self.build {
            let builds = builds::Builds::start(&self.paths)?;
            if !builds.build_missing(&out, &signals)? {
                return Ok(ExitCode::SUCCESS);
            }
            Some(builds)
        } else {
            None
        };
        let mut ws = open(&self.paths)?;
        let mut set = WatchSet::from_workspace(&ws);
        if let Some(b) = &builds {
            set.dirs.extend(b.component_dirs());
        }
        set.dirs
            .extend(self.paths.iter().filter(|p| p.is_dir()).cloned());
        set.files
            .extend(self.paths.iter().filter(|p| is_workspace_file(p)).cloned());
        let (tx, events) = crossbeam_channel::unbounded();
        let options = WatchOptions {
            debounce: Duration::from_millis(self.debounce),
            ..WatchOptions::default()
        };
        let watcher = Watcher::start(set, options, tx).context("cannot start watching")?;
        let mut live = if self.instantiate {
            start_live(&ws, &mut out)?
        } else {
            None
        };
        out.ready(&ws, watcher.dirs(), self.debounce)?;
        // Without --build this channel never delivers; `select!` needs a receiver either way.
        let never = crossbeam_channel::never();
        let build_events = builds.as_ref().map_or(&never, |b| &b.events);
        loop {
            select! {
                recv(signals) -> _ => break,
                recv(events) -> msg => match msg {
                    Ok(WatchEvent::Reload(mut ev)) => {
                        if let Some(b) = &builds {
                            b.name_added(&mut ev);
                        }
                        self.take(&mut ws, &watcher, live.as_mut(), &mut ev);
                        out.reload(&ev)?;
                    }
                    Ok(WatchEvent::Status(status)) => out.status(&status)?,
                    Err(_) => break,
                },
                recv(build_events) -> msg => if let Ok(ev) = msg {
                    out.build(&ev)?;
                },
            }
        }
        // Builds first: killing them must not be reported as reloads.
        drop(builds);
        drop(watcher);
        Ok(ExitCode::SUCCESS)
    }

    /// Applies one event to the workspace (and the live session with `--instantiate`).
    fn take(
        &self,
        ws: &mut Workspace,
        watcher: &Watcher,
        live: Option<&mut LiveSession>,
        ev: &mut ReloadEvent,
    ) {
        if ev.kind != FileKind::Component {
            if ev.outcome == Outcome::Changed {
                match Workspace::open(&self.paths) {
                    Ok(new) => {
                        *ws = new;
                        ev.broken_plugs = broken_plugs(ws);
                        if let Err(e) = watcher.extend(WatchSet::from_workspace(ws)) {
                            ev.error = Some(ReloadError::Workspace {
                                message: e.to_string(),
                            });
                        }
                    }
                    Err(e) => {
                        ev.outcome = Outcome::Failed;
                        ev.error = Some(ReloadError::Workspace {
                            message: format!("{e} — keeping the previous workspace"),
                        });
                    }
                }
            }
            return;
        }
        apply_to_workspace(ws, ev);
        if let Some(live) = live {
            live.apply(ev);
        }
    }
}

fn is_workspace_file(p: &std::path::Path) -> bool {
    !p.is_dir()
        && matches!(
            crate::reload::classify(p),
            Some(FileKind::Manifest | FileKind::Composition)
        )
}

/// Opens the workspace; a folder with no components yet is an empty workspace to watch.
fn open(paths: &[PathBuf]) -> Result<Workspace> {
    match Workspace::open(paths) {
        Ok(ws) => Ok(ws),
        Err(WorkspaceError::Empty { .. }) if paths.iter().all(|p| p.is_dir()) => {
            let mut ws = Workspace::new();
            ws.root = paths.first().cloned();
            Ok(ws)
        }
        Err(e) => Err(e).context("cannot open what to watch"),
    }
}

/// The live session `--instantiate` keeps; `None` (with a note) when the start state does
/// not instantiate, since each later version is then judged on its own.
fn start_live(ws: &Workspace, out: &mut Printer) -> Result<Option<LiveSession>> {
    let options = SessionOptions {
        limits: runtime::workspace_limits(ws).unwrap_or_default(),
        stub_missing: true,
        ..SessionOptions::default()
    };
    let mut ids = ws.components.iter();
    let target = match (ids.next(), ids.next()) {
        (None, _) => return Ok(None),
        (Some((id, c)), None) => LiveTarget::Component {
            id: id.clone(),
            component: Arc::clone(c),
        },
        _ => LiveTarget::Linked(Box::new(ws.clone())),
    };
    match LiveSession::load(target, options) {
        Ok(live) => Ok(Some(live)),
        Err(e) => {
            out.note(&format!("cannot instantiate the workspace as it is: {e} — reloads are decoded and checked only"))?;
            Ok(None)
        }
    }
}

/// Ctrl-C and SIGTERM as a channel message, so the main loop can `select!` on them.
fn signal_channel() -> Result<Receiver<()>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("cannot install the Ctrl-C handler")?;
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("wirebench-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let _ = tx.send(());
            }
        })
        .context("cannot start the signal thread")?;
    Ok(rx)
}

struct Printer {
    json: bool,
    diff: bool,
}

fn clock(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(at)
        .format("%H:%M:%S")
        .to_string()
}

impl Printer {
    /// Writes one line and flushes it: a script tailing the output sees it at once.
    fn line(&self, text: &str) -> Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }

    fn json_line<T: Serialize>(&self, value: &T) -> Result<()> {
        self.line(&serde_json::to_string(value)?)
    }

    fn ready(&self, ws: &Workspace, dirs: &[PathBuf], debounce: u64) -> Result<()> {
        if self.json {
            #[derive(Serialize)]
            struct Ready<'a> {
                event: &'static str,
                time: String,
                components: Vec<&'a String>,
                dirs: Vec<String>,
                debounce_ms: u64,
            }
            return self.json_line(&Ready {
                event: "ready",
                time: rfc3339(SystemTime::now()),
                components: ws.components.keys().collect(),
                dirs: dirs.iter().map(|d| d.display().to_string()).collect(),
                debounce_ms: debounce,
            });
        }
        let n = ws.components.len();
        let place: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        self.line(&one_line(&format!(
            "watching {n} component{} in {} (debounce {debounce} ms; Ctrl-C to stop)",
            if n == 1 { "" } else { "s" },
            place.join(", ")
        )))
    }

    fn reload(&self, ev: &ReloadEvent) -> Result<()> {
        if self.json {
            return self.line(&ev.to_json());
        }
        self.line(&format!("{} {}", clock(ev.at), ev.summary_line()))?;
        if self.diff && !ev.diff.is_empty() {
            let text = crate::util::sanitize::sanitize(&ev.diff.render()).into_owned();
            self.line(text.trim_end())?;
        }
        Ok(())
    }

    fn status(&self, status: &WatchStatus) -> Result<()> {
        if self.json {
            #[derive(Serialize)]
            struct Status<'a> {
                event: &'static str,
                time: String,
                #[serde(flatten)]
                status: &'a WatchStatus,
            }
            return self.json_line(&Status {
                event: "watch",
                time: rfc3339(SystemTime::now()),
                status,
            });
        }
        let now = clock(SystemTime::now());
        self.line(&one_line(&format!("{now} watch: {}", status.message)))
    }

    fn build(&self, ev: &BuildEvent) -> Result<()> {
        if self.json {
            return self.line(&builds::build_json(ev)?);
        }
        let text = builds::build_line(ev);
        match ev {
            // Output lines carry no time: they read as the body of the build above them.
            BuildEvent::Output { .. } => self.line(&text),
            _ => self.line(&format!("{} {text}", clock(SystemTime::now()))),
        }
    }

    fn note(&self, text: &str) -> Result<()> {
        if self.json {
            #[derive(Serialize)]
            struct Note<'a> {
                event: &'static str,
                time: String,
                message: &'a str,
            }
            return self.json_line(&Note {
                event: "note",
                time: rfc3339(SystemTime::now()),
                message: text,
            });
        }
        self.line(&one_line(&format!("note: {text}")))
    }
}
