//! Opening (files, folders, `.wac`, `wirebench.toml`), loading and saving a workspace.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::manifest::{
    portable, relative_to, ComponentEntry, Manifest, WorkspaceSection, DEFAULT_COMPOSITION_FILE,
    MANIFEST_FILE, MAX_COMPONENTS, MAX_MANIFEST_SIZE,
};
use super::{LoadWarning, Settings, Workspace, WorkspaceError};
use crate::compose::{self, Deps};
use crate::model::Component;
use crate::util::fsio::atomic_write;

fn is_manifest(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == MANIFEST_FILE)
        || (p.extension().is_some_and(|e| e == "toml") && p.is_file())
}

fn is_wac(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "wac")
}

impl Workspace {
    /// Opens what the user pointed at: `.wasm` files, folders of them, one `.wac`, or one
    /// `wirebench.toml` (or a folder holding one). Without saved plugs, auto-plugs.
    pub fn open(paths: &[PathBuf]) -> Result<Self, WorkspaceError> {
        if let [one] = paths {
            if is_manifest(one) {
                return Self::load(one);
            }
            if one.is_dir() && one.join(MANIFEST_FILE).is_file() {
                return Self::load(&one.join(MANIFEST_FILE));
            }
            if is_wac(one) {
                return Ok(compose::load_wac(one, &Deps::default())?);
            }
        }
        let mut ws = Workspace::new();
        let mut wacs = Vec::new();
        let too_many = |path: &Path, count: usize| WorkspaceError::TooManyComponents {
            path: path.to_path_buf(),
            count,
            limit: MAX_COMPONENTS,
        };
        if paths.len() > MAX_COMPONENTS {
            return Err(too_many(&paths[0], paths.len()));
        }
        for path in paths {
            if is_manifest(path) || is_wac(path) {
                return Err(WorkspaceError::UnknownKind { path: path.clone() });
            }
            let meta = fs::metadata(path).map_err(|source| WorkspaceError::Io {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                wacs.extend(ws.add_dir(path)?);
                if paths.len() == 1 {
                    ws.root = Some(path.clone());
                }
            } else {
                ws.add_component(Component::from_file(path)?);
            }
            if ws.components.len() > MAX_COMPONENTS {
                return Err(too_many(path, ws.components.len()));
            }
        }
        if ws.components.is_empty() {
            return Err(WorkspaceError::Empty {
                paths: paths.to_vec(),
            });
        }
        match wacs.as_slice() {
            [wac] if paths.len() == 1 => {
                compose::read_wac_into(&mut ws, wac, &Deps::default(), true)?;
                ws.settings.composition = wac.file_name().map(|n| n.to_string_lossy().into());
                return Ok(ws);
            }
            [] => {}
            many => ws.warnings.push(LoadWarning {
                path: None,
                message: format!(
                    "ignored {} `.wac` files found in folders — open one of them to use its plugs",
                    many.len()
                ),
            }),
        }
        ws.auto_plug();
        Ok(ws)
    }

    /// Adds every `*.wasm` of a folder (sorted by name); returns its `.wac` files. Files that
    /// fail to load become warnings.
    fn add_dir(&mut self, dir: &Path) -> Result<Vec<PathBuf>, WorkspaceError> {
        let io = |source| WorkspaceError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        // Counted before decoding anything: a folder of thousands is refused at once.
        let wasm = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "wasm"))
            .count();
        if wasm > MAX_COMPONENTS {
            return Err(WorkspaceError::TooManyComponents {
                path: dir.to_path_buf(),
                count: wasm,
                limit: MAX_COMPONENTS,
            });
        }
        let mut wacs = Vec::new();
        for file in files {
            if is_wac(&file) && file.is_file() {
                wacs.push(file);
            } else if file.extension().is_some_and(|e| e == "wasm") {
                match Component::from_file(&file) {
                    Ok(c) => {
                        self.add_component(c);
                    }
                    Err(e) => self.warnings.push(LoadWarning {
                        path: Some(file.clone()),
                        message: format!("skipped: {e}"),
                    }),
                }
            }
        }
        Ok(wacs)
    }

    /// Loads a saved workspace: the components `wirebench.toml` lists, then the plugs of its
    /// `.wac` (or auto-plugs when it has none). Missing components become warnings.
    pub fn load(manifest_path: &Path) -> Result<Self, WorkspaceError> {
        let text = read_manifest(manifest_path)?;
        let m: Manifest = toml::from_str(&text).map_err(|e| WorkspaceError::Manifest {
            path: manifest_path.to_path_buf(),
            message: crate::util::sanitize::one_line(e.message()),
        })?;
        let dir = match manifest_path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut ws = Workspace {
            root: Some(dir.clone()),
            ..Workspace::default()
        };
        if m.components.len() > MAX_COMPONENTS {
            return Err(WorkspaceError::TooManyComponents {
                path: manifest_path.to_path_buf(),
                count: m.components.len(),
                limit: MAX_COMPONENTS,
            });
        }
        let mut deps = Deps::default();
        let mut extra = IndexMap::new();
        for (id, entry) in m.components {
            let path = dir.join(&entry.path);
            let package = entry
                .package
                .clone()
                .unwrap_or_else(|| compose::default_package_name(&id));
            deps.packages.insert(package, path.clone());
            if !entry.extra.is_empty() {
                extra.insert(id.clone(), entry.extra);
            }
            match Component::from_file(&path) {
                Ok(c) => ws.insert_component(&id, c),
                Err(e) => ws.warnings.push(LoadWarning {
                    path: Some(path),
                    message: format!("component `{id}` skipped: {e}"),
                }),
            }
        }
        ws.layout = m.layout;
        ws.settings = Settings {
            capabilities: m.capabilities,
            limits: m.limits,
            composition: m.workspace.composition.clone(),
            component_extra: extra,
            workspace_extra: m.workspace.extra,
            extra: m.extra,
        };
        let wac_name = m
            .workspace
            .composition
            .unwrap_or_else(|| DEFAULT_COMPOSITION_FILE.to_string());
        let wac = dir.join(&wac_name);
        if wac.is_file() {
            compose::read_wac_into(&mut ws, &wac, &deps, true)?;
        } else {
            if ws.settings.composition.is_some() {
                ws.warnings.push(LoadWarning {
                    path: Some(wac),
                    message: format!("`{wac_name}` not found — plugged automatically instead"),
                });
            }
            ws.auto_plug();
        }
        Ok(ws)
    }

    /// Saves `wirebench.toml` and the `.wac` into the workspace directory, each atomically.
    pub fn save(&self) -> Result<(), WorkspaceError> {
        let dir = self.root.clone().ok_or(WorkspaceError::NoRoot)?;
        self.write_files(&dir)
    }

    /// Saves into `dir` (created if needed) and makes it the workspace directory.
    pub fn save_to(&mut self, dir: &Path) -> Result<(), WorkspaceError> {
        fs::create_dir_all(dir).map_err(|source| WorkspaceError::Save {
            path: dir.to_path_buf(),
            source,
        })?;
        self.write_files(dir)?;
        self.root = Some(dir.to_path_buf());
        Ok(())
    }

    fn write_files(&self, dir: &Path) -> Result<(), WorkspaceError> {
        // The `.wac` first: a crash between the two leaves the old manifest naming a valid file.
        for (path, text) in self.saved_files(dir)? {
            atomic_write(&path, text.as_bytes())
                .map_err(|source| WorkspaceError::Save { path, source })?;
        }
        Ok(())
    }

    /// Whether `path` holds exactly what saving this workspace writes there: the workspace's
    /// own save, seen again by the file watcher, is not a change to re-read.
    pub fn is_saved_as(&self, path: &Path) -> bool {
        let (Some(dir), Ok(on_disk)) = (self.root.as_deref(), fs::read(path)) else {
            return false;
        };
        // A `.wac` (the workspace's own, or one saved alone with `:save other.wac`) depends on
        // where it was saved only in its comments: how to run `wac compose` from there.
        if path.extension().is_some_and(|e| e == "wac") {
            let code = |text: &[u8]| -> Vec<u8> {
                text.split_inclusive(|b| *b == b'\n')
                    .filter(|line| !line.trim_ascii_start().starts_with(b"//"))
                    .flatten()
                    .copied()
                    .collect()
            };
            return code(compose::to_wac_in(self, None).as_bytes()) == code(&on_disk);
        }
        let (Ok([_, (manifest, text)]), Ok(target)) =
            (self.saved_files(dir), fs::canonicalize(path))
        else {
            return false;
        };
        text.as_bytes() == on_disk && fs::canonicalize(manifest).is_ok_and(|m| m == target)
    }

    /// The `.wac` and the manifest saving into `dir` writes, in that order.
    fn saved_files(&self, dir: &Path) -> Result<[(PathBuf, String); 2], WorkspaceError> {
        let wac_name = self
            .settings
            .composition
            .clone()
            .unwrap_or_else(|| DEFAULT_COMPOSITION_FILE.to_string());
        let packages = compose::package_names(self);
        let mut components = IndexMap::new();
        for (id, c) in &self.components {
            let path = c
                .path
                .as_ref()
                .ok_or_else(|| WorkspaceError::NoPath { id: id.clone() })?;
            components.insert(
                id.clone(),
                ComponentEntry {
                    path: portable(&relative_to(path, dir)),
                    package: packages.get(id).cloned(),
                    extra: self
                        .settings
                        .component_extra
                        .get(id)
                        .cloned()
                        .unwrap_or_default(),
                },
            );
        }
        let manifest = Manifest {
            workspace: WorkspaceSection {
                composition: Some(wac_name.clone()),
                extra: self.settings.workspace_extra.clone(),
            },
            components,
            layout: self.layout.clone(),
            capabilities: self.settings.capabilities.clone(),
            limits: self.settings.limits.clone(),
            extra: self.settings.extra.clone(),
        };
        let toml_text = toml::to_string(&manifest).map_err(|e| WorkspaceError::Manifest {
            path: dir.join(MANIFEST_FILE),
            message: e.to_string(),
        })?;
        let wac_text = compose::to_wac_in(self, Some(dir));
        Ok([
            (dir.join(&wac_name), wac_text),
            (
                dir.join(MANIFEST_FILE),
                format!("# wirebench workspace (see docs/workspace.md)\n{toml_text}"),
            ),
        ])
    }

    /// The id of the component loaded from `path`, if any.
    pub fn id_for_path(&self, path: &Path) -> Option<&str> {
        let want = fs::canonicalize(path).ok()?;
        self.components.iter().find_map(|(id, c)| {
            let p = c.path.as_ref()?;
            (fs::canonicalize(p).ok()? == want).then_some(id.as_str())
        })
    }

    /// The shared component loaded from `path`, if any.
    pub fn component_for_path(&self, path: &Path) -> Option<(&str, &Arc<Component>)> {
        let id = self.id_for_path(path)?;
        self.components
            .get_key_value(id)
            .map(|(k, v)| (k.as_str(), v))
    }
}

fn read_manifest(path: &Path) -> Result<String, WorkspaceError> {
    let io = |source| WorkspaceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() || meta.len() > MAX_MANIFEST_SIZE {
        return Err(WorkspaceError::Manifest {
            path: path.to_path_buf(),
            message: "not a regular file of at most 4 MiB".into(),
        });
    }
    let mut text = String::new();
    fs::File::open(path)
        .map_err(io)?
        .take(MAX_MANIFEST_SIZE)
        .read_to_string(&mut text)
        .map_err(io)?;
    Ok(text)
}
