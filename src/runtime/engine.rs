//! The process-wide `wasmtime::Engine` (component model, epoch interruption, stack cap,
//! on-disk compile cache, in-memory memo of compiled components by hash) and the epoch ticker
//! thread that drives call deadlines.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use indexmap::IndexMap;
use wasmtime::{Config, Engine, OptLevel};

use super::error::CallError;
use super::limits::DEFAULT_MAX_STACK;

/// How often the epoch advances while a call runs; deadline and cancel latency are one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Settings fixed when the engine is first created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// Keep compiled code on disk (see [`crate::util::cache::cache_dir`]).
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

/// Most compiled components kept in memory (least recently used dropped first).
const MEMO_CAPACITY: usize = 64;

/// The shared engine plus its ticker and where compiled code is cached.
pub struct RuntimeEngine {
    engine: Engine,
    ticker: Ticker,
    cache_dir: Option<PathBuf>,
    options: EngineOptions,
    /// Compiled components by the sha256 of their bytes, with the id they were compiled for.
    memo: Mutex<IndexMap<String, (String, wasmtime::component::Component)>>,
    /// The WASI linker every session starts from (see `host::base_linker`).
    pub(crate) base_linker: OnceLock<wasmtime::component::Linker<super::host::HostState>>,
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
    let cache_dir = if options.cache && crate::util::cache::enabled() {
        crate::util::cache::cache_dir().and_then(|dir| match enable_cache(&mut config, &dir) {
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
        memo: Mutex::new(IndexMap::new()),
        base_linker: OnceLock::new(),
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

/// Like [`compile`], but bytes with a hash compiled before in this process are not compiled
/// (nor read from the disk cache) again: re-wiring, a mode switch or a reload that leaves a
/// file unchanged reloads every component of the workspace, and a warm disk-cache hit still
/// costs ~1 ms per component (read, decompress, copy into executable memory); a `Component`
/// from the memo is an `Arc` clone. `sha256` must be the hash of `bytes`.
pub(crate) fn compile_memoized(
    rt: &RuntimeEngine,
    id: &str,
    sha256: &str,
    bytes: &[u8],
) -> Result<wasmtime::component::Component, CallError> {
    let lock = || rt.memo.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut memo = lock();
        if let Some((key, entry)) = memo.shift_remove_entry(sha256) {
            // Re-inserted at the back: the map is in least-recently-used order.
            let component = entry.1.clone();
            memo.insert(key, entry);
            return Ok(component);
        }
    }
    // Compiled without the lock held: compiles of different components may overlap.
    let component = compile(rt, id, bytes)?;
    let mut memo = lock();
    // A new version of a component replaces its old one: a hot-reload loop must not keep every
    // version's code alive (the disk cache still has them if a file is reverted).
    memo.retain(|_, (owner, _)| owner != id);
    while memo.len() >= MEMO_CAPACITY {
        memo.shift_remove_index(0);
    }
    memo.insert(sha256.to_string(), (id.to_string(), component.clone()));
    Ok(component)
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

    #[test]
    fn memo_compiles_a_hash_once_and_keeps_one_version_per_id() {
        // An engine of its own: other tests fill the shared engine's memo concurrently.
        let rt = build(EngineOptions {
            cache: false,
            max_stack: DEFAULT_MAX_STACK,
        })
        .unwrap();
        let has = |sha: &str| rt.memo.lock().unwrap().contains_key(sha);
        compile_memoized(&rt, "c", "sha-1", b"(component)").unwrap();
        assert!(has("sha-1"));
        // A known hash is never compiled again, so even bytes that cannot compile are served.
        compile_memoized(&rt, "c", "sha-1", b"not wasm").unwrap();
        compile_memoized(&rt, "other", "sha-x", b"(component)").unwrap();
        // A new version of `c` replaces the old one; `other` stays.
        compile_memoized(&rt, "c", "sha-2", b"(component (core module))").unwrap();
        assert!(!has("sha-1") && has("sha-2") && has("sha-x"));
        // Failures are not remembered.
        assert!(compile_memoized(&rt, "bad", "sha-bad", b"not wasm").is_err());
        assert!(!has("sha-bad"));
        for i in 0..MEMO_CAPACITY + 5 {
            compile_memoized(&rt, &format!("n{i}"), &format!("s{i}"), b"(component)").unwrap();
        }
        assert_eq!(rt.memo.lock().unwrap().len(), MEMO_CAPACITY);
        assert!(!has("s0") && has(&format!("s{}", MEMO_CAPACITY + 4)));
    }
}
