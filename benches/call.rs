//! Criterion benches for the runtime's call path, each against a baseline in the same run:
//! a warm kv-store `get` through the full path (parse WAVE → resolve → check → call → format)
//! versus a typed wasmtime call of the same export (and, for reference, wasmtime's dynamic
//! `Func::call` that the full path uses), and instantiation from an `InstancePre` (raw, and a
//! full session reset: new store, WASI context, instances).

use std::path::Path;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use wasmtime::component::{Component, Linker, ResourceTable, TypedFunc, Val};
use wasmtime::Store;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wirebench::runtime::{shared_engine, Session, SessionOptions, Target};

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

fn kv_store_bytes() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/kv-store.wasm");
    std::fs::read(path).expect("assets/samples/kv-store.wasm")
}

fn new_store(engine: &wasmtime::Engine) -> Store<Host> {
    let mut store = Store::new(
        engine,
        Host {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    // Same engine as the runtime, so epoch interruption is on: give the baseline a far deadline.
    store.set_epoch_deadline(u64::MAX / 2);
    store
}

type GetFn = TypedFunc<(String,), (Result<Option<String>, String>,)>;

fn calls(c: &mut Criterion) {
    let engine = shared_engine().expect("engine").engine().clone();
    let bytes = kv_store_bytes();
    let component = Component::new(&engine, &bytes).expect("compile kv-store");
    let mut linker: Linker<Host> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi");
    let pre = linker.instantiate_pre(&component).expect("pre");

    let mut store = new_store(&engine);
    let instance = pre.instantiate(&mut store).expect("instantiate");
    let iface = component
        .get_export_index(None, "neon:kv-store/store@1.0.0")
        .expect("iface");
    let get_idx = component
        .get_export_index(Some(&iface), "get")
        .expect("get");
    let get: GetFn = instance
        .get_typed_func(&mut store, get_idx)
        .expect("typed get");

    let model = wirebench::model::Component::from_bytes("kv-store", bytes).expect("decode");
    let mut session = Session::load(
        Target::Component(Arc::new(model)),
        SessionOptions::default(),
    )
    .expect("session");
    assert_eq!(
        session.call(r#"set("user", "neo")"#).result.as_deref(),
        Ok("ok")
    );
    assert_eq!(
        session.call(r#"get("user")"#).result.as_deref(),
        Ok(r#"ok(some("neo"))"#)
    );

    let mut group = c.benchmark_group("warm get");
    group.bench_function("typed wasmtime call (baseline)", |b| {
        b.iter(|| {
            let (r,) = get.call(&mut store, ("user".to_string(),)).expect("call");
            std::hint::black_box(r)
        })
    });
    let dynamic = instance.get_func(&mut store, get_idx).expect("func");
    group.bench_function("dynamic Func::call with Vals (reference)", |b| {
        b.iter(|| {
            let args = [Val::String("user".into())];
            let mut results = [Val::Bool(false)];
            dynamic.call(&mut store, &args, &mut results).expect("call");
            std::hint::black_box(results)
        })
    });
    group.bench_function("full path: parse WAVE, call, format", |b| {
        b.iter(|| {
            let out = session.call(r#"get("user")"#);
            std::hint::black_box(out.result.is_ok())
        })
    });
    group.finish();

    let mut group = c.benchmark_group("instantiate kv-store");
    group.bench_function("InstancePre::instantiate, fresh store (baseline)", |b| {
        b.iter(|| {
            let mut store = new_store(&engine);
            std::hint::black_box(pre.instantiate(&mut store).expect("instantiate"));
        })
    });
    group.bench_function("Session::reset: store, WASI, instances", |b| {
        b.iter(|| session.reset().expect("reset"))
    });
    group.finish();
}

criterion_group!(benches, calls);
criterion_main!(benches);
