//! The runtime through its public API on the prebuilt samples: kv-store state, every type-zoo
//! function round-tripping its values, resources across calls, linked vs composed workspaces,
//! and the worker thread.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wirebench::model::Component;
use wirebench::runtime::{
    composed_target, CallError, Command, Event, Mode, Session, SessionOptions, Target, Worker,
};
use wirebench::workspace::Workspace;

fn sample_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(format!("{name}.wasm"))
}

fn sample(name: &str) -> Target {
    Target::Component(Arc::new(
        Component::from_file(&sample_path(name)).expect("sample decodes"),
    ))
}

fn session(name: &str) -> Session {
    Session::load(sample(name), SessionOptions::default()).expect("sample loads")
}

fn call(s: &mut Session, text: &str) -> Result<String, CallError> {
    s.call(text).result
}

fn ok(s: &mut Session, text: &str) -> String {
    call(s, text).unwrap_or_else(|e| panic!("`{text}` failed: {e}"))
}

#[test]
fn kv_store_keeps_state_between_calls() {
    let mut s = session("kv-store");
    assert_eq!(ok(&mut s, r#"set("user", "neo")"#), "ok");
    assert_eq!(ok(&mut s, r#"get("user")"#), r#"ok(some("neo"))"#);
    assert_eq!(
        ok(&mut s, r#"get("access_code")"#),
        r#"ok(some("cyber_punk_2077"))"#
    );
    // A guest `err` is a value, not a failure.
    assert_eq!(
        ok(&mut s, r#"set("", "x")"#),
        r#"err("key must not be empty")"#
    );
    assert_eq!(ok(&mut s, r#"store.get("user")"#), r#"ok(some("neo"))"#);
    assert_eq!(
        ok(&mut s, r#"neon:kv-store/store@1.0.0.get("user")"#),
        r#"ok(some("neo"))"#
    );
    let e = call(&mut s, "get(42)").unwrap_err();
    assert_eq!(
        e.to_string(),
        "get: argument 1 (key): expected string, found 42"
    );
    let e = call(&mut s, r#"set("k", 42)"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "set: argument 2 (value): expected string, found 42"
    );
    let templates: Vec<&str> = s.functions().iter().map(|f| f.template.as_str()).collect();
    assert_eq!(templates, [r#"get("")"#, r#"set("", "")"#]);
}

/// Calls whose result must equal their argument, covering every WIT type kind.
const ECHOES: &[(&str, &str)] = &[
    ("echo-bool", "true"),
    ("echo-s8", "-128"),
    ("echo-s16", "-32768"),
    ("echo-s32", "-2147483648"),
    ("echo-s64", "-9223372036854775808"),
    ("echo-u8", "255"),
    ("echo-u16", "65535"),
    ("echo-u32", "4294967295"),
    ("echo-u64", "18446744073709551615"),
    ("echo-f32", "1.5"),
    ("echo-f32", "-inf"),
    ("echo-f32", "nan"),
    ("echo-f64", "-0.000001"),
    ("echo-f64", "nan"),
    ("echo-char", "'😀'"),
    ("echo-char", r"'\''"),
    ("echo-string", r#""multi\nline \"quoted\" ✓ \u{7}""#),
    ("echo-list", "[1, 2, 3]"),
    ("echo-bytes", "[0, 255]"),
    ("echo-nested-list", r#"[["a"], [], ["b", "c"]]"#),
    ("echo-tuple", r#"(7, "seven", false)"#),
    ("echo-record", "{x: -1, y: 2}"),
    ("echo-variant", "circle(2.5)"),
    ("echo-variant", "rectangle((1, 2))"),
    ("echo-variant", "polygon([{x: 0, y: 0}, {x: 1, y: 1}])"),
    ("echo-variant", "dot"),
    ("echo-enum", "blue"),
    ("echo-flags", "{read, execute}"),
    ("echo-flags", "{}"),
    ("echo-option", r#"some("x")"#),
    ("echo-option", "none"),
    ("echo-option-option", "some(none)"),
    ("echo-option-option", "some(some(3))"),
    ("echo-result", r#"ok("fine")"#),
    ("echo-result", r#"err("bad")"#),
    ("echo-alias", "3.25"),
    ("echo-path", "[{x: 1, y: 2}]"),
    ("echo-nested", "[some({x: 1, y: 1}), none]"),
    ("echo-math-error", "division-by-zero"),
    ("echo-math-error", r#"overflow("add")"#),
    (
        "echo-everything",
        r#"{flag: true, tiny: -1, short: 2, int: 3, long: 4, byte: 5, word: 6, dword: 7, qword: 8, single: 1.5, double: -2.25, letter: 'é', text: "hi", bytes: [1, 2], color: green, perms: {write}, shape: empty, origin: {x: 0, y: 0}}"#,
    ),
];

#[test]
fn every_type_zoo_value_round_trips() {
    let mut s = session("type-zoo");
    for (func, value) in ECHOES {
        let got = ok(&mut s, &format!("{func}({value})"));
        // `origin` is an option field: WAVE writes `some(..)` for it.
        let want = value.replace("origin: {x: 0, y: 0}", "origin: some({x: 0, y: 0})");
        assert_eq!(got, want, "{func}");
    }
    // Every echo function accepts its own template, and its output parses back unchanged
    // (floats print as WAVE writes them: `0.0` comes back as `0`).
    for f in s
        .functions()
        .to_vec()
        .iter()
        .filter(|f| f.call_name.starts_with("echo-"))
    {
        let got = ok(&mut s, &f.template);
        let again = ok(&mut s, &format!("{}({got})", f.call_name));
        assert_eq!(again, got, "{}", f.template);
    }
}

#[test]
fn type_zoo_functions_compute() {
    let mut s = session("type-zoo");
    assert_eq!(ok(&mut s, "add(2147483647, 1)"), "-2147483648");
    assert_eq!(ok(&mut s, "area(rectangle((2, 3)))"), "6");
    assert_eq!(
        ok(&mut s, "describe-permissions({read, write})"),
        r#""rw-""#
    );
    assert_eq!(ok(&mut s, "noop()"), "()");
    assert_eq!(ok(&mut s, "check-even(3)"), "err");
    assert_eq!(ok(&mut s, "check-even(4)"), "ok");
    assert_eq!(ok(&mut s, r#"parse-number("-12")"#), "ok(-12)");
    assert_eq!(ok(&mut s, r#"parse-number("x")"#), "err");
    assert_eq!(ok(&mut s, r#"validate-name("ok-name")"#), "ok");
    assert_eq!(ok(&mut s, "checked-divide(7, 0)"), "err(division-by-zero)");
    assert!(ok(&mut s, "version()").starts_with('"'));
}

#[test]
fn resources_live_across_calls_as_handles() {
    let mut s = session("type-zoo");
    assert_eq!(ok(&mut s, "counter.new(5)"), "$1");
    assert_eq!(ok(&mut s, "counter.increment($1, 2)"), "7");
    assert_eq!(ok(&mut s, "counter.new(10)"), "$2");
    assert_eq!(ok(&mut s, "counter.merge($1, $2)"), "$3");
    assert_eq!(ok(&mut s, "counter.value($3)"), "17");
    assert_eq!(ok(&mut s, "peek($1)"), "7");
    // `consume` takes ownership: the handle is gone afterwards.
    assert_eq!(ok(&mut s, "consume($3)"), "17");
    let e = call(&mut s, "peek($3)").unwrap_err();
    assert!(e.to_string().contains("no handle `$3`"), "{e}");
    assert_eq!(ok(&mut s, "make-counters(3)"), "[$4, $5, $6]");
    assert_eq!(ok(&mut s, "counter.value($6)"), "2");
    assert_eq!(ok(&mut s, "drop($4)"), "()");
    let handles: Vec<u32> = s.handles().iter().map(|h| h.id).collect();
    assert_eq!(handles, [1, 2, 5, 6]);
    assert!(s.handles().iter().all(|h| h.resource == "counter"));
    let e = call(&mut s, "counter.value(5)").unwrap_err();
    assert!(
        e.to_string()
            .contains("expected a resource handle like `$1`"),
        "{e}"
    );
    // A reset forgets every handle.
    s.reset().unwrap();
    assert!(s.handles().is_empty());
    assert_eq!(ok(&mut s, "counter.new(1)"), "$7");
}

fn demo_workspace(with_gateway: bool) -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut names = vec!["kv-store", "data-processor"];
    if with_gateway {
        names.push("http-gateway");
    }
    for n in names {
        std::fs::copy(sample_path(n), dir.path().join(format!("{n}.wasm"))).unwrap();
    }
    let ws = Workspace::open(&[dir.path().to_path_buf()]).expect("workspace opens");
    (dir, ws)
}

const DEMO_CALLS: &[&str] = &[
    r#"process("hello world")"#,
    r#"process("")"#,
    r#"process("again")"#,
    "last-input()",
    r#"analyze("one two\nthree")"#,
    r#"get("processed-count")"#,
    r#"set("processed-count", "41")"#,
    r#"process("x")"#,
];

#[test]
fn linked_and_composed_modes_agree() {
    let (_dir, ws) = demo_workspace(false);
    let mut linked = Session::load(Target::Linked(ws.clone()), SessionOptions::default()).unwrap();
    let mut composed = Session::load(
        composed_target(&ws, "demo").unwrap(),
        SessionOptions::default(),
    )
    .unwrap();
    assert_eq!(linked.mode(), Mode::Linked);
    assert_eq!(composed.mode(), Mode::Composed);
    for c in DEMO_CALLS {
        let a = linked.call(c).result;
        let b = composed.call(c).result;
        assert_eq!(a, b, "{c}");
        assert!(a.is_ok(), "{c}: {a:?}");
    }
    assert_eq!(
        ok(&mut linked, r#"process("y")"#),
        r#"ok("processed #43: Y")"#
    );
}

#[test]
fn traced_calls_record_the_tree() {
    let (_dir, ws) = demo_workspace(true);
    let opts = SessionOptions {
        trace: true,
        ..SessionOptions::default()
    };
    let mut s = Session::load(Target::Linked(ws), opts).unwrap();
    assert_eq!(
        s.components(),
        ["kv-store", "data-processor", "http-gateway"]
    );
    let out = s.call(r#"process("hi")"#);
    let trace = out.trace.expect("trace");
    let calls: Vec<String> = trace
        .entries
        .iter()
        .map(|e| format!("{}:{}>{}.{}", e.depth, e.caller, e.callee, e.function))
        .collect();
    assert_eq!(
        calls,
        [
            "0:host>data-processor.process",
            "1:data-processor>kv-store.get",
            "1:data-processor>kv-store.set",
            "1:data-processor>kv-store.set",
        ]
    );
    let outer = trace.entries[0].duration;
    assert!(trace.entries[1..].iter().all(|e| e.duration <= outer));
    let text = trace.render();
    assert!(
        text.contains(r#"↳ kv-store.get("processed-count") → ok(none)"#),
        "{text}"
    );
    assert_eq!(
        trace.edges(),
        [("data-processor".to_string(), "kv-store".to_string())]
    );
}

#[test]
fn core_modules_and_missing_imports_are_refused_clearly() {
    let e = Session::load(sample("lone-wolf"), SessionOptions::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("is a core module"), "{e}");
    let e = Session::load(sample("data-processor"), SessionOptions::default())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "data-processor: import `neon:kv-store/store@1.0.0` is not satisfied — plug a component \
         that exports it, or pass --stub to make its functions trap when called"
    );
    let opts = SessionOptions {
        stub_missing: true,
        ..SessionOptions::default()
    };
    let mut s = Session::load(sample("data-processor"), opts).unwrap();
    assert_eq!(
        ok(&mut s, r#"analyze("a b")"#),
        "{words: 2, chars: 3, lines: 1}"
    );
    let out = s.call(r#"process("a")"#);
    assert!(out
        .result
        .unwrap_err()
        .to_string()
        .contains("neon:kv-store/store@1.0.0"));
    assert!(out.state_reset);
}

#[test]
fn the_worker_runs_calls_off_thread_and_cancels() {
    let worker = Worker::spawn().unwrap();
    let mut opts = SessionOptions::default();
    opts.limits.timeout = Duration::from_secs(30);
    let hostile = Component::from_file(&sample_path("hostile")).unwrap();
    worker.send(Command::Load {
        target: Target::Component(Arc::new(hostile)),
        options: opts,
    });
    let next = || {
        worker
            .events()
            .recv_timeout(Duration::from_secs(20))
            .expect("event")
    };
    match next() {
        Event::Loaded {
            functions, mode, ..
        } => {
            assert_eq!(mode, Mode::Single);
            assert!(functions.iter().any(|f| f.call_name == "spin"));
        }
        other => panic!("{other:?}"),
    }
    worker.send(Command::Call {
        id: 1,
        text: "spin()".into(),
    });
    assert!(matches!(next(), Event::CallStarted { id: 1 }));
    std::thread::sleep(Duration::from_millis(100));
    worker.cancel();
    match next() {
        Event::CallFinished { id: 1, outcome, .. } => {
            assert!(
                matches!(outcome.result, Err(CallError::Cancelled { .. })),
                "{:?}",
                outcome.result
            );
            assert!(outcome.state_reset);
        }
        other => panic!("{other:?}"),
    }
    worker.send(Command::Call {
        id: 2,
        text: "divide(7, 2)".into(),
    });
    assert!(matches!(next(), Event::CallStarted { id: 2 }));
    match next() {
        Event::CallFinished { id: 2, outcome, .. } => {
            assert_eq!(outcome.result.as_deref(), Ok("3"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn linked_mode_names_its_resource_limit_and_composed_mode_runs_it() {
    const WIT: &str = r#"
        package test:res@1.0.0;
        interface things {
            resource thing { constructor(); }
            make: func() -> thing;
        }
        world provider { export things; }
        world consumer { import things; export run: func(); }
    "#;
    let synth = |world: &str| {
        let bytes = wirebench::model::synth::component_from_wit(WIT, &[], Some(world)).unwrap();
        Arc::new(Component::from_bytes(world, bytes).unwrap())
    };
    let mut ws = Workspace::default();
    ws.components.insert("provider".into(), synth("provider"));
    ws.components.insert("consumer".into(), synth("consumer"));
    ws.plugs.push(wirebench::workspace::Plug {
        consumer: "consumer".into(),
        import: "test:res/things@1.0.0".into(),
        provider: "provider".into(),
        export: "test:res/things@1.0.0".into(),
    });
    let e = Session::load(Target::Linked(ws.clone()), SessionOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.kind(), "unsupported");
    assert!(e.to_string().contains("--mode composed"), "{e}");
    let s = Session::load(
        composed_target(&ws, "res").unwrap(),
        SessionOptions::default(),
    )
    .unwrap();
    assert!(s.functions().iter().any(|f| f.call_name == "run"));
}
