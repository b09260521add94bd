//! What a server runs: one component (a `.wasm`, or a `.wac`/workspace composed into one), or
//! a workspace linked component by component so each request can be traced.

use std::path::Path;
use std::sync::Arc;

use super::error::ServeError;
use crate::model::{Component, Kind};
use crate::runtime::{self, Grants, Limits};
use crate::workspace::Workspace;

/// What to serve.
#[derive(Debug, Clone)]
// Built once per server and moved into it; boxing would only add noise for callers.
#[allow(clippy::large_enum_variant)]
pub enum ServeTarget {
    /// A single component (for a workspace: its composition, exactly what ships).
    Component(Arc<Component>),
    /// A wired workspace, each component instantiated on its own per request, plugs forwarded
    /// by the host and traced (gateway → processor → kv-store with durations).
    Linked(Workspace),
}

/// How a workspace or `.wac` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServeMode {
    /// Compose into one component (wac-graph) and serve that.
    #[default]
    Composed,
    /// Instantiate each component on its own and forward plugs, traced.
    Linked,
}

/// A target read from disk, with the grants and limits its workspace declares.
#[derive(Debug, Clone)]
pub struct LoadedTarget {
    /// What to serve.
    pub target: ServeTarget,
    /// Display name (file stem).
    pub name: String,
    /// `[capabilities]` of the workspace (nothing for a lone `.wasm`).
    pub grants: Grants,
    /// `[limits]` of the workspace (defaults for a lone `.wasm`).
    pub limits: Limits,
    /// Things worth telling the user (load warnings).
    pub notes: Vec<String>,
}

impl ServeTarget {
    /// Reads `path`: a component `.wasm`, a `.wac` document, or a workspace folder.
    pub fn load(path: &Path, mode: ServeMode) -> Result<LoadedTarget, ServeError> {
        let name = crate::model::component_name_for(path);
        let is_wac = path.extension().is_some_and(|e| e == "wac");
        if path.is_file() && !is_wac {
            let c = Component::from_file(path).map_err(|e| {
                ServeError::load(format!("failed to load `{}`: {e}", path.display()))
            })?;
            return Ok(LoadedTarget {
                target: ServeTarget::single(Arc::new(c))?,
                name,
                grants: Grants::default(),
                limits: Limits::default(),
                notes: Vec::new(),
            });
        }
        let ws = Workspace::open(&[path.to_path_buf()])
            .map_err(|e| ServeError::load(format!("failed to open `{}`: {e}", path.display())))?;
        let notes = ws.warnings.iter().map(|w| w.message.clone()).collect();
        let ids: Vec<String> = ws.components.keys().cloned().collect();
        let grants = runtime::workspace_grants(&ws, ids.iter().map(String::as_str))
            .map_err(ServeError::load)?;
        let limits = runtime::workspace_limits(&ws).map_err(ServeError::load)?;
        let target = match mode {
            ServeMode::Linked => ServeTarget::Linked(ws),
            ServeMode::Composed if is_wac => {
                let bytes = crate::compose::compose_wac(path, &crate::compose::Deps::default())
                    .map_err(|e| {
                        ServeError::load(format!("cannot compose `{}`: {e}", path.display()))
                    })?;
                ServeTarget::composed(bytes, &name)?
            }
            ServeMode::Composed => ServeTarget::from_workspace(&ws, &name)?,
        };
        Ok(LoadedTarget {
            target,
            name,
            grants,
            limits,
            notes,
        })
    }

    /// Composes a workspace into one component (every component's exports re-exported).
    pub fn from_workspace(ws: &Workspace, name: &str) -> Result<Self, ServeError> {
        match runtime::composed_target(ws, name).map_err(ServeError::load)? {
            runtime::Target::Composed(c) | runtime::Target::Component(c) => Self::single(c),
            runtime::Target::Linked(_) => Err(ServeError::load(format!(
                "`{name}` could not be composed into one component"
            ))),
        }
    }

    /// Wraps bytes the composer produced (validated when encoded), e.g. from a `.wac`.
    pub fn composed(bytes: Vec<u8>, name: &str) -> Result<Self, ServeError> {
        let c = Component::from_validated_bytes(name, bytes).map_err(|e| {
            ServeError::load(format!(
                "the composition of `{name}` could not be decoded: {e}"
            ))
        })?;
        Self::single(Arc::new(c))
    }

    /// A single decoded component; a core module is refused with the `adapt` hint.
    pub fn single(c: Arc<Component>) -> Result<Self, ServeError> {
        if c.kind != Kind::Component {
            let name = c
                .path
                .as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("{}.wasm", c.name));
            let stem = name.trim_end_matches(".wasm").to_string();
            return Err(ServeError::CoreModule { name, stem });
        }
        Ok(ServeTarget::Component(c))
    }

    /// The mode this target runs in.
    pub fn mode(&self) -> ServeMode {
        match self {
            ServeTarget::Component(_) => ServeMode::Composed,
            ServeTarget::Linked(_) => ServeMode::Linked,
        }
    }
}

/// Whether an export name is `wasi:http/incoming-handler` (any 0.2 version).
pub fn is_incoming_handler(name: &str) -> bool {
    name == "wasi:http/incoming-handler" || name.starts_with("wasi:http/incoming-handler@0.2.")
}
