//! Unit tests for sessions on components synthesized from WAT.

use std::time::{Duration, Instant};

use super::*;
use crate::runtime::check_call;
use crate::runtime::test_support::{component, BASICS, CONSUMER, PROVIDER, TWO_INTERFACES};
use crate::workspace::{Plug, Workspace};

fn quick() -> SessionOptions {
    SessionOptions {
        limits: Limits {
            timeout: Duration::from_millis(200),
            max_memory: 16 << 20,
            ..Limits::default()
        },
        ..SessionOptions::default()
    }
}

fn basics() -> Session {
    Session::load(Target::Component(component("basics", BASICS)), quick()).unwrap()
}

fn ok(s: &mut Session, call: &str) -> String {
    let out = s.call(call);
    match out.result {
        Ok(v) => v,
        Err(e) => panic!("`{call}` failed: {e}"),
    }
}

fn err(s: &mut Session, call: &str) -> CallError {
    s.call(call).result.expect_err(call)
}

#[test]
fn values_and_state_persist_across_calls() {
    let mut s = basics();
    assert_eq!(ok(&mut s, "add(1, -3)"), "-2");
    assert_eq!(
        ok(&mut s, "echo(\"héllo \\\"you\\\"\")"),
        "\"héllo \\\"you\\\"\""
    );
    assert_eq!(ok(&mut s, "bump()"), "1");
    assert_eq!(ok(&mut s, "bump()"), "2");
    assert_eq!(ok(&mut s, "noop()"), "()");
    assert_eq!(s.function("echo").unwrap().template, "echo(\"\")");
}

#[test]
fn bad_input_gets_precise_errors_and_no_reset() {
    let mut s = basics();
    ok(&mut s, "bump()");
    let e = err(&mut s, "add(\"x\", 1)");
    assert_eq!(
        e.to_string(),
        "add: argument 1 (a): expected s32, found \"x\""
    );
    let e = err(&mut s, "add(1)");
    assert_eq!(
        e.to_string(),
        "add: expected 2 arguments (a: s32, b: s32), found 1"
    );
    let e = err(&mut s, "add(1, 99999999999)");
    assert!(e.to_string().contains("out of range"), "{e}");
    let e = err(&mut s, "ad(1, 2)");
    assert_eq!(e.to_string(), "unknown function `ad` — did you mean `add`?");
    assert_eq!(err(&mut s, "add(1, 2").kind(), "syntax");
    let out = s.call("echo(42)");
    assert!(!out.state_reset);
    assert_eq!(
        out.result.unwrap_err().to_string(),
        "echo: argument 1 (s): expected string, found 42"
    );
    // None of that touched the instance.
    assert_eq!(ok(&mut s, "bump()"), "2");
}

#[test]
fn a_loop_times_out_and_the_next_call_works() {
    let mut s = basics();
    ok(&mut s, "bump()");
    for _ in 0..3 {
        let t = Instant::now();
        let out = s.call("spin()");
        assert!(
            matches!(out.result, Err(CallError::Timeout { .. })),
            "{:?}",
            out.result
        );
        assert!(out.state_reset);
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "took {:?}",
            t.elapsed()
        );
    }
    // State was reset: the counter starts again.
    assert_eq!(ok(&mut s, "bump()"), "1");
    assert_eq!(s.resets(), 3);
}

#[test]
fn recursion_memory_and_traps_are_told_apart() {
    let mut s = basics();
    assert!(matches!(
        err(&mut s, "recurse(100000000)"),
        CallError::StackOverflow { .. }
    ));
    assert_eq!(ok(&mut s, "recurse(100)"), "100");
    let e = err(&mut s, "grow(1000)");
    assert!(matches!(e, CallError::OutOfMemory { .. }), "{e}");
    assert!(e.to_string().contains("16 MiB"), "{e}");
    assert_eq!(ok(&mut s, "grow(1)"), "1");
    let e = err(&mut s, "boom()");
    assert!(
        matches!(&e, CallError::Trap { message, .. } if message.contains("unreachable")),
        "{e}"
    );
    assert_eq!(ok(&mut s, "add(2, 2)"), "4");
}

