//! The interactive workbench: the runner owns the terminal, the runtime worker and the
//! background jobs, feeds every event to `App::update` and draws when something changed.

pub mod action;
pub mod app;
mod builds;
mod commands;
pub mod console;
mod input;
pub mod invoke;
pub mod keymap;
pub mod layout;
pub mod ops;
mod reloads;
mod serving;
pub mod terminal;
pub mod view;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use crossbeam_channel::{select, Receiver, Sender};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};

use crate::reload::{WatchEvent, WatchOptions, WatchSet, Watcher};
use crate::runtime::{self, Worker};
use crate::workspace::{Workspace, MANIFEST_FILE};
use action::{Action, Effect};
use app::App;

/// Tick period while something animates (spinner, lit edges).
const TICK: Duration = Duration::from_millis(100);
/// Shortest time between two frames (about 60 per second).
const FRAME: Duration = Duration::from_millis(16);
/// Name of the per-workspace invoke history file.
pub const HISTORY_FILE: &str = ".wirebench-history";

/// Opens what the user named (the demo when nothing), returning the workspace and its label.
pub fn open_workspace(paths: &[PathBuf]) -> Result<(Workspace, String)> {
    if paths.is_empty() {
        let dir = crate::demo::ensure_demo(&crate::demo::demo_dir())?;
        let mut ws = Workspace::open(std::slice::from_ref(&dir))?;
        if !dir.join(MANIFEST_FILE).exists() {
            // First run: keep the auto-plugged wiring so the demo opens wired next time too.
            ws.save_to(&dir)?;
        }
        return Ok((ws, format!("demo: {}", display_path(&dir))));
    }
    let ws = Workspace::open(paths)?;
    let label = match &ws.root {
        Some(r) => display_path(r),
        None => paths
            .iter()
            .map(|p| display_path(p))
            .collect::<Vec<_>>()
            .join(" "),
    };
    Ok((ws, label))
}

/// `~/x` for paths under the home directory.
pub fn display_path(p: &Path) -> String {
    let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        if let Ok(rest) = abs.strip_prefix(&home) {
            return format!("~/{}", rest.display());
        }
    }
    abs.display().to_string()
}

fn history_path(ws: &Workspace) -> Option<PathBuf> {
    ws.root.as_ref().map(|r| r.join(HISTORY_FILE))
}

