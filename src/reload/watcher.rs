//! [`Watcher`]: notify (debounced) on the parent folder of every watched file, and a thread
//! that waits for each changed file to settle, then lets the [`Reloader`] read it.
//!
//! Settling: a file is read once no event touched it for the debounce window *and* its size,
//! mtime and inode did not change since the last event arrived (a writer pausing between
//! chunks keeps it unsettled). Folders are checked for removal and re-creation, and a rescan
//! from the OS (dropped events) re-checks every file.

use std::collections::HashMap;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebouncedEvent, Debouncer, RecommendedCache};

use super::event::{WatchEvent, WatchState, WatchStatus};
use super::fsstat::{dir_ident, is_change, stat, Stat};
use super::reloader::{Check, Reloader};
use super::set::WatchSet;
use super::WatchError;

/// Timing of the watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// Quiet time after a file's last event before it is read.
    pub debounce: Duration,
    /// How often watched folders are checked for being removed or re-created (four times as
    /// often while one is missing).
    pub health_interval: Duration,
}

/// The default debounce window.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: DEFAULT_DEBOUNCE,
            health_interval: Duration::from_millis(1000),
        }
    }
}

enum Msg {
    Fs(Vec<DebouncedEvent>),
    FsErrors(Vec<notify::Error>),
    Extend(Box<WatchSet>, Sender<Result<(), WatchError>>),
    Stop,
}

/// A running watch; dropping it stops the watch and its thread.
pub struct Watcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    dirs: Vec<PathBuf>,
}

type Notify = Debouncer<notify::RecommendedWatcher, RecommendedCache>;

impl Watcher {
    /// Starts watching `set`; events go to `events`. Every folder is watched when this
    /// returns, so a change made after it is seen.
    pub fn start(
        set: WatchSet,
        options: WatchOptions,
        events: Sender<WatchEvent>,
    ) -> Result<Watcher, WatchError> {
        let reloader = Reloader::new(&set)?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let fs_tx = tx.clone();
        // notify's debouncer stitches renames and drops duplicates; its window is half of
        // ours so that its delay overlaps our quiet time instead of adding to it.
        let inner = (options.debounce / 2).max(Duration::from_millis(2));
        let tick = (inner / 4).max(Duration::from_millis(1));
        let mut notify = new_debouncer(inner, Some(tick), move |r: Result<_, Vec<_>>| {
            let _ = fs_tx.send(match r {
                Ok(events) => Msg::Fs(events),
                Err(errors) => Msg::FsErrors(errors),
            });
        })
        .map_err(|source| WatchError::Start { source })?;
        let mut dirs = HashMap::new();
        for dir in reloader.watch_dirs() {
            notify
                .watch(&dir, RecursiveMode::NonRecursive)
                .map_err(|source| WatchError::Watch {
                    dir: dir.clone(),
                    source,
                })?;
            dirs.insert(dir.clone(), dir_ident(&dir));
        }
        let mut watched: Vec<PathBuf> = dirs.keys().cloned().collect();
        watched.sort();
        let state = Loop {
            notify,
            reloader,
            pending: HashMap::new(),
            dirs,
            options,
            events,
            next_health: Instant::now() + options.health_interval,
        };
        let thread = std::thread::Builder::new()
            .name("wirebench-reload".into())
            .spawn(move || state.run(rx))
            .map_err(|source| WatchError::Thread { source })?;
        Ok(Watcher {
            tx,
            thread: Some(thread),
            dirs: watched,
        })
    }

    /// The folders being watched (canonical paths).
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Adds components, folders or files to the watch (e.g. after opening more); a component
    /// given again becomes the new baseline version. Returns once the new folders are watched.
    pub fn extend(&self, set: WatchSet) -> Result<(), WatchError> {
        let (reply, done) = crossbeam_channel::bounded(1);
        if self.tx.send(Msg::Extend(Box::new(set), reply)).is_err() {
            return Err(stopped());
        }
        done.recv().unwrap_or_else(|_| Err(stopped()))
    }

    /// Stops watching and waits for the thread (at most one file check).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A changed file waiting to settle.
struct Pending {
    first: Instant,
    events: usize,
    due: Instant,
    stat: Option<Stat>,
    attempt: u32,
}

struct Loop {
    notify: Notify,
    reloader: Reloader,
    pending: HashMap<PathBuf, Pending>,
    /// Watched folders and their identity when last seen (`None`: missing).
    dirs: HashMap<PathBuf, Option<(u64, u64)>>,
    options: WatchOptions,
    events: Sender<WatchEvent>,
    next_health: Instant,
}

impl Loop {
    fn run(mut self, rx: Receiver<Msg>) {
        loop {
            let wait = self.next_wakeup().saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Msg::Fs(events)) => self.on_fs(events),
                Ok(Msg::FsErrors(errors)) => {
                    for e in errors {
                        self.status(WatchState::Error, None, format!("file watcher: {e}"));
                    }
                    self.next_health = Instant::now();
                }
                Ok(Msg::Extend(set, reply)) => {
                    let _ = reply.send(self.on_extend(&set));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= self.next_health {
                self.health();
            }
            if !self.run_due() {
                break;
            }
        }
    }

    fn next_wakeup(&self) -> Instant {
        self.pending
            .values()
            .map(|p| p.due)
            .fold(self.next_health, Instant::min)
    }

