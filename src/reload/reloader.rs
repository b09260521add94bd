//! [`Reloader`]: the watched files and their last good versions; reads a settled file,
//! skips unchanged content by hash, decodes, diffs, and keeps the last good version on error.
//!
//! It does no waiting of its own: the watcher thread decides when a file has settled and calls
//! [`Reloader::check`], which runs on that thread — never on the caller's (UI) thread.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::event::{Outcome, ReloadError, ReloadEvent};
use super::filter::{classify, FileKind};
use super::set::WatchSet;
use super::WatchError;
use crate::model::diff::WitDiff;
use crate::model::{component_name_for, sha256_hex, Component, DecodeError};
use crate::util::fsio::read_wasm_file;

/// How many times a file that looks half-written (empty, truncated) is read again before the
/// error is reported; the writer may still be busy.
pub const HALF_WRITTEN_RETRIES: u32 = 2;

/// The largest `wirebench.toml` or `.wac` read (as the workspace loader).
const MAX_TEXT_FILE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileState {
    Ok,
    Failed,
    Missing,
}

#[derive(Debug)]
struct Target {
    /// The path as the user gave it, for messages.
    shown: PathBuf,
    id: String,
    kind: FileKind,
    good: Option<Arc<Component>>,
    /// Hash of the bytes last looked at (good or not); `None` when missing or never read.
    seen: Option<String>,
    state: FileState,
    /// Found in a folder rather than given: forgotten if it vanishes before anything is said.
    adopted: bool,
    reported: bool,
}

/// The result of checking one settled file.
#[derive(Debug)]
pub enum Check {
    /// Something to report.
    Event(Box<ReloadEvent>),
    /// Same content as last time (a touch), or nothing to say.
    Quiet,
    /// The file looks half-written; read it again a little later.
    Retry,
}

/// The watched files and their versions; see the module docs.
#[derive(Debug, Default)]
pub struct Reloader {
    targets: HashMap<PathBuf, Target>,
    /// Folders whose new files are adopted: (canonical, as given).
    dirs: Vec<(PathBuf, PathBuf)>,
}

/// `dir/name` with the folder canonicalized, so event paths (under canonical watch roots)
/// compare equal.
fn key_for(path: &Path) -> Result<PathBuf, WatchError> {
    let name = path.file_name().ok_or_else(|| WatchError::NotAFile {
        path: path.to_path_buf(),
    })?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = fs::canonicalize(parent).map_err(|source| WatchError::NoDir {
        path: parent.to_path_buf(),
        source,
    })?;
    Ok(dir.join(name))
}

impl Reloader {
    /// Takes the components and folders to watch; reads the folders' other workspace files
    /// once so that touching them later is not reported as a change.
    pub fn new(set: &WatchSet) -> Result<Reloader, WatchError> {
        let mut r = Reloader::default();
        r.merge(set)?;
        Ok(r)
    }

    /// Adds (or re-baselines) what `set` names; state of files already known is kept unless
    /// the set gives a new baseline version.
    pub fn merge(&mut self, set: &WatchSet) -> Result<(), WatchError> {
        for (id, c) in &set.components {
            let Some(path) = &c.path else { continue };
            let key = key_for(path)?;
            self.targets.insert(
                key,
                Target {
                    shown: path.clone(),
                    id: id.clone(),
                    kind: FileKind::Component,
                    good: Some(Arc::clone(c)),
                    seen: Some(c.sha256.clone()),
                    state: FileState::Ok,
                    adopted: false,
                    reported: false,
                },
            );
        }
        for file in &set.files {
            let key = key_for(file)?;
            let kind = classify(file).unwrap_or(FileKind::Manifest);
            self.add_untracked(key, file.clone(), kind, false);
        }
        for dir in &set.dirs {
            let canonical = fs::canonicalize(dir).map_err(|source| WatchError::NoDir {
                path: dir.clone(),
                source,
            })?;
            if !self.dirs.iter().any(|(c, _)| *c == canonical) {
                self.dirs.push((canonical.clone(), dir.clone()));
            }
            self.scan_dir(&canonical);
        }
        Ok(())
    }

