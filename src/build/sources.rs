//! The source watcher: notify on the base folders of every component's `watch` globs, a
//! per-component quiet window (debounce), and the mapping from a changed file to the
//! components whose globs match it.
//!
//! Never a trigger: anything under a `target/` or hidden folder below a glob's base (so a
//! build's own output cannot restart it), editors' scratch files (`.x.rs.swp`, `x.rs~`), and
//! the component's artifact and component file. Folders created later under a `**` pattern
//! are watched as they appear.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::builder::Cmd;
use super::config::BuildConfig;
use super::glob::{normalize, Glob};
use super::{BuildError, BuildEvent};
use crate::reload::is_scratch_name;

/// Folders watched at most per builder (a `**` over a huge tree stops here, with a warning).
const MAX_DIRS: usize = 5_000;

enum Msg {
    Fs(notify::Result<notify::Event>),
    Stop,
}

/// A running source watch; dropping it stops it.
pub(super) struct SourceWatcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

/// One component's patterns and the files that must never trigger it.
struct Target {
    id: String,
    globs: Vec<Glob>,
    ignore: Vec<PathBuf>,
}

impl SourceWatcher {
    pub(super) fn start(
        configs: &[BuildConfig],
        debounce: Duration,
        cmds: Sender<Cmd>,
        events: Sender<BuildEvent>,
    ) -> Result<SourceWatcher, BuildError> {
        let mut targets = Vec::new();
        for c in configs {
            let globs = c
                .watch
                .iter()
                .map(|p| Glob::new(p, &c.dir))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| BuildError::Glob {
                    id: c.id.clone(),
                    source,
                })?;
            let ignore = [Some(c.path.as_path()), c.artifact.as_deref()]
                .into_iter()
                .flatten()
                .flat_map(|p| [normalize(p), std::fs::canonicalize(p).unwrap_or_default()])
                .collect();
            targets.push(Target {
                id: c.id.clone(),
                globs,
                ignore,
            });
        }
        let (tx, rx) = crossbeam_channel::unbounded();
        let fs_tx = tx.clone();
        let notify = notify::recommended_watcher(move |r| {
            let _ = fs_tx.send(Msg::Fs(r));
        })
        .map_err(|source| BuildError::Watch { source })?;
        let mut state = Loop {
            notify,
            targets,
            watched: HashSet::new(),
            deep_roots: Vec::new(),
            pending: HashMap::new(),
            debounce,
            cmds,
            events,
        };
        state.watch_all();
        let thread = std::thread::Builder::new()
            .name("wirebench-sources".into())
            .spawn(move || state.run(rx))
            .map_err(|source| BuildError::Thread { source })?;
        Ok(SourceWatcher {
            tx,
            thread: Some(thread),
        })
    }
}

impl Drop for SourceWatcher {
    fn drop(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Loop {
    notify: RecommendedWatcher,
    targets: Vec<Target>,
    watched: HashSet<PathBuf>,
    /// Bases of `**`-like patterns: new folders under them are watched too.
    deep_roots: Vec<PathBuf>,
    /// Per component: when its quiet window ends, and the files changed in it.
    pending: HashMap<String, (Instant, Vec<PathBuf>)>,
    debounce: Duration,
    cmds: Sender<Cmd>,
    events: Sender<BuildEvent>,
}

impl Loop {
    fn watch_all(&mut self) {
        let mut roots = Vec::new();
        for t in &self.targets {
            for g in &t.globs {
                for (base, deep) in g.roots() {
                    roots.push((t.id.clone(), g.pattern().to_string(), base, deep));
                }
            }
        }
        for (id, pattern, base, deep) in roots {
            if !base.is_dir() {
                self.warn(
                    Some(&id),
                    format!(
                        "`watch` pattern `{pattern}`: folder `{}` does not exist — changes there are not seen; fix the pattern in wirebench.toml",
                        base.display()
                    ),
                );
                continue;
            }
            if deep {
                self.deep_roots.push(base.clone());
                self.watch_tree(&base);
            } else {
                self.watch_dir(&base);
            }
        }
    }

    /// Watches `root` and every folder below it except `target/` and hidden ones.
    fn watch_tree(&mut self, root: &Path) {
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            if !self.watch_dir(&dir) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && !skipped_dir(&e.file_name().to_string_lossy()) {
                    stack.push(e.path());
                }
            }
        }
    }

