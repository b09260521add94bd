//! Hot reload: watch component files, decide when a save has settled, decode the new version
//! off the caller's thread, diff its WIT, re-check plugs and swap it into a live session.
//!
//! Layers, each usable alone:
//! - [`Watcher`] (notify + debouncing on parent folders) feeds a [`Reloader`] on its own
//!   thread and sends [`WatchEvent`]s: a [`ReloadEvent`] per settled change, with the new
//!   `Arc<Component>`, the [`WitDiff`](crate::model::diff::WitDiff) and the latency; or a
//!   [`WatchStatus`] when a folder vanishes, comes back, or the OS asks for a rescan.
//! - [`apply_to_workspace`] swaps the new version into a workspace and lists broken plugs.
//! - [`LiveSession`] / [`ReloadPlan`] re-instantiate beside the running session, keep the
//!   last good version on failure, and replay the session's calls when asked.

mod apply;
mod event;
mod filter;
mod fsstat;
mod live;
mod reloader;
mod set;
mod watcher;

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

pub use apply::{apply_to_workspace, broken_plugs, dependents, plug_reason};
pub use event::{
    fmt_ms, rfc3339, short_hash, Outcome, ReloadError, ReloadEvent, ReplayReport, RuntimeReport,
    WatchEvent, WatchState, WatchStatus,
};
pub use filter::{classify, is_scratch_name, FileKind};
pub use live::{LiveSession, LiveTarget, Prepared, Rejected, ReloadPlan};
pub use reloader::{Check, Reloader, HALF_WRITTEN_RETRIES};
pub use set::WatchSet;
pub use watcher::{WatchOptions, Watcher, DEFAULT_DEBOUNCE};

/// Why a watch could not start.
#[derive(Debug, Error)]
pub enum WatchError {
    /// The platform's file watcher could not be created.
    #[error("cannot start the file watcher: {source}")]
    Start {
        #[source]
        source: notify::Error,
    },
    /// A folder could not be watched (on Linux, often the inotify limit).
    #[error(
        "cannot watch `{dir}`: {source} — check that it exists and is readable (on Linux, \
         raise fs.inotify.max_user_watches if the limit is reached)",
        dir = dir.display()
    )]
    Watch {
        dir: PathBuf,
        #[source]
        source: notify::Error,
    },
    /// The folder of a watched path does not exist.
    #[error("`{path}`: no such folder — create it or pass an existing path", path = path.display())]
    NoDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A path names no file (`/`, `..`).
    #[error("`{path}`: not a file path — pass a `.wasm` file or a folder", path = path.display())]
    NotAFile { path: PathBuf },
    /// The watcher thread could not be started.
    #[error("cannot start the reload thread: {source}")]
    Thread {
        #[source]
        source: std::io::Error,
    },
}

/// Serializes a duration as fractional milliseconds (`41.27`).
pub(crate) fn ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e5).round() / 100.0)
}
