//! What the watcher reports: one [`ReloadEvent`] per settled change of a watched file, and
//! [`WatchStatus`] changes of the watch itself (folder gone, back, rescan, errors).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use thiserror::Error;

use super::filter::FileKind;
use crate::model::diff::WitDiff;
use crate::model::{Component, DecodeError};
use crate::util::words::count;

/// Everything the watcher sends over its channel.
#[derive(Debug)]
pub enum WatchEvent {
    /// A watched file settled into a new state.
    Reload(Box<ReloadEvent>),
    /// The watch itself changed state (for the status bar).
    Status(WatchStatus),
}

/// What became of a watched file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A new component appeared in a watched folder (or a broken file became valid).
    Added,
    /// A new version decoded; it is the current version now.
    Reloaded,
    /// The file is back to the version that was running before it broke or vanished.
    Restored,
    /// The file was deleted; the last good version keeps running.
    Removed,
    /// The new bytes are not a usable component; the last good version keeps running.
    Failed,
    /// The new version decoded but breaks plugs (or fails to instantiate); the last good
    /// version keeps running.
    Incompatible,
    /// A workspace file (`wirebench.toml`, `.wac`) changed.
    Changed,
}

impl Outcome {
    /// True when the new file is in use (nothing had to be kept back).
    pub fn is_ok(self) -> bool {
        matches!(
            self,
            Outcome::Added | Outcome::Reloaded | Outcome::Restored | Outcome::Changed
        )
    }
}

/// Why a change could not be taken.
#[derive(Debug, Error)]
pub enum ReloadError {
    /// The file does not decode (truncated, not wasm, invalid, bad WIT).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The file was deleted.
    #[error("`{path}` was deleted — it reloads when the file comes back", path = path.display())]
    Removed { path: PathBuf },
    /// A workspace file could not be read.
    #[error("`{path}`: cannot read: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The new version breaks plugs (the reasons are in [`ReloadEvent::broken_plugs`]).
    #[error("`{id}`: the new version breaks {count} plug(s)")]
    BreaksPlugs { id: String, count: usize },
    /// A changed `wirebench.toml` or `.wac` does not load.
    #[error("{message}")]
    Workspace { message: String },
    /// The new version compiles or instantiates with an error.
    #[error("`{id}` fails to instantiate: {message}")]
    Instantiate { id: String, message: String },
}

/// What the runtime did with a reload (filled in by [`super::LiveSession::apply`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RuntimeReport {
    /// Components instantiated afresh: the reloaded one and, linked, its dependents.
    pub reinstantiated: Vec<String>,
    /// Time to compile and instantiate the new session.
    #[serde(rename = "instantiate_ms", serialize_with = "super::ms")]
    pub instantiate_time: Duration,
    /// The calls replayed against the new instance, when replay is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayReport>,
}

/// Which calls were replayed after a reload.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplayReport {
    /// Calls that succeeded again, in order.
    pub replayed: Vec<String>,
    /// Calls that failed against the new version, with the error.
    pub failed: Vec<(String, String)>,
}

impl ReplayReport {
    /// `replayed 3 calls` / `replayed 2 of 3 calls (set("a"): …)`.
    pub fn summary(&self) -> String {
        let total = self.replayed.len() + self.failed.len();
        let mut s = if self.failed.is_empty() {
            format!("replayed {}", count(total, "call"))
        } else {
            format!("replayed {} of {total} calls", self.replayed.len())
        };
        if let Some((call, err)) = self.failed.first() {
            s.push_str(&format!(" ({call} failed: {err})"));
        }
        s
    }
}

/// One settled change of a watched file.
#[derive(Debug)]
pub struct ReloadEvent {
    /// When the change was decided.
    pub at: SystemTime,
    /// The watched file.
    pub path: PathBuf,
    /// The component id (workspace id, or the file stem for a file new to the folder).
    pub id: String,
    pub kind: FileKind,
    pub outcome: Outcome,
    /// Hash of the version in use before the change.
    pub old_hash: Option<String>,
    /// Hash of the bytes now on disk (none when the file is gone).
    pub new_hash: Option<String>,
    /// From the first file-system event of this change to the new version decoded (or the
    /// failure known), including the debounce window.
    pub latency: Duration,
    /// Time spent reading, hashing and decoding.
    pub decode_time: Duration,
    /// How many file-system events were coalesced into this change.
    pub fs_events: usize,
    /// WIT difference from the previous version (empty when the world is the same).
    pub diff: WitDiff,
    /// The new version (added, reloaded, incompatible) or the restored one.
    pub component: Option<Arc<Component>>,
    /// Why the change was not taken.
    pub error: Option<ReloadError>,
    /// Plugs the new version breaks, one reason each (filled by [`super::apply_to_workspace`]).
    pub broken_plugs: Vec<String>,
    /// What the runtime did, when a live session applied the change.
    pub runtime: Option<RuntimeReport>,
}