    /// Watches one folder (not its sub-folders); false when it was watched already or cannot be.
    fn watch_dir(&mut self, dir: &Path) -> bool {
        if self.watched.contains(dir) {
            return false;
        }
        if self.watched.len() >= MAX_DIRS {
            if self.watched.len() == MAX_DIRS {
                self.watched.insert(PathBuf::new());
                self.warn(None, format!("more than {MAX_DIRS} source folders — the rest are not watched; narrow the `watch` patterns"));
            }
            return false;
        }
        match self.notify.watch(dir, RecursiveMode::NonRecursive) {
            Ok(()) => {
                self.watched.insert(dir.to_path_buf());
                true
            }
            Err(e) => {
                self.warn(None, format!("cannot watch `{}`: {e}", dir.display()));
                false
            }
        }
    }

    fn warn(&self, id: Option<&str>, message: String) {
        let _ = self.events.send(BuildEvent::Warning {
            id: id.map(str::to_string),
            message,
        });
    }

    fn run(mut self, rx: Receiver<Msg>) {
        loop {
            let next = self.pending.values().map(|(due, _)| *due).min();
            let msg = match next {
                Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match msg {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Msg::Fs(Ok(event))) => self.on_event(event),
                Ok(Msg::Fs(Err(e))) => self.warn(None, format!("source watcher: {e}")),
                Err(RecvTimeoutError::Timeout) => {}
            }
            self.fire_due();
        }
    }

    fn on_event(&mut self, event: notify::Event) {
        if event.need_rescan() {
            self.warn(
                None,
                "the OS dropped file events — save again to rebuild".into(),
            );
            return;
        }
        // Reads are not changes; a close after writing is (some editors only show that).
        if matches!(event.kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) {
            return;
        }
        let now = Instant::now();
        for path in &event.paths {
            if path.is_dir() {
                self.on_new_dir(path, now);
                continue;
            }
            self.mark(path, now);
        }
    }

    /// A folder appeared: watch it if it is under a `**` base, and count the files already
    /// in it (they may have been written before the watch was set).
    fn on_new_dir(&mut self, dir: &Path, now: Instant) {
        // Only the part below the root counts: the root itself may sit in a hidden folder.
        let Some(below) = self
            .deep_roots
            .iter()
            .find_map(|r| dir.strip_prefix(r).ok())
        else {
            return;
        };
        if self.watched.contains(dir)
            || below
                .components()
                .any(|c| skipped_dir(&c.as_os_str().to_string_lossy()))
        {
            return;
        }
        self.watch_tree(dir);
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    if !skipped_dir(&e.file_name().to_string_lossy()) {
                        stack.push(e.path());
                    }
                } else {
                    self.mark(&e.path(), now);
                }
            }
        }
    }

    fn mark(&mut self, path: &Path, now: Instant) {
        for t in &self.targets {
            if t.ignore.iter().any(|i| i == path) {
                continue;
            }
            let hit = t
                .globs
                .iter()
                .any(|g| g.matches(path) && g.relative(path).is_some_and(|rel| !ignored(rel)));
            if hit {
                let entry = self
                    .pending
                    .entry(t.id.clone())
                    .or_insert_with(|| (now, Vec::new()));
                entry.0 = now + self.debounce;
                if !entry.1.iter().any(|p| p == path) {
                    entry.1.push(path.to_path_buf());
                }
            }
        }
    }

    fn fire_due(&mut self) {
        let now = Instant::now();
        let due: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            if let Some((_, files)) = self.pending.remove(&id) {
                let _ = self.cmds.send(Cmd::Build { id, files });
            }
        }
    }
}

/// Folders a source walk never enters: build output and hidden folders (`.git`, `.cargo`).
fn skipped_dir(name: &str) -> bool {
    name == "target" || name.starts_with('.')
}

/// True when a path below a glob's base must not trigger: under a skipped folder, or a scratch
/// file name.
fn ignored(rel: &Path) -> bool {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some((name, dirs)) = parts.split_last() else {
        return true;
    };
    dirs.iter().any(|d| skipped_dir(d)) || is_scratch_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_and_scratch_files_never_trigger() {
        assert!(ignored(Path::new("target/release/build/out.rs")));
        assert!(ignored(Path::new("a/.git/HEAD")));
        assert!(ignored(Path::new("src/.lib.rs.swp")));
        assert!(ignored(Path::new("src/lib.rs~")));
        assert!(!ignored(Path::new("src/lib.rs")));
        assert!(!ignored(Path::new("Cargo.toml")));
    }
}
