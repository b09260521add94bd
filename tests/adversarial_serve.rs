//! The adversarial suite through `serve` (hostile.wasm's `wasi:http/incoming-handler`):
//! every HTTP hazard of `adversarial_util/hazards.txt` several times in a row, each followed
//! by a normal request — checked for the right status, a bounded time, a server that keeps
//! serving, a logged reason, bounded memory, and (with `--keep-state`) a re-created instance.
//! The CLI's `serve` is checked to stop cleanly on SIGTERM after the hazards.

mod adversarial_util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use adversarial_util::*;
use wirebench::model::Component;
use wirebench::runtime::Limits;
use wirebench::serve::{RequestEvent, ServeEvent, ServeOptions, ServeTarget, Server, ServerHandle};

const REPEAT: usize = 3;

fn limits() -> Limits {
    Limits {
        timeout: Duration::from_millis(TIMEOUT_MS),
        max_memory: MAX_MEMORY_MIB << 20,
        max_output: (MAX_OUTPUT_KIB as usize) << 10,
        ..Limits::default()
    }
}

fn start(keep_state: bool) -> ServerHandle {
    let c = Component::from_file(&hostile_wasm()).expect("hostile.wasm decodes");
    let target = ServeTarget::single(Arc::new(c)).expect("hostile.wasm is an HTTP handler");
    let options = ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        limits: limits(),
        keep_state,
        worker_threads: 2,
        max_concurrency: 8,
        ..ServeOptions::default()
    };
    Server::start(&target, "hostile", options).expect("server starts")
}

/// The next request event (the server sends one per request).
fn next_event(h: &ServerHandle) -> RequestEvent {
    match h.events().recv_timeout(Duration::from_secs(30)) {
        Ok(ServeEvent::Request(r)) => *r,
        other => panic!("expected a request event, got {other:?}"),
    }
}

fn check_alive(h: &ServerHandle, after: &str) {
    let r = http(
        h.addr(),
        "GET",
        "/divide?a=7&b=2",
        0,
        Duration::from_secs(10),
    )
    .unwrap_or_else(|| panic!("no answer after {after}"));
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, &b"3"[..]),
        "after {after}"
    );
    next_event(h);
}

#[test]
fn every_http_hazard_in_a_row_through_serve() {
    let h = start(false);
    let pid = std::process::id();
    let baseline = current_rss(pid).unwrap_or(0);
    let can_reset = reset_peak_rss();
    let mut peak_growth = 0;
    for hz in http_hazards() {
        let req = hz.http.clone().unwrap();
        let expect = hz.expect_http.clone().unwrap();
        for round in 0..REPEAT {
            let what = format!("{} #{round}", hz.id);
            let t = Instant::now();
            let reply = http(
                h.addr(),
                &req.method,
                &req.path,
                req.body,
                Duration::from_secs(30),
            )
            .unwrap_or_else(|| panic!("{what}: no response"));
            let took = t.elapsed();
            assert!(
                expect.accepts(reply.status, &reply.body),
                "{what}: expected {expect:?}, got {} {:?}",
                reply.status,
                String::from_utf8_lossy(&reply.body[..reply.body.len().min(200)])
            );
            assert!(took < time_bound(&hz), "{what}: took {took:?}");
            let ev = next_event(&h);
            assert_eq!(ev.status, reply.status, "{what}: logged status");
            if reply.status >= 500 || hz.id == "stalled-body" {
                let reason = ev.error.clone().unwrap_or_default();
                assert!(!reason.is_empty(), "{what}: no reason logged");
                assert!(
                    !reason.contains('\u{1b}'),
                    "{what}: raw escape in the reason"
                );
            }
            if hz.id == "stalled-body" {
                assert!(
                    reply.cut || !reply.body.ends_with(b"done\n"),
                    "{what}: body was not cut"
                );
            }
            for out in [&ev.stdout, &ev.stderr] {
                assert!(
                    out.chars().count() <= (MAX_OUTPUT_KIB as usize) << 10,
                    "{what}: output cap"
                );
            }
            check_alive(&h, &what);
            if can_reset {
                peak_growth = peak_growth.max(peak_rss(pid).unwrap_or(0).saturating_sub(baseline));
                reset_peak_rss();
            }
        }
    }
    let summary = h.stop();
    assert!(summary.failed > 0 && summary.requests > 0);
    eprintln!("peak RSS growth over the baseline: {}", mib(peak_growth));
    assert!(
        peak_growth < 600 << 20,
        "peak RSS grew by {}",
        mib(peak_growth)
    );
}

#[test]
fn a_kept_instance_is_recreated_after_each_failure() {
    let h = start(true);
    for path in [
        "/spin",
        "/panic?msg=x",
        "/grow-memory?mib=1000",
        "/recurse?depth=100000000",
    ] {
        for round in 0..REPEAT {
            let r = http(h.addr(), "GET", path, 0, Duration::from_secs(30)).expect("response");
            assert!(r.status >= 500, "{path} #{round}: {}", r.status);
            let ev = next_event(&h);
            assert!(ev.state_reset, "{path} #{round}: kept instance not dropped");
            check_alive(&h, path);
        }
    }
    // State kept between good requests, as --keep-state promises.
    for expect in ["8", "16"] {
        let r = http(
            h.addr(),
            "GET",
            "/grow-memory?mib=8",
            0,
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(r.body, expect.as_bytes());
        next_event(&h);
    }
    h.stop();
}

#[test]
fn the_serve_command_survives_hazards_and_stops_on_sigterm() {
    let cache = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .arg("serve")
        .arg(hostile_wasm())
        .args([
            "--addr",
            &addr.to_string(),
            "--timeout",
            "300ms",
            "--max-memory",
            "32MiB",
        ])
        .env("WIREBENCH_CACHE_DIR", cache.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn wirebench serve");
    let up = Instant::now();
    while http(addr, "GET", "/now", 0, Duration::from_secs(2)).is_none() {
        assert!(
            up.elapsed() < Duration::from_secs(60),
            "server never answered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    for path in [
        "/spin",
        "/flood?mib=2",
        "/panic?msg=%1b%5d0%3bpwned%07",
        "/no-response",
    ] {
        let r = http(addr, "GET", path, 0, Duration::from_secs(30)).expect("response");
        assert!(r.status == 200 || r.status >= 500, "{path}: {}", r.status);
    }
    let r = http(addr, "GET", "/divide?a=7&b=2", 0, Duration::from_secs(10)).unwrap();
    assert_eq!(r.body, b"3");
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.is_ok_and(|s| s.success()));
    let t = Instant::now();
    let out = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(out.success(), "{out:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(!log.contains('\u{1b}'), "raw escape in the server log");
    assert!(!log.contains('\u{9b}') && !log.contains('\u{202e}'));
    assert!(log.contains("timed out"), "{log}");
}
