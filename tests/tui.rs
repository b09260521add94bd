//! The workbench drawn into ratatui's `TestBackend`: insta snapshots of every pane and state,
//! and `App::update` driven with the real runtime worker.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use wirebench::model::Component;
use wirebench::runtime::{Event, Worker};
use wirebench::tui::action::{Action, Effect, Pane};
use wirebench::tui::app::{App, Overlay};
use wirebench::tui::view;
use wirebench::workspace::Workspace;

fn sample(name: &str) -> Component {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/samples/{name}.wasm"));
    // From bytes: no absolute path ends up in a snapshot.
    Component::from_bytes(name, std::fs::read(p).unwrap()).unwrap()
}

fn fixed_clock() -> String {
    "12:00:00".into()
}

fn demo_workspace() -> Workspace {
    let mut ws = Workspace::new();
    for name in ["kv-store", "data-processor", "http-gateway", "type-zoo"] {
        ws.insert_component(name, sample(name));
    }
    ws.auto_plug();
    ws
}

fn app_for(ws: Workspace) -> App {
    App::new(ws, "demo".into()).with_clock(fixed_clock)
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    app.update(Action::Resize(w, h));
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view::render(app, f)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn key(c: KeyCode) -> Action {
    Action::Edit(KeyEvent::new(c, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

/// Sends the app's runtime effects to a real worker and feeds its events back until idle.
fn pump(app: &mut App, worker: &Worker, effects: Vec<Effect>) {
    let mut waiting = 0;
    for e in effects {
        if let Effect::Runtime(cmd) = e {
            worker.send(*cmd);
            waiting += 1;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while waiting > 0 && Instant::now() < deadline {
        let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let done = matches!(
            ev,
            Event::Loaded { .. }
                | Event::LoadFailed { .. }
                | Event::CallFinished { .. }
                | Event::ResetDone { .. }
        );
        let more = app.update(Action::runtime(ev));
        if done {
            waiting -= 1;
        }
        for e in more {
            if let Effect::Runtime(cmd) = e {
                worker.send(*cmd);
                waiting += 1;
            }
        }
    }
    assert_eq!(waiting, 0, "runtime did not answer in time");
}

#[test]
fn empty_workspace() {
    let mut app = app_for(Workspace::new());
    insta::assert_snapshot!("empty_80x24", draw(&mut app, 80, 24));
}

#[test]
fn demo_at_160x48_and_80x24() {
    let mut app = app_for(demo_workspace());
    insta::assert_snapshot!("demo_160x48", draw(&mut app, 160, 48));
    insta::assert_snapshot!("demo_80x24", draw(&mut app, 80, 24));
}

#[test]
fn tiny_and_zero_sizes_do_not_panic() {
    let mut app = app_for(demo_workspace());
    for (w, h) in [
        (0, 0),
        (1, 1),
        (10, 3),
        (39, 11),
        (40, 12),
        (41, 13),
        (300, 5),
        (5, 200),
    ] {
        draw(&mut app, w, h);
    }
    insta::assert_snapshot!("too_small", draw(&mut app, 30, 6));
}

#[test]
fn help_overlay() {
    let mut app = app_for(demo_workspace());
    app.update(Action::ToggleHelp);
    assert!(matches!(app.overlay, Overlay::Help));
    insta::assert_snapshot!("help", draw(&mut app, 160, 48));
    app.update(Action::Down);
    assert!(
        matches!(app.overlay, Overlay::None),
        "any key closes the help"
    );
}

#[test]
fn plug_picker_shows_incompatible_candidate_with_reason() {
    let mut ws = demo_workspace();
    let bad = wirebench::model::synth::component_from_wit(
        "package neon:kv-store@1.0.0;
         interface store {
           get: func(key: u32) -> result<option<string>, string>;
           set: func(key: string, value: string) -> result<_, string>;
         }
         world w { export store; }",
        &[],
        None,
    )
    .unwrap();
    ws.insert_component("bad-kv", Component::from_bytes("bad-kv", bad).unwrap());
    let mut app = app_for(ws);
    let idx = app.graph.index_of("data-processor").unwrap();
    app.update(Action::Focus(Pane::Graph));
    app.selected = idx;
    app.update(Action::Select); // enter ports
    assert_eq!(app.port, Some(0));
    app.update(Action::PlugPicker);
    let Overlay::Plug(picker) = &app.overlay else {
        panic!("no picker")
    };
    let bad = picker
        .candidates
        .iter()
        .find(|c| c.provider == "bad-kv")
        .unwrap();
    assert!(!bad.compatible);
    let why = bad.problem.as_deref().unwrap();
    assert!(why.contains("get"), "{why}");
    assert!(why.contains("u32") && why.contains("string"), "{why}");
    let bad_index = picker
        .candidates
        .iter()
        .position(|c| c.provider == "bad-kv")
        .unwrap();
    insta::assert_snapshot!("plug_picker", draw(&mut app, 160, 48));
    // Choosing the incompatible one is refused with the reason; the plug stays.
    if let Overlay::Plug(p) = &mut app.overlay {
        p.selected = bad_index;
    }
    app.update(Action::Select);
    assert!(app.console.contains("cannot plug `bad-kv`"));
    assert_eq!(
        app.workspace
            .plug_for("data-processor", "neon:kv-store/store@1.0.0")
            .unwrap()
            .provider,
        "kv-store"
    );
}

#[test]
fn invoke_error_is_shown_inline() {
    let worker = Worker::spawn().unwrap();
    let mut app = app_for(demo_workspace());
    let start = app.start();
    pump(&mut app, &worker, start);
    app.update(Action::Focus(Pane::Invoke));
    type_text(&mut app, "nosuch(1)");
    let check = app.invoke.check.clone().unwrap();
    assert!(check.is_err(), "{check:?}");
    insta::assert_snapshot!("invoke_error", draw(&mut app, 160, 48));
}

#[test]
fn calls_keep_state_and_show_in_the_console() {
    let worker = Worker::spawn().unwrap();
    let mut app = app_for(demo_workspace());
    let start = app.start();
    pump(&mut app, &worker, start);
    assert!(app.run.loaded, "load error: {:?}", app.run.load_error);
    let e = app.update(Action::Command(
        "call kv-store.set(\"user\", \"neo\")".into(),
    ));
    pump(&mut app, &worker, e);
    let e = app.update(Action::Command("call kv-store.get(\"user\")".into()));
    pump(&mut app, &worker, e);
    assert!(
        app.console
            .contains("kv-store.get(\"user\") → ok(some(\"neo\"))"),
        "{:#?}",
        app.console.lines
    );
    // A traced call across components lights the plug it crossed.
    let e = app.update(Action::Command(
        "call data-processor.process(\"hello\")".into(),
    ));
    pump(&mut app, &worker, e);
    assert!(
        app.console.contains("processed #1: HELLO"),
        "{:#?}",
        app.console.lines
    );
    assert!(
        app.lit
            .iter()
            .any(|(a, b, _)| a == "data-processor" && b == "kv-store"),
        "{:?}",
        app.lit
    );
    assert_eq!(app.invoke.history.len(), 3);
}

#[test]
fn function_picker_fills_the_editor_with_a_template() {
    let worker = Worker::spawn().unwrap();
    let mut app = app_for(demo_workspace());
    let start = app.start();
    pump(&mut app, &worker, start);
    app.selected = app.graph.index_of("kv-store").unwrap();
    app.update(Action::Invoke);
    assert!(matches!(app.overlay, Overlay::Functions(_)));
    type_text(&mut app, "set");
    insta::assert_snapshot!("function_picker", draw(&mut app, 160, 48));
    app.update(Action::Select);
    assert_eq!(app.focus, Pane::Invoke);
    let text = app.invoke.text.lines().join("");
    assert!(
        text.starts_with("set(") || text.starts_with("kv-store.set("),
        "{text}"
    );
}

#[test]
fn ports_inspector_shows_the_interface_wit() {
    let mut app = app_for(demo_workspace());
    app.selected = app.graph.index_of("kv-store").unwrap();
    app.update(Action::Select);
    // kv-store: folded WASI row first, then its export.
    app.update(Action::Down);
    let (title, text) = wirebench::tui::view::inspector_text(&app);
    assert!(title.contains("neon:kv-store/store"), "{title}");
    assert!(
        text.contains("get: func(key: string) -> result<option<string>, string>;"),
        "{text}"
    );
}

#[test]
fn ctrl_c_cancels_a_runaway_call_and_the_next_call_works() {
    let worker = Worker::spawn().unwrap();
    let mut ws = Workspace::new();
    ws.insert_component("hostile", sample("hostile"));
    let mut app = app_for(ws);
    let start = app.start();
    pump(&mut app, &worker, start);
    assert!(app.run.loaded, "{:?}", app.run.load_error);
    let effects = app.update(Action::Command("call spin()".into()));
    for e in effects {
        if let Effect::Runtime(cmd) = e {
            worker.send(*cmd);
        }
    }
    // Wait until the guest is running, then press Ctrl-C.
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.run.pending.front().and_then(|p| p.started).is_none() && Instant::now() < deadline {
        if let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(100)) {
            app.update(Action::runtime(ev));
        }
    }
    let started = Instant::now();
    let effects = app.update(Action::Interrupt);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::CancelCall)),
        "{effects:?}"
    );
    assert!(
        !app.should_quit,
        "Ctrl-C with a running call cancels, it does not quit"
    );
    worker.cancel();
    while !app.run.pending.is_empty() && Instant::now() < deadline {
        if let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(100)) {
            app.update(Action::runtime(ev));
        }
    }
    assert!(app.run.pending.is_empty(), "the call never ended");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "cancel took {:?}",
        started.elapsed()
    );
    assert!(app.console.contains("spin() ✗"), "{:#?}", app.console.lines);
    let e = app.update(Action::Command("call now()".into()));
    pump(&mut app, &worker, e);
    assert!(
        app.console.last_text().unwrap_or("").contains("now() → "),
        "{:#?}",
        app.console.lines
    );
}
