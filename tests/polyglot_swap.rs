//! The Python processor (sample-components/py-processor, built by its build.sh) swapped in for
//! the Rust one while serving: re-plugged in a linked workspace, and as a replaced file in a
//! composed one. Skipped, with the reason printed, when the built component is absent.

mod serve_util;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serve_util::{repo, request, sample};
use wirebench::model::Component;
use wirebench::serve::{ServeEvent, ServeMode, ServeOptions, ServeTarget, Server};
use wirebench::workspace::{Plug, Workspace};

/// `$WIREBENCH_PY_PROCESSOR`, else the build script's default output.
fn py_processor() -> Option<PathBuf> {
    let path = std::env::var_os("WIREBENCH_PY_PROCESSOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/polyglot/py-processor.wasm"));
    if path.is_file() {
        return Some(path);
    }
    println!(
        "skipped: {} is not built — run sample-components/py-processor/build.sh (needs `pip install componentize-py`)",
        path.display()
    );
    None
}

fn options() -> ServeOptions {
    ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        worker_threads: 2,
        trace: true,
        // The interpreter's first instantiation and call take longer in a debug build.
        limits: wirebench::runtime::Limits {
            timeout: Duration::from_secs(30),
            ..Default::default()
        },
        ..ServeOptions::default()
    }
}

fn last_trace_callees(h: &wirebench::serve::ServerHandle) -> Vec<String> {
    let mut last = None;
    while let Ok(ServeEvent::Request(r)) = h.events().recv_timeout(Duration::from_millis(500)) {
        last = Some(r);
    }
    last.and_then(|r| r.trace)
        .map(|t| t.entries.iter().map(|e| e.callee.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn python_processor_replugs_into_the_running_linked_service() {
    let Some(py) = py_processor() else { return };
    let mut ws = Workspace::new();
    for n in ["http-gateway", "data-processor", "kv-store"] {
        ws.add_component(Component::from_file(&sample(n)).unwrap());
    }
    let plug = |consumer: &str, import: &str, provider: &str| Plug {
        consumer: consumer.into(),
        import: import.into(),
        provider: provider.into(),
        export: import.into(),
    };
    const TRANSFORM: &str = "neon:processor/transform@1.0.0";
    const STORE: &str = "neon:kv-store/store@1.0.0";
    ws.plug(plug("http-gateway", TRANSFORM, "data-processor"))
        .unwrap();
    ws.plug(plug("data-processor", STORE, "kv-store")).unwrap();
    let mut h = Server::start(&ServeTarget::Linked(ws.clone()), "svc", options()).unwrap();
    let (status, body) = request(h.addr(), "POST", "/", "hello grid").unwrap();
    assert_eq!((status, body.as_str()), (200, "processed #1: HELLO GRID"));
    assert!(last_trace_callees(&h).contains(&"data-processor".to_string()));

    // Re-plug: the Python component takes over the processor's socket and its kv-store plug.
    ws.add_component(Component::from_file(&py).unwrap());
    ws.plug(plug("http-gateway", TRANSFORM, "py-processor"))
        .unwrap();
    ws.plug(plug("py-processor", STORE, "kv-store")).unwrap();
    ws.remove_component("data-processor");
    h.replace(&ServeTarget::Linked(ws)).unwrap();
    let (status, body) = request(h.addr(), "POST", "/", "hello grid").unwrap();
    assert_eq!((status, body.as_str()), (200, "processed #1: HELLO GRID"));
    let callees = last_trace_callees(&h);
    assert!(callees.contains(&"py-processor".to_string()), "{callees:?}");
    assert!(
        callees.contains(&"kv-store".to_string()),
        "the Python code called the store"
    );
    let (status, body) = request(h.addr(), "GET", "/stats?text=a+b%0Ac%0A", "").unwrap();
    assert_eq!(
        (status, body.as_str()),
        (200, "{\"words\":3,\"chars\":6,\"lines\":2}")
    );
}

#[test]
fn python_processor_replaces_the_file_of_a_composed_service() {
    let Some(py) = py_processor() else { return };
    let dir = tempfile::tempdir().unwrap();
    for n in ["http-gateway", "data-processor", "kv-store"] {
        std::fs::copy(sample(n), dir.path().join(format!("{n}.wasm"))).unwrap();
    }
    let load = || {
        ServeTarget::load(dir.path(), ServeMode::Composed)
            .unwrap()
            .target
    };
    let opts = ServeOptions {
        keep_state: true,
        ..options()
    };
    let mut h = Server::start(&load(), "svc", opts).unwrap();
    assert_eq!(
        request(h.addr(), "POST", "/", "rust").unwrap().1,
        "processed #1: RUST"
    );
    // Same file name, new contents: what a rebuild in another language looks like.
    std::fs::copy(&py, dir.path().join("data-processor.wasm")).unwrap();
    let target = load();
    if let ServeTarget::Component(c) = &target {
        assert!(
            c.size > 1_000_000,
            "the composition now embeds the Python interpreter"
        );
    }
    h.replace(&target).unwrap();
    // A fresh kept instance: the count starts over in the new composition.
    assert_eq!(
        request(h.addr(), "POST", "/", "python").unwrap().1,
        "processed #1: PYTHON"
    );
    assert_eq!(
        request(h.addr(), "POST", "/", "again").unwrap().1,
        "processed #2: AGAIN"
    );
    assert_eq!(request(h.addr(), "GET", "/last", "").unwrap().1, "again");
}
