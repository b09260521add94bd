//! Serve throughput and per-request instantiation: the plugged sample service (gateway →
//! processor → kv-store) under `wirebench serve` with the pooling allocator, with on-demand
//! allocation, and with one kept instance; and the same component under `wasmtime serve` in
//! the same run when a `wasmtime` binary is on PATH (it reports no instantiation time).
//!
//! `cargo bench --bench serve` runs 2000 POSTs over 8 keep-alive connections per scenario;
//! without `--bench` (as `cargo test --all-targets` runs it) it is a 40-request smoke run.
//! Set `SERVE_BENCH_REQUESTS` to change the count.

#[path = "../tests/serve_util/mod.rs"]
mod serve_util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serve_util::{free_port, load, plug_service, wait_until_up};
use wirebench::model::Component;
use wirebench::serve::{ServeEvent, ServeOptions, ServeTarget, Server};

const CONNECTIONS: usize = 8;

struct Row {
    name: String,
    requests: usize,
    ok: usize,
    per_sec: f64,
    instantiate: Option<(f64, f64, f64)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run_wirebench(name: &str, target: &ServeTarget, options: ServeOptions, n: usize) -> Row {
    let h = Server::start(target, "svc", options).expect("server starts");
    // Warm-up: first instantiations fault in pool slots and code pages.
    let _ = load(h.addr(), 50, CONNECTIONS, "warm up");
    while h.events().try_recv().is_ok() {}
    let (results, elapsed) = load(h.addr(), n, CONNECTIONS, "hello grid");
    let ok = results.iter().filter(|r| matches!(r, Ok((200, _)))).count();
    let mut inst: Vec<f64> = Vec::new();
    let mut seen = 0;
    while seen < n {
        match h.events().recv_timeout(Duration::from_secs(10)) {
            Ok(ServeEvent::Request(r)) => {
                seen += 1;
                if let Some(d) = r.instantiate {
                    inst.push(d.as_secs_f64() * 1e6);
                }
            }
            _ => break,
        }
    }
    h.stop();
    inst.sort_by(f64::total_cmp);
    let instantiate = (!inst.is_empty()).then(|| {
        let mean = inst.iter().sum::<f64>() / inst.len() as f64;
        (mean, percentile(&inst, 0.5), percentile(&inst, 0.99))
    });
    Row {
        name: name.into(),
        requests: n,
        ok,
        per_sec: n as f64 / elapsed.as_secs_f64(),
        instantiate,
    }
}

fn run_wasmtime_serve(svc: &std::path::Path, n: usize) -> Option<Row> {
    let version = std::process::Command::new("wasmtime")
        .arg("--version")
        .output()
        .ok()?;
    let port = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().ok()?;
    let mut child = std::process::Command::new("wasmtime")
        .args(["serve", "-Scli", "--addr", &addr.to_string()])
        .arg(svc)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let row = if wait_until_up(addr, Duration::from_secs(60)) {
        let _ = load(addr, 50, CONNECTIONS, "warm up");
        let (results, elapsed) = load(addr, n, CONNECTIONS, "hello grid");
        Some(Row {
            name: format!(
                "wasmtime serve ({})",
                String::from_utf8_lossy(&version.stdout).trim()
            ),
            requests: n,
            ok: results.iter().filter(|r| matches!(r, Ok((200, _)))).count(),
            per_sec: n as f64 / elapsed.as_secs_f64(),
            instantiate: None,
        })
    } else {
        eprintln!("wasmtime serve did not answer on {addr}; skipped");
        None
    };
    let _ = child.kill();
    let _ = child.wait();
    row
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = std::env::var("SERVE_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 2000 } else { 40 });
    let dir = tempfile::tempdir().expect("temp dir");
    let svc = plug_service(dir.path());
    let target = ServeTarget::single(Arc::new(Component::from_file(&svc).expect("decode")))
        .expect("a component");
    let base = ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..ServeOptions::default()
    };
    let mut rows = vec![
        run_wirebench("wirebench serve, pooling", &target, base.clone(), n),
        run_wirebench(
            "wirebench serve, on-demand",
            &target,
            ServeOptions {
                pooling: false,
                ..base.clone()
            },
            n,
        ),
        run_wirebench(
            "wirebench serve --keep-state",
            &target,
            ServeOptions {
                keep_state: true,
                ..base.clone()
            },
            n,
        ),
    ];
    match run_wasmtime_serve(&svc, n) {
        Some(r) => rows.push(r),
        None => println!(
            "(no `wasmtime` on PATH: `cargo install --locked wasmtime-cli@48.0.8` to compare)"
        ),
    }
    println!(
        "\n{:<44} {:>8} {:>6} {:>10} {:>30}",
        "server", "requests", "ok", "req/s", "instantiate µs mean/p50/p99"
    );
    for r in &rows {
        let inst = r
            .instantiate
            .map(|(m, p50, p99)| format!("{m:.0}/{p50:.0}/{p99:.0}"))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<44} {:>8} {:>6} {:>10.0} {:>30}",
            r.name, r.requests, r.ok, r.per_sec, inst
        );
    }
    assert!(
        rows.iter().all(|r| r.ok == r.requests),
        "every request must succeed"
    );
}
