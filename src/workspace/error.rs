//! Errors of workspace operations: plugging, opening, loading and saving.

use std::path::PathBuf;

use serde::Serialize;
use thiserror::Error;

use super::typecheck::PlugCheckError;

/// Why a plug was refused.
#[derive(Debug, Error)]
pub enum PlugError {
    /// No component has that id.
    #[error("no component `{id}` in the workspace (loaded: {})", known_list(.known))]
    UnknownComponent { id: String, known: Vec<String> },
    /// A component cannot satisfy its own import.
    #[error("`{component}` cannot plug its own import `{import}` — choose another provider")]
    SelfPlug { component: String, import: String },
    /// The plug would make components depend on each other in a circle.
    #[error(
        "plugging would create a cycle {} — a component cannot (transitively) import from \
         itself; unplug one of these first",
        cycle_text(.path)
    )]
    Cycle { path: Vec<String> },
    /// The plug failed its check (names or types).
    #[error(transparent)]
    Check(#[from] PlugCheckError),
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".into()
    } else {
        known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `a` → `b` → `a`, each name in backticks.
pub fn cycle_text(path: &[String]) -> String {
    path.iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// Why a workspace could not be opened, loaded or saved.
#[derive(Debug, Error)]
pub enum WorkspaceError {
    /// A path given explicitly does not exist or cannot be read.
    #[error("cannot open `{path}`: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A component file given explicitly could not be decoded.
    #[error(transparent)]
    Decode(#[from] crate::model::DecodeError),
    /// Neither a `.wasm`, a `.wac`, a `wirebench.toml` nor a directory.
    #[error(
        "`{path}`: not a `.wasm`, `.wac`, `wirebench.toml` or directory — pass component files \
         or a folder of them",
        path = path.display()
    )]
    UnknownKind { path: PathBuf },
    /// Nothing loadable was found.
    #[error("no components found in {} — pass `.wasm` files or a folder holding some", path_list(.paths))]
    Empty { paths: Vec<PathBuf> },
    /// More components than a workspace may hold.
    #[error(
        "`{path}` names {count} components — a workspace holds at most {limit}; split it into \
         smaller workspaces",
        path = path.display()
    )]
    TooManyComponents {
        path: PathBuf,
        count: usize,
        limit: usize,
    },
    /// `wirebench.toml` is not valid TOML or has unexpected fields.
    #[error("`{path}` is not a valid workspace file: {message}", path = path.display())]
    Manifest { path: PathBuf, message: String },
    /// The `.wac` composition could not be loaded.
    #[error(transparent)]
    Wac(Box<crate::compose::WacError>),
    /// The workspace has no directory to save into.
    #[error("the workspace has no directory — save it into a folder with `save_to`")]
    NoRoot,
    /// A component was built in memory and has no file to refer to.
    #[error("component `{id}` has no file — write it to a `.wasm` file before saving")]
    NoPath { id: String },
    /// Writing a file failed; the previous version is untouched.
    #[error("failed to save `{path}` (the previous file is unchanged)", path = path.display())]
    Save {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The workspace composition could not be written as WAC.
    #[error("cannot write the composition as WAC")]
    ToWac {
        #[source]
        source: Box<crate::compose::ComposeError>,
    },
}

impl From<crate::compose::WacError> for WorkspaceError {
    fn from(e: crate::compose::WacError) -> Self {
        WorkspaceError::Wac(Box::new(e))
    }
}

fn path_list(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Something skipped while opening a workspace (the rest still loaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadWarning {
    /// The file concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// One line saying what was skipped and why.
    pub message: String,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
