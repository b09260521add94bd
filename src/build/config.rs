//! [`BuildConfig`]: the build keys of a `[components.<id>]` entry in `wirebench.toml`.
//!
//! ```toml
//! [components.kv-store]
//! path = "components/kv-store.wasm"      # the file wirebench loads (relative to this file)
//! build = "cargo build --release --target wasm32-wasip2 -p kv-store"
//! dir = "."                              # the build's working folder (relative to this file)
//! watch = ["kv-store/src/**/*.rs", "kv-store/Cargo.toml"]   # relative to `dir`
//! artifact = "target/wasm32-wasip2/release/kv_store.wasm"  # what the build writes, relative to `dir`
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::workspace::{Workspace, MANIFEST_FILE};

/// `wirebench.toml` files larger than this are refused (the workspace loader's limit).
const MAX_MANIFEST_SIZE: u64 = 4 * 1024 * 1024;

/// How a build is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildCommand {
    /// A command line for the shell (`sh -c`, or `cmd /C` on Windows): pipes and `&&` work.
    Shell(String),
    /// A program and its arguments, run without a shell.
    Argv(Vec<String>),
}

impl BuildCommand {
    /// The command as one line, for the console.
    pub fn display(&self) -> String {
        match self {
            BuildCommand::Shell(s) => s.clone(),
            BuildCommand::Argv(a) => a.join(" "),
        }
    }
}

/// How one component is rebuilt from its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildConfig {
    /// The component's id (its key under `[components]`).
    pub id: String,
    /// The build command.
    pub command: BuildCommand,
    /// The working folder of the build; `watch` and `artifact` are relative to it.
    pub dir: PathBuf,
    /// Source globs (`src/**/*.rs`); a change to a matching file starts a build. Empty: only
    /// explicit rebuilds.
    pub watch: Vec<String>,
    /// The file the build writes, copied over [`Self::path`] after a good build; `None`
    /// when the build writes the component file itself.
    pub artifact: Option<PathBuf>,
    /// The component file the workspace loads (and the reload watcher watches).
    pub path: PathBuf,
}

impl BuildConfig {
    /// The file to copy over [`Self::path`] after a good build, unless the build writes it.
    pub fn copy_source(&self) -> Option<&Path> {
        self.artifact.as_deref().filter(|a| *a != self.path)
    }
}

/// Why the build settings could not be read.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML (or too large).
    #[error("`{path}`: {message}", path = path.display())]
    Parse { path: PathBuf, message: String },
    /// A build key has the wrong shape.
    #[error(
        "[components.{id}] `{key}` {message} — fix it in wirebench.toml (see docs/workspace.md)"
    )]
    Invalid {
        id: String,
        key: &'static str,
        message: &'static str,
    },
}

/// The build settings of every component in a `wirebench.toml` that has a `build` key, in
/// file order. Components whose file does not exist yet are included (they are built first).
pub fn load_configs(manifest: &Path) -> Result<Vec<BuildConfig>, ConfigError> {
    let io = |source| ConfigError::Io {
        path: manifest.to_path_buf(),
        source,
    };
    let meta = fs::metadata(manifest).map_err(io)?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST_SIZE {
        return Err(ConfigError::Parse {
            path: manifest.to_path_buf(),
            message: "not a regular file of at most 4 MiB".into(),
        });
    }
    let text = fs::read_to_string(manifest).map_err(io)?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: manifest.to_path_buf(),
        message: crate::util::sanitize::one_line(e.message()),
    })?;
    let base = manifest_dir(manifest);
    let mut out = Vec::new();
    if let Some(components) = doc.get("components").and_then(|c| c.as_table()) {
        for (id, entry) in components {
            let Some(entry) = entry.as_table() else {
                continue;
            };
            let path =
                entry
                    .get("path")
                    .and_then(|p| p.as_str())
                    .ok_or_else(|| ConfigError::Invalid {
                        id: id.clone(),
                        key: "path",
                        message: "must be a string naming the component file",
                    })?;
            if let Some(config) = from_table(id, entry, &base.join(path), &base)? {
                out.push(config);
            }
        }
    }
    Ok(out)
}

