//! `wirebench export`: hand a composed HTTP service to a platform — a Spin app (`spin.toml` +
//! the component) or a wasmCloud application manifest (wadm) — granting nothing beyond the
//! workspace's `[capabilities]`. What a platform cannot express (loopback-only network,
//! writable dirs, passed-through env) is left out and reported as a note.

mod spin;
mod wadm;

use std::path::{Path, PathBuf};

use crate::runtime::Grants;
use crate::serve::{ServeMode, ServeTarget};

pub use spin::write_spin_app;
pub use wadm::write_wadm_manifest;

/// A composed HTTP component ready to export, with the grants it may keep.
#[derive(Debug, Clone)]
pub struct ExportInput {
    /// Application and component name (kebab-case).
    pub name: String,
    /// The composed component.
    pub bytes: Vec<u8>,
    /// The workspace's grants (nothing for a lone `.wasm`).
    pub grants: Grants,
}

/// What an export wrote, and what it could not carry over.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ExportReport {
    /// The manifest written.
    pub manifest: PathBuf,
    /// The component written next to it.
    pub component: PathBuf,
    /// Grants left out because the platform cannot express them as narrowly.
    pub notes: Vec<String>,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The target could not be loaded or composed.
    #[error(transparent)]
    Load(#[from] crate::serve::ServeError),
    /// The composition has no HTTP entry point.
    #[error("`{name}` does not export wasi:http/incoming-handler — Spin's HTTP trigger and wasmCloud's HTTP server need it; plug an HTTP gateway in front")]
    NotHttp {
        /// Target name.
        name: String,
    },
    /// The composition still imports something no platform provides.
    #[error("`{name}` still imports `{import}` — plug a provider so only WASI imports remain")]
    OpenImport {
        /// Target name.
        name: String,
        /// The unsatisfied import.
        import: String,
    },
    /// Writing failed.
    #[error("failed to write `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ExportInput {
    /// Loads a component `.wasm`, `.wac` or workspace folder and composes it into one HTTP
    /// component, keeping the workspace's grants.
    pub fn load(path: &Path) -> Result<Self, ExportError> {
        let loaded = ServeTarget::load(path, ServeMode::Composed)?;
        let ServeTarget::Component(c) = &loaded.target else {
            return Err(ExportError::Load(crate::serve::ServeError::Load {
                message: format!("`{}` could not be composed", loaded.name),
            }));
        };
        if !c
            .exports
            .iter()
            .any(|e| crate::serve::is_incoming_handler(e.name()))
        {
            return Err(ExportError::NotHttp { name: loaded.name });
        }
        if let Some(open) = c.imports.iter().find(|i| !i.name().starts_with("wasi:")) {
            return Err(ExportError::OpenImport {
                name: loaded.name.clone(),
                import: open.name().to_string(),
            });
        }
        let bytes = c
            .bytes()
            .ok_or_else(|| {
                ExportError::Load(crate::serve::ServeError::Load {
                    message: format!("`{}`: the binary was not kept after decoding", loaded.name),
                })
            })?
            .to_vec();
        Ok(ExportInput {
            name: kebab(&loaded.name),
            bytes,
            grants: loaded.grants,
        })
    }
}

/// `Data Processor_2` → `data-processor-2`: what Spin ids and wadm names accept.
pub fn kebab(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    match out.chars().next() {
        None => "app".to_string(),
        Some(c) if c.is_ascii_digit() => format!("app-{out}"),
        Some(_) => out,
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ExportError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    crate::util::fsio::write_output(path, bytes).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::kebab;

    #[test]
    fn names_become_kebab_case() {
        assert_eq!(kebab("Data Processor_2"), "data-processor-2");
        assert_eq!(kebab("svc"), "svc");
        assert_eq!(kebab("--"), "app");
        assert_eq!(kebab("9lives"), "app-9lives");
    }
}