fn load_history(ws: &Workspace) -> Vec<String> {
    history_path(ws)
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|s| {
            s.lines()
                // The file is the workspace's, so as untrusted as its components: a line
                // with terminal-active characters is not replayed into the workbench.
                .filter(|l| !l.is_empty() && l.chars().all(crate::util::sanitize::is_typeable))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the workbench until the user quits; returns the exit code.
pub fn run(paths: &[PathBuf]) -> Result<ExitCode> {
    // Open before touching the terminal so a bad path prints a normal error line.
    let (ws, location) = open_workspace(paths)?;
    let history = load_history(&ws);
    let worker = Worker::spawn().context("failed to start the runtime worker")?;
    let mut app = App::new(ws, location);
    app.invoke.history = history;

    let (job_tx, job_rx) = crossbeam_channel::unbounded::<Action>();
    let (watch_tx, watch_rx) = crossbeam_channel::unbounded::<WatchEvent>();
    let (build_tx, build_rx) = crossbeam_channel::unbounded::<crate::build::BuildEvent>();
    let term_rx = spawn_input_thread();
    let signal_rx = spawn_signal_thread();
    let mut tui = terminal::enter().context("failed to set up the terminal")?;
    let size = tui.size().unwrap_or_default();
    app.update(Action::Resize(size.width, size.height));
    let mut io = Io {
        worker: &worker,
        jobs: job_tx,
        watch_tx,
        watcher: None,
        builder: None,
        build_tx,
        server: Default::default(),
    };
    let rx = Inputs {
        jobs: job_rx,
        term: term_rx,
        signals: signal_rx,
        watch: watch_rx,
        builds: build_rx,
    };
    let result = event_loop(&mut app, &mut tui, &mut io, &rx);
    stop_server(&io);
    drop(io);
    terminal::restore();
    worker.send(runtime::Command::Shutdown);
    result.map(|()| ExitCode::SUCCESS)
}

/// What effects act on: the runtime worker, the job channel and the file watcher.
struct Io<'a> {
    worker: &'a Worker,
    jobs: Sender<Action>,
    watch_tx: Sender<WatchEvent>,
    watcher: Option<Watcher>,
    /// Rebuilds components from source when their files change.
    builder: Option<crate::build::Builder>,
    build_tx: Sender<crate::build::BuildEvent>,
    /// Stops the running HTTP server, if `:serve` started one.
    server: std::sync::Arc<std::sync::Mutex<Option<crate::serve::StopHandle>>>,
}

/// Everything the loop waits on besides the runtime worker.
struct Inputs {
    jobs: Receiver<Action>,
    term: Receiver<TermEvent>,
    signals: Receiver<i32>,
    watch: Receiver<WatchEvent>,
    builds: Receiver<crate::build::BuildEvent>,
}

fn event_loop(app: &mut App, tui: &mut terminal::Tui, io: &mut Io<'_>, rx: &Inputs) -> Result<()> {
    let worker = io.worker;
    // Benchmarks measure time to first frame by exiting right after it.
    let exit_after_first_frame =
        std::env::var_os("WIREBENCH_EXIT_AFTER_FIRST_FRAME").is_some_and(|v| v == "1");
    let start = app.start();
    run_effects(start, app, io);
    let mut last_draw = Instant::now() - FRAME;
    let mut dirty = true;
    loop {
        if dirty {
            let wait = FRAME.saturating_sub(last_draw.elapsed());
            if wait.is_zero() {
                tui.draw(|f| view::render(app, f))?;
                last_draw = Instant::now();
                dirty = false;
                if exit_after_first_frame {
                    return Ok(());
                }
            }
        }
        let timeout = if dirty {
            FRAME.saturating_sub(last_draw.elapsed())
        } else if app.animating() {
            TICK
        } else {
            Duration::from_secs(3600)
        };
        let action = select! {
            recv(rx.term) -> ev => match ev {
                Ok(ev) => match terminal_action(app, tui, ev)? {
                    Some(a) => a,
                    None => continue,
                },
                Err(_) => Action::Quit,
            },
            recv(worker.events()) -> ev => match ev {
                Ok(ev) => Action::runtime(ev),
                Err(_) => Action::runtime(runtime::Event::Stopped),
            },
            recv(rx.jobs) -> a => match a {
                Ok(a) => a,
                Err(_) => continue,
            },
            recv(rx.signals) -> _ => Action::Quit,
            recv(rx.builds) -> ev => match ev {
                Ok(ev) => Action::Build(Box::new(ev)),
                Err(_) => continue,
            },
            recv(rx.watch) -> ev => match ev {
                Ok(WatchEvent::Reload(ev)) => Action::Reloaded(ev),
                Ok(WatchEvent::Status(st)) => Action::WatchStatus(st),
                Err(_) => continue,
            },
            default(timeout) => {
                if dirty { continue; }
                Action::Tick
            },
        };
        let effects = app.update(action);
        dirty = true;
        if run_effects(effects, app, io) || app.should_quit {
            return Ok(());
        }
    }
}

/// Maps a terminal event to an action; handles Ctrl-Z suspend itself.
fn terminal_action(app: &App, tui: &mut terminal::Tui, ev: TermEvent) -> Result<Option<Action>> {
    Ok(match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Press => None,
        TermEvent::Key(k)
            if k.code == KeyCode::Char('z') && k.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            terminal::suspend(tui)?;
            Some(Action::Tick)
        }
        TermEvent::Key(k) => keymap::map_key(app.input_mode(), app.focus, k),
        TermEvent::Mouse(m) => keymap::map_mouse(m),
        TermEvent::Resize(w, h) => Some(Action::Resize(w, h)),
        _ => Some(Action::Tick),
    })
}

fn spawn_input_thread() -> Receiver<TermEvent> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let _ = std::thread::Builder::new()
        .name("wirebench-input".into())
        .spawn(move || {
            while let Ok(ev) = crossterm::event::read() {
                if tx.send(ev).is_err() {
                    break;
                }
            }
        });
    rx
}

