//! `wirebench serve`: run a component that exports `wasi:http/incoming-handler` behind an
//! HTTP/1 server, like `wasmtime serve` — a fresh instance per request from a pre-instantiated
//! component (`--keep-state` reuses one), with the runtime's grants and limits, a deadline per
//! request (504), traps answered with 500 while the server keeps serving, and one
//! [`RequestEvent`] per request (with the call tree across components in linked mode).
//!
//! The library API is what the TUI's `:serve` uses: [`Server::start`] returns a
//! [`ServerHandle`] with [`ServerHandle::events`] and [`ServerHandle::stop`].

mod engine;
mod error;
mod failure;
mod handler;
mod prepare;
mod server;
mod state;
mod target;
mod trace;

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

pub use error::ServeError;
pub use server::{Server, ServerHandle, StopHandle};
pub use target::{is_incoming_handler, LoadedTarget, ServeMode, ServeTarget};

use crate::runtime::{CallTrace, Grants, Limits};

/// The address `wirebench serve` listens on unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// How a server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen (port 0 picks a free one; see [`ServerHandle::addr`]).
    pub addr: SocketAddr,
    /// What the guests may touch (nothing by default).
    pub grants: Grants,
    /// Per-request deadline, memory cap, output cap.
    pub limits: Limits,
    /// Reuse one instance across requests (serialized) instead of one per request.
    pub keep_state: bool,
    /// Record the call tree of each request (linked mode).
    pub trace: bool,
    /// Use the pooling instance allocator (faster per-request instantiation).
    pub pooling: bool,
    /// Requests running at once; more wait for a free slot.
    pub max_concurrency: usize,
    /// Threads of the server's async runtime.
    pub worker_threads: usize,
    /// Read and write the compiled-code cache.
    pub cache: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            grants: Grants::default(),
            limits: Limits::default(),
            keep_state: false,
            trace: false,
            pooling: true,
            max_concurrency: 64,
            worker_threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
            cache: true,
        }
    }
}

impl ServeOptions {
    /// Defaults plus the workspace's `[capabilities]` (merged) and `[limits]`, tracing on:
    /// what the workbench's `:serve` uses.
    pub fn for_workspace(ws: &crate::workspace::Workspace) -> Result<Self, ServeError> {
        let ids: Vec<&str> = ws.components.keys().map(String::as_str).collect();
        Ok(ServeOptions {
            grants: crate::runtime::workspace_grants(ws, ids).map_err(ServeError::load)?,
            limits: crate::runtime::workspace_limits(ws).map_err(ServeError::load)?,
            trace: true,
            ..ServeOptions::default()
        })
    }
}

/// What a started server serves and how.
#[derive(Debug, Clone, Serialize)]
pub struct ServeInfo {
    /// The bound address.
    pub addr: SocketAddr,
    /// Target name (file stem).
    pub name: String,
    /// Composed (one component) or linked (traced).
    pub mode: ServeMode,
    /// Whether the pooling allocator is in use.
    pub pooling: bool,
    /// Whether one instance serves every request.
    pub keep_state: bool,
    /// Time to compile and pre-instantiate.
    #[serde(rename = "prepare_us", serialize_with = "micros")]
    pub prepare: Duration,
}

/// What the server reports.
#[derive(Debug, Clone)]
pub enum ServeEvent {
    /// One request finished (answered, failed or timed out).
    Request(Box<RequestEvent>),
    /// The server stopped; no events follow.
    Stopped(ServeSummary),
}

/// One served request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestEvent {
    /// Request number, from 1.
    pub id: u64,
    /// HTTP method (`GET`).
    pub method: String,
    /// Path and query as sent (raw: sanitize before display).
    pub path: String,
    /// Status sent to the client (500/504 when the host answered for a failed guest).
    pub status: u16,
    /// From arrival until the guest's `handle` returned (body streamed included).
    #[serde(rename = "duration_us", serialize_with = "micros")]
    pub duration: Duration,
    /// Time to instantiate, when this request created an instance.
    #[serde(rename = "instantiate_us", serialize_with = "opt_micros")]
    pub instantiate: Option<Duration>,
    /// The call tree across components (linked mode with tracing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<CallTrace>,
    /// Why the request failed (trap, timeout, memory cap), one sanitized line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The guest's stdout during the request (raw: sanitize before display).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stdout: String,
    /// The guest's stderr during the request (raw: sanitize before display).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stderr: String,
    /// With `--keep-state`: the kept instance was dropped after this failure.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub state_reset: bool,
}

/// Totals over a server's life.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServeSummary {
    /// Requests that reached the guest.
    pub requests: u64,
    /// Requests answered with 5xx or failed in the guest.
    pub failed: u64,
    /// Instances created.
    pub instantiations: u64,
    /// Time spent instantiating, summed.
    #[serde(rename = "instantiate_total_us", serialize_with = "micros")]
    pub instantiate_total: Duration,
}

impl ServeSummary {
    /// Mean instantiation time, if any instance was created.
    pub fn mean_instantiate(&self) -> Option<Duration> {
        let n = u32::try_from(self.instantiations).ok().filter(|n| *n > 0)?;
        Some(self.instantiate_total / n)
    }
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

fn opt_micros<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => micros(d, s),
        None => s.serialize_none(),
    }
}
