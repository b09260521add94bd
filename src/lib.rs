//! wirebench: a terminal workbench for WebAssembly components — see, wire, run and reload them.
//!
//! Data flows one way (see `docs/architecture.md`):
//! `model` (bytes → immutable description) → `workspace` (components, plugs, grants)
//! → `compose` (wac-graph encoding, `.wac`) and `runtime` (wasmtime sessions on a worker)
//! → `cli` (headless commands) and `tui` (the interactive workbench).

pub mod adapt;
pub mod build;
pub mod cli;
pub mod compose;
pub mod demo;
pub mod export;
pub mod model;
pub mod reload;
pub mod runtime;
pub mod serve;
pub mod tui;
pub mod util;
pub mod workspace;
