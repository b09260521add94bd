//! `wirebench serve` end to end: the plugged sample service over real HTTP (CLI and library),
//! concurrency, fresh vs kept instances, traps and hangs that do not stop the server, a taken
//! port, targets that cannot be served, linked traces and hot replacement.

mod serve_util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serve_util::*;
use wirebench::model::Component;
use wirebench::serve::{
    RequestEvent, ServeError, ServeEvent, ServeMode, ServeOptions, ServeTarget, Server,
    ServerHandle,
};

fn options() -> ServeOptions {
    ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        worker_threads: 2,
        ..ServeOptions::default()
    }
}

fn start(target: &ServeTarget, options: ServeOptions) -> ServerHandle {
    Server::start(target, "svc", options).expect("server starts")
}

fn component_target(path: &std::path::Path) -> ServeTarget {
    ServeTarget::single(Arc::new(Component::from_file(path).expect("decode"))).expect("component")
}

fn requests(h: &ServerHandle, n: usize) -> Vec<RequestEvent> {
    let mut out = Vec::new();
    while out.len() < n {
        match h.events().recv_timeout(Duration::from_secs(30)) {
            Ok(ServeEvent::Request(r)) => out.push(*r),
            Ok(ServeEvent::Stopped(_)) | Err(_) => break,
        }
    }
    out
}

/// The acceptance flow through the binary: plug, serve on a loopback port, curl-like
/// requests, SIGTERM stops it gracefully.
#[test]
fn cli_serves_the_plugged_service_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let svc = plug_service(dir.path());
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = std::process::Command::new(wirebench())
        .args(["serve"])
        .arg(&svc)
        .args(["--addr", &addr.to_string()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn wirebench serve");
    assert!(
        wait_until_up(addr, Duration::from_secs(60)),
        "server never answered"
    );
    let (status, body) = request(addr, "POST", "/", "hello grid").unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "processed #1: HELLO GRID");
    let (status, body) = request(addr, "GET", "/stats?text=hello+neon+grid", "").unwrap();
    assert_eq!(
        (status, body.as_str()),
        (200, "{\"words\":3,\"chars\":15,\"lines\":1}")
    );
    let (status, _) = request(addr, "POST", "/", "").unwrap();
    assert_eq!(
        status, 400,
        "empty input is the processor's error, not a server failure"
    );
    // SIGTERM: graceful shutdown, exit 0, a summary line.
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("serving svc"), "{stderr}");
    assert!(stderr.contains("POST / → 200"), "{stderr}");
    assert!(stderr.contains("stopped: 4 requests, 0 failed"), "{stderr}");
}

#[test]
fn concurrent_requests_each_get_a_fresh_instance() {
    let dir = tempfile::tempdir().unwrap();
    let target = component_target(&plug_service(dir.path()));
    let h = start(&target, options());
    let (results, elapsed) = load(h.addr(), 200, 8, "hello grid");
    assert_eq!(results.len(), 200);
    for r in &results {
        let (status, body) = r.as_ref().expect("request succeeded");
        assert_eq!(*status, 200, "{body}");
        // A fresh kv-store per request: the count never passes 1.
        assert_eq!(body, "processed #1: HELLO GRID");
    }
    let events = requests(&h, 200);
    assert_eq!(events.len(), 200);
    assert!(events
        .iter()
        .all(|e| e.status == 200 && e.instantiate.is_some()));
    let summary = h.stop();
    assert_eq!((summary.requests, summary.failed), (200, 0));
    eprintln!(
        "200 requests over 8 connections in {elapsed:?}; mean instantiation {:?}",
        summary.mean_instantiate()
    );
}

#[test]
fn keep_state_reuses_one_instance() {
    let dir = tempfile::tempdir().unwrap();
    let target = component_target(&plug_service(dir.path()));
    let h = start(
        &target,
        ServeOptions {
            keep_state: true,
            ..options()
        },
    );
    for n in 1..=3 {
        let (status, body) = request(h.addr(), "POST", "/", "neo").unwrap();
        assert_eq!((status, body), (200, format!("processed #{n}: NEO")));
    }
    let (_, last) = request(h.addr(), "GET", "/last", "").unwrap();
    assert_eq!(last, "neo");
    let events = requests(&h, 4);
    assert!(events[0].instantiate.is_some());
    assert!(
        events[1..].iter().all(|e| e.instantiate.is_none()),
        "one instance only"
    );
}

