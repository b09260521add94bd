//! The store's host state (WASI context, limiter, deadline, cancel flag, live instances,
//! trace recorder), how a fresh store is built, and the base linker every component shares.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::{Instance, Linker, ResourceTable};
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::engine::RuntimeEngine;
use super::error::{error_line, CallError, Interrupted};
use super::limits::{GuestLimiter, Limits};
use super::trace::TraceRecorder;
use super::wasi::{build_wasi, CapturedOutput, Grants};

/// Everything a store carries; host functions (WASI, forwarders) reach it through the store.
pub(crate) struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    limiter: GuestLimiter,
    /// When the running call must stop.
    pub deadline: Option<Instant>,
    /// Bumped by a cancel handle; a call is cancelled when it differs from `cancel_seen`.
    cancel: Arc<AtomicU64>,
    pub cancel_seen: u64,
    /// Live instances by unit, so forwarders find their provider after a rebuild.
    pub instances: Vec<Option<Instance>>,
    /// Unit ids, for trace entries.
    pub unit_ids: Arc<[String]>,
    pub trace: TraceRecorder,
}

impl HostState {
    /// Current value of the cancel counter, recorded when a call starts.
    pub fn cancel_generation(&self) -> u64 {
        self.cancel.load(Ordering::SeqCst)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

/// What a new store needs.
pub(crate) struct StoreSpec<'a> {
    pub grants: &'a Grants,
    pub limits: &'a Limits,
    pub cancel: &'a Arc<AtomicU64>,
    pub stdout: &'a CapturedOutput,
    pub stderr: &'a CapturedOutput,
    pub unit_ids: &'a Arc<[String]>,
    pub trace: bool,
}

/// Builds a store with the grants, limits and deadline/cancel callback installed.
pub(crate) fn new_store(
    rt: &RuntimeEngine,
    spec: &StoreSpec<'_>,
) -> Result<Store<HostState>, CallError> {
    let wasi = build_wasi(spec.grants, spec.stdout, spec.stderr)?;
    let state = HostState {
        wasi,
        table: ResourceTable::new(),
        http: WasiHttpCtx::new(),
        limiter: GuestLimiter::new(spec.limits),
        deadline: None,
        cancel: Arc::clone(spec.cancel),
        cancel_seen: spec.cancel.load(Ordering::SeqCst),
        instances: vec![None; spec.unit_ids.len()],
        unit_ids: Arc::clone(spec.unit_ids),
        trace: TraceRecorder::new(spec.trace),
    };
    let mut store = Store::new(rt.engine(), state);
    store.limiter(|s| &mut s.limiter);
    // Checked every tick: cheap, and gives both wall-time deadlines and user cancel with
    // our own error types, so the classifier can tell them apart from other traps.
    store.epoch_deadline_callback(|ctx| {
        let s = ctx.data();
        if s.cancel.load(Ordering::SeqCst) != s.cancel_seen {
            return Err(wasmtime::Error::new(Interrupted::Cancelled));
        }
        match s.deadline {
            Some(d) if Instant::now() >= d => Err(wasmtime::Error::new(Interrupted::Timeout)),
            _ => Ok(UpdateDeadline::Continue(1)),
        }
    });
    store.set_epoch_deadline(1);
    Ok(store)
}

/// A linker with WASIp2 (sync) and the `wasi:http/types` interface; outgoing HTTP is not
/// linked, so a component importing it fails to load with a clear message.
///
/// Built once per engine and cloned: defining the few hundred WASI functions was most of
/// loading a component already compiled (`benches/instantiate.rs`: kv-store 0.37 → 0.15 ms);
/// a clone copies the name map only.
pub(crate) fn base_linker(rt: &RuntimeEngine) -> Result<Linker<HostState>, CallError> {
    if let Some(linker) = rt.base_linker.get() {
        return Ok(linker.clone());
    }
    let linker = new_base_linker(rt)?;
    // A racing first load may have set it meanwhile; both are equivalent.
    let _ = rt.base_linker.set(linker.clone());
    Ok(linker)
}

fn new_base_linker(rt: &RuntimeEngine) -> Result<Linker<HostState>, CallError> {
    let mut linker = Linker::new(rt.engine());
    let fail = |e: wasmtime::Error| CallError::Load {
        message: format!("failed to set up the WASI host: {}", error_line(&e)),
    };
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(fail)?;
    let options = wasmtime_wasi_http::p2::bindings::LinkOptions::default();
    wasmtime_wasi_http::p2::bindings::sync::http::types::add_to_linker::<
        _,
        wasmtime_wasi_http::WasiHttp,
    >(&mut linker, &options.into(), |s: &mut HostState| s.http())
    .map_err(fail)?;
    Ok(linker)
}
