//! The process-wide `wasmtime::Engine` (component model, epoch interruption, stack cap,
//! on-disk compile cache) and the epoch ticker thread that drives call deadlines.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::{Config, Engine, OptLevel};

use super::error::CallError;
use super::limits::DEFAULT_MAX_STACK;

/// How often the epoch advances while a call runs; deadline and cancel latency are one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Settings fixed when the engine is first created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// Keep compiled code on disk (see [`cache_dir`]).
    pub cache: bool,
    /// Wasm stack cap in bytes.
    pub max_stack: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            cache: true,
            max_stack: DEFAULT_MAX_STACK,
        }
    }
}

/// The shared engine plus its ticker and where compiled code is cached.
pub struct RuntimeEngine {
    engine: Engine,
    ticker: Ticker,
    cache_dir: Option<PathBuf>,
    options: EngineOptions,
}

impl RuntimeEngine {
    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compile cache directory, when caching is on.
    pub fn cache_dir(&self) -> Option<&PathBuf> {
        self.cache_dir.as_ref()
    }

    /// The options the engine was created with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Marks a call as running so the ticker advances the epoch until the guard drops.
    pub(crate) fn ticking(&self) -> TickGuard<'_> {
        self.ticker.begin()
    }
}

static ENGINE: OnceLock<Result<RuntimeEngine, String>> = OnceLock::new();

/// Creates the process engine with `options`, or returns the existing one (first call wins).
pub fn init_engine(options: EngineOptions) -> Result<&'static RuntimeEngine, CallError> {
    ENGINE
        .get_or_init(|| build(options))
        .as_ref()
        .map_err(|message| CallError::Load {
            message: message.clone(),
        })
}

/// The process engine, created with default options if nobody configured it first.
pub fn shared_engine() -> Result<&'static RuntimeEngine, CallError> {
    init_engine(EngineOptions::default())
}

fn build(options: EngineOptions) -> Result<RuntimeEngine, String> {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(options.max_stack)
        .cranelift_opt_level(OptLevel::Speed)
        .parallel_compilation(true)
        // Proposals no sample needs stay off: less attack surface for untrusted guests
        // (threads, GC and component-model async are not even compiled in).
        .wasm_memory64(false);
    let cache_dir = if options.cache && std::env::var_os("WIREBENCH_NO_CACHE").is_none() {
        cache_dir().and_then(|dir| match enable_cache(&mut config, &dir) {
            Ok(()) => Some(dir),
            Err(e) => {
                tracing::warn!("compile cache disabled: {e}");
                None
            }
        })
    } else {
        None
    };
    let engine =
        Engine::new(&config).map_err(|e| format!("failed to create the wasm engine: {e}"))?;
    let ticker = Ticker::start(engine.clone());
    Ok(RuntimeEngine {
        engine,
        ticker,
        cache_dir,
        options,
    })
}

fn enable_cache(config: &mut Config, dir: &std::path::Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut cache_config = wasmtime::CacheConfig::new();
    cache_config.with_directory(dir);
    let cache = wasmtime::Cache::new(cache_config).map_err(|e| e.to_string())?;
    config.cache(Some(cache));
    Ok(())
}

/// `$WIREBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/wirebench`, else `~/.cache/wirebench`.
pub fn cache_dir() -> Option<PathBuf> {
    let absolute = |p: PathBuf| {
        if p.is_absolute() {
            Some(p)
        } else {
            std::env::current_dir().ok().map(|cwd| cwd.join(p))
        }
    };
    if let Some(dir) = std::env::var_os("WIREBENCH_CACHE_DIR").filter(|d| !d.is_empty()) {
        return absolute(PathBuf::from(dir));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return absolute(PathBuf::from(xdg).join("wirebench"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("wirebench"))
}

/// Advances the engine epoch every [`EPOCH_TICK`] while at least one call runs, and sleeps
/// otherwise so an idle workbench costs no CPU.
struct Ticker {
    shared: Arc<TickShared>,
}

struct TickShared {
    /// Calls running now (atomic: starting a warm call must not take a lock).
    active: AtomicUsize,
    /// The ticker thread is parked (or about to be); only then is a wake-up needed.
    parked: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

/// Keeps the ticker running while alive.
pub(crate) struct TickGuard<'a> {
    ticker: &'a Ticker,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let shared = Arc::new(TickShared {
            active: AtomicUsize::new(0),
            parked: AtomicBool::new(false),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        });
        let s = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("wirebench-epoch".into())
            .spawn(move || loop {
                if s.active.load(Ordering::SeqCst) == 0 {
                    let mut guard = s.lock.lock().unwrap_or_else(|e| e.into_inner());
                    s.parked.store(true, Ordering::SeqCst);
                    // Re-check after announcing: a call that started in between either sees
                    // `parked` (and wakes us under the lock) or is seen here.
                    while s.active.load(Ordering::SeqCst) == 0 {
                        guard = s.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
                    }
                    s.parked.store(false, Ordering::SeqCst);
                }
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            });
        if let Err(e) = spawned {
            // Without a ticker deadlines cannot fire; say so loudly rather than hang later.
            tracing::error!("failed to start the epoch ticker: {e}");
        }
        Ticker { shared }
    }

    fn begin(&self) -> TickGuard<'_> {
        let s = &self.shared;
        s.active.fetch_add(1, Ordering::SeqCst);
        if s.parked.load(Ordering::SeqCst) {
            let _guard = s.lock.lock().unwrap_or_else(|e| e.into_inner());
            s.wake.notify_all();
        }
        TickGuard { ticker: self }
    }
}

impl Drop for TickGuard<'_> {
    fn drop(&mut self) {
        self.ticker.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Compiles a component (or loads it from the cache).
pub(crate) fn compile(
    rt: &RuntimeEngine,
    name: &str,
    bytes: &[u8],
) -> Result<wasmtime::component::Component, CallError> {
    wasmtime::component::Component::new(&rt.engine, bytes).map_err(|e| CallError::Compile {
        component: name.to_string(),
        message: super::error::error_line(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_engine_is_one_per_process() {
        let a = shared_engine().unwrap() as *const RuntimeEngine;
        let b = init_engine(EngineOptions {
            cache: false,
            max_stack: 64 * 1024,
        })
        .unwrap() as *const RuntimeEngine;
        assert_eq!(a, b);
    }
}
