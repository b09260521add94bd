//! Everything that can change the app's state (`Action`) and everything the app asks the
//! outside world to do (`Effect`). `App::update` turns one into the other and does no I/O.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use crate::runtime;

/// A pane that can hold the keyboard focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Components,
    Graph,
    Inspector,
    Console,
    Invoke,
}

impl Pane {
    pub const CYCLE: [Pane; 5] = [
        Pane::Components,
        Pane::Graph,
        Pane::Inspector,
        Pane::Console,
        Pane::Invoke,
    ];
}

/// A state change: a user intent, or a result coming back from a worker.
#[derive(Debug)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Focus(Pane),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    /// Move the graph viewport by (columns, rows).
    Pan(i32, i32),
    /// Enter on the focused pane or overlay.
    Select,
    /// Esc: close an overlay, leave a text field, or clear the selection.
    Back,
    /// Open the plug picker for the selected import.
    PlugPicker,
    /// Remove the plug of the selected import.
    Unplug,
    /// Open the function picker of the selected component.
    Invoke,
    /// Open the `:` command line.
    CommandLine,
    ToggleHelp,
    Save,
    ToggleMode,
    Reload,
    /// Ctrl-C: cancel a running call; quit when nothing runs.
    Interrupt,
    /// A key for the text field that has the focus.
    Edit(KeyEvent),
    /// Tab inside a text field.
    Complete,
    HistoryPrev,
    HistoryNext,
    /// A mouse click at terminal coordinates.
    Click(u16, u16),
    /// Mouse wheel at terminal coordinates: negative is up.
    Scroll(u16, u16, i32),
    Resize(u16, u16),
    /// Time passed (spinner, flashes).
    Tick,
    /// Run a `:` command as typed (also used by tests and the e2e driver).
    Command(String),
    /// The runtime worker reported something.
    Runtime(Box<runtime::Event>),
    /// A build from source started, printed, or finished.
    Build(Box<crate::build::BuildEvent>),
    /// The HTTP server answered a request.
    Served(Box<crate::serve::RequestEvent>),
    /// A watched file changed and was decoded (or failed to).
    Reloaded(Box<crate::reload::ReloadEvent>),
    /// The watcher's state changed (folder gone, back, rescan).
    WatchStatus(crate::reload::WatchStatus),
    /// The watcher started (with what it watches) or could not start.
    WatchState(Result<String, String>),
    /// A save or export finished: the message to show, or the error.
    JobDone(Result<String, String>),
    /// The composition was encoded for composed mode (or could not be).
    Composed(Box<Result<std::sync::Arc<crate::model::Component>, String>>),
    /// A workspace finished opening in the background.
    Opened(Box<Result<(crate::workspace::Workspace, String), String>>),
}

/// Work the app asks the runner to do outside `update`.
#[derive(Debug)]
pub enum Effect {
    Runtime(Box<runtime::Command>),
    CancelCall,
    /// Write `wirebench.toml` and the `.wac` of this workspace snapshot (optionally to a path).
    Save(Box<crate::workspace::Workspace>, Option<PathBuf>),
    /// Encode the composition and write it here.
    Export(Box<crate::workspace::Workspace>, PathBuf),
    /// Compose the workspace and load the result in the runtime (composed mode).
    LoadComposed(Box<crate::workspace::Workspace>),
    Open(Vec<PathBuf>),
    /// Re-read every component file from disk.
    ReloadFiles(Vec<PathBuf>),
    SaveHistory(Vec<String>),
    /// Serve the workspace over HTTP on this address (replacing a running server).
    Serve(Box<crate::workspace::Workspace>, std::net::SocketAddr),
    /// Stop the HTTP server.
    StopServe,
    /// Rebuild one component from source now.
    Rebuild(String),
    /// Write build settings for the Cargo workspace found in this folder (`wirebench init`).
    Init(std::path::PathBuf),
    /// (Re)start the file watcher on the current workspace.
    Watch(Box<crate::workspace::Workspace>),
    Quit,
}

impl Action {
    /// Wraps a runtime event (boxed: events are large next to the other actions).
    pub fn runtime(ev: runtime::Event) -> Action {
        Action::Runtime(Box::new(ev))
    }
}

impl Effect {
    /// Wraps a runtime command (boxed: commands carry whole workspaces).
    pub fn runtime(cmd: runtime::Command) -> Effect {
        Effect::Runtime(Box::new(cmd))
    }
}
