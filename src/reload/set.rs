//! [`WatchSet`]: what a watch covers — loaded components (the baseline versions), folders
//! whose new files are adopted, and single workspace files.

use std::path::PathBuf;
use std::sync::Arc;

use crate::model::Component;

/// What the watcher should watch.
#[derive(Debug, Clone, Default)]
pub struct WatchSet {
    /// Loaded components by id; each one's file is watched and it is the baseline version.
    pub components: Vec<(String, Arc<Component>)>,
    /// Folders whose new `*.wasm`, `wirebench.toml` and `*.wac` files are watched as well.
    pub dirs: Vec<PathBuf>,
    /// Single workspace files to watch (`wirebench.toml`, a `.wac`), existing or not.
    pub files: Vec<PathBuf>,
}

impl WatchSet {
    /// Every component of a workspace with a file, plus its folder's workspace files.
    pub fn from_workspace(ws: &crate::workspace::Workspace) -> WatchSet {
        let components = ws
            .components
            .iter()
            .filter(|(_, c)| c.path.is_some())
            .map(|(id, c)| (id.clone(), Arc::clone(c)))
            .collect();
        let dirs = ws.root.iter().cloned().collect();
        WatchSet {
            components,
            dirs,
            files: Vec::new(),
        }
    }
}
