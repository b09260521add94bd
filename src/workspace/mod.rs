//! The open workspace: components by id, plugs between them, capabilities and layout.
//!
//! Plugs are checked when made (wac-types decides, `model::compat` explains) and never form a
//! cycle. [`Workspace::open`] loads files, directories, a `.wac` or a `wirebench.toml`, and
//! auto-plugs every import exactly one loaded component exports; [`Workspace::save`] writes
//! `wirebench.toml` plus the `.wac` atomically.

pub mod diagram;
mod error;
mod manifest;
mod open;
mod report;
pub mod typecheck;

use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::{Component, Kind};

pub use error::{cycle_text, LoadWarning, PlugError, WorkspaceError};
pub use manifest::{relative_path, Position, Settings, MANIFEST_FILE, MAX_COMPONENTS};
pub use report::{
    matching_export, port_names, Candidate, OpenImport, OpenReason, PlugReport, PlugStatus,
};
pub use typecheck::{PlugCheckError, PlugMismatch, TypeIndex};

/// One wire: a consumer's import satisfied by a provider's export.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plug {
    /// Id of the component whose import is satisfied.
    pub consumer: String,
    /// The import's name, e.g. `neon:kv-store/store@1.0.0`.
    pub import: String,
    /// Id of the component that provides the export.
    pub provider: String,
    /// The export's name (usually the same interface name as the import).
    pub export: String,
}

/// An export of one component chosen as an export of the whole composition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportChoice {
    /// Id of the component whose export is re-exported.
    pub component: String,
    /// The component's export name.
    pub export: String,
    /// The name in the composition, when it differs from `export`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rename: Option<String>,
}

impl ExportChoice {
    /// The name the composed component exports it under.
    pub fn name(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.export)
    }
}

/// The set of loaded components and how they are wired.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Directory holding `wirebench.toml` and the `.wac`, when the workspace lives on disk.
    pub root: Option<PathBuf>,
    /// Components by id (unique, usually the file stem), in load order.
    pub components: IndexMap<String, Arc<Component>>,
    /// Plugs between components.
    pub plugs: Vec<Plug>,
    /// Exports of the composition chosen by hand; empty means the default rule (see `compose`).
    pub exports: Vec<ExportChoice>,
    /// Graph positions of components by id.
    pub layout: IndexMap<String, Position>,
    /// Capabilities, limits and other `wirebench.toml` settings.
    pub settings: Settings,
    /// Files that could not be loaded and plugs that had to be dropped while opening.
    pub warnings: Vec<LoadWarning>,
    types: typecheck::SharedTypeIndex,
}

impl Workspace {
    /// An empty workspace with no directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a component under a fresh id derived from its name (`kv-store`, `kv-store-2`).
    pub fn add_component(&mut self, component: impl Into<Arc<Component>>) -> String {
        let component = component.into();
        let id = self.unique_id(&component.name);
        self.components.insert(id.clone(), component);
        id
    }

    /// Adds a component under an exact id, replacing any component already there.
    pub fn insert_component(&mut self, id: &str, component: impl Into<Arc<Component>>) {
        self.components.insert(id.to_string(), component.into());
    }

    /// An id not yet used, based on `base`.
    pub fn unique_id(&self, base: &str) -> String {
        if !self.components.contains_key(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|id| !self.components.contains_key(id))
            .unwrap_or_else(|| base.to_string())
    }

    /// The component with this id, or an error listing the known ids.
    pub fn component(&self, id: &str) -> Result<&Arc<Component>, PlugError> {
        self.components
            .get(id)
            .ok_or_else(|| PlugError::UnknownComponent {
                id: id.to_string(),
                known: self.components.keys().cloned().collect(),
            })
    }

    /// Removes a component and every plug that touches it.
    pub fn remove_component(&mut self, id: &str) -> Option<Arc<Component>> {
        let removed = self.components.shift_remove(id)?;
        self.plugs.retain(|p| p.consumer != id && p.provider != id);
        self.exports.retain(|e| e.component != id);
        self.layout.shift_remove(id);
        Some(removed)
    }

    /// Swaps in a new version of a component (e.g. after a rebuild), keeping its plugs, and
    /// returns the plugs the new version breaks with the reason for each.
    pub fn replace_component(
        &mut self,
        id: &str,
        component: impl Into<Arc<Component>>,
    ) -> Vec<(Plug, PlugCheckError)> {
        self.components.insert(id.to_string(), component.into());
        self.plugs
            .iter()
            .filter(|p| p.consumer == id || p.provider == id)
            .filter_map(|p| self.check_plug(p).err().map(|e| (p.clone(), e)))
            .collect()
    }

    /// Runs `f` with the component types of the workspace (shared by its clones).
    pub fn with_type_index<R>(&self, f: impl FnOnce(&mut TypeIndex) -> R) -> R {
        self.types.with(f)
    }

