//! Reloads taken by a live runtime session: replay on and off, a reload arriving during a long
//! call, linked workspaces (dependents re-instantiated, broken plugs refused) and a version
//! that fails to instantiate — the last good version keeps serving calls throughout.

mod reload_util;

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use reload_util::*;
use wirebench::model::synth::component_from_wit;
use wirebench::model::Component;
use wirebench::reload::{apply_to_workspace, LiveSession, LiveTarget, Outcome, ReloadPlan};
use wirebench::runtime::SessionOptions;
use wirebench::workspace::Workspace;

fn single(h: &Harness, file: &str) -> LiveSession {
    let c = Arc::new(Component::from_file(&h.path(file)).unwrap());
    let target = LiveTarget::Component {
        id: c.name.clone(),
        component: c,
    };
    LiveSession::load(target, SessionOptions::default()).unwrap()
}

fn ok(live: &mut LiveSession, call: &str) -> String {
    live.call(call)
        .result
        .unwrap_or_else(|e| panic!("`{call}` failed: {e}"))
}

#[test]
fn replay_on_brings_kv_entries_back() {
    let kv = sample("kv-store.wasm");
    let mut h = Harness::start(&[("kv.wasm", &kv)]);
    let mut live = single(&h, "kv.wasm");
    live.set_replay(true);
    ok(&mut live, r#"set("user", "neo")"#);
    ok(&mut live, r#"set("ship", "nebuchadnezzar")"#);
    assert!(
        live.call("nope()").result.is_err(),
        "failed calls are not replayed"
    );
    fs::write(h.path("kv.wasm"), variant(&kv, 1)).unwrap();
    let mut ev = h.expect();
    assert!(live.apply(&mut ev), "{}", ev.summary_line());
    let rt = ev.runtime.as_ref().unwrap();
    assert_eq!(rt.reinstantiated, ["kv"]);
    let replay = rt.replay.as_ref().unwrap();
    assert_eq!(replay.replayed.len(), 2, "{replay:?}");
    assert!(replay.failed.is_empty());
    assert!(
        ev.summary_line().ends_with("; replayed 2 calls"),
        "{}",
        ev.summary_line()
    );
    assert_eq!(ok(&mut live, r#"get("user")"#), r#"ok(some("neo"))"#);
    assert_eq!(live.session().components(), ["kv"]);
    match live.target() {
        LiveTarget::Component { component, .. } => {
            assert_eq!(component.sha256, sha(&variant(&kv, 1)))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn replay_off_starts_from_fresh_state() {
    let kv = sample("kv-store.wasm");
    let mut h = Harness::start(&[("kv.wasm", &kv)]);
    let mut live = single(&h, "kv.wasm");
    ok(&mut live, r#"set("user", "neo")"#);
    fs::write(h.path("kv.wasm"), variant(&kv, 2)).unwrap();
    let mut ev = h.expect();
    assert!(live.apply(&mut ev));
    assert!(ev.runtime.as_ref().unwrap().replay.is_none());
    assert_eq!(ok(&mut live, r#"get("user")"#), "ok(none)");
    assert!(
        live.calls().len() == 1,
        "the log restarts with the new instance"
    );
}

#[test]
fn reload_during_a_long_call_waits_for_it_and_then_swaps() {
    let hostile = sample("hostile.wasm");
    let mut h = Harness::start(&[("hostile.wasm", &hostile)]);
    let mut live = single(&h, "hostile.wasm");
    let running = live.target().clone();
    let options = SessionOptions::default();
    let busy = Arc::new(AtomicBool::new(true));
    let flag = Arc::clone(&busy);
    let call = std::thread::spawn(move || {
        let out = live.call("sleep-ms(2500)");
        flag.store(false, Ordering::SeqCst);
        (live, out)
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let v1 = variant(&hostile, 1);
    fs::write(h.path(".hostile.tmp"), &v1).unwrap();
    fs::rename(h.path(".hostile.tmp"), h.path("hostile.wasm")).unwrap();
    let ev = h.expect();
    // Decoding never waited for the guest.
    let arrived_during_call = busy.load(Ordering::SeqCst);
    assert_outcome(&ev, Outcome::Reloaded);
    // Compile and instantiate beside the running session, on this thread.
    let started = Instant::now();
    let prepared = ReloadPlan::new(&running, &options, &ev)
        .expect("a plan")
        .prepare()
        .unwrap_or_else(|r| panic!("{}", r.error));
    let prepared_during_call = busy.load(Ordering::SeqCst);
    eprintln!(
        "event during call: {arrived_during_call}; prepared in {:?}, during call: {prepared_during_call}",
        started.elapsed()
    );
    assert!(arrived_during_call, "the reload event waited for the call");
    let (mut live, out) = call.join().unwrap();
    assert_eq!(out.result.as_deref().ok(), Some("()"), "{:?}", out.result);
    let report = live.commit(prepared);
    assert_eq!(report.reinstantiated, ["hostile"]);
    assert_eq!(ok(&mut live, "divide(9, 3)"), "3");
    match live.target() {
        LiveTarget::Component { component, .. } => assert_eq!(component.sha256, sha(&v1)),
        other => panic!("{other:?}"),
    }
}

fn linked(h: &Harness) -> (Workspace, LiveSession) {
    let ws = Workspace::open(&[h.dir.path().to_path_buf()]).unwrap();
    assert_eq!(
        ws.plugs.len(),
        1,
        "data-processor is plugged into kv: {:?}",
        ws.plugs
    );
    let live = LiveSession::load(
        LiveTarget::Linked(Box::new(ws.clone())),
        SessionOptions::default(),
    )
    .unwrap();
    (ws, live)
}

#[test]
fn linked_reload_reinstantiates_dependents_and_replays() {
    let kv = sample("kv-store.wasm");
    let proc = sample("data-processor.wasm");
    let mut h = Harness::start(&[("kv.wasm", &kv), ("data-processor.wasm", &proc)]);
    let (mut ws, mut live) = linked(&h);
    live.set_replay(true);
    ok(&mut live, r#"process("hello")"#);
    assert_eq!(
        ok(&mut live, r#"process("again")"#),
        r#"ok("processed #2: AGAIN")"#
    );
    fs::write(h.path("kv.wasm"), variant(&kv, 1)).unwrap();
    let mut ev = h.expect();
    assert!(!apply_to_workspace(&mut ws, &mut ev) || ev.broken_plugs.is_empty());
    assert!(live.apply(&mut ev), "{}", ev.summary_line());
    let rt = ev.runtime.as_ref().unwrap();
    let mut again = rt.reinstantiated.clone();
    again.sort();
    assert_eq!(again, ["data-processor", "kv"]);
    assert_eq!(rt.replay.as_ref().unwrap().replayed.len(), 2);
    // The counter lives in the kv-store: replay rebuilt it.
    assert_eq!(
        ok(&mut live, r#"process("third")"#),
        r#"ok("processed #3: THIRD")"#
    );
}

#[test]
fn incompatible_version_breaks_plugs_and_the_last_good_keeps_serving() {
    let kv = sample("kv-store.wasm");
    let proc = sample("data-processor.wasm");
    let mut h = Harness::start(&[("kv.wasm", &kv), ("data-processor.wasm", &proc)]);
    let (mut ws, mut live) = linked(&h);
    ok(&mut live, r#"process("hello")"#);
    let wit = "package neon:kv-store@1.0.0;
        interface store {
          get: func(key: u32) -> result<option<string>, string>;
          set: func(key: string, value: string) -> result<_, string>;
        }
        world w { export store; }";
    fs::write(
        h.path("kv.wasm"),
        component_from_wit(wit, &[], None).unwrap(),
    )
    .unwrap();
    let mut ev = h.expect();
    // The sample also imports WASI interfaces the synthesized version does not.
    assert!(
        ev.diff.summary().ends_with("~1 func"),
        "{}",
        ev.diff.summary()
    );
    // Straight to the runtime: the plan re-checks the plugs itself and refuses.
    let mut direct = h_clone(&ev);
    assert!(!live.apply(&mut direct));
    assert_outcome(&direct, Outcome::Incompatible);
    // Through the workspace, as the TUI does: the graph keeps the new version, plug red.
    apply_to_workspace(&mut ws, &mut ev);
    assert_outcome(&ev, Outcome::Incompatible);
    assert_eq!(ev.broken_plugs.len(), 1);
    let reason = &ev.broken_plugs[0];
    assert!(
        reason.contains("`data-processor` import `neon:kv-store/store@1.0.0`"),
        "{reason}"
    );
    assert!(reason.contains("function `get`"), "{reason}");
    assert!(!live.apply(&mut ev));
    let line = ev.summary_line();
    assert!(line.starts_with("error: kv.wasm: the new version breaks 1 plug(s) — keeping the last good version; broken plugs: "), "{line}");
    assert_eq!(
        ok(&mut live, r#"process("still")"#),
        r#"ok("processed #2: STILL")"#
    );
}

/// A fresh event with the same content (events are not `Clone`: they own an error).
fn h_clone(ev: &wirebench::reload::ReloadEvent) -> wirebench::reload::ReloadEvent {
    wirebench::reload::ReloadEvent {
        at: ev.at,
        path: ev.path.clone(),
        id: ev.id.clone(),
        kind: ev.kind,
        outcome: ev.outcome,
        old_hash: ev.old_hash.clone(),
        new_hash: ev.new_hash.clone(),
        latency: ev.latency,
        decode_time: ev.decode_time,
        fs_events: ev.fs_events,
        diff: ev.diff.clone(),
        component: ev.component.clone(),
        error: None,
        broken_plugs: Vec::new(),
        runtime: None,
    }
}

#[test]
fn version_that_fails_to_instantiate_is_refused() {
    let kv = sample("kv-store.wasm");
    let mut h = Harness::start(&[("kv.wasm", &kv)]);
    let mut live = single(&h, "kv.wasm");
    ok(&mut live, r#"set("a", "1")"#);
    // Valid, but imports something no host provides (and stubbing is off).
    let wit = "package neon:kv-store@1.0.0;
        interface store { get: func(key: string) -> result<option<string>, string>; }
        interface clock { now: func() -> u64; }
        world w { import clock; export store; }";
    fs::write(
        h.path("kv.wasm"),
        component_from_wit(wit, &[], None).unwrap(),
    )
    .unwrap();
    let mut ev = h.expect();
    assert_outcome(&ev, Outcome::Reloaded);
    assert!(!live.apply(&mut ev));
    assert_outcome(&ev, Outcome::Incompatible);
    let line = ev.summary_line();
    assert!(line.contains("fails to instantiate"), "{line}");
    assert!(line.contains("neon:kv-store/clock@1.0.0"), "{line}");
    assert_eq!(ok(&mut live, r#"get("a")"#), r#"ok(some("1"))"#);
}