    fn mark(&mut self, key: PathBuf, at: Instant) {
        // Quiet time counts from the event itself: notify's own delay overlaps it.
        let due = at + self.options.debounce;
        let stat = stat(&key);
        let p = self.pending.entry(key).or_insert(Pending {
            first: at,
            events: 0,
            due,
            stat,
            attempt: 0,
        });
        p.first = p.first.min(at);
        p.events += 1;
        p.due = p.due.max(due);
        p.stat = stat;
        p.attempt = 0;
    }

    fn on_fs(&mut self, events: Vec<DebouncedEvent>) {
        for ev in events {
            if ev.need_rescan() {
                self.status(
                    WatchState::Rescan,
                    None,
                    "the OS dropped file events — re-checking every watched file".into(),
                );
                self.recheck_all(ev.time);
                continue;
            }
            if !is_change(&ev.kind) {
                continue;
            }
            for path in &ev.paths {
                if self.dirs.contains_key(path) {
                    // The folder itself was removed or moved: check it now, not in a second.
                    self.next_health = Instant::now();
                    continue;
                }
                if let Some(key) = self.reloader.target_key(path) {
                    self.mark(key, ev.time);
                }
            }
        }
    }

    fn recheck_all(&mut self, at: Instant) {
        let dirs: Vec<PathBuf> = self.dirs.keys().cloned().collect();
        for dir in dirs {
            for key in self.reloader.scan_dir(&dir) {
                self.mark(key, at);
            }
        }
        for key in self.reloader.keys() {
            self.mark(key, at);
        }
    }

    fn on_extend(&mut self, set: &WatchSet) -> Result<(), WatchError> {
        self.reloader.merge(set)?;
        for dir in self.reloader.watch_dirs() {
            if self.dirs.contains_key(&dir) {
                continue;
            }
            let ident = dir_ident(&dir);
            self.notify
                .watch(&dir, RecursiveMode::NonRecursive)
                .map_err(|source| WatchError::Watch {
                    dir: dir.clone(),
                    source,
                })?;
            self.dirs.insert(dir, ident);
        }
        Ok(())
    }

    /// Reads every file whose quiet time is over and whose size stopped changing; false when
    /// nobody listens any more.
    fn run_due(&mut self) -> bool {
        let now = Instant::now();
        let due: Vec<PathBuf> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some(mut p) = self.pending.remove(&key) else {
                continue;
            };
            let now_stat = stat(&key);
            if now_stat != p.stat {
                // Still being written (no event yet for the latest bytes): wait again.
                p.stat = now_stat;
                p.due = Instant::now() + self.options.debounce / 2;
                self.pending.insert(key, p);
                continue;
            }
            match self.reloader.check(&key, p.first, p.events, p.attempt) {
                Check::Event(ev) => {
                    if self.events.send(WatchEvent::Reload(ev)).is_err() {
                        return false;
                    }
                }
                Check::Retry => {
                    p.attempt += 1;
                    p.due = Instant::now() + (self.options.debounce * 2).max(RETRY_MIN);
                    self.pending.insert(key, p);
                }
                Check::Quiet => {}
            }
        }
        true
    }

    /// Notices watched folders that were removed, came back, or were replaced.
    fn health(&mut self) {
        let now = Instant::now();
        let dirs: Vec<(PathBuf, Option<(u64, u64)>)> =
            self.dirs.iter().map(|(d, i)| (d.clone(), *i)).collect();
        for (dir, before) in dirs {
            let after = dir_ident(&dir);
            if before == after {
                continue;
            }
            if before.is_some() {
                // Gone or replaced: the old watch is dead either way.
                let _ = self.notify.unwatch(&dir);
            }
            match after {
                None => {
                    self.dirs.insert(dir.clone(), None);
                    self.status(
                        WatchState::DirMissing,
                        Some(dir.clone()),
                        format!(
                            "`{}` was removed — last good versions keep running; watching for it to come back",
                            dir.display()
                        ),
                    );
                    for key in self.reloader.keys_in(&dir) {
                        self.mark(key, now);
                    }
                }
                Some(_) => match self.notify.watch(&dir, RecursiveMode::NonRecursive) {
                    Ok(()) => {
                        self.dirs.insert(dir.clone(), after);
                        self.status(
                            WatchState::DirBack,
                            Some(dir.clone()),
                            format!("`{}` is back — watching it again", dir.display()),
                        );
                        // Files copied in before the new watch existed have no events.
                        for key in self.reloader.scan_dir(&dir) {
                            self.mark(key, now);
                        }
                    }
                    Err(e) => {
                        // Try again at the next check; say so once per attempt.
                        self.dirs.insert(dir.clone(), None);
                        let e = WatchError::Watch {
                            dir: dir.clone(),
                            source: e,
                        };
                        self.status(WatchState::Error, Some(dir.clone()), e.to_string());
                    }
                },
            }
        }
        let missing = self.dirs.values().any(Option::is_none);
        let interval = if missing {
            self.options.health_interval / 4
        } else {
            self.options.health_interval
        };
        self.next_health = Instant::now() + interval;
    }

    fn status(&self, state: WatchState, path: Option<PathBuf>, message: String) {
        let _ = self.events.send(WatchEvent::Status(WatchStatus {
            state,
            path,
            message,
        }));
    }
}

fn stopped() -> WatchError {
    WatchError::Thread {
        source: std::io::Error::other("the watcher thread has stopped"),
    }
}

/// The shortest wait before reading a half-written file again.
const RETRY_MIN: Duration = Duration::from_millis(100);

#[cfg(test)]
#[path = "watcher_tests.rs"]
mod tests;
