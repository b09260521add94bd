//! `wirebench init`: write (or complete) the build entries of `wirebench.toml` for the
//! component crates of a Cargo workspace.
//!
//! The file is edited with `toml_edit`, not re-serialized through `Workspace::save`: that
//! keeps comments and every other key, works before any component has been built (the
//! workspace loader skips components whose file is missing, and saving would drop them), and
//! leaves the `.wac` alone. Keys already present are kept unless `force` is set. Component
//! files default to `components/<id>.wasm` next to `wirebench.toml`; a good build copies its
//! artifact there (see [`super::Builder`]).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;
use toml_edit::{Array, DocumentMut, Item, Table};

use super::detect::{self, CargoProject, DetectError};
use crate::util::fsio::atomic_write;
use crate::workspace::{relative_path, MANIFEST_FILE};

/// The folder, next to `wirebench.toml`, that new component files go to.
pub const COMPONENTS_DIR: &str = "components";
const HEADER: &str = "# wirebench workspace (see docs/workspace.md)\n";

/// What `init` may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitOptions {
    /// Replace `build`, `dir`, `watch` and `artifact` keys that differ from the detected ones.
    pub force: bool,
    /// Work out the entries but write nothing.
    pub dry_run: bool,
}

/// What became of one component's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryStatus {
    /// A new `[components.<id>]` entry.
    Added,
    /// An existing entry got build keys (or, with `force`, new values).
    Updated,
    /// The entry already had every key.
    Unchanged,
}

/// One component's build entry, as it is in the file afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitEntry {
    pub id: String,
    pub status: EntryStatus,
    pub path: String,
    pub build: String,
    pub dir: String,
    pub watch: Vec<String>,
    pub artifact: String,
}

/// The result of [`init`].
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// The `wirebench.toml` written (or that would be).
    pub manifest: PathBuf,
    /// The Cargo workspace the crates came from.
    pub cargo_root: PathBuf,
    pub entries: Vec<InitEntry>,
    /// False when nothing changed or with `dry_run`.
    pub written: bool,
}

/// Why `init` failed.
#[derive(Debug, Error)]
pub enum InitError {
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("cannot read `{path}`: {source}", path = path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not valid TOML: {message} — fix it, or move it away to start afresh", path = path.display())]
    Parse { path: PathBuf, message: String },
    #[error("`{path}`: `{key}` is not a table — fix it so `wirebench init` can add entries", path = path.display())]
    Shape { path: PathBuf, key: String },
    #[error("cannot write `{path}`: {source}", path = path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Finds the component crates of the Cargo workspace at `dir` (or one level below) and writes
/// their entries into `dir/wirebench.toml`.
pub fn init(dir: &Path, options: InitOptions) -> Result<InitReport, InitError> {
    // cargo reports canonical paths: compare like with like when making paths relative.
    let dir = &fs::canonicalize(dir).map_err(|source| InitError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let project = detect::find(dir)?;
    let manifest = dir.join(MANIFEST_FILE);
    let old = match fs::read_to_string(&manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(InitError::Read {
                path: manifest,
                source,
            })
        }
    };
    let parse_error = |e: &dyn std::fmt::Display| InitError::Parse {
        path: manifest.clone(),
        message: crate::util::sanitize::one_line(&e.to_string()),
    };
    let mut doc: DocumentMut = old.parse().map_err(|e| parse_error(&e))?;
    let entries =
        merge(&mut doc, &project, dir, options.force).map_err(|key| InitError::Shape {
            path: manifest.clone(),
            key,
        })?;
    let mut text = doc.to_string();
    if old.trim().is_empty() {
        text.insert_str(0, HEADER);
    }
    // What is written must load: the same parser as the workspace loader checks it first.
    toml::from_str::<toml::Table>(&text).map_err(|e| parse_error(&e))?;
    let changed = text != old;
    if changed && !options.dry_run {
        atomic_write(&manifest, text.as_bytes()).map_err(|source| InitError::Write {
            path: manifest.clone(),
            source,
        })?;
    }
    Ok(InitReport {
        manifest,
        cargo_root: project.root,
        entries,
        written: changed && !options.dry_run,
    })
}

/// Adds or completes one entry per crate; `Err` names a key that is not a table.
fn merge(
    doc: &mut DocumentMut,
    project: &CargoProject,
    base: &Path,
    force: bool,
) -> Result<Vec<InitEntry>, String> {
    let build_dir = relative_or_dot(&project.root, base);
    let components = doc
        .entry("components")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| "components".to_string())?;
    let mut out = Vec::new();
    for c in &project.crates {
        let id = c.package.clone();
        let is_new = !components.contains_key(&id);
        let entry = components
            .entry(&id)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("components.{id}"))?;
        let artifact = c.artifact(&project.target_dir);
        // Under the build folder: relative, so the folder can move; elsewhere (a shared
        // CARGO_TARGET_DIR): absolute.
        let artifact = if artifact.starts_with(&project.root) {
            relative_path(&artifact, &project.root)
        } else {
            artifact.to_string_lossy().into_owned()
        };
        let wanted: [(&str, Item); 5] = [
            (
                "path",
                toml_edit::value(format!("{COMPONENTS_DIR}/{id}.wasm")),
            ),
            ("build", toml_edit::value(c.build_command())),
            ("dir", toml_edit::value(build_dir.clone())),
            (
                "watch",
                toml_edit::value(Array::from_iter(c.watch(&project.root))),
            ),
            ("artifact", toml_edit::value(artifact)),
        ];
        let mut changed = false;
        for (key, value) in wanted {
            let present = entry.get(key);
            let differs = present.map(|p| p.to_string().trim() != value.to_string().trim());
            // `path` is the user's: never replaced, even with `force`.
            let replace = present.is_none() || (force && key != "path" && differs == Some(true));
            if replace {
                entry.insert(key, value);
                changed = true;
            }
        }
        let read = |key: &str| {
            entry
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        out.push(InitEntry {
            id: id.clone(),
            status: match (is_new, changed) {
                (true, _) => EntryStatus::Added,
                (false, true) => EntryStatus::Updated,
                (false, false) => EntryStatus::Unchanged,
            },
            path: read("path"),
            build: read("build"),
            dir: read("dir"),
            watch: entry
                .get("watch")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            artifact: read("artifact"),
        });
    }
    Ok(out)
}

fn relative_or_dot(path: &Path, base: &Path) -> String {
    match relative_path(path, base) {
        s if s.is_empty() => ".".to_string(),
        s => s,
    }
}