#[test]
fn a_running_call_can_be_cancelled() {
    let mut opts = quick();
    opts.limits.timeout = Duration::from_secs(30);
    let mut s = Session::load(Target::Component(component("basics", BASICS)), opts).unwrap();
    let cancel = s.cancel_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cancel.cancel();
    });
    let started = Instant::now();
    let e = err(&mut s, "spin()");
    t.join().unwrap();
    assert!(matches!(e, CallError::Cancelled { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // A cancel aimed at a finished call does not hit the next one.
    assert_eq!(ok(&mut s, "add(1, 1)"), "2");
}

#[test]
fn names_resolve_by_shortest_unambiguous_form() {
    let mut s =
        Session::load(Target::Component(component("two", TWO_INTERFACES)), quick()).unwrap();
    let names: Vec<&str> = s.functions().iter().map(|f| f.call_name.as_str()).collect();
    assert_eq!(names, ["store.get", "cache.get", "peek"]);
    assert!(matches!(err(&mut s, "get(1)"), CallError::Ambiguous { .. }));
    assert_eq!(ok(&mut s, "store.get(2)"), "4");
    assert_eq!(ok(&mut s, "test:kv/cache.get(2)"), "6");
    assert_eq!(ok(&mut s, "test:kv/cache@1.0.0.get(2)"), "6");
    assert_eq!(ok(&mut s, "peek(2)"), "6");
    assert_eq!(s.function("peek").unwrap().template, "peek(0)");
    assert_eq!(
        s.function("store.get").unwrap().full_name,
        "test:kv/store@1.0.0.get"
    );
}

fn linked_workspace() -> Workspace {
    let mut ws = Workspace::default();
    ws.components.insert("kv".into(), component("kv", PROVIDER));
    ws.components
        .insert("app".into(), component("app", CONSUMER));
    ws.plugs.push(Plug {
        consumer: "app".into(),
        import: "test:kv/store@1.0.0".into(),
        provider: "kv".into(),
        export: "test:kv/store@1.0.0".into(),
    });
    ws
}

#[test]
fn linked_mode_forwards_and_traces() {
    let mut opts = quick();
    opts.trace = true;
    let mut s = Session::load(Target::Linked(linked_workspace()), opts).unwrap();
    assert_eq!(s.components(), ["kv", "app"]);
    let out = s.call("run(1)");
    assert_eq!(out.result.as_deref(), Ok("6"));
    let trace = out.trace.expect("trace");
    assert_eq!(trace.entries.len(), 3);
    assert_eq!(trace.entries[0].callee, "app");
    assert_eq!(trace.entries[1].caller, "app");
    assert_eq!(trace.entries[1].callee, "kv");
    assert_eq!(trace.entries[2].args, "2");
    assert_eq!(trace.entries[2].result, "4");
    // The provider can be called directly too.
    assert_eq!(ok(&mut s, "kv.get(5)"), "10");
    // A trap in the provider fails the whole call and rebuilds every instance.
    let out = s.call("run(12)");
    assert!(
        matches!(out.result, Err(CallError::Trap { .. })),
        "{:?}",
        out.result
    );
    assert!(out.state_reset);
    assert_eq!(ok(&mut s, "run(2)"), "10");
}

#[test]
fn unplugged_imports_are_named_or_stubbed() {
    let app = component("app", CONSUMER);
    let e = Session::load(Target::Component(app.clone()), quick())
        .err()
        .unwrap();
    assert_eq!(e.kind(), "missing-import");
    assert!(
        e.to_string()
            .starts_with("app: import `test:kv/store@1.0.0` is not satisfied"),
        "{e}"
    );
    let mut opts = quick();
    opts.stub_missing = true;
    let mut s = Session::load(Target::Component(app), opts).unwrap();
    let e = err(&mut s, "run(1)");
    assert!(e.to_string().contains("test:kv/store@1.0.0"), "{e}");
}

#[test]
fn calls_are_checked_without_running() {
    let s = basics();
    let fns = s.functions();
    assert!(check_call(fns, "add(1, 2)").unwrap().contains("s32"));
    assert_eq!(
        check_call(fns, "add(1, \"x\")").unwrap_err(),
        "add: argument 2 (b): expected s32, found \"x\""
    );
    assert!(check_call(fns, "add(1,").unwrap_err().contains("malformed"));
    assert!(check_call(fns, "ad(1, 2)")
        .unwrap_err()
        .contains("did you mean `add`"));
    assert!(check_call(fns, "drop($3)").is_ok());
    let two = Session::load(Target::Component(component("two", TWO_INTERFACES)), quick()).unwrap();
    assert!(check_call(two.functions(), "get(1)")
        .unwrap_err()
        .contains("ambiguous"));
    assert!(check_call(two.functions(), "test:kv/store.get(1)").is_ok());
}
