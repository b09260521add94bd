//! Source-to-screen loop: rebuild a component from its source when a source file is saved,
//! so the hot reload (`crate::reload`) picks up the new artifact.
//!
//! Layers, each usable alone:
//! - [`BuildConfig`] (`config`): a component's `build`, `dir`, `watch` and `artifact` keys in
//!   `wirebench.toml` (docs/workspace.md, "Building from source").
//! - [`Builder`] (`builder`): one job per component on background threads; a source watcher
//!   (notify, debounced) maps changed files to components through their `watch` globs; a
//!   new request while a build runs kills that build's process group and starts again
//!   (newest wins); a good build's artifact is copied atomically over the component file, which
//!   the reload watcher then reloads. Progress comes back as [`BuildEvent`]s.
//! - [`first_error`]: the compiler's first error as one line.
//! - [`init`] / [`detect`]: `wirebench init` — find a Cargo workspace's component crates and
//!   write their build entries.

mod builder;
mod config;
pub mod detect;
mod first_error;
mod glob;
pub mod init;
mod runner;
mod sources;

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

pub use builder::{Builder, BuilderOptions, DEFAULT_SOURCE_DEBOUNCE};
pub use config::{configs_for, load_configs, BuildCommand, BuildConfig, ConfigError};
pub use first_error::first_error;
pub use glob::{Glob, GlobError};

/// What a [`Builder`] reports, in order per component: `Started`, any number of `Output`,
/// then exactly one `Finished`. `Warning`s can come at any time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum BuildEvent {
    /// A build of `id` started.
    #[serde(rename = "build-started")]
    Started {
        id: String,
        /// The command line, as written in `wirebench.toml`.
        command: String,
        /// The source files whose change caused it; empty when asked for ([`Builder::rebuild`]).
        files: Vec<PathBuf>,
    },
    /// One line the build printed (sanitized: no control characters).
    #[serde(rename = "build-output")]
    Output {
        id: String,
        stream: Stream,
        line: String,
    },
    /// The build ended: it succeeded, failed, or was cancelled by a newer request.
    #[serde(rename = "build-finished")]
    Finished {
        id: String,
        /// True when the build succeeded and its artifact is in place.
        ok: bool,
        /// True when a newer change (or stop) killed it; a new `Started` follows a change.
        cancelled: bool,
        /// Wall time from start to end.
        #[serde(rename = "duration_ms", serialize_with = "crate::reload::ms")]
        duration: Duration,
        /// On failure, the compiler's first error in one line (`file:line:col: error: …`).
        first_error: Option<String>,
        /// True when the new artifact was copied over the component file (a reload follows);
        /// false when its bytes were unchanged or the build writes the component file itself.
        installed: bool,
    },
    /// Something about the watch itself (a folder that cannot be watched, a glob that matches
    /// no folder); builds go on.
    #[serde(rename = "build-warning")]
    Warning { id: Option<String>, message: String },
}

impl BuildEvent {
    /// The component the event is about, if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            BuildEvent::Started { id, .. }
            | BuildEvent::Output { id, .. }
            | BuildEvent::Finished { id, .. } => Some(id),
            BuildEvent::Warning { id, .. } => id.as_deref(),
        }
    }
}

/// Which pipe a build's output line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Why a [`Builder`] could not start or take a request.
#[derive(Debug, Error)]
pub enum BuildError {
    /// `rebuild` named a component with no build entry.
    #[error("`{id}` has no `build` command — add one under [components.{id}] in wirebench.toml (known: {known})", known = known.join(", "))]
    UnknownComponent { id: String, known: Vec<String> },
    /// A `watch` pattern is malformed.
    #[error("`{id}`: {source}")]
    Glob {
        id: String,
        #[source]
        source: GlobError,
    },
    /// The platform's file watcher could not be created.
    #[error("cannot start the source watcher: {source}")]
    Watch {
        #[source]
        source: notify::Error,
    },
    /// A background thread could not be started.
    #[error("cannot start the build thread: {source}")]
    Thread {
        #[source]
        source: std::io::Error,
    },
    /// The builder has stopped (its thread ended).
    #[error("the builder has stopped — start it again")]
    Stopped,
}