#[test]
fn a_trapping_request_gets_500_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("trap-processor.wasm");
    std::fs::write(&bad, trapping_processor()).unwrap();
    let svc = plug(
        dir.path(),
        "trap.wasm",
        &sample("http-gateway"),
        &[bad, sample("kv-store")],
    );
    let h = start(&component_target(&svc), options());
    for _ in 0..3 {
        let (status, body) = request(h.addr(), "POST", "/", "boom").unwrap();
        assert_eq!(status, 500, "{body}");
        assert!(body.contains("server log"), "{body}");
        // Routes that do not call the processor still work on the next request.
        let (status, _) = request(h.addr(), "GET", "/", "").unwrap();
        assert_eq!(status, 200);
    }
    let events = requests(&h, 6);
    let failed: Vec<_> = events.iter().filter(|e| e.status == 500).collect();
    assert_eq!(failed.len(), 3);
    for e in failed {
        let reason = e.error.as_deref().unwrap_or_default();
        assert!(reason.contains("trapped"), "{reason}");
        assert!(reason.contains("unreachable"), "{reason}");
    }
    assert_eq!(h.stop().failed, 3);
}

#[test]
fn a_hanging_request_times_out_with_504() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("hang-processor.wasm");
    std::fs::write(&bad, hanging_processor()).unwrap();
    let svc = plug(dir.path(), "hang.wasm", &sample("http-gateway"), &[bad]);
    let mut opts = options();
    opts.limits.timeout = Duration::from_millis(300);
    let h = start(&component_target(&svc), opts);
    let t0 = std::time::Instant::now();
    let (status, body) = request(h.addr(), "POST", "/", "wait forever").unwrap();
    let waited = t0.elapsed();
    assert_eq!(status, 504, "{body}");
    assert!(waited < Duration::from_secs(5), "took {waited:?}");
    let (status, _) = request(h.addr(), "GET", "/", "").unwrap();
    assert_eq!(status, 200, "still serving after a timeout");
    let e = &requests(&h, 1)[0];
    assert_eq!(e.status, 504);
    assert!(
        e.error
            .as_deref()
            .unwrap_or_default()
            .contains("timed out after 300ms"),
        "{e:?}"
    );
}

#[test]
fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let svc = plug_service(dir.path());
    let err = Server::start(
        &component_target(&svc),
        "svc",
        ServeOptions { addr, ..options() },
    )
    .err()
    .expect("must fail");
    assert!(matches!(err, ServeError::AddrInUse { .. }), "{err}");
    assert!(err.to_string().contains("already in use"), "{err}");
    let out = std::process::Command::new(wirebench())
        .arg("serve")
        .arg(&svc)
        .args(["--addr", &addr.to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("address {addr} is already in use")),
        "{stderr}"
    );
}

#[test]
fn targets_that_cannot_serve_say_why() {
    let err = ServeTarget::load(&sample("lone-wolf"), ServeMode::Composed).unwrap_err();
    assert!(
        err.to_string().contains("wirebench adapt lone-wolf.wasm"),
        "{err}"
    );
    let kv = ServeTarget::load(&sample("kv-store"), ServeMode::Composed).unwrap();
    let err = Server::start(&kv.target, "kv-store", options())
        .err()
        .unwrap();
    assert!(matches!(err, ServeError::NotHttp { .. }), "{err}");
    let gw = ServeTarget::load(&sample("http-gateway"), ServeMode::Composed).unwrap();
    let err = Server::start(&gw.target, "http-gateway", options())
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("imports `neon:processor/transform@1.0.0`, which nothing provides"),
        "{err}"
    );
}

fn workspace_dir(dir: &std::path::Path, names: &[&str]) -> std::path::PathBuf {
    let ws = dir.join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    for n in names {
        std::fs::copy(sample(n), ws.join(format!("{n}.wasm"))).unwrap();
    }
    ws
}

#[test]
fn linked_mode_traces_gateway_processor_kv_store() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace_dir(dir.path(), &["http-gateway", "data-processor", "kv-store"]);
    let loaded = ServeTarget::load(&ws, ServeMode::Linked).unwrap();
    let h = start(
        &loaded.target,
        ServeOptions {
            trace: true,
            ..options()
        },
    );
    let (status, body) = request(h.addr(), "POST", "/", "hello grid").unwrap();
    assert_eq!((status, body.as_str()), (200, "processed #1: HELLO GRID"));
    let e = &requests(&h, 1)[0];
    let trace = e.trace.as_ref().expect("linked mode records a trace");
    let edges = trace.edges();
    assert_eq!(
        edges,
        vec![
            ("http-gateway".to_string(), "data-processor".to_string()),
            ("data-processor".to_string(), "kv-store".to_string()),
        ]
    );
    let root = &trace.entries[0];
    assert_eq!(
        (root.callee.as_str(), root.function.as_str()),
        ("http-gateway", "handle")
    );
    assert_eq!(root.args, "POST /");
    assert!(trace
        .entries
        .iter()
        .any(|t| t.function == "process" && t.args == "\"hello grid\""));
    assert!(trace.entries.iter().all(|t| t.ok));
}

