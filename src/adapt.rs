//! `wirebench adapt`: wrap a WASI preview 1 core module (`wasm32-wasip1` command or reactor)
//! into a component with the preview-1 adapter that matches wasmtime 48
//! (`wasi-preview1-component-adapter-provider` 48.0.8), the way `wasm-tools component new
//! --adapt` does. The adapter is chosen from the module's kind: a `_start` export means a
//! command (exports `wasi:cli/run`), anything else a reactor.

use serde::Serialize;
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
    WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};

use crate::model::{Component, Kind, WasiP1Kind};

/// Which preview-1 adapter to link in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AdapterKind {
    /// For programs with `main` (`_start`): the component exports `wasi:cli/run`.
    Command,
    /// For libraries: exports only what the module's WIT metadata names.
    Reactor,
    /// For `wasi:http/proxy` modules: no filesystem, sockets, env or exit.
    Proxy,
}

impl AdapterKind {
    fn bytes(self) -> &'static [u8] {
        match self {
            AdapterKind::Command => WASI_SNAPSHOT_PREVIEW1_COMMAND_ADAPTER,
            AdapterKind::Reactor => WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            AdapterKind::Proxy => WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
        }
    }

    /// The adapter a module of this kind needs.
    pub fn for_module(kind: WasiP1Kind) -> Self {
        match kind {
            WasiP1Kind::Command => AdapterKind::Command,
            WasiP1Kind::Reactor => AdapterKind::Reactor,
        }
    }
}

/// A module turned into a component.
#[derive(Debug, Clone)]
pub struct Adapted {
    /// The component's bytes (validated).
    pub bytes: Vec<u8>,
    /// The adapter used.
    pub adapter: AdapterKind,
}

/// Why a module could not be adapted.
#[derive(Debug, thiserror::Error)]
pub enum AdaptError {
    /// The input could not be decoded.
    #[error("`{name}` could not be read as WebAssembly: {message}")]
    Decode {
        /// Input name.
        name: String,
        /// Decoder message.
        message: String,
    },
    /// The input already is a component.
    #[error(
        "`{name}` is already a component — nothing to adapt (serve, call or plug it as it is)"
    )]
    AlreadyComponent {
        /// Input name.
        name: String,
    },
    /// The module imports things outside WASI preview 1.
    #[error("`{name}` imports {}, which the WASI preview 1 adapter cannot provide — only modules that import `wasi_snapshot_preview1` alone (e.g. built for wasm32-wasip1) can be adapted", list(.imports))]
    UnsupportedImports {
        /// Input name.
        name: String,
        /// The offending imports as `module::name`.
        imports: Vec<String>,
    },
    /// The module uses no WASI and carries no WIT metadata.
    #[error("`{name}` neither imports WASI preview 1 nor carries WIT metadata — there is nothing to adapt; build it for wasm32-wasip1 or wasm32-wasip2")]
    NotWasi {
        /// Input name.
        name: String,
    },
    /// wit-component refused (e.g. a preview 1 function the adapter lacks).
    #[error("cannot adapt `{name}` with the {adapter} adapter: {message}")]
    Encode {
        /// Input name.
        name: String,
        /// Adapter used.
        adapter: &'static str,
        /// wit-component's message.
        message: String,
    },
}

fn list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(|i| format!("`{i}`")).collect();
    let more = items.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Wraps a preview-1 core module into a component; `adapter` overrides the automatic choice.
pub fn adapt(
    name: &str,
    bytes: &[u8],
    adapter: Option<AdapterKind>,
) -> Result<Adapted, AdaptError> {
    let model = Component::from_bytes(name, bytes.to_vec()).map_err(|e| AdaptError::Decode {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    if model.kind == Kind::Component {
        return Err(AdaptError::AlreadyComponent {
            name: name.to_string(),
        });
    }
    let core = model.core.as_ref();
    let foreign: Vec<String> = core
        .map(|c| {
            c.imports
                .iter()
                .filter(|i| i.module != WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME)
                .map(|i| format!("{}::{}", i.module, i.name))
                .collect()
        })
        .unwrap_or_default();
    // Imports described by the module's own WIT metadata (componentize tools) are fine.
    let has_metadata = !model.imports.is_empty() || !model.exports.is_empty();
    if !foreign.is_empty() && !has_metadata {
        return Err(AdaptError::UnsupportedImports {
            name: name.to_string(),
            imports: foreign,
        });
    }
    let kind = core.and_then(|c| c.wasi_p1);
    let adapter = match (adapter, kind) {
        (Some(a), _) => a,
        (None, Some(k)) => AdapterKind::for_module(k),
        (None, None) if has_metadata => AdapterKind::Reactor,
        (None, None) => {
            return Err(AdaptError::NotWasi {
                name: name.to_string(),
            })
        }
    };
    let label = match adapter {
        AdapterKind::Command => "command",
        AdapterKind::Reactor => "reactor",
        AdapterKind::Proxy => "proxy",
    };
    let encode_err = |e: anyhow::Error| AdaptError::Encode {
        name: name.to_string(),
        adapter: label,
        message: crate::util::sanitize::one_line(&format!("{e:#}")),
    };
    let mut encoder = wit_component::ComponentEncoder::default();
    encoder.validate(true);
    encoder.module(bytes).map_err(encode_err)?;
    encoder
        .adapter(WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, adapter.bytes())
        .map_err(encode_err)?;
    let out = encoder.encode().map_err(encode_err)?;
    Ok(Adapted {
        bytes: out,
        adapter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_foreign_imports_are_refused() {
        let module = wat::parse_str(
            r#"(module (import "env" "launch" (func)) (memory (export "memory") 1))"#,
        )
        .unwrap();
        let e = adapt("m.wasm", &module, None).unwrap_err();
        assert!(matches!(e, AdaptError::UnsupportedImports { .. }), "{e}");
        assert!(e.to_string().contains("`env::launch`"), "{e}");
        let plain = wat::parse_str("(module)").unwrap();
        assert!(matches!(
            adapt("p.wasm", &plain, None).unwrap_err(),
            AdaptError::NotWasi { .. }
        ));
    }

    #[test]
    fn unknown_preview1_functions_are_named() {
        let module = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "no_such_call" (func))
                (memory (export "memory") 1)
                (func (export "_start")))"#,
        )
        .unwrap();
        let e = adapt("odd.wasm", &module, None).unwrap_err();
        assert!(matches!(e, AdaptError::Encode { .. }), "{e}");
        assert!(e.to_string().contains("no_such_call"), "{e}");
    }
}