    /// Checks one plug: both components exist and are components, the names exist, the types fit.
    pub fn check_plug(&self, plug: &Plug) -> Result<(), PlugCheckError> {
        let missing = |id: &str| PlugCheckError::UnknownComponent { id: id.to_string() };
        let consumer = self
            .components
            .get(&plug.consumer)
            .ok_or_else(|| missing(&plug.consumer))?;
        let provider = self
            .components
            .get(&plug.provider)
            .ok_or_else(|| missing(&plug.provider))?;
        self.types.with(|index| {
            index.check(
                (&plug.consumer, consumer),
                &plug.import,
                (&plug.provider, provider),
                &plug.export,
            )
        })
    }

    /// Makes a plug after checking it, replacing any plug of the same import; returns the
    /// replaced plug.
    pub fn plug(&mut self, plug: Plug) -> Result<Option<Plug>, PlugError> {
        self.component(&plug.consumer)?;
        self.component(&plug.provider)?;
        if plug.consumer == plug.provider {
            return Err(PlugError::SelfPlug {
                component: plug.consumer,
                import: plug.import,
            });
        }
        self.check_plug(&plug)?;
        if let Some(path) = self.cycle_through(&plug) {
            return Err(PlugError::Cycle { path });
        }
        let replaced = self.unplug(&plug.consumer, &plug.import);
        self.plugs.push(plug);
        Ok(replaced)
    }

    /// Removes the plug of a consumer's import, if there is one.
    pub fn unplug(&mut self, consumer: &str, import: &str) -> Option<Plug> {
        let at = self
            .plugs
            .iter()
            .position(|p| p.consumer == consumer && p.import == import)?;
        Some(self.plugs.remove(at))
    }

    /// The plug satisfying a consumer's import, if any.
    pub fn plug_for(&self, consumer: &str, import: &str) -> Option<&Plug> {
        self.plugs
            .iter()
            .find(|p| p.consumer == consumer && p.import == import)
    }

    /// The components a component's plugged imports come from, in plug order.
    pub fn providers_of<'a>(&'a self, consumer: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.plugs
            .iter()
            .filter(move |p| p.consumer == consumer)
            .map(|p| p.provider.as_str())
    }

    /// If adding `plug` (replacing the plug of the same import) would close a cycle, the
    /// cycle as component ids, starting and ending with the consumer.
    pub fn cycle_through(&self, plug: &Plug) -> Option<Vec<String>> {
        // A cycle exists when the provider already depends (transitively) on the consumer.
        let mut stack = vec![vec![plug.provider.clone()]];
        let mut seen = std::collections::HashSet::new();
        while let Some(path) = stack.pop() {
            let last = path.last()?.clone();
            if last == plug.consumer {
                let mut cycle = vec![plug.consumer.clone()];
                cycle.extend(path);
                return Some(cycle);
            }
            if !seen.insert(last.clone()) {
                continue;
            }
            for p in &self.plugs {
                let replaced = p.consumer == plug.consumer && p.import == plug.import;
                if p.consumer == last && !replaced {
                    let mut next = path.clone();
                    next.push(p.provider.clone());
                    stack.push(next);
                }
            }
        }
        None
    }

    /// Component ids with every provider before its consumers; `Err` holds a cycle.
    pub fn instantiation_order(&self) -> Result<Vec<String>, Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut marks: IndexMap<&str, Mark> = self
            .components
            .keys()
            .map(|k| (k.as_str(), Mark::New))
            .collect();
        let mut order = Vec::new();
        for start in self.components.keys() {
            if marks.get(start.as_str()) != Some(&Mark::New) {
                continue;
            }
            // Iterative DFS: (node, index of the next provider to visit).
            let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
            marks.insert(start.as_str(), Mark::Active);
            while let Some((node, next)) = stack.pop() {
                let providers: Vec<&str> = self.providers_of(node).collect();
                if let Some(&p) = providers.get(next) {
                    stack.push((node, next + 1));
                    match marks.get(p).copied() {
                        Some(Mark::New) => {
                            marks.insert(p, Mark::Active);
                            stack.push((p, 0));
                        }
                        Some(Mark::Active) => {
                            let from = stack.iter().position(|(n, _)| *n == p).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                stack[from..].iter().map(|(n, _)| n.to_string()).collect();
                            cycle.push(p.to_string());
                            return Err(cycle);
                        }
                        // Done, or a plug naming a component that is gone (reported elsewhere).
                        _ => {}
                    }
                } else {
                    marks.insert(node, Mark::Done);
                    order.push(node.to_string());
                }
            }
        }
        Ok(order)
    }

    /// True when the component can take part in a composition (it is not a core module).
    pub fn is_composable(&self, id: &str) -> bool {
        self.components
            .get(id)
            .is_some_and(|c| c.kind == Kind::Component && c.decoded.is_some())
    }
}
