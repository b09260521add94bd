//! The embedded wasmtime runtime: one engine per process, guests sandboxed (WASI deny by
//! default, deadlines, memory/stack/output caps), calls written and answered in WAVE, state
//! kept across calls, linked workspaces traced call by call.
//!
//! [`Session`] is the synchronous API (the CLI uses it directly); [`Worker`] runs a session on
//! its own thread for the TUI. Errors are [`CallError`]s, converted from `wasmtime::Error` here.

#[doc(hidden)]
pub mod bench_api;
mod call;
mod composed;
mod convert;
mod engine;
mod error;
mod format;
mod frames;
mod handles;
mod host;
mod limits;
mod linked;
mod resolve_func;
mod session;
mod settings;
mod trace;
mod units;
mod values;
mod wasi;
pub(crate) use linked::has_resource;
pub(crate) use trace::TraceRecorder;
pub(crate) use wasi::CapturedOutput;
mod worker;

#[cfg(test)]
mod test_support;

pub use crate::util::cache::cache_dir;
pub use composed::{composed_bytes, composed_target};
pub use engine::{init_engine, shared_engine, EngineOptions, RuntimeEngine, EPOCH_TICK};
pub use error::CallError;
pub use handles::HandleInfo;
pub use limits::{
    fmt_duration, fmt_size, parse_duration, parse_size, Limits, DEFAULT_MAX_MEMORY,
    DEFAULT_MAX_OUTPUT, DEFAULT_MAX_STACK, DEFAULT_TIMEOUT,
};
pub use resolve_func::{check_call, FunctionEntry};
pub use session::{CallOutcome, CancelHandle, Mode, Session, SessionOptions, Target};
pub use settings::{workspace_grants, workspace_limits};
pub use trace::{CallTrace, TraceEntry};
pub use wasi::{DirGrant, EnvGrant, Grants};
pub use worker::{Command, Event, Worker};
