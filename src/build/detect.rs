//! Finding the component crates of a Cargo workspace (for `wirebench init`): `cargo metadata
//! --no-deps` lists packages; a component crate is a `cdylib` that depends on `wit-bindgen`
//! (built for `wasm32-wasip2`) or has `[package.metadata.component]` (built with
//! `cargo component`). WIT folders named in `wit_bindgen::generate!(path: …)` are found so a
//! WIT edit rebuilds too.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use thiserror::Error;

use super::glob::normalize;
use crate::workspace::relative_path;

/// How a crate becomes a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toolchain {
    /// `wit-bindgen` + `cargo build --target wasm32-wasip2` (rustc links a component).
    WitBindgen,
    /// `cargo component build` (`[package.metadata.component]`).
    CargoComponent,
}

/// One component crate of a Cargo workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentCrate {
    /// The package name (`kv-store`): the component id and the `-p` argument.
    pub package: String,
    /// The library target's name (`kv_store`): the artifact's file stem.
    pub lib_name: String,
    /// The crate's folder.
    pub dir: PathBuf,
    pub toolchain: Toolchain,
    /// WIT files or folders its bindings are generated from.
    pub wit: Vec<PathBuf>,
}

/// A Cargo workspace and its component crates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoProject {
    /// The workspace root (the build's working folder).
    pub root: PathBuf,
    /// Cargo's target folder (honours `CARGO_TARGET_DIR` and `.cargo/config.toml`).
    pub target_dir: PathBuf,
    pub crates: Vec<ComponentCrate>,
}

/// Why no component crates were found.
#[derive(Debug, Error)]
pub enum DetectError {
    /// No Cargo workspace with component crates at the folder or one level below.
    #[error("no Cargo workspace with component crates (a `cdylib` using wit-bindgen or cargo-component) in `{dir}` or its sub-folders — point `wirebench init` at the folder holding Cargo.toml", dir = dir.display())]
    NotFound { dir: PathBuf },
    /// `cargo metadata` failed.
    #[error("`cargo metadata` failed in `{dir}`: {message} — check that cargo is installed and Cargo.toml is valid", dir = dir.display())]
    Metadata { dir: PathBuf, message: String },
}

impl ComponentCrate {
    /// The Rust target triple it is built for.
    pub fn target(&self) -> &'static str {
        match self.toolchain {
            Toolchain::WitBindgen => "wasm32-wasip2",
            Toolchain::CargoComponent => "wasm32-wasip1",
        }
    }

    /// The build command line, run in the workspace root.
    pub fn build_command(&self) -> String {
        let cargo = match self.toolchain {
            Toolchain::WitBindgen => "cargo build",
            Toolchain::CargoComponent => "cargo component build",
        };
        format!(
            "{cargo} --release --target {} -p {}",
            self.target(),
            self.package
        )
    }

    /// Where the build writes the component.
    pub fn artifact(&self, target_dir: &Path) -> PathBuf {
        target_dir
            .join(self.target())
            .join("release")
            .join(format!("{}.wasm", self.lib_name))
    }

    /// Source globs relative to `root`: its Rust sources, manifest, `build.rs` and WIT.
    pub fn watch(&self, root: &Path) -> Vec<String> {
        let rel = |p: &Path| match relative_path(p, root) {
            s if s.is_empty() => ".".to_string(),
            s => s,
        };
        let here = rel(&self.dir);
        let mut out = vec![format!("{here}/src/**/*.rs"), format!("{here}/Cargo.toml")];
        if self.dir.join("build.rs").is_file() {
            out.push(format!("{here}/build.rs"));
        }
        for wit in &self.wit {
            let glob = if wit.is_dir() {
                format!("{}/**/*.wit", rel(wit))
            } else {
                rel(wit)
            };
            if !out.contains(&glob) {
                out.push(glob);
            }
        }
        out
    }
}

/// The Cargo workspace at `dir`, or else the first folder one level below it (by name) that
/// holds one with component crates (`sample-components/` in wirebench's own repo).
pub fn find(dir: &Path) -> Result<CargoProject, DetectError> {
    if dir.join("Cargo.toml").is_file() {
        let project = detect(dir)?;
        if !project.crates.is_empty() {
            return Ok(project);
        }
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.') && n != "target")
        })
        .collect();
    subdirs.sort();
    for sub in subdirs {
        if let Ok(project) = detect(&sub) {
            if !project.crates.is_empty() {
                return Ok(project);
            }
        }
    }
    Err(DetectError::NotFound {
        dir: dir.to_path_buf(),
    })
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
    dependencies: Vec<Dependency>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    crate_types: Vec<String>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
}

