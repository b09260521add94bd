//! Errors of composing: encoding a workspace, `wac plug` semantics, reading and composing `.wac`.

use std::path::PathBuf;

use thiserror::Error;

use crate::workspace::{PlugCheckError, PlugMismatch};

fn ticks(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn arrows(path: &[String]) -> String {
    crate::workspace::cycle_text(path)
}

/// Why a workspace could not be encoded as one component.
#[derive(Debug, Error)]
pub enum ComposeError {
    /// The root or an export names a component that is not loaded.
    #[error("no component `{id}` in the workspace (loaded: {})", ticks(.known))]
    UnknownComponent { id: String, known: Vec<String> },
    /// The component is a core module or a WIT-only package.
    #[error(
        "`{id}` is a {kind}, not a component, and cannot be composed — turn it into a component \
         first (e.g. `wasm-tools component new {id}.wasm --adapt wasi_snapshot_preview1.wasm`)"
    )]
    NotComposable { id: String, kind: String },
    /// There is nothing to compose.
    #[error("nothing to compose — the workspace has no components")]
    Empty,
    /// The plugs form a cycle, which a composition cannot express.
    #[error(
        "the plugs form a cycle {} — a component cannot (transitively) import from itself; \
         unplug one of them",
        arrows(.path)
    )]
    Cycle { path: Vec<String> },
    /// A plug fails its type check.
    #[error(transparent)]
    Plug(#[from] PlugCheckError),
    /// An export choice names an export the component does not have.
    #[error("`{component}` has no export `{export}` to re-export (its exports: {})", ticks(.available))]
    NoSuchExport {
        component: String,
        export: String,
        available: Vec<String>,
    },
    /// Two components would export the same name.
    #[error(
        "both `{first}` and `{second}` export `{name}` — choose the component to expose with \
         `--root`, or name the exports to keep"
    )]
    ExportConflict {
        name: String,
        first: String,
        second: String,
    },
    /// wac-types could not read a component.
    #[error("cannot read component `{id}` for composition")]
    Package {
        id: String,
        #[source]
        source: anyhow::Error,
    },
    /// wac-graph refused a step of building the graph.
    #[error("cannot build the composition at {what}")]
    Graph {
        what: String,
        #[source]
        source: anyhow::Error,
    },
    /// wac-graph could not encode the graph.
    #[error("failed to encode the composition")]
    Encode {
        #[source]
        source: wac_graph::EncodeError,
    },
    /// A component read for composing (its code not validated before) does not validate.
    #[error("component `{id}` does not validate")]
    InvalidComponent {
        id: String,
        #[source]
        source: crate::model::DecodeError,
    },
    /// The encoded bytes do not validate; nothing is written.
    #[error("the composed component does not validate: {message} — nothing was written")]
    Invalid { message: String },
}

/// Why `wirebench plug` (the `wac plug` semantics) refused its inputs.
#[derive(Debug, Error)]
pub enum PlugSetError {
    /// The socket or a plug is a core module.
    #[error(
        "{role} `{name}` is a core module, not a component — turn it into a component first \
         (e.g. `wasm-tools component new {name}.wasm --adapt wasi_snapshot_preview1.wasm`)"
    )]
    CoreModule { role: &'static str, name: String },
    /// Two plugs export what one import needs.
    #[error(
        "`{consumer}` import `{import}` is exported by several plugs ({}) — pass only one of them",
        ticks(.providers)
    )]
    Ambiguous {
        consumer: String,
        import: String,
        providers: Vec<String>,
    },
    /// The only matching plug has an incompatible type.
    #[error("{0}")]
    Mismatch(Box<PlugMismatch>),
    /// A plug's import would be satisfied by a plug that (transitively) imports from it.
    #[error("the plugs form a cycle {} — remove one of them", arrows(.path))]
    Cycle { path: Vec<String> },
    /// A plug satisfies no import of the socket or of another used plug.
    #[error(
        "plug `{plug}` plugs nothing: no import of `{socket}` or of the other plugs matches its \
         exports ({}) — remove it, or add the component that imports it",
        ticks(.exports)
    )]
    UnusedPlug {
        plug: String,
        socket: String,
        exports: Vec<String>,
    },
    /// No plug matched any import at all.
    #[error(
        "the socket `{socket}` had no matching imports for the plugs that were provided (its \
         imports: {})",
        ticks(.imports)
    )]
    NoPlugHappened {
        socket: String,
        imports: Vec<String>,
    },
    /// Another check failed.
    #[error(transparent)]
    Check(PlugCheckError),
}

impl From<PlugCheckError> for PlugSetError {
    fn from(e: PlugCheckError) -> Self {
        match e {
            PlugCheckError::Incompatible(m) => PlugSetError::Mismatch(m),
            other => PlugSetError::Check(other),
        }
    }
}

/// Why a `.wac` could not be read, resolved or composed.
#[derive(Debug, Error)]
pub enum WacError {
    /// The file cannot be read.
    #[error("failed to read `{path}`", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid WAC.
    #[error("`{path}`:{line}:{col}: {message} — fix the WAC syntax there", path = path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },
    /// A package the document names was not found locally.
    #[error(
        "`{path}`:{line}:{col}: package `{package}` not found (looked for {}) — pass \
         `--dep {package}=PATH` or put the component at the first of those paths",
        looked.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "),
        path = path.display()
    )]
    MissingPackage {
        path: PathBuf,
        line: usize,
        col: usize,
        package: String,
        looked: Vec<PathBuf>,
    },
    /// A package file was found but is not a usable component.
    #[error("`{path}`: package `{package}` from `{file}` cannot be used", path = path.display(), file = file.display())]
    Package {
        path: PathBuf,
        package: String,
        file: PathBuf,
        #[source]
        source: Box<crate::model::DecodeError>,
    },
    /// A package file was found but is a core module.
    #[error(
        "`{path}`: package `{package}` (`{file}`) is a core module, not a component — turn it \
         into a component first (`wasm-tools component new`)",
        path = path.display(),
        file = file.display()
    )]
    CoreModule {
        path: PathBuf,
        package: String,
        file: PathBuf,
    },
    /// wac-parser could not resolve the document (unknown names, type mismatches, …).
    #[error("`{path}`:{line}:{col}: {message}{}", hint.as_ref().map(|h| format!(" — {h}")).unwrap_or_default(), path = path.display())]
    Resolve {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
        hint: Option<String>,
    },
    /// The document uses WAC the workbench's plug model cannot show.
    #[error(
        "`{path}`:{line}:{col}: {what} cannot be shown as workspace plugs — compose this file \
         with `wirebench compose` (it accepts every WAC document)",
        path = path.display()
    )]
    Unsupported {
        path: PathBuf,
        line: usize,
        col: usize,
        what: String,
    },
    /// Encoding the resolved document failed.
    #[error("`{path}`: failed to compose", path = path.display())]
    Compose {
        path: PathBuf,
        #[source]
        source: ComposeError,
    },
}
