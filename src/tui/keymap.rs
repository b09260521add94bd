//! Keys → actions, in one table that also feeds the `?` help overlay and the README keys table.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::action::{Action, Pane};

/// Where keys go: the panes, or a text field that wants every printable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    Normal,
    /// The `:` command line.
    Command,
    /// The invoke editor.
    Invoke,
    /// A picker overlay with a type-to-filter field.
    Filter,
}

/// One documented binding: the keys as shown, and what they do.
pub struct Binding {
    pub keys: &'static str,
    pub what: &'static str,
}

/// Every key, in the order the help overlay shows them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: "Tab / Shift-Tab",
        what: "next / previous pane",
    },
    Binding {
        keys: "1 2 3 4 5",
        what: "components, graph, inspector, console, invoke",
    },
    Binding {
        keys: "↑↓ / j k",
        what: "select component, port or line",
    },
    Binding {
        keys: "←→ / h l",
        what: "graph: previous / next layer; ports: leave / enter",
    },
    Binding {
        keys: "Enter",
        what: "graph: enter ports, pick a provider for an import, invoke an export",
    },
    Binding {
        keys: "p",
        what: "plug the selected import (picker of providers)",
    },
    Binding {
        keys: "u",
        what: "unplug the selected import",
    },
    Binding {
        keys: "i",
        what: "invoke a function of the selected component",
    },
    Binding {
        keys: "Shift-←↑↓→ / H J K L",
        what: "pan the graph",
    },
    Binding {
        keys: "PgUp PgDn Home End",
        what: "scroll the focused pane",
    },
    Binding {
        keys: "s",
        what: "save wirebench.toml and the .wac",
    },
    Binding {
        keys: "m",
        what: "switch run mode: linked (traced) / composed",
    },
    Binding {
        keys: "r",
        what: "reload every component file and re-instantiate",
    },
    Binding {
        keys: ":",
        what: "command line (Tab completes)",
    },
    Binding {
        keys: "Ctrl-C",
        what: "cancel the running call (quit when idle)",
    },
    Binding {
        keys: "Esc",
        what: "close, leave the field, clear the selection",
    },
    Binding {
        keys: "?",
        what: "this help",
    },
    Binding {
        keys: "q",
        what: "quit",
    },
];

/// Commands of the `:` line, as the help overlay lists them.
pub const COMMANDS: &[Binding] = &[
    Binding {
        keys: ":call <call>",
        what: "run a call, e.g. :call kv-store.get(\"k\")",
    },
    Binding {
        keys: ":plug <consumer> <import> <provider>",
        what: "wire an import to an export",
    },
    Binding {
        keys: ":unplug <consumer> <import>",
        what: "remove a plug",
    },
    Binding {
        keys: ":save [path.wac]",
        what: "save (also :w)",
    },
    Binding {
        keys: ":export <out.wasm>",
        what: "write the composed component",
    },
    Binding {
        keys: ":mode linked|composed",
        what: "how wired components run",
    },
    Binding {
        keys: ":reload / :reset",
        what: "re-read files / drop guest state",
    },
    Binding {
        keys: ":replay on|off",
        what: "replay successful calls after a reload",
    },
    Binding {
        keys: ":open <path>",
        what: "open files, a folder, a .wac or wirebench.toml",
    },
    Binding {
        keys: ":serve [addr] / :serve stop",
        what: "serve the composition over HTTP; requests show as call trees",
    },
    Binding {
        keys: ":build <component> / :init [dir]",
        what: "rebuild from source now / write build settings for a Cargo workspace",
    },
    Binding {
        keys: ":relayout",
        what: "lay the graph out afresh",
    },
    Binding {
        keys: ":q",
        what: "quit",
    },
];

/// Maps a key press to an action for the current input mode and focus.
pub fn map_key(mode: InputMode, focus: Pane, key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Action::Interrupt);
    }
    if mode != InputMode::Normal {
        return Some(match key.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => Action::Select,
            KeyCode::Tab => Action::Complete,
            KeyCode::Up if mode == InputMode::Filter => Action::Up,
            KeyCode::Down if mode == InputMode::Filter => Action::Down,
            KeyCode::Up => Action::HistoryPrev,
            KeyCode::Down => Action::HistoryNext,
            _ => Action::Edit(key),
        });
    }
    let action = match key.code {
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('1') => Action::Focus(Pane::Components),
        KeyCode::Char('2') => Action::Focus(Pane::Graph),
        KeyCode::Char('3') => Action::Focus(Pane::Inspector),
        KeyCode::Char('4') => Action::Focus(Pane::Console),
        KeyCode::Char('5') => Action::Focus(Pane::Invoke),
        KeyCode::Left if shift => Action::Pan(-8, 0),
        KeyCode::Right if shift => Action::Pan(8, 0),
        KeyCode::Up if shift => Action::Pan(0, -4),
        KeyCode::Down if shift => Action::Pan(0, 4),
        KeyCode::Char('H') => Action::Pan(-8, 0),
        KeyCode::Char('L') => Action::Pan(8, 0),
        KeyCode::Char('K') => Action::Pan(0, -4),
        KeyCode::Char('J') => Action::Pan(0, 4),
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home => Action::Home,
        KeyCode::End => Action::End,
        KeyCode::Enter => Action::Select,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('p') => Action::PlugPicker,
        KeyCode::Char('u') => Action::Unplug,
        KeyCode::Char('i') => Action::Invoke,
        KeyCode::Char(':') => Action::CommandLine,
        KeyCode::Char('?') => Action::ToggleHelp,
        KeyCode::Char('s') => Action::Save,
        KeyCode::Char('m') => Action::ToggleMode,
        KeyCode::Char('r') => Action::Reload,
        KeyCode::Char('q') => Action::Quit,
        // Typing into the invoke pane starts editing there.
        _ if focus == Pane::Invoke => Action::Edit(key),
        _ => return None,
    };
    Some(action)
}

/// Maps mouse input: left click selects, the wheel scrolls.
pub fn map_mouse(ev: MouseEvent) -> Option<Action> {
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(ev.column, ev.row)),
        MouseEventKind::ScrollUp => Some(Action::Scroll(ev.column, ev.row, -3)),
        MouseEventKind::ScrollDown => Some(Action::Scroll(ev.column, ev.row, 3)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn text_modes_take_printable_keys() {
        let a = map_key(InputMode::Command, Pane::Graph, key(KeyCode::Char('q')));
        assert!(matches!(a, Some(Action::Edit(_))));
        let a = map_key(InputMode::Normal, Pane::Graph, key(KeyCode::Char('q')));
        assert!(matches!(a, Some(Action::Quit)));
    }

    #[test]
    fn ctrl_c_always_interrupts() {
        let k = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for mode in [
            InputMode::Normal,
            InputMode::Command,
            InputMode::Invoke,
            InputMode::Filter,
        ] {
            assert!(matches!(
                map_key(mode, Pane::Graph, k),
                Some(Action::Interrupt)
            ));
        }
    }

    #[test]
    fn every_binding_is_documented_once() {
        let mut seen = std::collections::HashSet::new();
        for b in BINDINGS.iter().chain(COMMANDS) {
            assert!(seen.insert(b.keys), "duplicate help entry {}", b.keys);
        }
    }
}
