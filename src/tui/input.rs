//! Keyboard and mouse intents: focus, selection, ports, pickers and the text fields.

use super::action::{Action, Effect, Pane};
use super::app::{App, FunctionPicker, Overlay, PlugPicker};
use super::console::LineKind;
use super::invoke;
use super::keymap::InputMode;
use super::layout::{PortSide, HOST_ID};
use super::view;
use crate::workspace::Plug;

impl App {
    pub(super) fn on_input(&mut self, action: Action) -> Vec<Effect> {
        if matches!(self.overlay, Overlay::Help) {
            // Any key closes the help; the key itself is not acted on.
            if !matches!(action, Action::Scroll(..)) {
                self.overlay = Overlay::None;
            }
            return Vec::new();
        }
        match self.input_mode() {
            InputMode::Command => return self.on_command_line(action),
            InputMode::Filter => return self.on_function_picker(action),
            InputMode::Invoke => return self.on_invoke(action),
            InputMode::Normal => {}
        }
        if matches!(self.overlay, Overlay::Plug(_)) {
            return self.on_plug_picker(action);
        }
        match action {
            Action::FocusNext | Action::FocusPrev => {
                let i = Pane::CYCLE
                    .iter()
                    .position(|p| *p == self.focus)
                    .unwrap_or(0);
                let n = Pane::CYCLE.len();
                let step = if matches!(action, Action::FocusNext) {
                    1
                } else {
                    n - 1
                };
                self.focus = Pane::CYCLE[(i + step) % n];
            }
            Action::Focus(p) => self.focus = p,
            Action::Up | Action::Down => self.move_vertical(matches!(action, Action::Up)),
            Action::Left | Action::Right => self.move_horizontal(matches!(action, Action::Right)),
            Action::PageUp | Action::PageDown | Action::Home | Action::End => self.page(&action),
            Action::Pan(dx, dy) => {
                self.offset.0 = (self.offset.0 + dx).clamp(0, self.graph.width.max(0));
                self.offset.1 = (self.offset.1 + dy).clamp(0, self.graph.height.max(0));
            }
            Action::Select => return self.select(),
            Action::Back if self.port.take().is_none() => self.focus = Pane::Graph,
            Action::Back => {}
            Action::PlugPicker => self.open_plug_picker(),
            Action::Unplug => return self.unplug_selected(),
            Action::Invoke => self.open_function_picker(None),
            Action::CommandLine => self.command_line = Some(invoke::new_text_area("")),
            Action::ToggleHelp => self.overlay = Overlay::Help,
            Action::Save => return self.save(None),
            Action::ToggleMode => return self.toggle_mode(None),
            Action::Reload => return self.run_command("reload"),
            Action::Click(x, y) => self.click(x, y),
            Action::Scroll(x, y, d) => self.scroll_at(x, y, d),
            Action::Edit(key) if self.focus == Pane::Invoke => {
                invoke::edit(&mut self.invoke.text, key);
                self.validate_invoke();
            }
            _ => {}
        }
        Vec::new()
    }