impl ReloadEvent {
    /// The file name as shown (`kv.wasm`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    /// One line for a console, without the time: `kv.wasm reloaded in 41 ms (sha256
    /// ab12…→cd34…): +1 func` or `error: kv.wasm: … — keeping the last good version`.
    pub fn summary_line(&self) -> String {
        let file = self.file_name();
        let ms = fmt_ms(self.latency);
        let hashes = format!(
            "sha256 {}→{}",
            short_hash(self.old_hash.as_deref()),
            short_hash(self.new_hash.as_deref())
        );
        let mut line = match self.outcome {
            Outcome::Reloaded => {
                format!(
                    "{file} reloaded in {ms} ({hashes}): {}",
                    self.diff.summary()
                )
            }
            Outcome::Added => format!(
                "{file} added in {ms} (sha256 {})",
                short_hash(self.new_hash.as_deref())
            ),
            Outcome::Restored => format!(
                "{file} is back to the running version (sha256 {})",
                short_hash(self.new_hash.as_deref())
            ),
            Outcome::Changed => format!("{file} changed ({hashes})"),
            Outcome::Removed if self.old_hash.is_some() && self.kind == FileKind::Component => {
                format!("warning: {file} was deleted — keeping the last good version until it comes back")
            }
            Outcome::Removed => format!("warning: {file} was deleted"),
            Outcome::Failed | Outcome::Incompatible => {
                let why = self
                    .error
                    .as_ref()
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "rejected".into());
                let keep = if self.kind != FileKind::Component {
                    ""
                } else if self.old_hash.is_some() {
                    " — keeping the last good version"
                } else {
                    " — nothing loaded from it; fix the file and save again"
                };
                // The line starts with the file name already; do not repeat it.
                let stem = crate::model::component_name_for(&self.path);
                let shown = self.path.display().to_string();
                let why = [file.as_str(), stem.as_str(), shown.as_str()]
                    .iter()
                    .find_map(|s| why.strip_prefix(&format!("`{s}`: ")))
                    .map(str::to_string)
                    .unwrap_or(why);
                format!("error: {file}: {why}{keep}")
            }
        };
        if !self.broken_plugs.is_empty() {
            line.push_str(&format!("; broken plugs: {}", self.broken_plugs.join("; ")));
        }
        if let Some(rt) = &self.runtime {
            if !rt.reinstantiated.is_empty() {
                line.push_str(&format!(
                    "; re-instantiated {} in {}",
                    rt.reinstantiated.join(", "),
                    fmt_ms(rt.instantiate_time)
                ));
            }
            if let Some(r) = &rt.replay {
                line.push_str(&format!("; {}", r.summary()));
            }
        }
        crate::util::sanitize::one_line(&line)
    }
}

impl ReloadEvent {
    /// The event as one line of JSON (the shape is documented in `docs/json-watch.md`).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            event: &'static str,
            time: String,
            file: String,
            id: &'a str,
            kind: FileKind,
            outcome: Outcome,
            ok: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            old_sha256: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            new_sha256: Option<&'a str>,
            #[serde(serialize_with = "super::ms")]
            latency_ms: Duration,
            #[serde(serialize_with = "super::ms")]
            decode_ms: Duration,
            fs_events: usize,
            diff_summary: String,
            diff: &'a WitDiff,
            broken_plugs: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            runtime: Option<&'a RuntimeReport>,
        }
        let json = Json {
            event: "reload",
            time: rfc3339(self.at),
            file: self.path.display().to_string(),
            id: &self.id,
            kind: self.kind,
            outcome: self.outcome,
            ok: self.outcome.is_ok(),
            old_sha256: self.old_hash.as_deref(),
            new_sha256: self.new_hash.as_deref(),
            latency_ms: self.latency,
            decode_ms: self.decode_time,
            fs_events: self.fs_events,
            diff_summary: self.diff.summary(),
            diff: &self.diff,
            broken_plugs: &self.broken_plugs,
            error: self.error.as_ref().map(|e| e.to_string()),
            runtime: self.runtime.as_ref(),
        };
        // Plain strings, numbers and maps: serializing cannot fail.
        serde_json::to_string(&json).unwrap_or_default()
    }
}

/// A time as RFC 3339 in local time with milliseconds.
pub fn rfc3339(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(at)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// `41 ms`, or `0.4 ms` below one millisecond.
pub fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// The first four hex digits and an ellipsis, `-` for none.
pub fn short_hash(hash: Option<&str>) -> String {
    match hash {
        Some(h) => format!("{}…", &h[..h.len().min(4)]),
        None => "-".into(),
    }
}

/// The state of the watch, for a status bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchStatus {
    pub state: WatchState,
    /// The folder concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// One line for the user.
    pub message: String,
}

/// Coarse watch states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WatchState {
    /// Every watched folder is watched.
    Watching,
    /// A watched folder was removed; it is polled until it comes back.
    DirMissing,
    /// A removed folder is back and watched again; its files were re-checked.
    DirBack,
    /// The OS dropped events (queue overflow); every watched file was re-checked.
    Rescan,
    /// The file-system watcher reported an error.
    Error,
}
