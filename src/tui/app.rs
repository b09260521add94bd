//! The workbench state and its one entry point for change, `App::update(Action) -> Vec<Effect>`.
//! Nothing here touches the terminal, the disk or a guest: effects describe that work.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tui_textarea::TextArea;

use super::action::{Action, Effect, Pane};
use super::console::{Console, LineKind};
use super::keymap::InputMode;
use super::layout::{self, GraphLayout, PortSide, HOST_ID};
use super::view;
use crate::runtime::{self, FunctionEntry};
use crate::util::words::count;
use crate::workspace::{Candidate, PlugReport, Workspace};

/// How wired components run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Each component instantiated alone; plugs forwarded and traced by the host.
    Linked,
    /// The composition encoded into one component, exactly what ships.
    Composed,
}

impl RunMode {
    pub fn label(self) -> &'static str {
        match self {
            RunMode::Linked => "linked",
            RunMode::Composed => "composed",
        }
    }
}

/// A call sent to the runtime and not finished yet.
#[derive(Debug, Clone)]
pub struct PendingCall {
    pub id: u64,
    pub text: String,
    /// Set when the worker says the guest started running it.
    pub started: Option<Instant>,
}

/// What the runtime side of the app knows.
#[derive(Debug)]
pub struct RunState {
    pub mode: RunMode,
    pub loaded: bool,
    pub loading: bool,
    pub pending: VecDeque<PendingCall>,
    /// Replay successful calls after a reload.
    pub replay: bool,
    /// Successful calls since the last load, for replay.
    pub calls: Vec<String>,
    /// The last action and how long it took, for the status bar.
    pub last: Option<String>,
    pub load_error: Option<String>,
    pub limits: String,
}

/// An open overlay.
#[derive(Debug, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    Plug(Box<PlugPicker>),
    Functions(Box<FunctionPicker>),
}

/// Choosing a provider for one import.
#[derive(Debug)]
pub struct PlugPicker {
    pub consumer: String,
    pub import: String,
    pub candidates: Vec<Candidate>,
    pub selected: usize,
}

/// Choosing a function to invoke, with a fuzzy filter.
#[derive(Debug)]
pub struct FunctionPicker {
    /// Restrict to this component's functions (all when `None`).
    pub component: Option<String>,
    pub filter: TextArea<'static>,
    /// Indices into `App::functions` that match the filter, best first.
    pub matches: Vec<usize>,
    pub selected: usize,
}

/// The invoke editor: one line of WAVE, validated on every edit.
#[derive(Debug)]
pub struct InvokeEditor {
    pub text: TextArea<'static>,
    /// `None` when empty; otherwise whether the call checks, with the reason.
    pub check: Option<Result<String, String>>,
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
}

/// The whole state of the workbench.
pub struct App {
    pub workspace: Workspace,
    /// Where the workspace lives, as shown in the title bar.
    pub location: String,
    pub modified: bool,
    pub report: PlugReport,
    pub graph: GraphLayout,
    /// Index into `graph.nodes` (components first, then the host).
    pub selected: usize,
    /// A port of the selected node, when navigating ports.
    pub port: Option<usize>,
    pub focus: Pane,
    pub overlay: Overlay,
    pub command_line: Option<TextArea<'static>>,
    pub invoke: InvokeEditor,
    pub console: Console,
    pub functions: Vec<FunctionEntry>,
    pub run: RunState,
    pub watch: String,
    pub inspector_scroll: u16,
    /// Top-left of the graph viewport in canvas cells.
    pub offset: (i32, i32),
    pub size: (u16, u16),
    /// Plugs a recent call crossed: (consumer, provider, until).
    pub lit: Vec<(String, String, Instant)>,
    /// Nodes that changed recently (reloads): id and until when they flash.
    pub flash: Vec<(String, Instant)>,
    /// A transient message for the bottom line (completions, hints).
    pub hint: Option<String>,
    pub should_quit: bool,
    pub spinner: usize,
    /// Components building from source now, with when they started.
    pub building: Vec<(String, Instant)>,
    /// Components whose last build failed (their last good version keeps running).
    pub build_failed: Vec<String>,
    clock: fn() -> String,
    next_call_id: u64,
}