    fn move_vertical(&mut self, up: bool) {
        match self.focus {
            Pane::Inspector => {
                self.inspector_scroll = if up {
                    self.inspector_scroll.saturating_sub(1)
                } else {
                    self.inspector_scroll.saturating_add(1)
                };
            }
            Pane::Console => {
                if up {
                    self.console.scroll_up(1);
                } else {
                    self.console.scroll_down(1);
                }
            }
            Pane::Graph if self.port.is_some() => {
                let n = self
                    .graph
                    .nodes
                    .get(self.selected)
                    .map_or(0, |n| n.ports.len());
                if n > 0 {
                    let p = self.port.unwrap_or(0);
                    self.port = Some(if up { (p + n - 1) % n } else { (p + 1) % n });
                }
                self.keep_selection_visible();
            }
            Pane::Graph => {
                // Nearest node above/below, preferring the same column.
                let Some(cur) = self.graph.nodes.get(self.selected) else {
                    return;
                };
                let (cx, cy) = (cur.x, cur.y);
                let best = self
                    .graph
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| if up { n.y < cy } else { n.y > cy })
                    .min_by_key(|(_, n)| ((n.x - cx).abs() * 4 + (n.y - cy).abs(), n.y));
                if let Some((i, _)) = best {
                    self.select_node(i);
                }
            }
            _ => {
                let n = self.graph.nodes.len();
                if n > 0 {
                    let next = if up {
                        (self.selected + n - 1) % n
                    } else {
                        (self.selected + 1) % n
                    };
                    self.select_node(next);
                }
            }
        }
    }

    fn move_horizontal(&mut self, right: bool) {
        if self.focus != Pane::Graph {
            return;
        }
        if self.port.is_some() && !right {
            self.port = None;
            return;
        }
        let Some(cur) = self.graph.nodes.get(self.selected) else {
            return;
        };
        let (cx, cy) = (cur.x, cur.y);
        let best = self
            .graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| if right { n.x > cx } else { n.x < cx })
            .min_by_key(|(_, n)| ((n.x - cx).abs() + (n.y - cy).abs() * 2, n.x));
        match best {
            Some((i, _)) => self.select_node(i),
            None if right && self.port.is_none() => self.port = Some(0),
            None => {}
        }
    }

    /// Selects node `i` (leaving port navigation) and scrolls it into view.
    pub(super) fn select_node(&mut self, i: usize) {
        if i != self.selected {
            self.port = None;
            self.inspector_scroll = 0;
        }
        self.selected = i;
        self.keep_selection_visible();
    }

    fn page(&mut self, action: &Action) {
        let h = usize::from(self.size.1 / 3).max(1);
        match (self.focus, action) {
            (Pane::Console, Action::PageUp) => self.console.scroll_up(h),
            (Pane::Console, Action::PageDown) => self.console.scroll_down(h),
            (Pane::Console, Action::Home) => self.console.scroll_up(usize::MAX / 2),
            (Pane::Console, Action::End) => self.console.scroll = 0,
            (_, Action::PageUp) => {
                self.inspector_scroll = self.inspector_scroll.saturating_sub(h as u16)
            }
            (_, Action::PageDown) => {
                self.inspector_scroll = self.inspector_scroll.saturating_add(h as u16)
            }
            (_, Action::Home) => self.inspector_scroll = 0,
            _ => {}
        }
    }

    fn select(&mut self) -> Vec<Effect> {
        match self.focus {
            Pane::Components => {
                self.focus = Pane::Graph;
                Vec::new()
            }
            Pane::Graph => {
                let Some(port) = self.selected_port().cloned() else {
                    if self
                        .graph
                        .nodes
                        .get(self.selected)
                        .is_some_and(|n| !n.ports.is_empty())
                    {
                        self.port = Some(0);
                    }
                    return Vec::new();
                };
                match port.side {
                    PortSide::Import => self.open_plug_picker(),
                    PortSide::Export => {
                        let filter = crate::model::short_interface_name(&port.name).to_string();
                        self.open_function_picker(Some(filter));
                    }
                }
                Vec::new()
            }
            Pane::Console | Pane::Inspector => Vec::new(),
            Pane::Invoke => self.run_invoke(),
        }
    }

    fn open_plug_picker(&mut self) {
        let Some((consumer, import)) = self.selected_import() else {
            self.hint = Some("select an import port first: Enter on a component, then ↑↓".into());
            return;
        };
        let candidates = self.workspace.candidates(&consumer, &import);
        if candidates.is_empty() {
            self.log(
                LineKind::Error,
                &format!("no component in the workspace exports `{import}` — :open one that does"),
            );
            return;
        }
        let current = self
            .workspace
            .plug_for(&consumer, &import)
            .map(|p| p.provider.clone());
        let selected = candidates
            .iter()
            .position(|c| Some(&c.provider) == current.as_ref())
            .or_else(|| candidates.iter().position(|c| c.compatible))
            .unwrap_or(0);
        self.overlay = Overlay::Plug(Box::new(PlugPicker {
            consumer,
            import,
            candidates,
            selected,
        }));
    }

    fn on_plug_picker(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Plug(picker) = &mut self.overlay else {
            return Vec::new();
        };
        let n = picker.candidates.len();
        match action {
            Action::Up => picker.selected = (picker.selected + n - 1) % n.max(1),
            Action::Down => picker.selected = (picker.selected + 1) % n.max(1),
            Action::Back | Action::Quit => self.overlay = Overlay::None,
            Action::Select => {
                let Some(c) = picker.candidates.get(picker.selected).cloned() else {
                    return Vec::new();
                };
                let plug = Plug {
                    consumer: picker.consumer.clone(),
                    import: picker.import.clone(),
                    provider: c.provider.clone(),
                    export: c.export.clone(),
                };
                if !c.compatible {
                    let why = c.problem.unwrap_or_else(|| "the types differ".into());
                    self.log(
                        LineKind::Error,
                        &format!(
                            "cannot plug `{}` into `{}`: {why}",
                            c.provider, plug.consumer
                        ),
                    );
                    return Vec::new();
                }
                self.overlay = Overlay::None;
                return self.apply_plug(plug);
            }
            _ => {}
        }
        Vec::new()
    }

    fn unplug_selected(&mut self) -> Vec<Effect> {
        match self.selected_import() {
            Some((consumer, import)) => self.apply_unplug(&consumer, &import),
            None => {
                self.hint = Some("select a plugged import port first (Enter, then ↑↓)".into());
                Vec::new()
            }
        }
    }

    pub(super) fn open_function_picker(&mut self, filter: Option<String>) {
        let component = self.selected_component().map(str::to_string);
        if self.functions.is_empty() {
            let why = self
                .run
                .load_error
                .clone()
                .unwrap_or_else(|| "still instantiating".into());
            self.hint = Some(format!("nothing to invoke yet: {why}"));
            return;
        }
        let mut picker = FunctionPicker {
            component,
            filter: invoke::new_text_area(filter.as_deref().unwrap_or("")),
            matches: Vec::new(),
            selected: 0,
        };
        invoke::refilter(&mut picker, &self.functions);
        if picker.matches.is_empty() && picker.component.is_some() {
            picker.component = None;
            invoke::refilter(&mut picker, &self.functions);
        }
        self.overlay = Overlay::Functions(Box::new(picker));
    }

    fn on_function_picker(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Functions(picker) = &mut self.overlay else {
            return Vec::new();
        };
        let n = picker.matches.len().max(1);
        match action {
            Action::Up => picker.selected = (picker.selected + n - 1) % n,
            Action::Down => picker.selected = (picker.selected + 1) % n,
            Action::Back => self.overlay = Overlay::None,
            Action::Complete => {
                // Tab widens the search to every component.
                picker.component = None;
                invoke::refilter(picker, &self.functions);
            }
            Action::Edit(key) => {
                invoke::edit(&mut picker.filter, key);
                invoke::refilter(picker, &self.functions);
            }
            Action::Select => {
                let chosen = picker
                    .matches
                    .get(picker.selected)
                    .and_then(|&i| self.functions.get(i));
                if let Some(f) = chosen {
                    let template = f.template.clone();
                    self.overlay = Overlay::None;
                    self.focus = Pane::Invoke;
                    self.invoke.text = invoke::new_text_area(&template);
                    self.validate_invoke();
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_invoke(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Select => return self.run_invoke(),
            Action::Back => self.focus = Pane::Graph,
            Action::HistoryPrev | Action::HistoryNext => {
                let h = &self.invoke.history;
                if h.is_empty() {
                    return Vec::new();
                }
                let pos = match (
                    self.invoke.history_pos,
                    matches!(action, Action::HistoryPrev),
                ) {
                    (None, true) => Some(h.len() - 1),
                    (None, false) => None,
                    (Some(p), true) => Some(p.saturating_sub(1)),
                    (Some(p), false) if p + 1 < h.len() => Some(p + 1),
                    (Some(_), false) => None,
                };
                self.invoke.history_pos = pos;
                let text = pos.map(|p| h[p].clone()).unwrap_or_default();
                self.invoke.text = invoke::new_text_area(&text);
                self.validate_invoke();
            }
            Action::Complete => self.focus = Pane::Graph,
            Action::Edit(key) => {
                invoke::edit(&mut self.invoke.text, key);
                self.validate_invoke();
            }
            _ => {}
        }
        Vec::new()
    }

    fn run_invoke(&mut self) -> Vec<Effect> {
        let text = self.invoke.text.lines().join(" ");
        if let Some(Err(e)) = &self.invoke.check {
            self.log(LineKind::Error, &format!("not run: {e}"));
            return Vec::new();
        }
        self.call(&text)
    }

    /// Re-checks the invoke editor's text against the loaded functions.
    pub(super) fn validate_invoke(&mut self) {
        let text = self.invoke.text.lines().join(" ");
        self.invoke.check = if text.trim().is_empty() {
            None
        } else {
            Some(invoke::check_call(&self.functions, &text))
        };
    }

    fn click(&mut self, x: u16, y: u16) {
        let areas = view::areas(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        );
        let inside = |r: ratatui::layout::Rect| {
            x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
        };
        if inside(areas.graph) {
            self.focus = Pane::Graph;
            let cx = i32::from(x) - i32::from(areas.graph.x) - 1 + self.offset.0;
            let cy = i32::from(y) - i32::from(areas.graph.y) - 1 + self.offset.1;
            if let Some(i) = self.graph.nodes.iter().position(|n| n.contains(cx, cy)) {
                self.select_node(i);
                let row = cy - self.graph.nodes[i].y - 1;
                let ports = self.graph.nodes[i].ports.len() as i32;
                self.port = (0..ports).contains(&row).then_some(row as usize);
            }
        } else if inside(areas.components) {
            self.focus = Pane::Components;
            let row = usize::from(y.saturating_sub(areas.components.y + 1));
            if row < self.graph.nodes.len() {
                self.select_node(row);
            }
        } else if inside(areas.inspector) {
            self.focus = Pane::Inspector;
        } else if inside(areas.console) {
            self.focus = Pane::Console;
        } else if inside(areas.invoke) {
            self.focus = Pane::Invoke;
        }
    }

    fn scroll_at(&mut self, x: u16, y: u16, delta: i32) {
        let areas = view::areas(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        );
        let inside = |r: ratatui::layout::Rect| {
            x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height
        };
        let n = delta.unsigned_abs() as usize;
        if inside(areas.console) {
            if delta < 0 {
                self.console.scroll_up(n);
            } else {
                self.console.scroll_down(n);
            }
        } else if inside(areas.inspector) {
            self.inspector_scroll = (i32::from(self.inspector_scroll) + delta).max(0) as u16;
        } else if inside(areas.graph) {
            self.offset.1 = (self.offset.1 + delta).clamp(0, self.graph.height.max(0));
        }
    }

    /// The id shown for the selected node (components or the host).
    pub fn selected_id(&self) -> &str {
        self.graph
            .nodes
            .get(self.selected)
            .map_or(HOST_ID, |n| n.id.as_str())
    }
}
