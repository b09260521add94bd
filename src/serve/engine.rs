//! The engine a server runs on — the process's shared engine, or one with the pooling
//! allocator (same settings otherwise) — and the epoch ticker that drives request deadlines.

use std::sync::{Arc, Condvar, Mutex};

use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use super::error::{wasm_error_line, ServeError};
use crate::runtime::{self, EngineOptions, Limits, EPOCH_TICK};

/// An engine plus the ticker that advances its epoch while requests run.
#[derive(Clone)]
pub(crate) struct ServeEngine {
    pub engine: Engine,
    pub pooling: bool,
    ticker: Ticker,
}

impl ServeEngine {
    /// The shared engine (on-demand allocation), or a pooling engine sized for `concurrency`
    /// instances of at most `limits.max_memory` each.
    pub fn new(
        pooling: bool,
        concurrency: usize,
        limits: &Limits,
        cache: bool,
    ) -> Result<Self, ServeError> {
        let engine = if pooling {
            pooling_engine(concurrency, limits, cache)?
        } else {
            let rt = runtime::init_engine(EngineOptions {
                cache,
                max_stack: limits.max_stack,
            })
            .map_err(ServeError::host)?;
            rt.engine().clone()
        };
        let ticker = Ticker::start(engine.clone())?;
        Ok(ServeEngine {
            engine,
            pooling,
            ticker,
        })
    }

    /// Keeps the epoch advancing while the returned guard lives (one per running request).
    pub fn ticking(&self) -> TickGuard {
        self.ticker.begin()
    }
}

/// The runtime's engine settings (component model, epoch interruption, stack cap, no
/// memory64) plus a pooling allocator: instances reuse pre-reserved slots instead of mapping
/// fresh memory, which is what makes per-request instantiation cheap.
fn pooling_engine(concurrency: usize, limits: &Limits, cache: bool) -> Result<Engine, ServeError> {
    let n = u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX);
    let mut pool = PoolingAllocationConfig::new();
    // Sized for any target, since `replace` may swap in a bigger one: a composition holds a
    // core instance, memory and tables per original module (a componentize-py component alone
    // brings dozens of core instances). Slots are address space, not committed memory.
    let at_least = |per: u32, floor: u32| n.saturating_mul(per).max(floor);
    // Linked mode instantiates every component of the workspace per request.
    pool.total_component_instances(at_least(8, 64))
        .total_core_instances(at_least(64, 1000))
        // Each memory slot reserves 4 GiB of address space (so bounds checks compile away).
        .total_memories(at_least(8, 256))
        .total_tables(at_least(64, 1000))
        .total_stacks(n.saturating_mul(2))
        .max_memory_size(usize::try_from(limits.max_memory).unwrap_or(usize::MAX));
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(limits.max_stack)
        .cranelift_opt_level(OptLevel::Speed)
        .parallel_compilation(true)
        .wasm_memory64(false)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    if cache && crate::util::cache::enabled() {
        if let Some(dir) = runtime::cache_dir() {
            let mut cc = wasmtime::CacheConfig::new();
            cc.with_directory(&dir);
            match wasmtime::Cache::new(cc) {
                Ok(c) => {
                    config.cache(Some(c));
                }
                Err(e) => tracing::warn!("compile cache disabled: {}", wasm_error_line(&e)),
            }
        }
    }
    Engine::new(&config).map_err(|e| {
        ServeError::host(format!(
            "cannot create a pooling engine: {} — try --no-pooling",
            wasm_error_line(&e)
        ))
    })
}

/// Advances the epoch every [`EPOCH_TICK`] while a request runs; parks when idle so an idle
/// server costs no CPU.
#[derive(Clone)]
struct Ticker {
    state: Arc<(Mutex<TickState>, Condvar)>,
}

#[derive(Default)]
struct TickState {
    active: usize,
    parked: bool,
    stopped: bool,
}

/// Keeps the ticker running while alive.
pub(crate) struct TickGuard {
    state: Arc<(Mutex<TickState>, Condvar)>,
}

impl Ticker {
    fn start(engine: Engine) -> Result<Ticker, ServeError> {
        let state = Arc::new((Mutex::new(TickState::default()), Condvar::new()));
        // The thread holds only a weak reference: it ends once every server clone is gone.
        let weak = Arc::downgrade(&state);
        std::thread::Builder::new()
            .name("wirebench-serve-epoch".into())
            .spawn(move || loop {
                let Some(shared) = weak.upgrade() else { return };
                {
                    let (lock, cvar) = &*shared;
                    let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while s.active == 0 && !s.stopped {
                        s.parked = true;
                        s = cvar.wait(s).unwrap_or_else(|e| e.into_inner());
                    }
                    if s.stopped {
                        return;
                    }
                    s.parked = false;
                }
                drop(shared);
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            })
            .map_err(|e| ServeError::host(format!("cannot start the epoch ticker: {e}")))?;
        Ok(Ticker { state })
    }

    fn begin(&self) -> TickGuard {
        let (lock, cvar) = &*self.state;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        s.active += 1;
        if s.parked {
            cvar.notify_all();
        }
        TickGuard {
            state: Arc::clone(&self.state),
        }
    }

    /// Ends the ticker thread (called when the server stops).
    fn stop(&self) {
        let (lock, cvar) = &*self.state;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        s.stopped = true;
        cvar.notify_all();
    }
}

impl ServeEngine {
    /// Ends the ticker thread; requests still running lose their deadline (stop waits for
    /// them only up to the grace period, then drops them).
    pub fn shutdown(&self) {
        self.ticker.stop();
    }
}

impl Drop for TickGuard {
    fn drop(&mut self) {
        let (lock, _) = &*self.state;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        s.active = s.active.saturating_sub(1);
    }
}