/// How long an edge stays lit after a call crossed it.
pub const LIT_FOR: Duration = Duration::from_millis(1500);

fn wall_clock() -> String {
    chrono::Local::now().format("%H:%M:%S").to_string()
}

impl App {
    /// A workbench on `workspace`; `location` is shown in the title bar.
    pub fn new(workspace: Workspace, location: String) -> App {
        let report = workspace.status();
        let graph = layout::layout(&workspace, &report, &workspace.layout);
        let mut app = App {
            workspace,
            location,
            modified: false,
            report,
            graph,
            selected: 0,
            port: None,
            focus: Pane::Graph,
            overlay: Overlay::None,
            command_line: None,
            invoke: InvokeEditor {
                text: super::invoke::new_text_area(""),
                check: None,
                history: Vec::new(),
                history_pos: None,
            },
            console: Console::default(),
            functions: Vec::new(),
            run: RunState {
                mode: RunMode::Linked,
                loaded: false,
                loading: false,
                pending: VecDeque::new(),
                replay: false,
                calls: Vec::new(),
                last: None,
                load_error: None,
                limits: String::new(),
            },
            watch: "off".into(),
            inspector_scroll: 0,
            offset: (0, 0),
            size: (160, 48),
            lit: Vec::new(),
            flash: Vec::new(),
            hint: None,
            should_quit: false,
            spinner: 0,
            building: Vec::new(),
            build_failed: Vec::new(),
            clock: wall_clock,
            next_call_id: 1,
        };
        app.run.limits = super::ops::limits_label(&app.workspace);
        app.log_workspace_state();
        app
    }

    /// Replaces the clock (tests use a fixed one so snapshots are stable).
    pub fn with_clock(mut self, clock: fn() -> String) -> App {
        self.clock = clock;
        for line in &mut self.console.lines {
            if !line.time.is_empty() {
                line.time = clock();
            }
        }
        self
    }

