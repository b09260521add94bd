//! [`Builder`]: the build jobs of a workspace — one per component — plus the source watcher
//! that starts them. Newest wins: a request for a component whose build is running kills that
//! build (its whole process group) and, once it has exited, starts a fresh one for the newest
//! sources; an old build can never install a stale artifact after a newer change.

use std::collections::HashMap;
use std::path::PathBuf;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use indexmap::IndexMap;

use super::config::BuildConfig;
use super::runner::{self, Running};
use super::sources::SourceWatcher;
use super::{BuildError, BuildEvent};

/// The default quiet time after the last source change before a build starts.
pub const DEFAULT_SOURCE_DEBOUNCE: Duration = Duration::from_millis(200);
/// How long stopping waits for killed builds to exit.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// How a [`Builder`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuilderOptions {
    /// Quiet time after a component's last source change before its build starts.
    pub debounce: Duration,
    /// Watch the `watch` globs; off, builds start only from [`Builder::rebuild`].
    pub watch_sources: bool,
}

impl Default for BuilderOptions {
    fn default() -> Self {
        BuilderOptions {
            debounce: DEFAULT_SOURCE_DEBOUNCE,
            watch_sources: true,
        }
    }
}

/// What the job thread is told.
pub(super) enum Cmd {
    /// Build `id` (because `files` changed; empty when asked for).
    Build {
        id: String,
        files: Vec<PathBuf>,
    },
    /// A run ended; `generation` tells a stale report from the current one.
    Done {
        id: String,
        generation: u64,
        event: BuildEvent,
    },
    Stop,
}

/// Running build jobs and their source watcher; dropping it kills running builds.
pub struct Builder {
    tx: Sender<Cmd>,
    ids: Vec<String>,
    sources: Option<SourceWatcher>,
    thread: Option<JoinHandle<()>>,
}

impl Builder {
    /// Starts watching every config's sources (debounced) and building on change; events go
    /// to `events`. Returns once the source folders are watched.
    pub fn start(
        configs: Vec<BuildConfig>,
        events: Sender<BuildEvent>,
    ) -> Result<Builder, BuildError> {
        Self::start_with(configs, BuilderOptions::default(), events)
    }

    /// [`Builder::start`] with explicit options.
    pub fn start_with(
        configs: Vec<BuildConfig>,
        options: BuilderOptions,
        events: Sender<BuildEvent>,
    ) -> Result<Builder, BuildError> {
        let (tx, rx) = crossbeam_channel::unbounded();
        let sources = if options.watch_sources {
            Some(SourceWatcher::start(
                &configs,
                options.debounce,
                tx.clone(),
                events.clone(),
            )?)
        } else {
            None
        };
        let ids = configs.iter().map(|c| c.id.clone()).collect();
        let jobs = configs
            .into_iter()
            .map(|config| {
                let job = Job {
                    config,
                    running: None,
                    generation: 0,
                    queued: None,
                };
                (job.config.id.clone(), job)
            })
            .collect();
        let jobs = Jobs {
            jobs,
            events,
            tx: tx.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("wirebench-build".into())
            .spawn(move || jobs.run(rx))
            .map_err(|source| BuildError::Thread { source })?;
        Ok(Builder {
            tx,
            ids,
            sources,
            thread: Some(thread),
        })
    }

    /// Builds `id` now (cancelling a build of it that is running); returns at once.
    pub fn rebuild(&self, id: &str) -> Result<(), BuildError> {
        if !self.ids.iter().any(|i| i == id) {
            return Err(BuildError::UnknownComponent {
                id: id.to_string(),
                known: self.ids.clone(),
            });
        }
        self.tx
            .send(Cmd::Build {
                id: id.to_string(),
                files: Vec::new(),
            })
            .map_err(|_| BuildError::Stopped)
    }

    /// The ids of the components it builds, in config order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Stops watching, kills running builds (each reports `Finished` with `cancelled`) and
    /// waits for them, at most a few seconds.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Sources first, so no new build is asked for while the jobs wind down.
        drop(self.sources.take());
        let _ = self.tx.send(Cmd::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Job {
    config: BuildConfig,
    running: Option<(u64, Running)>,
    generation: u64,
    /// Changed files of a request that waits for the cancelled build to exit.
    queued: Option<Vec<PathBuf>>,
}

struct Jobs {
    jobs: IndexMap<String, Job>,
    events: Sender<BuildEvent>,
    tx: Sender<Cmd>,
}

impl Jobs {
    fn run(mut self, rx: Receiver<Cmd>) {
        while let Ok(cmd) = rx.recv() {
            match cmd {
                Cmd::Build { id, files } => self.request(&id, files),
                Cmd::Done {
                    id,
                    generation,
                    event,
                } => self.done(&id, generation, event),
                Cmd::Stop => break,
            }
        }
        self.stop(&rx);
    }

    fn request(&mut self, id: &str, files: Vec<PathBuf>) {
        let Some(job) = self.jobs.get_mut(id) else {
            return;
        };
        match &job.running {
            Some((_, running)) => {
                running.cancel();
                let mut all = job.queued.take().unwrap_or_default();
                for f in files {
                    if !all.contains(&f) {
                        all.push(f);
                    }
                }
                job.queued = Some(all);
            }
            None => self.start(id, files),
        }
    }

    fn start(&mut self, id: &str, files: Vec<PathBuf>) {
        let Some(job) = self.jobs.get_mut(id) else {
            return;
        };
        job.generation += 1;
        let generation = job.generation;
        let _ = self.events.send(BuildEvent::Started {
            id: id.to_string(),
            command: job.config.command.display(),
            files,
        });
        let tx = self.tx.clone();
        let owner = id.to_string();
        let done = move |event| {
            let _ = tx.send(Cmd::Done {
                id: owner,
                generation,
                event,
            });
        };
        let started = Instant::now();
        match runner::spawn(&job.config, self.events.clone(), done) {
            Ok(running) => job.running = Some((generation, running)),
            Err(message) => {
                let _ = self.events.send(BuildEvent::Finished {
                    id: id.to_string(),
                    ok: false,
                    cancelled: false,
                    duration: started.elapsed(),
                    first_error: Some(message),
                    installed: false,
                });
            }
        }
    }

    fn done(&mut self, id: &str, generation: u64, event: BuildEvent) {
        let Some(job) = self.jobs.get_mut(id) else {
            return;
        };
        if !matches!(job.running, Some((g, _)) if g == generation) {
            return;
        }
        job.running = None;
        let _ = self.events.send(event);
        if let Some(files) = job.queued.take() {
            self.start(id, files);
        }
    }

    /// Kills every running build and forwards their `Finished` events until all ended.
    fn stop(&mut self, rx: &Receiver<Cmd>) {
        let mut left: HashMap<String, u64> = HashMap::new();
        for (id, job) in &mut self.jobs {
            job.queued = None;
            if let Some((generation, running)) = &job.running {
                running.cancel();
                left.insert(id.clone(), *generation);
            }
        }
        let deadline = Instant::now() + STOP_GRACE;
        while !left.is_empty() {
            let wait = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(Cmd::Done {
                    id,
                    generation,
                    event,
                }) if left.get(&id) == Some(&generation) => {
                    left.remove(&id);
                    let _ = self.events.send(event);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
}
