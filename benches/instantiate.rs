//! Getting a sample ready to call, step by step, each step next to its alternatives in the same
//! run: compile cold (cranelift) vs from wasmtime's on-disk cache vs deserializing a serialized
//! component (the floor for any cache); then instantiate through the linker (type-checks
//! imports every time) vs from an `InstancePre` with the on-demand allocator (what the runtime
//! does) vs the pooling allocator; and the runtime's `Session::load` of a component new to
//! the process (warm disk cache) vs one loaded before (in-memory memo), and of the linked demo.
//!
//! Engines are configured like `runtime::engine` (component model, epoch interruption, 1 MiB
//! wasm stack, cranelift speed) so the numbers transfer.

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, OptLevel,
    PoolingAllocationConfig, Store,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wirebench::runtime::{Session, SessionOptions, Target};
use wirebench::workspace::Workspace;

struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/samples/{name}.wasm"));
    std::fs::read(path).expect("sample exists")
}

/// The runtime's engine settings, plus a compile cache or the pooling allocator if asked.
fn engine(cache: Option<&Path>, pooling: bool) -> Engine {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .max_wasm_stack(1 << 20)
        .cranelift_opt_level(OptLevel::Speed)
        .parallel_compilation(true)
        .wasm_memory64(false);
    if let Some(dir) = cache {
        let mut cc = CacheConfig::new();
        cc.with_directory(dir);
        config.cache(Some(Cache::new(cc).expect("cache")));
    }
    if pooling {
        // Sized for a workbench (tens of components), capped like the runtime's memory limit.
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(100)
            .total_core_instances(400)
            .total_memories(200)
            .total_tables(400)
            .max_memory_size(256 << 20);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config).expect("engine")
}

fn store(engine: &Engine) -> Store<Host> {
    let mut store = Store::new(
        engine,
        Host {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    store.set_epoch_deadline(u64::MAX / 2);
    store
}

fn linker(engine: &Engine) -> Linker<Host> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
    linker
}

fn compile(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plain = engine(None, false);
    let cached = engine(Some(&tmp.path().join("cache")), false);
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for name in ["kv-store", "http-gateway"] {
        let bytes = sample(name);
        group.bench_with_input(
            BenchmarkId::new("cold cranelift", name),
            &bytes,
            |b, bytes| b.iter(|| Component::new(&plain, bytes).expect("compiles")),
        );
        // Prime the cache once; every timed iteration is then a hit (read, check, load).
        Component::new(&cached, &bytes).expect("compiles");
        group.bench_with_input(
            BenchmarkId::new("wasmtime cache hit", name),
            &bytes,
            |b, bytes| b.iter(|| Component::new(&cached, bytes).expect("cache hit")),
        );
        let serialized = Component::new(&plain, &bytes)
            .expect("compiles")
            .serialize()
            .expect("serializes");
        group.bench_with_input(
            BenchmarkId::new("deserialize from memory (floor)", name),
            &serialized,
            // SAFETY: the bytes were produced by `serialize` on this engine just above.
            |b, ser| b.iter(|| unsafe { Component::deserialize(&plain, ser) }.expect("loads")),
        );
        let file = tmp.path().join(format!("{name}.cwasm"));
        std::fs::write(&file, &serialized).expect("write cwasm");
        group.bench_with_input(
            BenchmarkId::new("deserialize_file (mmap)", name),
            &file,
            // SAFETY: as above; nothing modifies the file while it is mapped.
            |b, file| {
                b.iter(|| unsafe { Component::deserialize_file(&plain, file) }.expect("loads"))
            },
        );
    }
    group.finish();
}

fn instantiate(c: &mut Criterion) {
    let bytes = sample("kv-store");
    let mut group = c.benchmark_group("instantiate paths kv-store");
    for (label, pooling) in [("on-demand", false), ("pooling", true)] {
        let engine = engine(None, pooling);
        let component = Component::new(&engine, &bytes).expect("compiles");
        let linker = linker(&engine);
        if !pooling {
            group.bench_function("Linker::instantiate (type-checks each time)", |b| {
                b.iter(|| {
                    let mut store = store(&engine);
                    linker
                        .instantiate(&mut store, &component)
                        .expect("instantiates")
                })
            });
        }
        let pre = linker.instantiate_pre(&component).expect("pre");
        group.bench_function(format!("InstancePre, {label} allocator"), |b| {
            b.iter(|| {
                let mut store = store(&engine);
                pre.instantiate(&mut store).expect("instantiates")
            })
        });
    }
    group.finish();
}

/// `bytes` with a custom section appended: same code, another hash (so another cache key).
fn variant(bytes: &[u8], tag: u8) -> Vec<u8> {
    let name = b"wirebench-bench";
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.push(tag);
    let mut out = bytes.to_vec();
    out.push(0);
    out.push(section.len() as u8);
    out.extend_from_slice(&section);
    out
}

fn session_load(c: &mut Criterion) {
    // The runtime's shared engine reads its cache dir from the environment once, on first use:
    // point it at a fresh directory so this bench neither reads nor fills the user's cache.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::env::set_var("WIREBENCH_CACHE_DIR", tmp.path());
    let mut group = c.benchmark_group("session load");
    group.sample_size(20);
    let decode = |name: &str, bytes: Vec<u8>| {
        Arc::new(wirebench::model::Component::from_bytes(name, bytes).expect("decodes"))
    };
    let load = |target: Target| Session::load(target, SessionOptions::default()).expect("loads");

    // The runtime keeps one compiled version per component id in memory, so cycling through
    // versions of one id misses that memo every time and hits the disk cache (primed here).
    let versions: Vec<_> = (0..8)
        .map(|i| decode("kv-store", variant(&sample("kv-store"), i)))
        .collect();
    for v in &versions {
        load(Target::Component(Arc::clone(v)));
    }
    let mut next = 0;
    group.bench_function("kv-store, new to this process: warm disk cache", |b| {
        b.iter(|| {
            next = (next + 1) % versions.len();
            load(Target::Component(Arc::clone(&versions[next])))
        })
    });
    let kv = decode("kv-store", sample("kv-store"));
    load(Target::Component(Arc::clone(&kv)));
    group.bench_function("kv-store, loaded before: compiled-component memo", |b| {
        b.iter(|| load(Target::Component(Arc::clone(&kv))))
    });

    // What the TUI does after every re-wire: the whole demo, linked, again.
    let demo = |tag: Option<u8>| {
        let mut ws = Workspace::new();
        for name in ["kv-store", "data-processor", "http-gateway", "type-zoo"] {
            let bytes = sample(name);
            let bytes = tag.map_or(bytes.clone(), |t| variant(&bytes, t));
            ws.insert_component(name, decode(name, bytes));
        }
        ws.auto_plug();
        ws
    };
    let demos: Vec<Workspace> = (0..4).map(|i| demo(Some(i))).collect();
    for ws in &demos {
        load(Target::Linked(ws.clone()));
    }
    let mut next = 0;
    group.bench_function(
        "demo linked (4 components), new to this process: warm disk cache",
        |b| {
            b.iter(|| {
                next = (next + 1) % demos.len();
                load(Target::Linked(demos[next].clone()))
            })
        },
    );
    let ws = demo(None);
    load(Target::Linked(ws.clone()));
    group.bench_function("demo linked (4 components), loaded before: memo", |b| {
        b.iter(|| load(Target::Linked(ws.clone())))
    });
    group.finish();
}

criterion_group!(benches, compile, instantiate, session_load);
criterion_main!(benches);