    /// Adopts the workspace files of a watched folder that are not known yet; returns the
    /// keys of every target in it.
    pub fn scan_dir(&mut self, canonical: &Path) -> Vec<PathBuf> {
        if let Ok(entries) = fs::read_dir(canonical) {
            for entry in entries.flatten() {
                let _ = self.target_key(&entry.path());
            }
        }
        self.keys_in(canonical)
    }

    fn add_untracked(&mut self, key: PathBuf, shown: PathBuf, kind: FileKind, adopted: bool) {
        if self.targets.contains_key(&key) {
            return;
        }
        // Baseline hash of what is there now: touching it later is then no change.
        let seen = read_bytes(&key, kind).ok().map(|b| sha256_hex(&b));
        let stem = component_name_for(&shown);
        let id = self.unique_id(&stem);
        let state = if seen.is_some() {
            FileState::Failed
        } else {
            FileState::Missing
        };
        let state = if kind == FileKind::Component {
            state
        } else {
            FileState::Ok
        };
        self.targets.insert(
            key,
            Target {
                shown,
                id,
                kind,
                good: None,
                seen,
                state,
                adopted,
                reported: false,
            },
        );
    }

    fn unique_id(&self, base: &str) -> String {
        let taken = |id: &str| self.targets.values().any(|t| t.id == id);
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !taken(id))
            .unwrap_or_else(|| base.to_string())
    }

    /// Every folder that must be watched: the parent of each file and each adopting folder.
    pub fn watch_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.dirs.iter().map(|(c, _)| c.clone()).collect();
        for key in self.targets.keys() {
            if let Some(parent) = key.parent() {
                if !dirs.iter().any(|d| d == parent) {
                    dirs.push(parent.to_path_buf());
                }
            }
        }
        dirs.sort();
        dirs
    }

    /// The target an event path refers to, adopting a new workspace file of a watched folder.
    pub fn target_key(&mut self, path: &Path) -> Option<PathBuf> {
        if self.targets.contains_key(path) {
            return Some(path.to_path_buf());
        }
        let kind = classify(path)?;
        let parent = path.parent()?;
        let (_, shown_dir) = self.dirs.iter().find(|(c, _)| c == parent)?;
        let shown = shown_dir.join(path.file_name()?);
        self.add_untracked(path.to_path_buf(), shown, kind, true);
        // A file adopted now was not there before: no baseline, so its content is news.
        if let Some(t) = self.targets.get_mut(path) {
            t.seen = None;
        }
        Some(path.to_path_buf())
    }

    /// Keys of the targets inside `dir`.
    pub fn keys_in(&self, dir: &Path) -> Vec<PathBuf> {
        let mut keys: Vec<PathBuf> = self
            .targets
            .keys()
            .filter(|k| k.parent() == Some(dir))
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    /// Every target key.
    pub fn keys(&self) -> Vec<PathBuf> {
        let mut keys: Vec<PathBuf> = self.targets.keys().cloned().collect();
        keys.sort();
        keys
    }

    /// The last good version of a watched component, by id.
    pub fn current(&self, id: &str) -> Option<&Arc<Component>> {
        self.targets.values().find(|t| t.id == id)?.good.as_ref()
    }

    /// Reads a settled file and says what changed. `first_event` is when the first
    /// file-system event of this change happened (latency is measured from it); `attempt`
    /// counts earlier [`Check::Retry`]s.
    pub fn check(
        &mut self,
        key: &Path,
        first_event: Instant,
        fs_events: usize,
        attempt: u32,
    ) -> Check {
        let started = Instant::now();
        let Some(t) = self.targets.get_mut(key) else {
            return Check::Quiet;
        };
        let bytes = match read_bytes(key, t.kind) {
            Ok(bytes) => bytes,
            Err(ReadFailure::Missing) => {
                if t.adopted && !t.reported && t.good.is_none() {
                    // Came and went within one settle window (a temp file): never mention it.
                    self.targets.remove(key);
                    return Check::Quiet;
                }
                if t.state == FileState::Missing {
                    return Check::Quiet;
                }
                t.state = FileState::Missing;
                t.seen = None;
                let error = ReloadError::Removed {
                    path: t.shown.clone(),
                };
                let ev = new_event(t, Outcome::Removed, first_event, started, fs_events);
                return Check::Event(Box::new(ReloadEvent {
                    error: Some(error),
                    ..ev
                }));
            }
            Err(ReadFailure::Other(error)) => {
                t.state = FileState::Failed;
                t.seen = None;
                let ev = new_event(t, Outcome::Failed, first_event, started, fs_events);
                return Check::Event(Box::new(ReloadEvent {
                    error: Some(error),
                    ..ev
                }));
            }
        };
        let hash = sha256_hex(&bytes);
        if t.seen.as_deref() == Some(hash.as_str()) {
            return Check::Quiet;
        }
        if t.kind != FileKind::Component {
            let ev = new_event(t, Outcome::Changed, first_event, started, fs_events);
            t.seen = Some(hash.clone());
            t.state = FileState::Ok;
            return Check::Event(Box::new(ReloadEvent {
                new_hash: Some(hash),
                ..ev
            }));
        }
        if let Some(good) = t.good.clone().filter(|g| g.sha256 == hash) {
            t.seen = Some(hash);
            t.state = FileState::Ok;
            let ev = new_event(t, Outcome::Restored, first_event, started, fs_events);
            return Check::Event(Box::new(ReloadEvent {
                new_hash: ev.old_hash.clone(),
                component: Some(good),
                ..ev
            }));
        }
        let name = component_name_for(&t.shown);
        match Component::from_bytes(&name, bytes) {
            Ok(mut c) => {
                c.path = Some(t.shown.clone());
                let c = Arc::new(c);
                let (outcome, diff) = match &t.good {
                    Some(old) => (Outcome::Reloaded, WitDiff::between(old, &c)),
                    None => (Outcome::Added, WitDiff::default()),
                };
                let ev = new_event(t, outcome, first_event, started, fs_events);
                t.good = Some(Arc::clone(&c));
                t.seen = Some(hash.clone());
                t.state = FileState::Ok;
                Check::Event(Box::new(ReloadEvent {
                    new_hash: Some(hash),
                    diff,
                    component: Some(c),
                    ..ev
                }))
            }
            Err(DecodeError::Empty { .. } | DecodeError::Truncated { .. })
                if attempt < HALF_WRITTEN_RETRIES =>
            {
                Check::Retry
            }
            Err(e) => {
                t.seen = Some(hash.clone());
                t.state = FileState::Failed;
                let ev = new_event(t, Outcome::Failed, first_event, started, fs_events);
                Check::Event(Box::new(ReloadEvent {
                    new_hash: Some(hash),
                    error: Some(ReloadError::Decode(e)),
                    ..ev
                }))
            }
        }
    }
}

