//! Pure data decoded from a `.wasm`: kind, world, imports, exports, signatures, types and WIT.
//!
//! A [`Component`] is immutable once decoded and shared as `Arc<Component>` by the workspace,
//! the composer, the runtime and the UI. Nothing here does I/O except [`Component::from_file`].

pub mod compat;
mod core_module;
mod decode;
pub mod diff;
mod error;
pub mod ports;
pub mod synth;
pub mod wit;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use serde::Serialize;

pub use compat::Mismatch;
pub use core_module::{CoreImport, CoreModuleInfo, WasiP1Kind};
pub use error::DecodeError;

/// What a `.wasm` file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A Component Model component (WASI P2 and later).
    Component,
    /// A core WebAssembly module (e.g. a WASI P1 "lone wolf" binary).
    CoreModule,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Component => "component",
            Kind::CoreModule => "core module",
        })
    }
}

/// A decoded `.wasm` file and everything wirebench knows about its interface.
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    /// Display name: the file stem, or the name given by the caller.
    pub name: String,
    /// Where it was read from, when it came from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    pub kind: Kind,
    /// Size of the binary in bytes.
    pub size: u64,
    /// Lower-case hex sha256 of the binary.
    pub sha256: String,
    /// The world the component targets, as decoded (`root:component/root` for binaries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub world: Option<String>,
    pub imports: Vec<WorldItemInfo>,
    pub exports: Vec<WorldItemInfo>,
    /// Set for core modules: their raw imports/exports and WASI P1 classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core: Option<CoreModuleInfo>,
    /// The whole WIT document (main package plus the packages it references).
    pub wit: String,
    /// The decoded binary and WIT, for composition, type checks and instantiation.
    #[serde(skip)]
    pub decoded: Option<Arc<Decoded>>,
}

/// The raw material behind a [`Component`], kept for the composer and the runtime.
#[derive(Debug)]
pub struct Decoded {
    pub bytes: Arc<[u8]>,
    /// Decoded with the component, or on first use for an outline.
    wit: OnceLock<Option<DecodedWit>>,
    /// Whether every function body is known valid. Only an outline read for composing (whose
    /// code is validated as part of the composition) and a described file start without.
    code_valid: AtomicBool,
}

/// A component's WIT as wit-parser decodes it.
#[derive(Debug)]
pub struct DecodedWit {
    pub resolve: wit_parser::Resolve,
    pub world: wit_parser::WorldId,
}

impl Decoded {
    fn new(
        bytes: Arc<[u8]>,
        resolve: wit_parser::Resolve,
        world: wit_parser::WorldId,
        code_valid: bool,
    ) -> Self {
        let wit = OnceLock::from(Some(DecodedWit { resolve, world }));
        Decoded {
            bytes,
            wit,
            code_valid: code_valid.into(),
        }
    }

    /// For a component whose WIT nothing has needed yet.
    fn undecoded(bytes: Arc<[u8]>, code_valid: bool) -> Self {
        Decoded {
            bytes,
            wit: OnceLock::new(),
            code_valid: code_valid.into(),
        }
    }

    /// The component's WIT, decoded now if this is an outline's first use of it. `None` if
    /// wit-parser cannot decode the bytes (an outline's code may not be validated yet).
    pub fn wit(&self) -> Option<&DecodedWit> {
        self.wit
            .get_or_init(|| match decode::decode_wit_guarded(&self.bytes) {
                Ok(wit_component::DecodedWasm::Component(resolve, world)) => {
                    Some(DecodedWit { resolve, world })
                }
                _ => None,
            })
            .as_ref()
    }
}

/// One import or export of a world.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "item", rename_all = "kebab-case")]
pub enum WorldItemInfo {
    Interface(InterfaceInfo),
    Function(FunctionInfo),
    Type(TypeInfo),
}

impl WorldItemInfo {
    /// The name the item is imported or exported under (`neon:kv-store/store@1.0.0`, `run`).
    pub fn name(&self) -> &str {
        match self {
            WorldItemInfo::Interface(i) => &i.name,
            WorldItemInfo::Function(f) => &f.name,
            WorldItemInfo::Type(t) => &t.name,
        }
    }

    pub fn as_interface(&self) -> Option<&InterfaceInfo> {
        match self {
            WorldItemInfo::Interface(i) => Some(i),
            _ => None,
        }
    }
}

