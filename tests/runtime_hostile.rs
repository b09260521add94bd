//! Hostile guests (assets/samples/hostile.wasm) through the public API: each misbehaviour is
//! stopped or denied within its limit with its own error, many times over, and the next call
//! works.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wirebench::model::Component;
use wirebench::runtime::{
    CallError, DirGrant, EnvGrant, Grants, Limits, Session, SessionOptions, Target,
};

const REPEAT: usize = 20;

fn hostile(grants: Grants, limits: Limits) -> Session {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/hostile.wasm");
    let c = Component::from_file(&path).expect("hostile.wasm decodes");
    let opts = SessionOptions {
        grants,
        limits,
        ..SessionOptions::default()
    };
    Session::load(Target::Component(Arc::new(c)), opts).expect("hostile.wasm loads")
}

fn tight() -> Limits {
    Limits {
        timeout: Duration::from_millis(100),
        max_memory: 64 << 20,
        max_output: 64 << 10,
        ..Limits::default()
    }
}

fn ok(s: &mut Session, text: &str) -> String {
    s.call(text)
        .result
        .unwrap_or_else(|e| panic!("`{text}` failed: {e}"))
}

/// Runs `text` REPEAT times, checks each failure with `check`, and that the guest works after.
fn repeatedly(s: &mut Session, text: &str, max_each: Duration, check: impl Fn(&CallError) -> bool) {
    for i in 0..REPEAT {
        let started = Instant::now();
        let out = s.call(text);
        let took = started.elapsed();
        match &out.result {
            Err(e) => assert!(check(e), "`{text}` #{i}: unexpected error: {e}"),
            Ok(v) => panic!("`{text}` #{i} succeeded with {v}"),
        }
        assert!(out.state_reset, "`{text}` #{i} should reset the instance");
        assert!(took < max_each, "`{text}` #{i} took {took:?}");
        assert_eq!(ok(s, "divide(7, 2)"), "3", "after `{text}` #{i}");
    }
}

#[test]
fn infinite_loops_time_out() {
    let mut s = hostile(Grants::default(), tight());
    repeatedly(
        &mut s,
        "spin()",
        Duration::from_secs(2),
        |e| matches!(e, CallError::Timeout { limit, .. } if *limit == Duration::from_millis(100)),
    );
    let out = s.call("sleep-ms(60000)");
    assert!(
        matches!(out.result, Err(CallError::Timeout { .. })),
        "{:?}",
        out.result
    );
}