fn spawn_signal_thread() -> Receiver<i32> {
    let (tx, rx) = crossbeam_channel::bounded(4);
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGTERM};
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]) {
            let _ = std::thread::Builder::new()
                .name("wirebench-signals".into())
                .spawn(move || {
                    for s in signals.forever() {
                        let _ = tx.send(s);
                    }
                });
        }
    }
    #[cfg(not(unix))]
    drop(tx);
    rx
}

/// Carries out effects; returns true when the app must quit.
fn run_effects(effects: Vec<Effect>, app: &mut App, io: &mut Io<'_>) -> bool {
    let mut quit = false;
    let (worker, job_tx) = (io.worker, &io.jobs.clone());
    for effect in effects {
        match effect {
            Effect::Runtime(cmd) => {
                worker.send(*cmd);
            }
            Effect::CancelCall => worker.cancel(),
            Effect::Quit => quit = true,
            Effect::Save(ws, to) => background(job_tx, move || save(*ws, to).map(Action::JobDone)),
            Effect::Export(ws, path) => {
                background(job_tx, move || export(&ws, &path).map(Action::JobDone))
            }
            Effect::LoadComposed(ws) => background(job_tx, move || {
                let composed = compose_for_runtime(&ws).map_err(|e| crate::cli::error_line(&e));
                Ok(Action::Composed(Box::new(composed)))
            }),
            Effect::Open(paths) | Effect::ReloadFiles(paths) => background(job_tx, move || {
                let opened = open_workspace(&paths).map_err(|e| crate::cli::error_line(&e));
                Ok(Action::Opened(Box::new(opened)))
            }),
            Effect::Serve(ws, addr) => {
                stop_server(io);
                serve(*ws, addr, job_tx.clone(), io.server.clone());
            }
            Effect::StopServe => {
                if !stop_server(io) {
                    app.update(Action::JobDone(Err(
                        "no server is running — :serve [addr] starts one".into(),
                    )));
                }
            }
            Effect::Rebuild(id) => {
                let result = match &io.builder {
                    Some(b) => b.rebuild(&id).map_err(|e| e.to_string()),
                    None => Err(
                        "no component has build settings — :init writes them for a Cargo workspace"
                            .into(),
                    ),
                };
                if let Err(e) = result {
                    app.update(Action::JobDone(Err(e)));
                }
            }
            Effect::Init(dir) => background(job_tx, move || {
                let report = crate::build::init::init(&dir, Default::default())?;
                Ok(Action::JobDone(Ok(format!(
                    "wrote build settings for {} components to {} — :open {} to use them",
                    report.entries.len(),
                    report.manifest.display(),
                    dir.display()
                ))))
            }),
            Effect::Watch(ws) => {
                start_builder(app, io, &ws);
                // Drop the old watcher first so its folders are released before re-watching.
                io.watcher = None;
                let set = WatchSet::from_workspace(&ws);
                let state = match Watcher::start(set, WatchOptions::default(), io.watch_tx.clone())
                {
                    Ok(w) => {
                        io.watcher = Some(w);
                        Ok("on".to_string())
                    }
                    Err(e) => Err(format!("file watching is off: {e}")),
                };
                app.update(Action::WatchState(state));
            }
            Effect::SaveHistory(lines) => {
                if let Some(path) = history_path(&app.workspace) {
                    let keep = lines.len().saturating_sub(500);
                    let text = lines[keep..].join("\n") + "\n";
                    std::thread::spawn(move || {
                        let _ = crate::util::fsio::atomic_write(&path, text.as_bytes());
                    });
                }
            }
        }
    }
    quit
}

/// Runs `job` on its own thread and sends its action back; errors become console lines.
fn background(tx: &Sender<Action>, job: impl FnOnce() -> Result<Action> + Send + 'static) {
    let tx = tx.clone();
    std::thread::spawn(move || {
        let action = job().unwrap_or_else(|e| Action::JobDone(Err(crate::cli::error_line(&e))));
        let _ = tx.send(action);
    });
}