/// An event for `t` with the common fields filled in; marks `t` as reported.
fn new_event(
    t: &mut Target,
    outcome: Outcome,
    first_event: Instant,
    started: Instant,
    fs_events: usize,
) -> ReloadEvent {
    t.reported = true;
    let old_hash = match t.kind {
        FileKind::Component => t.good.as_ref().map(|g| g.sha256.clone()),
        _ => t.seen.clone(),
    };
    ReloadEvent {
        at: SystemTime::now(),
        path: t.shown.clone(),
        id: t.id.clone(),
        kind: t.kind,
        outcome,
        old_hash,
        new_hash: None,
        latency: first_event.elapsed(),
        decode_time: started.elapsed(),
        fs_events,
        diff: WitDiff::default(),
        component: None,
        error: None,
        broken_plugs: Vec::new(),
        runtime: None,
    }
}

enum ReadFailure {
    Missing,
    Other(ReloadError),
}

fn read_bytes(path: &Path, kind: FileKind) -> Result<Vec<u8>, ReadFailure> {
    if kind == FileKind::Component {
        return read_wasm_file(path).map_err(|e| match e {
            DecodeError::NotFound { .. } => ReadFailure::Missing,
            other => ReadFailure::Other(ReloadError::Decode(other)),
        });
    }
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ReadFailure::Missing
        } else {
            ReadFailure::Other(ReloadError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::other("not a regular file")));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .map_err(io)?
        .take(MAX_TEXT_FILE)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}

#[cfg(test)]
#[path = "reloader_tests.rs"]
mod tests;