/// The component crates of the Cargo workspace whose `Cargo.toml` is in `dir`.
pub fn detect(dir: &Path) -> Result<CargoProject, DetectError> {
    let fail = |message: String| DetectError::Metadata {
        dir: dir.to_path_buf(),
        message,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // cargo reads `.cargo/config.toml` (e.g. `target-dir`) from its working folder, not from
    // the manifest's: run it where the build will run.
    let out = Command::new(cargo)
        .current_dir(dir)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let line = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(fail(crate::util::sanitize::one_line(line)));
    }
    let meta: Metadata =
        serde_json::from_slice(&out.stdout).map_err(|e| fail(format!("unreadable output: {e}")))?;
    let crates = meta.packages.iter().filter_map(component_crate).collect();
    Ok(CargoProject {
        root: meta.workspace_root,
        target_dir: meta.target_directory,
        crates,
    })
}

fn component_crate(p: &Package) -> Option<ComponentCrate> {
    let lib = p
        .targets
        .iter()
        .find(|t| t.crate_types.iter().any(|k| k == "cdylib"))?;
    let has_metadata = p
        .metadata
        .as_ref()
        .is_some_and(|m| m.get("component").is_some());
    let uses_bindgen = p.dependencies.iter().any(|d| d.name == "wit-bindgen");
    let toolchain = if has_metadata {
        Toolchain::CargoComponent
    } else if uses_bindgen {
        Toolchain::WitBindgen
    } else {
        return None;
    };
    let dir = p.manifest_path.parent()?.to_path_buf();
    let mut wit = wit_paths(&dir);
    if dir.join("wit").is_dir() && !wit.contains(&dir.join("wit")) {
        wit.push(dir.join("wit"));
    }
    Some(ComponentCrate {
        package: p.name.clone(),
        lib_name: lib.name.clone(),
        dir,
        toolchain,
        wit,
    })
}

/// WIT paths named by `generate!(… path: "…" …)` (or `path: ["…", …]`) in the crate's `src`.
fn wit_paths(crate_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![crate_dir.join("src")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for rel in generate_paths(&text) {
                    let abs = normalize(&crate_dir.join(rel));
                    if abs.exists() && !out.contains(&abs) {
                        out.push(abs);
                    }
                }
            }
        }
    }
    out
}

/// The string literals after `path:` inside each `generate!(…)` of a source file.
fn generate_paths(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in src.match_indices("generate!") {
        let body = &src[at..];
        let end = body.find(");").unwrap_or(body.len());
        let body = &body[..end];
        let Some(p) = body.find("path:") else {
            continue;
        };
        let value = body[p + 5..].trim_start();
        // One literal, or a list of them: stop at the end of the list or the next key.
        let stop = if value.starts_with('[') {
            value.find(']').unwrap_or(value.len())
        } else {
            value.find(',').unwrap_or(value.len())
        };
        let mut rest = &value[..stop];
        while let Some(open) = rest.find('"') {
            let Some(close) = rest[open + 1..].find('"') else {
                break;
            };
            out.push(rest[open + 1..open + 1 + close].to_string());
            rest = &rest[open + close + 2..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generate_paths_single_and_list() {
        let src = r#"wit_bindgen::generate!({
    path: "../../wit/kv-store",
    world: "neon:kv-store/component-world@1.0.0",
});
mod b { wit_bindgen::generate!({ world: "w", path: ["a.wit", "deps/b"] }); }"#;
        assert_eq!(
            generate_paths(src),
            vec!["../../wit/kv-store", "a.wit", "deps/b"]
        );
        assert!(generate_paths("fn main() {}").is_empty());
    }

    #[test]
    fn commands_and_artifacts() {
        let c = ComponentCrate {
            package: "kv-store".into(),
            lib_name: "kv_store".into(),
            dir: PathBuf::from("/ws/kv-store"),
            toolchain: Toolchain::WitBindgen,
            wit: vec![PathBuf::from("/wit/kv-store.wit")],
        };
        assert_eq!(
            c.build_command(),
            "cargo build --release --target wasm32-wasip2 -p kv-store"
        );
        assert_eq!(
            c.artifact(Path::new("/ws/target")),
            PathBuf::from("/ws/target/wasm32-wasip2/release/kv_store.wasm")
        );
        assert_eq!(
            c.watch(Path::new("/ws")),
            vec![
                "kv-store/src/**/*.rs",
                "kv-store/Cargo.toml",
                "../wit/kv-store.wit"
            ]
        );
    }
}
