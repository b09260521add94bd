//! Helpers shared by the composition tests: synthesized components, fixtures, a tiny runtime.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{ManglingAndAbi, Resolve};

/// A real component with the imports and exports of `world` in `wit` (bodies trap).
pub fn component(wit: &str, world: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    let pkg = resolve.push_str("test.wit", wit).expect("test WIT parses");
    let world = resolve
        .select_world(&[pkg], Some(world))
        .expect("world exists");
    let mut module = wit_component::dummy_module(&resolve, world, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .expect("metadata embeds");
    ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("component encodes")
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write fixture");
    p
}

/// Synthesizes a component and writes it as `dir/<name>.wasm`.
pub fn wasm(dir: &Path, name: &str, wit: &str, world: &str) -> PathBuf {
    write(dir, &format!("{name}.wasm"), &component(wit, world))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The chain guests (app → scene → geometry), built by tests/graphs/guests/build.sh.
pub fn chain(name: &str) -> PathBuf {
    repo()
        .join("tests/graphs/chain")
        .join(format!("{name}.wasm"))
}

/// A bundled sample, or `None` (with a note) when the samples are not built yet.
pub fn sample(name: &str) -> Option<PathBuf> {
    let p = repo().join("assets/samples").join(format!("{name}.wasm"));
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipping: {} not built yet", p.display());
        None
    }
}

/// The `wac` CLI, when installed (`cargo install wac-cli`); prints why a test skips otherwise.
pub fn wac() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("wac"))
            .find(|p| p.is_file())
    });
    let cargo_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin/wac"));
    let found = on_path.or(cargo_bin.filter(|p| p.is_file()));
    if found.is_none() {
        eprintln!("skipping: the `wac` CLI is not installed (cargo install --locked wac-cli)");
    }
    found
}

/// Runs the `wac` CLI and returns its stderr on failure.
pub fn run_wac(wac: &Path, args: &[&dyn AsRef<std::ffi::OsStr>], cwd: &Path) -> Result<(), String> {
    let out = std::process::Command::new(wac)
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(cwd)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

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

/// Instantiates a composed component with WASI (p2, sync) and calls
/// `<iface>.<func>(input) -> result<string, string>`.
pub fn call_string_fn(
    bytes: &[u8],
    iface: &str,
    func: &str,
    input: &str,
) -> Result<String, String> {
    let engine = Engine::default();
    let component = Component::new(&engine, bytes).expect("composed component compiles");
    let mut linker: Linker<Host> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("wasi links");
    let mut store = Store::new(
        &engine,
        Host {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
        },
    );
    let instance = linker
        .instantiate(&mut store, &component)
        .expect("composed component instantiates");
    let iface_idx = instance
        .get_export_index(&mut store, None, iface)
        .unwrap_or_else(|| panic!("export `{iface}`"));
    let func_idx = instance
        .get_export_index(&mut store, Some(&iface_idx), func)
        .unwrap_or_else(|| panic!("function `{func}`"));
    let f = instance
        .get_typed_func::<(&str,), (Result<String, String>,)>(&mut store, func_idx)
        .expect("typed function");
    let (result,) = f.call(&mut store, (input,)).expect("call succeeds");
    result
}

/// Names of a component's imports and exports, via wirebench's own decoder.
pub fn ports(bytes: &[u8]) -> (Vec<String>, Vec<String>) {
    let c = wirebench::model::Component::from_bytes("x", bytes).expect("decodes");
    (
        c.imports.iter().map(|i| i.name().to_string()).collect(),
        c.exports.iter().map(|i| i.name().to_string()).collect(),
    )
}
