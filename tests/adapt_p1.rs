//! `wirebench adapt`: the lone-wolf WASI preview 1 sample becomes a command component that
//! runs (stdin lines, `GREETING`), reactors get the reactor adapter, and modules the adapter
//! cannot serve are refused with the imports named.

mod serve_util;

use std::process::Command;

use serve_util::{sample, wirebench};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

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

/// Runs a command component's `wasi:cli/run` with stdin and env; returns stdout.
fn run_command(bytes: &[u8], stdin: &str, env: &[(&str, &str)]) -> String {
    let engine = Engine::default();
    let component = Component::new(&engine, bytes).expect("adapted component compiles");
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let stdout = MemoryOutputPipe::new(1 << 20);
    let mut b = WasiCtx::builder();
    b.stdin(MemoryInputPipe::new(stdin.to_string()))
        .stdout(stdout.clone());
    for (k, v) in env {
        b.env(k, v);
    }
    let mut store = Store::new(
        &engine,
        Host {
            wasi: b.build(),
            table: ResourceTable::new(),
        },
    );
    let command =
        wasmtime_wasi::p2::bindings::sync::Command::instantiate(&mut store, &component, &linker)
            .expect("a command component");
    let result = command
        .wasi_cli_run()
        .call_run(&mut store)
        .expect("run returns");
    assert!(result.is_ok(), "run() reported failure");
    drop(store);
    String::from_utf8_lossy(&stdout.contents()).into_owned()
}

#[test]
fn lone_wolf_is_adapted_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lone-wolf.component.wasm");
    let o = Command::new(wirebench())
        .arg("adapt")
        .arg(sample("lone-wolf"))
        .arg("-o")
        .arg(&out)
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["adapter"], "command");
    assert!(summary["exports"][0]
        .as_str()
        .unwrap()
        .starts_with("wasi:cli/run@0.2"));
    let bytes = std::fs::read(&out).unwrap();
    let model = wirebench::model::Component::from_bytes("lw", bytes.clone()).unwrap();
    assert_eq!(model.kind, wirebench::model::Kind::Component);

    let stdout = run_command(&bytes, "neo\ntrinity\n", &[("GREETING", "Hi")]);
    assert!(stdout.contains("Hi, NEO!"), "{stdout}");
    assert!(stdout.contains("Hi, TRINITY!"), "{stdout}");
    assert!(stdout.contains("read 2 line(s)"), "{stdout}");

    // And through wirebench's own runtime: deny by default, env only when granted.
    let call = |extra: &[&str]| {
        let o = Command::new(wirebench())
            .arg("call")
            .arg(&out)
            .args(extra)
            .arg("run()")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(call(&[]).contains("Hello from the lone wolf"));
    assert!(call(&["--env", "GREETING=Howl"]).contains("Howl from the lone wolf"));
}

#[test]
fn reactors_get_the_reactor_adapter() {
    let module = wat::parse_str(
        r#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (memory (export "memory") 1)
            (func (export "tick")))"#,
    )
    .unwrap();
    let a = wirebench::adapt::adapt("tick.wasm", &module, None).unwrap();
    assert_eq!(a.adapter, wirebench::adapt::AdapterKind::Reactor);
    let model = wirebench::model::Component::from_bytes("tick", a.bytes).unwrap();
    assert_eq!(model.kind, wirebench::model::Kind::Component);
    assert!(
        model.exports.is_empty(),
        "a reactor without WIT exports nothing"
    );
}

#[test]
fn modules_the_adapter_cannot_serve_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("needs-env.wasm");
    std::fs::write(
        &input,
        wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
                (import "env" "host_log" (func (param i32)))
                (memory (export "memory") 1)
                (func (export "_start")))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let o = Command::new(wirebench())
        .arg("adapt")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("out.wasm"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("`env::host_log`"), "{stderr}");
    assert!(stderr.contains("cannot provide"), "{stderr}");
    assert!(
        !dir.path().join("out.wasm").exists(),
        "nothing written on failure"
    );

    let o = Command::new(wirebench())
        .arg("adapt")
        .arg(sample("kv-store"))
        .arg("-o")
        .arg(dir.path().join("out.wasm"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("already a component"));
}