    /// The effects to run at start: load the workspace into the runtime.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::Watch(Box::new(self.workspace.clone()))];
        effects.extend(self.load_runtime());
        effects
    }

    pub fn now_label(&self) -> String {
        (self.clock)()
    }

    /// Adds a console line stamped with the current time.
    pub fn log(&mut self, kind: LineKind, text: &str) {
        let t = self.now_label();
        self.console.push(&t, kind, text, "");
    }

    pub fn log_detail(&mut self, kind: LineKind, text: &str, detail: &str) {
        let t = self.now_label();
        self.console.push(&t, kind, text, detail);
    }

    /// Which field gets printable keys.
    pub fn input_mode(&self) -> InputMode {
        if self.command_line.is_some() {
            InputMode::Command
        } else if matches!(self.overlay, Overlay::Functions(_)) {
            InputMode::Filter
        } else if self.focus == Pane::Invoke && matches!(self.overlay, Overlay::None) {
            InputMode::Invoke
        } else {
            InputMode::Normal
        }
    }

    /// True while something animates (spinner, lit edges, flashes): the runner then ticks.
    pub fn animating(&self) -> bool {
        !self.run.pending.is_empty()
            || self.run.loading
            || !self.building.is_empty()
            || !self.lit.is_empty()
            || !self.flash.is_empty()
    }

    /// The id of the selected component, if a component (not the host) is selected.
    pub fn selected_component(&self) -> Option<&str> {
        self.graph
            .nodes
            .get(self.selected)
            .map(|n| n.id.as_str())
            .filter(|id| *id != HOST_ID)
    }

    /// Recomputes the plug report and the graph after the workspace changed, keeping positions.
    pub fn refresh(&mut self) {
        let selected_id = self.graph.nodes.get(self.selected).map(|n| n.id.clone());
        let mut saved = self.graph.positions();
        for (k, v) in &self.workspace.layout {
            saved.entry(k.clone()).or_insert(*v);
        }
        saved.retain(|k, _| self.workspace.components.contains_key(k));
        self.report = self.workspace.status();
        self.graph = layout::layout(&self.workspace, &self.report, &saved);
        self.selected = selected_id
            .and_then(|id| self.graph.index_of(&id))
            .unwrap_or(0)
            .min(self.graph.nodes.len().saturating_sub(1));
        if let Some(p) = self.port {
            let n = self
                .graph
                .nodes
                .get(self.selected)
                .map_or(0, |n| n.ports.len());
            self.port = (p < n).then_some(p);
        }
    }

    fn log_workspace_state(&mut self) {
        let open: Vec<String> = self
            .report
            .open
            .iter()
            .filter(|o| o.blocks_completion())
            .map(|o| o.message())
            .collect();
        let warnings: Vec<String> = self
            .workspace
            .warnings
            .iter()
            .map(|w| w.to_string())
            .collect();
        self.log(
            LineKind::Info,
            &format!(
                "opened {} — {}, {}",
                self.location,
                count(self.workspace.components.len(), "component"),
                count(self.workspace.plugs.len(), "plug")
            ),
        );
        for w in warnings {
            self.log(LineKind::Error, &w);
        }
        for o in open {
            self.log(LineKind::Error, &o);
        }
    }

    /// Applies one action; returns the work the runner must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.hint = match action {
            Action::Tick | Action::Runtime(_) | Action::JobDone(_) => self.hint.take(),
            _ => None,
        };
        match action {
            Action::Quit => {
                self.should_quit = true;
                vec![Effect::Quit]
            }
            Action::Interrupt => {
                if !self.run.pending.is_empty() {
                    self.log(LineKind::Info, "cancelling the running call…");
                    vec![Effect::CancelCall]
                } else if self.command_line.is_some() || !matches!(self.overlay, Overlay::None) {
                    self.command_line = None;
                    self.overlay = Overlay::None;
                    Vec::new()
                } else {
                    self.should_quit = true;
                    vec![Effect::Quit]
                }
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.keep_selection_visible();
                Vec::new()
            }
            Action::Tick => {
                self.spinner = self.spinner.wrapping_add(1);
                let now = Instant::now();
                self.lit.retain(|l| l.2 > now);
                self.flash.retain(|f| f.1 > now);
                Vec::new()
            }
            Action::Runtime(ev) => self.on_runtime(*ev),
            Action::JobDone(result) => {
                match result {
                    Ok(msg) => self.log(LineKind::Info, &msg),
                    Err(e) => self.log(LineKind::Error, &e),
                }
                Vec::new()
            }
            Action::Opened(result) => match *result {
                Ok((ws, location)) => self.replace_workspace(ws, location),
                Err(e) => {
                    self.log(LineKind::Error, &e);
                    Vec::new()
                }
            },
            Action::WatchState(state) => {
                match state {
                    Ok(s) => self.watch = s,
                    Err(e) => {
                        self.watch = "error".into();
                        self.log(LineKind::Error, &e);
                    }
                }
                Vec::new()
            }
            Action::Composed(result) => match *result {
                Ok(component) => match super::ops::session_options(&self.workspace) {
                    Ok(options) => vec![Effect::runtime(runtime::Command::Load {
                        target: runtime::Target::Composed(component),
                        options,
                    })],
                    Err(e) => {
                        self.run.loading = false;
                        self.log(LineKind::Error, &e);
                        Vec::new()
                    }
                },
                Err(e) => {
                    self.run.loading = false;
                    self.run.load_error = Some(e.clone());
                    self.log(
                        LineKind::Error,
                        &format!("cannot compose the workspace: {e}"),
                    );
                    Vec::new()
                }
            },
            Action::Reloaded(ev) => self.on_reload(*ev),
            Action::Build(ev) => self.on_build(*ev),
            Action::Served(r) => {
                self.on_served(&r);
                Vec::new()
            }
            Action::WatchStatus(status) => {
                self.on_watch_status(status);
                Vec::new()
            }
            Action::Command(text) => self.run_command(&text),
            other => self.on_input(other),
        }
    }

    /// Swaps in a freshly opened workspace and loads it.
    pub fn replace_workspace(&mut self, ws: Workspace, location: String) -> Vec<Effect> {
        self.workspace = ws;
        self.location = location;
        self.modified = false;
        self.selected = 0;
        self.port = None;
        self.graph = GraphLayout::default();
        self.refresh();
        self.run.limits = super::ops::limits_label(&self.workspace);
        self.log_workspace_state();
        let mut effects = vec![Effect::Watch(Box::new(self.workspace.clone()))];
        effects.extend(self.load_runtime());
        effects
    }

    /// Loads the workspace into the runtime in the current mode; guest state starts afresh.
    pub fn load_runtime(&mut self) -> Vec<Effect> {
        self.run.calls.clear();
        self.reload_runtime()
    }

    /// Loads again after a file changed, keeping the call log so `:replay on` can restore state.
    pub fn reload_runtime(&mut self) -> Vec<Effect> {
        // `loaded` stays as it is: the worker keeps the running session until the new one works.
        self.run.loading = true;
        match self.run.mode {
            RunMode::Composed => vec![Effect::LoadComposed(Box::new(self.workspace.clone()))],
            RunMode::Linked => match super::ops::session_options(&self.workspace) {
                Ok(options) => vec![Effect::runtime(runtime::Command::Load {
                    target: runtime::Target::Linked(self.workspace.clone()),
                    options,
                })],
                Err(e) => {
                    self.run.loading = false;
                    self.log(LineKind::Error, &e);
                    Vec::new()
                }
            },
        }
    }

    /// Sends a call to the runtime.
    pub fn call(&mut self, text: &str) -> Vec<Effect> {
        let text = text.trim().to_string();
        if text.is_empty() {
            self.hint = Some("nothing to call — write e.g. kv-store.get(\"k\")".into());
            return Vec::new();
        }
        if !self.run.loaded && !self.run.loading {
            let why = self
                .run
                .load_error
                .clone()
                .unwrap_or_else(|| "the workspace is not instantiated".into());
            self.log(LineKind::Error, &format!("cannot call `{text}`: {why}"));
            return Vec::new();
        }
        let id = self.next_call_id;
        self.next_call_id += 1;
        self.run.pending.push_back(PendingCall {
            id,
            text: text.clone(),
            started: None,
        });
        if self.invoke.history.last() != Some(&text) {
            self.invoke.history.push(text.clone());
        }
        self.invoke.history_pos = None;
        vec![
            Effect::runtime(runtime::Command::Call { id, text }),
            Effect::SaveHistory(self.invoke.history.clone()),
        ]
    }

    /// The area the graph is drawn in, for scrolling and clicks.
    pub fn graph_area(&self) -> ratatui::layout::Rect {
        view::areas(
            ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1),
            self,
        )
        .graph
    }

    /// Scrolls the graph so the selected node (or port) is on screen.
    pub fn keep_selection_visible(&mut self) {
        let area = self.graph_area();
        let (vw, vh) = (
            i32::from(area.width.saturating_sub(2)),
            i32::from(area.height.saturating_sub(2)),
        );
        let Some(n) = self.graph.nodes.get(self.selected) else {
            return;
        };
        let (x0, y0) = (n.x, n.y + self.port.map_or(0, |p| 1 + p as i32));
        let (x1, y1) = (
            n.x + i32::from(n.w),
            if self.port.is_some() {
                y0 + 1
            } else {
                n.y + i32::from(n.h)
            },
        );
        if x1 - self.offset.0 > vw {
            self.offset.0 = x1 - vw;
        }
        if x0 < self.offset.0 {
            self.offset.0 = x0;
        }
        if y1 - self.offset.1 > vh {
            self.offset.1 = y1 - vh;
        }
        if y0 < self.offset.1 {
            self.offset.1 = y0;
        }
        self.offset.0 = self.offset.0.max(0);
        self.offset.1 = self.offset.1.max(0);
    }

    /// The selected port, if navigating ports.
    pub fn selected_port(&self) -> Option<&layout::Port> {
        self.port
            .and_then(|p| self.graph.nodes.get(self.selected)?.ports.get(p))
    }

    /// Whether the selected port is an import of a component.
    pub fn selected_import(&self) -> Option<(String, String)> {
        let id = self.selected_component()?.to_string();
        let port = self.selected_port()?;
        (port.side == PortSide::Import && port.name != "wasi:*").then(|| (id, port.name.clone()))
    }
}