#[test]
fn a_blocking_host_call_is_stopped_when_it_returns() {
    // Known limit: a guest blocked inside one host call cannot be interrupted until it returns.
    let mut s = hostile(Grants::default(), tight());
    let started = Instant::now();
    let out = s.call("block-ms(300)");
    assert!(
        matches!(out.result, Err(CallError::Timeout { .. })),
        "{:?}",
        out.result
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    let mut s = hostile(Grants::default(), tight());
    repeatedly(
        &mut s,
        "recurse(100000000)",
        Duration::from_secs(2),
        |e| matches!(e, CallError::StackOverflow { frames, .. } if frames.iter().any(|f| f.contains("descend"))),
    );
    assert_eq!(ok(&mut s, "recurse(1000)"), "1000");
}

#[cfg(target_os = "linux")]
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[test]
fn memory_bombs_hit_the_cap_and_memory_stays_bounded() {
    let mut s = hostile(Grants::default(), tight());
    let _ = s.call("grow-memory(1000)");
    #[cfg(target_os = "linux")]
    let before = resident_bytes();
    repeatedly(&mut s, "grow-memory(1000)", Duration::from_secs(3), |e| {
        matches!(e, CallError::OutOfMemory { limit, .. } if *limit == 64 << 20)
            && e.to_string().contains("--max-memory")
    });
    #[cfg(target_os = "linux")]
    {
        let growth = resident_bytes().saturating_sub(before);
        assert!(growth < 100 << 20, "resident memory grew by {growth} bytes");
    }
    // Below the cap, memory is kept between calls as the guest expects.
    assert_eq!(ok(&mut s, "grow-memory(8)"), "8");
    assert_eq!(ok(&mut s, "grow-memory(8)"), "16");
    let e = s.call("big-string(128)").result.unwrap_err();
    assert!(matches!(e, CallError::OutOfMemory { .. }), "{e}");
}

#[test]
fn a_result_past_what_a_guest_may_pass_the_host_is_named() {
    let limits = Limits {
        timeout: Duration::from_secs(20),
        max_memory: 512 << 20,
        ..tight()
    };
    let mut s = hostile(Grants::default(), limits);
    // Fits the guest's memory, not the 128 MiB the host may allocate for one call's data.
    let e = s.call("big-string(130)").result.unwrap_err();
    assert!(
        matches!(e, CallError::TooMuchData { limit, .. } if limit == 128 << 20),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "big-string: what the guest passed the host in one call would take more than 128 MiB \
         of host memory — the guest was stopped; have it return or write less at a time"
    );
    assert!(
        ok(&mut s, "big-string(1)").len() > 1 << 20,
        "a fresh instance answers"
    );
}

#[test]
fn panics_and_traps_carry_the_guest_message() {
    let mut s = hostile(Grants::default(), tight());
    repeatedly(
        &mut s,
        r#"panic("reactor meltdown")"#,
        Duration::from_secs(2),
        |e| matches!(e, CallError::GuestPanic { message, .. } if message.contains("reactor meltdown")),
    );
    let e = s.call("trap-unreachable()").result.unwrap_err();
    assert!(
        matches!(&e, CallError::Trap { message, .. } if message.contains("unreachable")),
        "{e}"
    );
    let e = s.call("divide(1, 0)").result.unwrap_err();
    assert!(e.to_string().contains("integer divide by zero"), "{e}");
    let e = s.call("divide(-2147483648, -1)").result.unwrap_err();
    assert!(e.to_string().contains("integer overflow"), "{e}");
}

#[test]
fn output_floods_are_capped_not_fatal() {
    // Writing megabytes through WASI takes a while in a debug build: give it time.
    let limits = Limits {
        timeout: Duration::from_secs(10),
        ..tight()
    };
    let mut s = hostile(Grants::default(), limits);
    for _ in 0..REPEAT / 2 {
        let out = s.call("flood(2)");
        assert_eq!(out.result.as_deref(), Ok("()"));
        assert!(out.stdout_truncated);
        assert!(
            out.stdout.len() <= (64 << 10) + 1024,
            "{}",
            out.stdout.len()
        );
        assert!(!out.state_reset);
    }
    let out = s.call("divide(9, 3)");
    assert!(
        out.stdout.is_empty() && !out.stdout_truncated,
        "output is per call"
    );
}

#[test]
fn files_env_and_network_are_denied_unless_granted() {
    let mut s = hostile(Grants::default(), tight());
    assert!(ok(&mut s, r#"read-file("/etc/passwd")"#).starts_with("err("));
    assert!(ok(&mut s, r#"read-file("secret.txt")"#).starts_with("err("));
    assert_eq!(ok(&mut s, r#"env-var("HOME")"#), "none");
    assert_eq!(ok(&mut s, r#"env-var("PATH")"#), "none");
    assert_eq!(ok(&mut s, "list-env()"), "[]");
    assert!(ok(&mut s, r#"connect("127.0.0.1:9")"#).starts_with("err("));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("note.txt"), "granted").unwrap();
    let grants = Grants {
        dirs: vec![DirGrant {
            host: dir.path().to_path_buf(),
            guest: "/data".into(),
            writable: false,
        }],
        env: vec![EnvGrant::parse("GREETING=hi").unwrap()],
        allow_net: true,
    };
    let mut s = hostile(grants, tight());
    assert_eq!(
        ok(&mut s, r#"read-file("/data/note.txt")"#),
        r#"ok("granted")"#
    );
    assert!(ok(&mut s, r#"read-file("/etc/passwd")"#).starts_with("err("));
    assert_eq!(ok(&mut s, r#"env-var("GREETING")"#), r#"some("hi")"#);
    assert_eq!(ok(&mut s, r#"env-var("HOME")"#), "none");
    assert_eq!(ok(&mut s, "list-env()"), r#"[("GREETING", "hi")]"#);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    assert_eq!(ok(&mut s, &format!(r#"connect("127.0.0.1:{port}")"#)), "ok");
    // Loopback only, even with --allow-net.
    assert!(ok(&mut s, r#"connect("192.0.2.1:80")"#).starts_with("err("));
}
