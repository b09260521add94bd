//! The adversarial suite through the workbench's runtime path: `App::update` with
//! `:call <hazard>` commands, the effects carried out by a real `runtime::Worker`, its events
//! fed back — as the TUI runner does. Every hazard several times in a row, checked for the
//! right error, bounded time, bounded memory of this process, a working next call, a UI
//! thread that never waits on the guest, inert rendering of guest text, and Ctrl-C cancel.

mod adversarial_util;

use std::path::Path;
use std::time::{Duration, Instant};

use adversarial_util::*;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use wirebench::runtime::{Event, Worker};
use wirebench::tui::action::{Action, Effect};
use wirebench::tui::app::App;
use wirebench::tui::console::MAX_LINES;
use wirebench::tui::view;

const REPEAT: usize = 2;
/// Longest a single `App::update` or frame may take: the UI thread must never wait on a guest.
const UI_BUDGET: Duration = Duration::from_millis(750);

/// A workspace folder holding hostile.wasm and a `wirebench.toml` with `limits`.
fn workspace_dir(limits: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(hostile_wasm(), dir.path().join("hostile.wasm")).unwrap();
    std::fs::write(
        dir.path().join("wirebench.toml"),
        format!("[components.hostile]\npath = \"hostile.wasm\"\n\n{limits}"),
    )
    .unwrap();
    dir
}

fn open_app(dir: &Path) -> App {
    let (ws, label) = wirebench::tui::open_workspace(&[dir.to_path_buf()]).expect("open workspace");
    App::new(ws, label).with_clock(|| "12:00:00".into())
}

/// `App::update` timed against the UI budget.
///
/// Text the user typed is exempt when it is megabytes long: the command line and history
/// copy it (reported to the lead: a UI stall proportional to the typed text, not a guest
/// hazard). Everything the guest controls — results, output, errors — is held to the budget.
fn update(app: &mut App, action: Action, what: &str) -> Vec<Effect> {
    let typed_len = match &action {
        Action::Command(text) => text.len(),
        // The outcome repeats the call text the user typed.
        Action::Runtime(ev) => match ev.as_ref() {
            Event::CallFinished { outcome, .. } => outcome.call_text.len(),
            _ => 0,
        },
        _ => 0,
    };
    let kind: String = format!("{action:?}").chars().take(60).collect();
    let t = Instant::now();
    let effects = app.update(action);
    let took = t.elapsed();
    if typed_len < 1 << 20 {
        assert!(
            took < UI_BUDGET,
            "App::update({kind}…) for {what} took {took:?}"
        );
    } else if took >= UI_BUDGET {
        eprintln!("note: App::update for {what} ({typed_len} bytes typed) took {took:?}");
    }
    effects
}

