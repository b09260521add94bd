//! The `wirebench.toml` format: component paths, layout, capabilities, limits; unknown keys kept.
//!
//! ```toml
//! [workspace]
//! composition = "workspace.wac"     # the plugs, as a WAC document `wac compose` accepts
//!
//! [components.kv-store]
//! path = "kv-store.wasm"            # relative to this file
//! package = "local:kv-store"        # its package name in the `.wac`
//!
//! [layout]
//! kv-store = { x = 2, y = 1 }
//!
//! [capabilities.kv-store]           # per-component grants, read by the runtime
//! [limits]                          # execution limits, read by the runtime
//! ```

use std::path::{Component as PathPart, Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The workspace file's name inside the workspace directory.
pub const MANIFEST_FILE: &str = "wirebench.toml";
/// The `.wac` file written next to it when none is named.
pub const DEFAULT_COMPOSITION_FILE: &str = "workspace.wac";
/// Workspace files larger than this are refused (they are a few KiB in practice).
pub const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;
/// The most components one workspace may hold. Auto-plugging and the plug report compare
/// every import with every export, so their cost grows with the square of the count: a
/// manifest, folder or `.wac` naming thousands would keep the workbench busy for minutes.
/// Real compositions have a few dozen.
pub const MAX_COMPONENTS: usize = 256;

/// A component's position in the graph view, in terminal cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub x: i32,
    pub y: i32,
}

/// Settings kept in `wirebench.toml` besides components and plugs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Per-component capability grants (`[capabilities.<id>]`), as the runtime reads them.
    pub capabilities: toml::Table,
    /// Execution limits (`[limits]`), as the runtime reads them.
    pub limits: toml::Table,
    /// The `.wac` file holding the composition, relative to the workspace directory.
    pub composition: Option<String>,
    /// Extra keys of `[components.<id>]` (e.g. build and watch settings), kept as written.
    pub component_extra: IndexMap<String, toml::Table>,
    /// Unknown keys of `[workspace]`, kept as written.
    pub workspace_extra: toml::Table,
    /// Unknown top-level sections, kept as written.
    pub extra: toml::Table,
}

/// The file as serde sees it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Manifest {
    #[serde(default)]
    pub workspace: WorkspaceSection,
    #[serde(default)]
    pub components: IndexMap<String, ComponentEntry>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub layout: IndexMap<String, Position>,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub capabilities: toml::Table,
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub limits: toml::Table,
    #[serde(flatten)]
    pub extra: toml::Table,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct WorkspaceSection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition: Option<String>,
    #[serde(flatten)]
    pub extra: toml::Table,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ComponentEntry {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(flatten)]
    pub extra: toml::Table,
}

/// `path` relative to `base` (`../x/a.wasm`), written with `/` separators.
pub fn relative_path(path: &Path, base: &Path) -> String {
    portable(&relative_to(path, base))
}

/// `path` relative to `base` when both are absolute or both relative (`../x/a.wasm`), else as is.
pub(super) fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let abs = |p: &Path| {
        if p.is_absolute() {
            Some(p.to_path_buf())
        } else {
            std::env::current_dir().ok().map(|d| d.join(p))
        }
    };
    let (Some(path_abs), Some(base_abs)) = (abs(path), abs(base)) else {
        return path.to_path_buf();
    };
    let (p, b) = (normalize(&path_abs), normalize(&base_abs));
    let common = p
        .components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .count();
    if common == 0 {
        return path_abs;
    }
    let mut out = PathBuf::new();
    for _ in b.components().skip(common) {
        out.push("..");
    }
    for part in p.components().skip(common) {
        out.push(part);
    }
    out
}

/// Removes `.` and folds `..` lexically (no file system access).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in p.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Writes a path for the TOML file with `/` separators, so it reads the same on every system.
pub(super) fn portable(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if p.is_absolute() {
        p.to_string_lossy().into_owned()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/a/b/c.wasm"), Path::new("/a/b")),
            PathBuf::from("c.wasm")
        );
        assert_eq!(
            relative_to(Path::new("/a/x/c.wasm"), Path::new("/a/b")),
            PathBuf::from("../x/c.wasm")
        );
        assert_eq!(portable(Path::new("../x/c.wasm")), "../x/c.wasm");
    }

    #[test]
    fn unknown_keys_survive_a_round_trip() {
        let src = r#"
[workspace]
composition = "app.wac"
theme = "dark"

[components.kv]
path = "kv.wasm"
build = "cargo build"

[layout]
kv = { x = 1, y = 2 }

[capabilities.kv]
env = ["A"]

[future]
thing = 1
"#;
        let m: Manifest = toml::from_str(src).unwrap();
        assert_eq!(m.workspace.extra["theme"].as_str(), Some("dark"));
        assert_eq!(
            m.components["kv"].extra["build"].as_str(),
            Some("cargo build")
        );
        let again = toml::to_string(&m).unwrap();
        let m2: Manifest = toml::from_str(&again).unwrap();
        assert_eq!(m2.extra["future"]["thing"].as_integer(), Some(1));
        assert_eq!(m2.layout["kv"], Position { x: 1, y: 2 });
        assert!(m2.capabilities.contains_key("kv"));
    }
}