/// The build settings of a workspace: read from its `wirebench.toml` when it has one on disk
/// (so components not built yet are included), else from the settings kept in memory.
pub fn configs_for(ws: &Workspace) -> Result<Vec<BuildConfig>, ConfigError> {
    if let Some(root) = &ws.root {
        let manifest = root.join(MANIFEST_FILE);
        if manifest.is_file() {
            return load_configs(&manifest);
        }
    }
    let base = ws.root.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut out = Vec::new();
    for (id, extra) in &ws.settings.component_extra {
        let Some(path) = ws.components.get(id).and_then(|c| c.path.clone()) else {
            continue;
        };
        if let Some(config) = from_table(id, extra, &path, &base)? {
            out.push(config);
        }
    }
    Ok(out)
}

/// Reads the build keys of one component entry; `None` when it has no `build` key. `path` is
/// the component file, `base` the folder of `wirebench.toml`.
pub fn from_table(
    id: &str,
    table: &toml::Table,
    path: &Path,
    base: &Path,
) -> Result<Option<BuildConfig>, ConfigError> {
    let invalid = |key, message| ConfigError::Invalid {
        id: id.to_string(),
        key,
        message,
    };
    let Some(build) = table.get("build") else {
        return Ok(None);
    };
    let command = match build {
        toml::Value::String(s) if !s.trim().is_empty() => BuildCommand::Shell(s.clone()),
        toml::Value::Array(_) => match strings(build) {
            Some(argv) if !argv.is_empty() => BuildCommand::Argv(argv),
            _ => return Err(invalid("build", "must be a non-empty list of strings")),
        },
        _ => {
            return Err(invalid(
                "build",
                "must be a command line or a list of strings",
            ))
        }
    };
    let dir = match table.get("dir") {
        None => base.to_path_buf(),
        Some(v) => base.join(
            v.as_str()
                .ok_or_else(|| invalid("dir", "must be a string (a folder)"))?,
        ),
    };
    let watch = match table.get("watch") {
        None => Vec::new(),
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(v) => strings(v).ok_or_else(|| invalid("watch", "must be a list of globs"))?,
    };
    let artifact = match table.get("artifact") {
        None => None,
        Some(v) => Some(
            dir.join(
                v.as_str()
                    .ok_or_else(|| invalid("artifact", "must be a string (a file)"))?,
            ),
        ),
    };
    Ok(Some(BuildConfig {
        id: id.to_string(),
        command,
        dir,
        watch,
        artifact,
        path: path.to_path_buf(),
    }))
}

fn strings(v: &toml::Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn manifest_dir(manifest: &Path) -> PathBuf {
    match manifest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(src: &str) -> toml::Table {
        toml::from_str(src).unwrap()
    }

    #[test]
    fn reads_every_key_relative_to_the_right_folder() {
        let t = table(
            r#"build = "cargo build"
dir = "src-ws"
watch = ["a/**/*.rs"]
artifact = "target/a.wasm""#,
        );
        let c = from_table("a", &t, Path::new("/w/a.wasm"), Path::new("/w"))
            .unwrap()
            .unwrap();
        assert_eq!(c.command, BuildCommand::Shell("cargo build".into()));
        assert_eq!(c.dir, PathBuf::from("/w/src-ws"));
        assert_eq!(c.artifact, Some(PathBuf::from("/w/src-ws/target/a.wasm")));
        assert_eq!(c.watch, vec!["a/**/*.rs".to_string()]);
        assert_eq!(c.copy_source(), Some(Path::new("/w/src-ws/target/a.wasm")));
    }

    #[test]
    fn argv_single_glob_and_no_build() {
        let t = table(
            r#"build = ["make", "a"]
watch = "*.c""#,
        );
        let c = from_table("a", &t, Path::new("a.wasm"), Path::new("."))
            .unwrap()
            .unwrap();
        assert_eq!(c.command.display(), "make a");
        assert_eq!(c.watch, vec!["*.c".to_string()]);
        assert_eq!(c.artifact, None);
        assert!(
            from_table("a", &table("x = 1"), Path::new("a"), Path::new("."))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn wrong_shapes_name_the_key() {
        for (src, key) in [
            ("build = 1", "build"),
            ("build = []", "build"),
            ("build = \"x\"\nwatch = 3", "watch"),
            ("build = \"x\"\nartifact = []", "artifact"),
        ] {
            let e = from_table("kv", &table(src), Path::new("a"), Path::new("."))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("`{key}`")) && e.contains("[components.kv]"),
                "{e}"
            );
        }
    }
}