/// An interface: a named instance of functions and types.
#[derive(Debug, Clone, Serialize)]
pub struct InterfaceInfo {
    /// Full name, e.g. `neon:kv-store/store@1.0.0`; a plain name for inline interfaces.
    pub name: String,
    /// Package with version, e.g. `neon:kv-store@1.0.0`, when the interface has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
    pub types: Vec<TypeInfo>,
    pub functions: Vec<FunctionInfo>,
}

impl InterfaceInfo {
    /// The name without package and version (`store`).
    pub fn short_name(&self) -> &str {
        short_interface_name(&self.name)
    }

    /// True for the interfaces a WASI host provides (`wasi:*`).
    pub fn is_wasi(&self) -> bool {
        self.name.starts_with("wasi:")
    }

    pub fn function(&self, name: &str) -> Option<&FunctionInfo> {
        self.functions.iter().find(|f| f.name == name)
    }
}

/// `neon:kv-store/store@1.0.0` → `store`.
pub fn short_interface_name(full: &str) -> &str {
    let no_ver = full.split('@').next().unwrap_or(full);
    no_ver.rsplit('/').next().unwrap_or(no_ver)
}

/// `neon:kv-store/store@1.0.0` → `neon:kv-store/store` (the part `wac plug` matches on first).
pub fn unversioned_interface_name(full: &str) -> &str {
    full.split('@').next().unwrap_or(full)
}

/// How a function relates to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionKind {
    Freestanding,
    Constructor,
    Method,
    Static,
}

/// A function with its signature in WIT syntax.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionInfo {
    /// The component-level name (`get`, `[method]counter.increment`).
    pub name: String,
    /// The name as written inside WIT (`get`, `increment`).
    pub item_name: String,
    pub kind: FunctionKind,
    /// The resource a constructor/method/static belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(rename = "async", skip_serializing_if = "std::ops::Not::not")]
    pub is_async: bool,
    pub params: Vec<ParamInfo>,
    /// The result type in WIT syntax, if the function returns a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The WIT line: `get: func(key: string) -> result<option<string>, string>`.
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

impl FunctionInfo {
    /// How a user names it in a call: `get`, `counter.increment`, `[constructor]counter`.
    pub fn call_name(&self) -> String {
        match (&self.kind, &self.resource) {
            (FunctionKind::Freestanding, _) | (_, None) => self.name.clone(),
            (FunctionKind::Constructor, Some(r)) => format!("{r}.new"),
            (_, Some(r)) => format!("{r}.{}", self.item_name),
        }
    }
}

/// A function parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParamInfo {
    pub name: String,
    /// Type in WIT syntax.
    #[serde(rename = "type")]
    pub ty: String,
}

/// A named type definition.
#[derive(Debug, Clone, Serialize)]
pub struct TypeInfo {
    pub name: String,
    /// `record`, `variant`, `enum`, `flags`, `resource`, `type` (alias or `use`), …
    pub kind: String,
    /// The definition in WIT syntax, possibly several lines.
    pub definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docs: Option<String>,
}

/// How much of its bytes decoding validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validation {
    /// Everything, function bodies included.
    Full,
    /// Everything, unless these very bytes passed before (then as [`Validation::Skip`]).
    Remembered,
    /// The structure and every type, not function bodies: what `wasm-tools component wit`
    /// checks. For bytes that are only described, never run or composed.
    Structure,
    /// Only what wit-parser checks as it decodes: for bytes known valid.
    Skip,
}

impl Component {
    /// Decodes a binary held in memory; `name` is how the component is shown.
    pub fn from_bytes(name: &str, bytes: impl Into<Arc<[u8]>>) -> Result<Self, DecodeError> {
        decode::decode(name, None, bytes.into(), Validation::Full)
    }

    /// Like [`Component::from_bytes`] for bytes known valid, such as a composition just
    /// encoded (its structure checked, its components' code validated when they were
    /// decoded): skips validating them again, which is most of decoding's cost.
    pub fn from_validated_bytes(
        name: &str,
        bytes: impl Into<Arc<[u8]>>,
    ) -> Result<Self, DecodeError> {
        decode::decode(name, None, bytes.into(), Validation::Skip)
    }

