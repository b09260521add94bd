//! [`Session`]: a loaded target (one component, or a wired workspace in linked mode) with its
//! store, instances and handles; calls run on it in order and state persists between them.
//!
//! The store is the unit of failure (DESIGN §7): after any trap the store and every instance
//! are rebuilt from their `InstancePre`s and the call reports `state_reset`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use wasmtime::component::{Func, Instance, ResourceType, Type};
use wasmtime::Store;

use super::engine::{shared_engine, RuntimeEngine};
use super::error::{classify, CallError, FailureContext};
use super::handles::{HandleInfo, HandleTable};
use super::host::{base_linker, new_store, HostState, StoreSpec};
use super::limits::Limits;
use super::resolve_func::{FunctionEntry, FunctionIndex, IndexSource};
use super::trace::CallTrace;
use super::units::{compile_model, finish_unit, Unit};
use super::wasi::{CapturedOutput, Grants};

/// What a session runs.
#[derive(Debug, Clone)]
// Built once per load and moved into the session; a box would only add noise for callers.
#[allow(clippy::large_enum_variant)]
pub enum Target {
    /// A single component.
    Component(Arc<crate::model::Component>),
    /// The single component produced by composing a workspace (same as `Component`, labelled).
    Composed(Arc<crate::model::Component>),
    /// A wired workspace, each component instantiated on its own with forwarded, traced plugs.
    Linked(crate::workspace::Workspace),
}

/// How a session's components are instantiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// One component.
    Single,
    /// A composition encoded into one component.
    Composed,
    /// Components instantiated separately, plugs forwarded by the host and traced.
    Linked,
}

/// Capabilities, limits and behaviour of a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// What the guests may touch (nothing by default).
    pub grants: Grants,
    /// Time, memory and output caps.
    pub limits: Limits,
    /// Define unplugged non-WASI imports as functions that trap when called.
    pub stub_missing: bool,
    /// Record call trees (linked mode): caller, callee, arguments, result, duration.
    pub trace: bool,
}

/// The result of one call, with everything the UI shows about it.
#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The call as the user wrote it.
    pub call_text: String,
    /// The function's full name, once resolved.
    pub function: Option<String>,
    /// The component that exports it, once resolved.
    pub component: Option<String>,
    /// The result in WAVE (`ok(some("neo"))`, `()` for no result), or why the call failed.
    pub result: Result<String, CallError>,
    /// The guest's stdout during this call (raw: sanitize before display).
    pub stdout: String,
    /// The guest's stderr during this call (raw: sanitize before display).
    pub stderr: String,
    /// Stdout passed the output cap and the rest was dropped.
    pub stdout_truncated: bool,
    /// Stderr passed the output cap and the rest was dropped.
    pub stderr_truncated: bool,
    /// Time spent in the guest.
    pub duration: Duration,
    /// The call tree, in linked mode with tracing on.
    pub trace: Option<CallTrace>,
    /// The instances were rebuilt after this call failed: earlier state and handles are gone.
    pub state_reset: bool,
}

impl CallOutcome {
    pub(crate) fn new(text: &str) -> Self {
        CallOutcome {
            call_text: text.to_string(),
            function: None,
            component: None,
            result: Ok(String::new()),
            stdout: String::new(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
            duration: Duration::ZERO,
            trace: None,
            state_reset: false,
        }
    }
}

/// Stops the running call of a session from another thread.
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<AtomicU64>);