fn save(mut ws: Workspace, to: Option<PathBuf>) -> Result<Result<String, String>> {
    match to {
        Some(p) if p.extension().is_some_and(|e| e == "wac") => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf);
            let text = crate::compose::to_wac_in(&ws, dir.as_deref());
            crate::util::fsio::atomic_write(&p, text.as_bytes())
                .with_context(|| format!("failed to write `{}`", p.display()))?;
            Ok(Ok(format!("saved the composition to {}", p.display())))
        }
        Some(dir) => {
            ws.save_to(&dir)?;
            Ok(Ok(format!(
                "saved {} and the .wac in {}",
                MANIFEST_FILE,
                dir.display()
            )))
        }
        None => {
            ws.save()?;
            let dir = ws.root.as_deref().map(display_path).unwrap_or_default();
            Ok(Ok(format!("saved {MANIFEST_FILE} and the .wac in {dir}")))
        }
    }
}

fn export(ws: &Workspace, path: &Path) -> Result<Result<String, String>> {
    let bytes = crate::compose::encode_workspace(ws, &Default::default())?;
    crate::util::fsio::write_output(path, &bytes)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(Ok(format!(
        "exported the composed component to {} ({})",
        path.display(),
        crate::cli::human_size(bytes.len() as u64)
    )))
}

fn compose_for_runtime(ws: &Workspace) -> Result<Arc<crate::model::Component>> {
    // The runtime's rule: export every component's exports, so the same calls work in both modes.
    match runtime::composed_target(ws, "workspace")? {
        runtime::Target::Composed(c) | runtime::Target::Component(c) => Ok(c),
        runtime::Target::Linked(_) => anyhow::bail!("composing the workspace gave no component"),
    }
}

/// Stops the `:serve` server if one runs; true when there was one.
fn stop_server(io: &Io<'_>) -> bool {
    let stopper = io.server.lock().unwrap_or_else(|e| e.into_inner()).take();
    stopper.map(|s| s.stop()).is_some()
}

/// Starts the HTTP server on its own thread and forwards its request events as actions.
fn serve(
    ws: Workspace,
    addr: std::net::SocketAddr,
    tx: Sender<Action>,
    slot: Arc<std::sync::Mutex<Option<crate::serve::StopHandle>>>,
) {
    std::thread::spawn(move || {
        let started = crate::serve::ServeOptions::for_workspace(&ws).and_then(|mut opts| {
            opts.addr = addr;
            crate::serve::Server::start_workspace(&ws, "workspace", opts)
        });
        let (handle, note) = match started {
            Ok(h) => h,
            Err(e) => {
                let _ = tx.send(Action::JobDone(Err(format!("cannot serve: {e}"))));
                return;
            }
        };
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.stopper());
        let _ = tx.send(Action::JobDone(Ok(format!(
            "serving the composition on http://{} — :serve stop ends it",
            handle.addr()
        ))));
        if let Some(note) = note {
            let _ = tx.send(Action::JobDone(Ok(note)));
        }
        for ev in handle.events().iter() {
            match ev {
                crate::serve::ServeEvent::Request(r) => {
                    if tx.send(Action::Served(r)).is_err() {
                        break;
                    }
                }
                crate::serve::ServeEvent::Stopped(summary) => {
                    let _ = tx.send(Action::JobDone(Ok(format!(
                        "server stopped after {} requests",
                        summary.requests
                    ))));
                    break;
                }
            }
        }
    });
}

/// Starts building from source for every component with build settings (none: no builder).
fn start_builder(app: &mut App, io: &mut Io<'_>, ws: &Workspace) {
    io.builder = None;
    let configs = match crate::build::configs_for(ws) {
        Ok(c) if c.is_empty() => return,
        Ok(c) => c,
        Err(e) => {
            app.update(Action::JobDone(Err(format!("build settings: {e}"))));
            return;
        }
    };
    let missing: Vec<String> = configs
        .iter()
        .filter(|c| !c.path.exists())
        .map(|c| c.id.clone())
        .collect();
    match crate::build::Builder::start(configs, io.build_tx.clone()) {
        Ok(b) => {
            for id in missing {
                let _ = b.rebuild(&id);
            }
            app.update(Action::JobDone(Ok(format!(
                "rebuilding {} from source when their files change",
                b.ids().join(", ")
            ))));
            io.builder = Some(b);
        }
        Err(e) => {
            app.update(Action::JobDone(Err(format!("cannot watch sources: {e}"))));
        }
    }
}