    /// Reads and decodes a file, refusing non-files, huge files and non-wasm content.
    ///
    /// Bytes validated in full before (by content hash, in the cache directory) are not
    /// validated again; see `model::validated`.
    pub fn from_file(path: &Path) -> Result<Self, DecodeError> {
        decode::decode_file(path, Validation::Remembered)
    }

    /// Reads and decodes a file to describe it (`wirebench inspect`): like
    /// [`Component::from_file`], but function bodies are not validated, as `wasm-tools
    /// component wit` does not validate them. Nothing decoded this way is run or composed;
    /// what runs or composes a component validates its code first.
    pub fn describe_file(path: &Path) -> Result<Self, DecodeError> {
        decode::decode_file(path, Validation::Structure)
    }

    /// [`Component::describe_file`] without hashing the file: `sha256` is left empty. For a
    /// description that does not show it — hashing a large component costs about a third of
    /// describing it.
    pub fn describe_file_unhashed(path: &Path) -> Result<Self, DecodeError> {
        decode::describe_file_unhashed(path)
    }

    /// Reads a component for composing it: only the names of its imports and exports are read
    /// (interfaces without functions or types, functions without signatures), `wit` stays
    /// empty and the WIT behind `decoded` is decoded on first use — a composition that
    /// type-checks never needs it. Function bodies are not validated unless known valid from
    /// before: the composition embeds them verbatim and is validated in full, as `wac plug`
    /// validates its output ([`Component::validate_code`] names an input at fault).
    pub fn outline_from_file(path: &Path) -> Result<Self, DecodeError> {
        Self::outlines_from_files(&[path]).remove(0)
    }

    /// [`Component::outline_from_file`] for several files, in order.
    pub fn outlines_from_files(paths: &[&Path]) -> Vec<Result<Self, DecodeError>> {
        decode::outlines(paths)
    }

    /// The WIT document of a file, as `wirebench inspect --wit` prints it: validated as by
    /// [`Component::describe_file`], decoded only as far as printing its WIT needs.
    pub fn wit_document_of_file(path: &Path) -> Result<String, DecodeError> {
        decode::wit_document(path)
    }

    /// The whole WIT document, or a note for core modules without embedded WIT.
    pub fn wit_document(&self) -> String {
        if self.wit.is_empty() {
            no_wit_note(&self.name, self.kind)
        } else {
            self.wit.clone()
        }
    }

    /// Every interface import, in declaration order.
    pub fn imported_interfaces(&self) -> impl Iterator<Item = &InterfaceInfo> {
        self.imports.iter().filter_map(WorldItemInfo::as_interface)
    }

    /// Every interface export, in declaration order.
    pub fn exported_interfaces(&self) -> impl Iterator<Item = &InterfaceInfo> {
        self.exports.iter().filter_map(WorldItemInfo::as_interface)
    }

    /// The binary this was decoded from, if it was kept.
    pub fn bytes(&self) -> Option<&Arc<[u8]>> {
        self.decoded.as_ref().map(|d| &d.bytes)
    }

    /// Whether every function body of the binary is known valid (always, but for an outline
    /// read for composing and a described file).
    pub fn code_validated(&self) -> bool {
        self.decoded
            .as_ref()
            .is_none_or(|d| d.code_valid.load(Ordering::Acquire))
    }

    /// Validates every function body not known valid yet, and remembers a pass (also in the
    /// cache directory's record of validated files).
    pub fn validate_code(&self) -> Result<(), DecodeError> {
        let Some(d) = self.decoded.as_ref().filter(|_| !self.code_validated()) else {
            return Ok(());
        };
        crate::util::validate::validate_all(&d.bytes)
            .map_err(|e| decode::validation_error(&self.name, self.kind, &d.bytes, e))?;
        self.code_validated_elsewhere();
        Ok(())
    }

    /// Records that the code is valid, for a composition that embeds these very bytes and
    /// validated in full: a nested component is validated on its own, as if alone.
    pub fn code_validated_elsewhere(&self) {
        if let Some(d) = &self.decoded {
            if !d.code_valid.swap(true, Ordering::AcqRel) {
                crate::util::validated::record(&self.sha256);
            }
        }
    }
}

fn no_wit_note(name: &str, kind: Kind) -> String {
    format!("// `{name}` is a {kind} with no WIT (core imports/exports only)\n")
}

/// The display name for a file: its stem (`kv-store.wasm` → `kv-store`).
pub fn component_name_for(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Hex sha256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
