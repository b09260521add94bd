//! Core WebAssembly modules (WASI P1 "lone wolf" binaries): raw imports, exports and WASI kind.

use serde::Serialize;
use wasmparser::{Parser, Payload, TypeRef};

use super::error::one_line;
use super::{DecodeError, Kind};

/// The WASI preview 1 module name every P1 binary imports from.
pub const WASI_P1_MODULE: &str = "wasi_snapshot_preview1";

/// How a core module expects to be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WasiP1Kind {
    /// Exports `_start`: a program with a `main`.
    Command,
    /// Exports functions and maybe `_initialize`: a library called repeatedly.
    Reactor,
}

/// What a core module imports and exports.
#[derive(Debug, Clone, Serialize)]
pub struct CoreModuleInfo {
    /// Set when the module imports WASI preview 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasi_p1: Option<WasiP1Kind>,
    pub imports: Vec<CoreImport>,
    /// Exported names with their kind (`func _start`, `memory memory`).
    pub exports: Vec<CoreImport>,
}

/// One core import or export: `module.name` and what it is.
#[derive(Debug, Clone, Serialize)]
pub struct CoreImport {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub module: String,
    pub name: String,
    /// `func`, `memory`, `table`, `global` or `tag`.
    pub kind: &'static str,
}

type WitMetadata = Option<(wit_parser::Resolve, wit_parser::WorldId)>;

/// Lists a validated core module's imports and exports and reads any embedded WIT metadata.
pub(super) fn describe(
    name: &str,
    bytes: &[u8],
) -> Result<(CoreModuleInfo, WitMetadata), DecodeError> {
    let invalid = |reason: String| DecodeError::Invalid {
        name: name.into(),
        kind: Kind::CoreModule,
        reason,
    };
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut has_metadata = false;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| invalid(e.to_string()))? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| invalid(e.to_string()))?;
                    imports.push(CoreImport {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind: type_ref_kind(&import.ty),
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| invalid(e.to_string()))?;
                    exports.push(CoreImport {
                        module: String::new(),
                        name: export.name.to_string(),
                        kind: match export.kind {
                            wasmparser::ExternalKind::Func
                            | wasmparser::ExternalKind::FuncExact => "func",
                            wasmparser::ExternalKind::Memory => "memory",
                            wasmparser::ExternalKind::Table => "table",
                            wasmparser::ExternalKind::Global => "global",
                            wasmparser::ExternalKind::Tag => "tag",
                        },
                    });
                }
            }
            Payload::CustomSection(c) if c.name().starts_with("component-type") => {
                has_metadata = true;
            }
            _ => {}
        }
    }
    let imports_wasi = imports.iter().any(|i| i.module == WASI_P1_MODULE);
    let wasi_p1 = imports_wasi.then(|| {
        if exports.iter().any(|e| e.name == "_start") {
            WasiP1Kind::Command
        } else {
            WasiP1Kind::Reactor
        }
    });
    let metadata = if has_metadata {
        let (_, bindgen) =
            wit_component::metadata::decode(bytes).map_err(|e| DecodeError::Wit {
                name: name.into(),
                kind: Kind::CoreModule,
                reason: one_line(&e),
            })?;
        Some((bindgen.resolve, bindgen.world))
    } else {
        None
    };
    Ok((
        CoreModuleInfo {
            wasi_p1,
            imports,
            exports,
        },
        metadata,
    ))
}

fn type_ref_kind(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}
