//! `App::update` with random action sequences — keys, mouse, resizes, `:` commands, and
//! runtime/job results carrying hostile text — on the demo workspace, drawing a frame now and
//! then: never a panic, and no terminal-active character ever reaches the screen.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use libfuzzer_sys::fuzz_target;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use wirebench::runtime::{CallError, CallOutcome, Event};
use wirebench::tui::action::{Action, Pane};
use wirebench::tui::app::App;
use wirebench::tui::view;
use wirebench::workspace::Workspace;

#[derive(Arbitrary, Debug)]
enum Step {
    Key(u8),
    Char(char),
    Nav(u8),
    Focus(u8),
    Click(u16, u16),
    Scroll(u16, u16, i8),
    Resize(u8, u8),
    Command(String),
    CallFinished {
        id: u8,
        ok: bool,
        text: String,
        stdout: String,
        reset: bool,
    },
    CallStarted(u8),
    LoadFailed(String, bool),
    Job(bool, String),
    Draw,
}

fn action(step: Step) -> Option<Action> {
    Some(match step {
        Step::Key(k) => {
            let code = match k % 12 {
                0 => KeyCode::Enter,
                1 => KeyCode::Esc,
                2 => KeyCode::Tab,
                3 => KeyCode::Backspace,
                4 => KeyCode::Up,
                5 => KeyCode::Down,
                6 => KeyCode::Left,
                7 => KeyCode::Right,
                8 => KeyCode::Home,
                9 => KeyCode::End,
                10 => KeyCode::Delete,
                _ => KeyCode::BackTab,
            };
            let mods = if k & 0x80 != 0 {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            };
            Action::Edit(KeyEvent::new(code, mods))
        }
        Step::Char(c) => Action::Edit(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        Step::Nav(n) => match n % 24 {
            0 => Action::FocusNext,
            1 => Action::FocusPrev,
            2 => Action::Up,
            3 => Action::Down,
            4 => Action::Left,
            5 => Action::Right,
            6 => Action::PageUp,
            7 => Action::PageDown,
            8 => Action::Home,
            9 => Action::End,
            10 => Action::Pan(i32::from(n) - 12, 3),
            11 => Action::Select,
            12 => Action::Back,
            13 => Action::PlugPicker,
            14 => Action::Unplug,
            15 => Action::Invoke,
            16 => Action::CommandLine,
            17 => Action::ToggleHelp,
            18 => Action::ToggleMode,
            19 => Action::Complete,
            20 => Action::HistoryPrev,
            21 => Action::HistoryNext,
            22 => Action::Interrupt,
            _ => Action::Tick,
        },
        Step::Focus(p) => Action::Focus(Pane::CYCLE[usize::from(p) % Pane::CYCLE.len()]),
        Step::Click(x, y) => Action::Click(x % 400, y % 200),
        Step::Scroll(x, y, d) => Action::Scroll(x % 400, y % 200, i32::from(d)),
        Step::Resize(w, h) => Action::Resize(u16::from(w), u16::from(h)),
        // Commands that quit or touch the disk are the runner's business, not update's;
        // update only returns effects, which are dropped here.
        Step::Command(c) => Action::Command(c),
        Step::CallFinished {
            id,
            ok,
            text,
            stdout,
            reset,
        } => {
            let mut outcome = CallOutcome {
                call_text: text.clone(),
                function: Some(text.clone()),
                component: Some("kv-store".into()),
                result: if ok {
                    Ok(text.clone())
                } else {
                    Err(CallError::Trap {
                        func: text.clone(),
                        message: text.clone(),
                        frames: vec![text.clone()],
                    })
                },
                stdout: stdout.clone(),
                stderr: stdout,
                stdout_truncated: reset,
                stderr_truncated: false,
                duration: Duration::from_micros(u64::from(id)),
                trace: None,
                state_reset: reset,
            };
            outcome.call_text.truncate(4096);
            Action::runtime(Event::CallFinished {
                id: u64::from(id),
                outcome,
                handles: Vec::new(),
            })
        }
        Step::CallStarted(id) => Action::runtime(Event::CallStarted { id: u64::from(id) }),
        Step::LoadFailed(message, kept_previous) => Action::runtime(Event::LoadFailed {
            error: CallError::Load { message },
            kept_previous,
        }),
        Step::Job(ok, text) => Action::JobDone(if ok { Ok(text) } else { Err(text) }),
        Step::Draw => return None,
    })
}

fn demo() -> Workspace {
    let mut ws = Workspace::new();
    for c in wirebench_fuzz::samples() {
        ws.insert_component(&c.name, c.clone());
    }
    ws.auto_plug();
    ws
}

fn draw(app: &mut App) {
    let (w, h) = app.size;
    let (w, h) = (w.min(200), h.min(80));
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    term.draw(|f| view::render(app, f)).expect("draw");
    let buf = term.backend().buffer();
    for y in 0..h {
        let row: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
        for c in row.chars() {
            let active = c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
            assert!(!active, "{c:?} reached the screen in row {y}: {row:?}");
        }
    }
}

fuzz_target!(|steps: Vec<Step>| {
    let mut app = App::new(demo(), "fuzz".into()).with_clock(|| "12:00:00".into());
    app.update(Action::Resize(120, 40));
    let _ = app.start();
    for step in steps.into_iter().take(64) {
        match action(step) {
            Some(a) => {
                let _ = app.update(a);
            }
            None => draw(&mut app),
        }
    }
    draw(&mut app);
});