impl CancelHandle {
    /// Makes the call that is running now fail with "cancelled" within one epoch tick.
    pub fn cancel(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The live part of a session, rebuilt after a trap.
pub(crate) struct Live {
    pub store: Store<HostState>,
    pub instances: Vec<Instance>,
    /// Per function entry, once first called: its `Func` and types in this store.
    pub funcs: Vec<Option<CachedFunc>>,
}

/// A function looked up in the live store, kept so warm calls skip the lookup.
#[derive(Clone)]
pub(crate) struct CachedFunc {
    pub func: Func,
    pub params: Arc<[(String, Type)]>,
    pub results: usize,
}

/// A loaded target with its instances; see the module docs.
pub struct Session {
    pub(crate) rt: &'static RuntimeEngine,
    pub(crate) units: Vec<Unit>,
    unit_ids: Arc<[String]>,
    pub(crate) options: SessionOptions,
    pub(crate) index: FunctionIndex,
    pub(crate) live: Option<Live>,
    pub(crate) handles: HandleTable,
    cancel: Arc<AtomicU64>,
    /// The cancel generation when the next call was announced as started (see
    /// [`mark_cancel_point`](Self::mark_cancel_point)); cancels after it apply to that call.
    pub(crate) cancel_mark: Option<u64>,
    pub(crate) stdout: CapturedOutput,
    pub(crate) stderr: CapturedOutput,
    mode: Mode,
    notes: Vec<String>,
    resets: u64,
}

impl Session {
    /// Compiles, links and instantiates `target`.
    pub fn load(target: Target, options: SessionOptions) -> Result<Session, CallError> {
        let rt = shared_engine()?;
        let base = base_linker(rt)?;
        let (units, notes, mode) = match target {
            Target::Component(c) => (
                vec![single(rt, c, base, &options)?],
                Vec::new(),
                Mode::Single,
            ),
            Target::Composed(c) => (
                vec![single(rt, c, base, &options)?],
                Vec::new(),
                Mode::Composed,
            ),
            Target::Linked(ws) => {
                let (units, notes) = super::linked::prepare(rt, &ws, &base, options.stub_missing)?;
                (units, notes, Mode::Linked)
            }
        };
        let sources: Vec<IndexSource<'_>> = units
            .iter()
            .map(|u| IndexSource {
                id: &u.id,
                component: &u.component,
                model: u.model.as_deref(),
            })
            .collect();
        let index = FunctionIndex::build(rt.engine(), &sources);
        let unit_ids: Arc<[String]> = units.iter().map(|u| u.id.clone()).collect();
        let max_output = options.limits.max_output;
        let mut session = Session {
            rt,
            units,
            unit_ids,
            options,
            index,
            live: None,
            handles: HandleTable::default(),
            cancel: Arc::new(AtomicU64::new(0)),
            cancel_mark: None,
            stdout: CapturedOutput::new(max_output),
            stderr: CapturedOutput::new(max_output),
            mode,
            notes,
            resets: 0,
        };
        session.instantiate()?;
        Ok(session)
    }

    /// Every callable function, with names, types and templates.
    pub fn functions(&self) -> &[FunctionEntry] {
        self.index.entries()
    }

    /// Finds a function by any of its names (`get`, `store.get`, full name).
    pub fn function(&self, name: &str) -> Result<&FunctionEntry, CallError> {
        self.index.resolve(name).map(|i| &self.index.entries()[i])
    }

    /// Component ids, in instantiation order (providers first).
    pub fn components(&self) -> &[String] {
        &self.unit_ids
    }

    /// How the target is run.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Things the user should know about the load (e.g. core modules that were skipped).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Live resource handles.
    pub fn handles(&self) -> Vec<HandleInfo> {
        self.handles.list()
    }

    /// How many times the instances were rebuilt (after traps or [`reset`](Self::reset)).
    pub fn resets(&self) -> u64 {
        self.resets
    }

    /// A handle that cancels the running call from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(Arc::clone(&self.cancel))
    }

    /// Marks the point from which a cancel applies to the next call (or drop). Without it a
    /// call only honours cancels made once it entered the guest, so a cancel that arrives
    /// after the caller was told "started" but before the guest runs would be lost.
    pub fn mark_cancel_point(&mut self) {
        self.cancel_mark = Some(self.cancel.load(Ordering::SeqCst));
    }

    /// The options the session runs with.
    pub fn options(&self) -> &SessionOptions {
        &self.options
    }

    /// Discards all state and handles and instantiates afresh.
    pub fn reset(&mut self) -> Result<(), CallError> {
        self.resets += 1;
        self.instantiate()
    }

    /// Builds a new store and instantiates every unit in order.
    pub(crate) fn instantiate(&mut self) -> Result<(), CallError> {
        // Drop the old store first: a memory bomb's pages are freed before new ones are made.
        self.live = None;
        self.handles.clear();
        let _ = self.stdout.take();
        let _ = self.stderr.take();
        let spec = StoreSpec {
            grants: &self.options.grants,
            limits: &self.options.limits,
            cancel: &self.cancel,
            stdout: &self.stdout,
            stderr: &self.stderr,
            unit_ids: &self.unit_ids,
            trace: self.options.trace && self.mode == Mode::Linked,
        };
        let mut store = new_store(self.rt, &spec)?;
        let mut instances = Vec::with_capacity(self.units.len());
        let limits = &self.options.limits;
        for (i, unit) in self.units.iter().enumerate() {
            // Start functions run guest code too: bound them like calls.
            store.data_mut().deadline = Some(Instant::now() + limits.timeout);
            let result = {
                let _ticking = self.rt.ticking();
                unit.pre.instantiate(&mut store)
            };
            let instance = result.map_err(|e| {
                let (stderr, _) = self.stderr.take();
                let cx = FailureContext {
                    func: "start function",
                    timeout: limits.timeout,
                    max_memory: limits.max_memory,
                    stderr: &stderr,
                };
                CallError::Instantiate {
                    component: unit.id.clone(),
                    message: classify(&e, &cx).to_string(),
                }
            })?;
            store.data_mut().instances[i] = Some(instance);
            instances.push(instance);
        }
        store.data_mut().deadline = None;
        let mut names: Vec<(ResourceType, String)> = Vec::new();
        for (unit, instance) in self.units.iter().zip(&instances) {
            for (idx, name) in &unit.resources {
                if let Some(ty) = instance.get_resource(&mut store, idx) {
                    names.push((ty, name.clone()));
                }
            }
        }
        self.handles.set_names(names);
        self.live = Some(Live {
            store,
            instances,
            funcs: vec![None; self.index.entries().len()],
        });
        Ok(())
    }
}

/// Prepares the one unit of a single-component session.
fn single(
    rt: &'static RuntimeEngine,
    c: Arc<crate::model::Component>,
    base: wasmtime::component::Linker<HostState>,
    options: &SessionOptions,
) -> Result<Unit, CallError> {
    let component = compile_model(rt, &c.name, &c)?;
    let id = c.name.clone();
    finish_unit(rt, &id, component, Some(c), base, &[], options.stub_missing)
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