/// Carries out runtime effects on the worker and feeds events back until every command
/// answered; returns the finished call outcomes' results as `Ok(value)` / `Err(kind)`.
fn pump(
    app: &mut App,
    worker: &Worker,
    effects: Vec<Effect>,
    limit: Duration,
    what: &str,
) -> Vec<(Result<String, String>, bool)> {
    let mut waiting = 0;
    let mut finished = Vec::new();
    for e in effects {
        if let Effect::Runtime(cmd) = e {
            worker.send(*cmd);
            waiting += 1;
        }
    }
    let deadline = Instant::now() + limit;
    while waiting > 0 {
        assert!(
            Instant::now() < deadline,
            "{what}: the runtime did not answer within {limit:?}"
        );
        let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        let done = matches!(
            ev,
            Event::Loaded { .. }
                | Event::LoadFailed { .. }
                | Event::CallFinished { .. }
                | Event::ResetDone { .. }
        );
        if let Event::CallFinished { outcome, .. } = &ev {
            let r = match &outcome.result {
                Ok(v) => Ok(v.clone()),
                Err(e) => Err(e.kind().to_string()),
            };
            finished.push((r, outcome.state_reset));
        }
        let more = update(app, Action::runtime(ev), what);
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
    finished
}

/// Draws one frame and returns the screen text; fails on any terminal-active character.
fn draw_inert(app: &mut App, what: &str) -> String {
    draw_inert_at(app, what, 120, 40)
}

/// [`draw_inert`] at a given size (the title bar only shows everything on wide screens).
fn draw_inert_at(app: &mut App, what: &str, w: u16, h: u16) -> String {
    app.update(Action::Resize(w, h));
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    let t = Instant::now();
    term.draw(|f| view::render(app, f)).unwrap();
    assert!(
        t.elapsed() < UI_BUDGET,
        "{what}: a frame took {:?}",
        t.elapsed()
    );
    let buf = term.backend().buffer().clone();
    let mut screen = String::new();
    for y in 0..h {
        for x in 0..w {
            screen.push_str(buf[(x, y)].symbol());
        }
        screen.push('\n');
    }
    for c in screen.chars() {
        let active = (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
        assert!(!active, "{what}: {c:?} reached the screen");
    }
    screen
}

#[test]
fn every_hazard_in_a_row_through_the_workbench() {
    let dir = workspace_dir(&limits_toml());
    let worker = Worker::spawn().unwrap();
    let mut app = open_app(dir.path());
    let start = app.start();
    pump(&mut app, &worker, start, Duration::from_secs(60), "load");
    assert!(app.run.loaded, "load failed: {:?}", app.run.load_error);
    let pid = std::process::id();
    let baseline = current_rss(pid).unwrap_or(0);
    let can_reset = reset_peak_rss();
    let mut peak_growth = 0u64;
    for h in call_hazards() {
        let text = h.call.clone().unwrap();
        let expect = h.expect_call.clone().unwrap();
        for round in 0..REPEAT {
            let what = format!("{} #{round}", h.id);
            let t = Instant::now();
            let e = update(&mut app, Action::Command(format!("call {text}")), &what);
            let got = pump(&mut app, &worker, e, time_bound(&h) * 2, &what);
            let took = t.elapsed();
            let [(result, reset)] = got.as_slice() else {
                panic!("{what}: expected one outcome, got {}", got.len());
            };
            assert!(
                expect.accepts(result.as_deref().map_err(String::as_str)),
                "{what}: expected {}, got {:.200?}",
                expect.label(),
                result
            );
            if expect.is_guest_failure() {
                assert!(*reset, "{what}: instance not re-created");
            }
            assert!(took < time_bound(&h), "{what}: took {took:?}");
            draw_inert(&mut app, &what);
            let e = update(&mut app, Action::Command("call divide(7, 2)".into()), &what);
            let next = pump(&mut app, &worker, e, Duration::from_secs(10), &what);
            assert_eq!(
                next[0].0,
                Ok("3".to_string()),
                "{what}: the next call failed"
            );
            assert!(app.console.lines.len() <= MAX_LINES);
            if can_reset {
                peak_growth = peak_growth.max(peak_rss(pid).unwrap_or(0).saturating_sub(baseline));
                reset_peak_rss();
            }
        }
    }
    eprintln!("peak RSS growth over the baseline: {}", mib(peak_growth));
    // Other tests of this binary run alongside; the bound covers them too.
    assert!(
        peak_growth < 700 << 20,
        "peak RSS grew by {}",
        mib(peak_growth)
    );
}

#[test]
fn a_flood_renders_inert_and_the_title_is_not_touched() {
    let dir = workspace_dir(&limits_toml());
    let worker = Worker::spawn().unwrap();
    let mut app = open_app(dir.path());
    let start = app.start();
    pump(&mut app, &worker, start, Duration::from_secs(60), "load");
    for call in [
        "flood(1)",
        "flood-stderr(1)",
        "panic(\"\u{1b}]0;pwned\u{7}\u{202e}evil\")",
    ] {
        let e = update(&mut app, Action::Command(format!("call {call}")), call);
        pump(&mut app, &worker, e, Duration::from_secs(20), call);
        let screen = draw_inert(&mut app, call);
        assert!(!screen.contains("pwned\u{7}"));
    }
    assert!(
        app.console.contains("hostile flood"),
        "flood output is shown"
    );
    assert!(app.console.contains("␛"), "escapes are shown as ␛");
}

#[test]
fn ctrl_c_cancels_a_runaway_call_quickly() {
    // A long deadline, so only the cancel can stop the guest.
    let dir = workspace_dir("[limits]\ntimeout = \"60s\"\n");
    let worker = Worker::spawn().unwrap();
    let mut app = open_app(dir.path());
    let start = app.start();
    pump(&mut app, &worker, start, Duration::from_secs(60), "load");
    for (round, call) in ["spin()", "sleep-ms(600000)", "spin()"].iter().enumerate() {
        let e = update(&mut app, Action::Command(format!("call {call}")), call);
        for effect in e {
            if let Effect::Runtime(cmd) = effect {
                worker.send(*cmd);
            }
        }
        // Wait until the guest is really running.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ev = worker
                .events()
                .recv_timeout(Duration::from_secs(10))
                .expect("an event");
            let started = matches!(ev, Event::CallStarted { .. });
            update(&mut app, Action::runtime(ev), call);
            if started || Instant::now() > deadline {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        for effect in update(&mut app, Action::Interrupt, "ctrl-c") {
            if let Effect::CancelCall = effect {
                worker.cancel();
            }
        }
        let outcome = loop {
            let ev = worker
                .events()
                .recv_timeout(Duration::from_secs(5))
                .expect("cancelled in time");
            if let Event::CallFinished { outcome, .. } = &ev {
                let kind = outcome.result.as_ref().err().map(|e| e.kind().to_string());
                update(&mut app, Action::runtime(ev), call);
                break kind;
            }
            update(&mut app, Action::runtime(ev), call);
        };
        assert_eq!(outcome.as_deref(), Some("cancelled"), "#{round} {call}");
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "#{round}: cancel took {:?}",
            t.elapsed()
        );
        assert!(
            !app.should_quit,
            "Ctrl-C with a running call cancels it, it does not quit"
        );
        let e = update(
            &mut app,
            Action::Command("call divide(7, 2)".into()),
            "next",
        );
        let next = pump(&mut app, &worker, e, Duration::from_secs(10), "next");
        assert_eq!(next[0].0, Ok("3".to_string()));
    }
}

#[test]
fn a_new_load_is_not_blocked_forever_by_a_runaway_guest() {
    // Reloading while a guest spins: the load waits for the call's deadline, not forever.
    let dir = workspace_dir("[limits]\ntimeout = \"500ms\"\n");
    let worker = Worker::spawn().unwrap();
    let mut app = open_app(dir.path());
    let start = app.start();
    pump(&mut app, &worker, start, Duration::from_secs(60), "load");
    let mut effects = update(&mut app, Action::Command("call spin()".into()), "spin");
    // What a changed file leads to: the runtime loads the workspace again.
    effects.extend(app.load_runtime());
    let t = Instant::now();
    pump(
        &mut app,
        &worker,
        effects,
        Duration::from_secs(30),
        "spin + reload",
    );
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert!(app.run.loaded);
    // Dropping a worker in the middle of a runaway call returns promptly too (cancel first).
    let e = update(&mut app, Action::Command("call spin()".into()), "spin");
    for effect in e {
        if let Effect::Runtime(cmd) = effect {
            worker.send(*cmd);
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    drop(worker);
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "dropping the worker took {:?}",
        t.elapsed()
    );
}

#[test]
fn typed_and_replayed_text_is_inert_on_screen() {
    // Found by fuzz/app_update and tests/terminal_safety.rs: a call's text is the user's —
    // typed, pasted, or replayed from a workspace's `.wirebench-history` file (untrusted when
    // the folder is) — and its control characters reached the terminal in two places (now refused at input,
    // dropped from loaded history, and folded to one inert line in the title bar).
    let dir = workspace_dir(&limits_toml());
    let mut app = open_app(dir.path());
    // 1. The title bar's `last: <name> <time>` after a call finished.
    let outcome = wirebench::runtime::CallOutcome {
        call_text: "now\u{b}\u{9b}2J\u{202e}(1)".into(),
        function: Some("now".into()),
        component: None,
        result: Ok("1".into()),
        stdout: String::new(),
        stderr: String::new(),
        stdout_truncated: false,
        stderr_truncated: false,
        duration: Duration::from_micros(5),
        trace: None,
        state_reset: false,
    };
    app.update(Action::runtime(Event::CallFinished {
        id: 1,
        outcome,
        handles: Vec::new(),
    }));
    draw_inert_at(&mut app, "title bar after a call", 400, 40);
    // 2. The `:` command line echoing what is typed.
    app.update(Action::CommandLine);
    for c in ['c', '\u{9b}', '2', 'J', '\u{202e}', '\u{7}'] {
        app.update(Action::Edit(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        )));
    }
    draw_inert(&mut app, "command line");
}