#[test]
fn replace_swaps_the_target_without_closing_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let good = component_target(&plug_service(dir.path()));
    let bad = dir.path().join("trap-processor.wasm");
    std::fs::write(&bad, trapping_processor()).unwrap();
    let trap = plug(
        dir.path(),
        "trap.wasm",
        &sample("http-gateway"),
        &[bad, sample("kv-store")],
    );
    let mut h = start(&good, options());
    assert_eq!(request(h.addr(), "POST", "/", "a").unwrap().0, 200);
    h.replace(&component_target(&trap)).unwrap();
    assert_eq!(request(h.addr(), "POST", "/", "a").unwrap().0, 500);
    h.replace(&good).unwrap();
    assert_eq!(request(h.addr(), "POST", "/", "a").unwrap().0, 200);
    // A target that cannot be served leaves the running one in place.
    let kv = component_target(&sample("kv-store"));
    assert!(h.replace(&kv).is_err());
    assert_eq!(request(h.addr(), "POST", "/", "a").unwrap().0, 200);
}

#[test]
fn on_demand_allocation_serves_too() {
    let dir = tempfile::tempdir().unwrap();
    let target = component_target(&plug_service(dir.path()));
    let h = start(
        &target,
        ServeOptions {
            pooling: false,
            ..options()
        },
    );
    assert!(!h.info().pooling);
    let (results, _) = load(h.addr(), 20, 4, "x");
    assert!(results.iter().all(|r| matches!(r, Ok((200, _)))));
}

#[test]
fn cli_json_lines_document_each_request() {
    let dir = tempfile::tempdir().unwrap();
    let svc = plug_service(dir.path());
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = std::process::Command::new(wirebench())
        .arg("serve")
        .arg(&svc)
        .args(["--addr", &addr.to_string(), "--json", "--keep-state"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_until_up(addr, Duration::from_secs(60)));
    assert_eq!(
        request(addr, "POST", "/", "a").unwrap().1,
        "processed #1: A"
    );
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines[0]["event"], "listening");
    assert_eq!(lines[0]["addr"], addr.to_string());
    assert_eq!(lines[0]["keep_state"], true);
    let post = lines.iter().find(|l| l["method"] == "POST").unwrap();
    assert_eq!(
        (post["event"].as_str(), post["status"].as_u64()),
        (Some("request"), Some(200))
    );
    assert!(post["duration_us"].is_u64());
    let last = lines.last().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["requests"].as_u64()),
        (Some("stopped"), Some(2))
    );
}

#[test]
fn workspaces_fall_back_to_composed_when_resources_cross_a_plug() {
    let dep =
        |f: &str| std::fs::read_to_string(repo().join("wit/http-gateway/deps").join(f)).unwrap();
    let res = "package t:res; interface api { resource counter { constructor(); get: func() -> u32; } } world provider { export api; }";
    let deps: Vec<String> = [
        "io.wit",
        "clocks.wit",
        "random.wit",
        "filesystem.wit",
        "sockets.wit",
        "cli.wit",
        "http.wit",
    ]
    .iter()
    .map(|f| dep(f))
    .chain([res.to_string()])
    .collect();
    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
    let synth = |wit: &str, deps: &[&str]| {
        wirebench::model::synth::component_from_wit(wit, deps, None).expect("synthesize")
    };
    let front = synth(
        "package t:front; world front { import t:res/api; export wasi:http/incoming-handler@0.2.12; }",
        &deps,
    );
    let provider = synth(res, &[]);
    let mut ws = wirebench::workspace::Workspace::new();
    ws.insert_component("front", Component::from_bytes("front", front).unwrap());
    ws.insert_component(
        "counter",
        Component::from_bytes("counter", provider).unwrap(),
    );
    ws.plug(wirebench::workspace::Plug {
        consumer: "front".into(),
        import: "t:res/api".into(),
        provider: "counter".into(),
        export: "t:res/api".into(),
    })
    .unwrap();
    let err = Server::start(&ServeTarget::Linked(ws.clone()), "res", options())
        .err()
        .unwrap();
    assert!(matches!(err, ServeError::LinkUnsupported { .. }), "{err}");
    let (h, note) = Server::start_workspace(&ws, "res", options()).unwrap();
    assert_eq!(h.info().mode, ServeMode::Composed);
    assert!(note.unwrap().contains("cannot forward resources"));
}
