//! Bytes → [`Component`]: validation, WIT decoding and the world's imports and exports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use super::error::one_line;
use super::wit::{func_resource, func_signature, kind_name, type_name, typedef_wit};
use super::{
    core_module, sha256_hex, Component, DecodeError, Decoded, FunctionInfo, FunctionKind,
    InterfaceInfo, Kind, ParamInfo, TypeInfo, Validation, WorldItemInfo,
};
use crate::util::fsio::{read_wasm_file_hashed, read_wasm_file_shared};
use crate::util::validated;

const MAGIC: &[u8; 4] = b"\0asm";

pub(super) fn decode(
    name: &str,
    path: Option<PathBuf>,
    bytes: Arc<[u8]>,
    validation: Validation,
) -> Result<Component, DecodeError> {
    let mut input = Unchecked::new(name, path, bytes, validation)?;
    input.start_hashing();
    validated_then(input, decode_valid)
}

pub(super) fn decode_file(path: &Path, validation: Validation) -> Result<Component, DecodeError> {
    let bytes = read_wasm_file_shared(path)?;
    let name = super::component_name_for(path);
    decode(&name, Some(path.to_path_buf()), bytes, validation)
}

/// [`decode_file`] with [`Validation::Structure`], leaving `sha256` empty instead of hashing.
pub(super) fn describe_file_unhashed(path: &Path) -> Result<Component, DecodeError> {
    let bytes = read_wasm_file_shared(path)?;
    let name = super::component_name_for(path);
    let path = Some(path.into());
    let input = Unchecked::with(&name, path, bytes, Sha256::Unwanted, Validation::Structure)?;
    validated_then(input, decode_valid)
}

/// The WIT document of a file (see [`Component::wit_document`]), decoding nothing else.
pub(super) fn wit_document(path: &Path) -> Result<String, DecodeError> {
    let bytes = read_wasm_file_shared(path)?;
    let name = super::component_name_for(path);
    let input = Unchecked::new(&name, Some(path.into()), bytes, Validation::Structure)?;
    validated_then(input, |input| {
        if input.kind == Kind::CoreModule {
            return decode_valid(input).map(|c| c.wit_document());
        }
        let wit_error = |reason| DecodeError::Wit {
            name: input.name.clone(),
            kind: input.kind,
            reason,
        };
        let pkg = match wit_component::decode(&input.bytes).map_err(|e| wit_error(one_line(&e)))? {
            wit_component::DecodedWasm::Component(resolve, world) => {
                resolve.worlds[world].package.map(|pkg| (resolve, pkg))
            }
            wit_component::DecodedWasm::WitPackage(resolve, pkg) => Some((resolve, pkg)),
        };
        match pkg {
            Some((resolve, pkg)) => print_wit(&resolve, pkg).map_err(wit_error),
            None => Ok(super::no_wit_note(&input.name, input.kind)),
        }
    })
}

/// Validates `input` as it says, then hands it to `then`; a component's `then` runs while its
/// function bodies are checked.
fn validated_then<T>(
    input: Unchecked,
    then: impl FnOnce(Unchecked) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    if input.validation == Validation::Skip {
        return then(input);
    }
    // wit-parser reads through a buffer it grows to each section's declared size, so a
    // section claiming gigabytes must be refused by the validator before it gets there.
    if input.kind == Kind::CoreModule || !sections_fit(&input.bytes) {
        input.validate()?;
        return then(input);
    }
    if input.validation == Validation::Structure {
        // wit-parser validates the component's structure itself as it decodes; the validator
        // runs again only to name the precise fault should decoding fail.
        let (name, kind, bytes) = (input.name.clone(), input.kind, Arc::clone(&input.bytes));
        return then(input).map_err(|e| match e {
            DecodeError::Wit { .. } => precise_error(&name, kind, &bytes, e),
            e => e,
        });
    }
    // Validation runs beside the WIT decoding: wit-parser validates the component's structure
    // itself as it decodes (so it fails cleanly on bad input), and the full validation, which
    // also checks every function body, decides — its error wins, as if it had run first.
    let checking = Unchecked {
        name: input.name.clone(),
        path: None,
        bytes: Arc::clone(&input.bytes),
        sha256: input
            .sha256
            .known()
            .map_or(Sha256::Later, |s| Sha256::Known(s.clone())),
        ..input
    };
    std::thread::scope(|s| {
        let valid = s.spawn(|| checking.validate());
        let decoded = then(input);
        valid
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        decoded
    })
}

/// The validator's account of bytes that failed to decode, which is the precise one (truncated,
/// or invalid at an offset); `fallback` if the validator finds no fault in their structure.
fn precise_error(name: &str, kind: Kind, bytes: &[u8], fallback: DecodeError) -> DecodeError {
    match crate::util::validate::check_structure(bytes) {
        Err(fault) => validation_error(name, kind, bytes, fault),
        Ok(()) => fallback,
    }
}

/// Outlines of files (see [`Component::outline_from_file`]), in order. Function bodies are not
/// validated here (unless known valid): the composition that embeds them is, in full.
pub(super) fn outlines(files: &[&Path]) -> Vec<Result<Component, DecodeError>> {
    let outline_file = |path: &&Path| {
        // Hashed as read: whether the file was validated before is looked up by its hash.
        let (bytes, sha256) = read_wasm_file_hashed(path)?;
        let name = super::component_name_for(path);
        let path = Some(path.to_path_buf());
        let input = Unchecked::hashed(&name, path, bytes, sha256)?;
        outline(input)
    };
    files.iter().map(outline_file).collect()
}

/// Bytes read as a `.wasm`, with what validating them takes.
struct Unchecked {
    name: String,
    path: Option<PathBuf>,
    bytes: Arc<[u8]>,
    kind: Kind,
    sha256: Sha256,
    /// [`Validation::Skip`] once known valid.
    validation: Validation,
}

impl Unchecked {
    fn new(
        name: &str,
        path: Option<PathBuf>,
        bytes: Arc<[u8]>,
        validation: Validation,
    ) -> Result<Self, DecodeError> {
        if validation == Validation::Remembered {
            let sha256 = sha256_hex(&bytes);
            return Self::hashed(name, path, bytes, sha256);
        }
        Self::with(name, path, bytes, Sha256::Later, validation)
    }

    /// Bytes of this sha256, validated as [`Validation::Remembered`].
    fn hashed(
        name: &str,
        path: Option<PathBuf>,
        bytes: Arc<[u8]>,
        sha256: String,
    ) -> Result<Self, DecodeError> {
        let validation = if validated::known(&sha256) {
            Validation::Skip
        } else {
            Validation::Remembered
        };
        Self::with(name, path, bytes, Sha256::Known(sha256), validation)
    }

    fn with(
        name: &str,
        path: Option<PathBuf>,
        bytes: Arc<[u8]>,
        sha256: Sha256,
        validation: Validation,
    ) -> Result<Self, DecodeError> {
        let kind = classify(name, &bytes)?;
        Ok(Unchecked {
            name: name.to_string(),
            path,
            bytes,
            kind,
            sha256,
            validation,
        })
    }

    /// Starts hashing a large file on another thread, to overlap with decoding it (hashing
    /// 20 MB takes about as long as decoding its WIT).
    fn start_hashing(&mut self) {
        const HASH_BESIDE_FROM: usize = 1 << 20;
        if !matches!(self.sha256, Sha256::Later) || self.bytes.len() < HASH_BESIDE_FROM {
            return;
        }
        let bytes = Arc::clone(&self.bytes);
        // Without a thread (none can be started), it is hashed when needed.
        if let Ok(hashing) = std::thread::Builder::new().spawn(move || sha256_hex(&bytes)) {
            self.sha256 = Sha256::Hashing(hashing);
        }
    }

    /// A component of these bytes with nothing decoded yet, the bytes, and their sha256 still
    /// to be put in the component (last, so that hashing overlaps with decoding).
    fn into_component(self) -> (Component, Arc<[u8]>, Sha256) {
        let component = Component {
            size: self.bytes.len() as u64,
            name: self.name,
            path: self.path,
            kind: self.kind,
            sha256: String::new(),
            world: None,
            imports: Vec::new(),
            exports: Vec::new(),
            core: None,
            wit: String::new(),
            decoded: None,
        };
        (component, self.bytes, self.sha256)
    }

    /// Validates as `validation` says, remembering a full pass if asked to.
    fn validate(&self) -> Result<(), DecodeError> {
        let checked = match self.validation {
            Validation::Skip => return Ok(()),
            Validation::Structure => crate::util::validate::check_structure(&self.bytes),
            Validation::Full | Validation::Remembered => {
                crate::util::validate::validate_all(&self.bytes)
            }
        };
        checked.map_err(|e| validation_error(&self.name, self.kind, &self.bytes, e))?;
        if let (Validation::Remembered, Some(sha256)) = (self.validation, self.sha256.known()) {
            validated::record(sha256);
        }
        Ok(())
    }
}

/// wit-component's decoding of bytes not validated, refused unless [`sections_fit`].
pub(super) fn decode_wit_guarded(bytes: &[u8]) -> anyhow::Result<wit_component::DecodedWasm> {
    if !sections_fit(bytes) {
        anyhow::bail!("a section runs past the end of the file");
    }
    wit_component::decode(bytes)
}

/// A file's sha256: known, being computed on another thread, or to be computed when needed.
enum Sha256 {
    Known(String),
    Hashing(std::thread::JoinHandle<String>),
    Later,
    /// Not computed: the component's `sha256` stays empty.
    Unwanted,
}

impl Sha256 {
    fn known(&self) -> Option<&String> {
        match self {
            Sha256::Known(sha256) => Some(sha256),
            _ => None,
        }
    }

    fn of(self, bytes: &[u8]) -> String {
        match self {
            Sha256::Known(sha256) => sha256,
            Sha256::Hashing(h) => h.join().unwrap_or_else(|_| sha256_hex(bytes)),
            Sha256::Later => sha256_hex(bytes),
            Sha256::Unwanted => String::new(),
        }
    }
}

/// Whether every section, nested ones included, lies within `bytes` (a parse without
/// validation: cheap next to validating).
fn sections_fit(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .all(|payload| payload.is_ok())
}

/// Decodes bytes that are valid, or (components) structurally checked as they are decoded.
fn decode_valid(input: Unchecked) -> Result<Component, DecodeError> {
    let (name, kind) = (input.name.clone(), input.kind);
    let code_valid = input.validation != Validation::Structure;
    let name = name.as_str();
    let wit_error = |e: anyhow::Error| DecodeError::Wit {
        name: name.to_string(),
        kind,
        reason: one_line(&e),
    };
    match kind {
        Kind::Component => {
            let decoded = wit_component::decode(&input.bytes);
            let (mut component, bytes, sha256) = input.into_component();
            let (resolve, world) = match decoded.map_err(wit_error)? {
                wit_component::DecodedWasm::Component(resolve, world) => (resolve, world),
                wit_component::DecodedWasm::WitPackage(resolve, pkg) => {
                    // A WIT-only package has no world of its own; show its definitions.
                    component.wit =
                        print_wit(&resolve, pkg).map_err(|reason| DecodeError::Wit {
                            name: name.to_string(),
                            kind,
                            reason,
                        })?;
                    component.sha256 = sha256.of(&bytes);
                    return Ok(component);
                }
            };
            fill_from_world(&mut component, &resolve, world)?;
            component.sha256 = sha256.of(&bytes);
            component.decoded = Some(Arc::new(Decoded::new(bytes, resolve, world, code_valid)));
            Ok(component)
        }
        Kind::CoreModule => {
            let described = core_module::describe(name, &input.bytes);
            let (mut component, bytes, sha256) = input.into_component();
            let (core, metadata) = described?;
            component.core = Some(core);
            // A wit-bindgen module that was never componentized still carries its world.
            if let Some((resolve, world)) = metadata {
                fill_from_world(&mut component, &resolve, world)?;
            }
            component.sha256 = sha256.of(&bytes);
            Ok(component)
        }
    }
}

/// The outline of bytes: a component's port names, its WIT left for later, its function bodies
/// validated later unless known valid. A core module (which no composition takes) is
/// validated and described as everywhere.
fn outline(input: Unchecked) -> Result<Component, DecodeError> {
    if input.kind == Kind::CoreModule {
        input.validate()?;
        return decode_valid(input);
    }
    let code_valid = input.validation == Validation::Skip;
    let (mut component, bytes, sha256) = input.into_component();
    component.sha256 = sha256.of(&bytes);
    let (imports, exports) = super::ports::top_level_items(&bytes).map_err(|e| {
        let unread = DecodeError::Wit {
            name: component.name.clone(),
            kind: component.kind,
            reason: e.message().to_string(),
        };
        precise_error(&component.name, component.kind, &bytes, unread)
    })?;
    component.imports = imports.into_iter().map(outline_item).collect();
    component.exports = exports.into_iter().map(outline_item).collect();
    component.decoded = Some(Arc::new(Decoded::undecoded(bytes, code_valid)));
    Ok(component)
}

fn outline_item(port: super::ports::Port) -> WorldItemInfo {
    if port.is_function {
        return WorldItemInfo::Function(FunctionInfo {
            item_name: port.name.clone(),
            signature: String::new(),
            name: port.name,
            kind: FunctionKind::Freestanding,
            resource: None,
            is_async: false,
            params: Vec::new(),
            result: None,
            docs: None,
        });
    }
    let package = port
        .name
        .split_once('/')
        .map(|(package, rest)| match rest.split_once('@') {
            Some((_, version)) => format!("{package}@{version}"),
            None => package.to_string(),
        });
    WorldItemInfo::Interface(InterfaceInfo {
        name: port.name,
        package,
        docs: None,
        types: Vec::new(),
        functions: Vec::new(),
    })
}

fn classify(name: &str, bytes: &[u8]) -> Result<Kind, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty { name: name.into() });
    }
    let head = &bytes[..bytes.len().min(4)];
    if head != &MAGIC[..head.len()] {
        return Err(DecodeError::NotWasm {
            name: name.into(),
            found: describe_prefix(head),
        });
    }
    if bytes.len() < 8 {
        return Err(DecodeError::Truncated {
            name: name.into(),
            what: format!("only {} bytes, shorter than a wasm header", bytes.len()),
        });
    }
    if wasmparser::Parser::is_component(bytes) {
        Ok(Kind::Component)
    } else if wasmparser::Parser::is_core_wasm(bytes) {
        Ok(Kind::CoreModule)
    } else {
        Err(DecodeError::Invalid {
            name: name.into(),
            kind: Kind::Component,
            reason: format!(
                "unknown binary version/layer {:02x?} after the `\\0asm` magic",
                &bytes[4..8]
            ),
        })
    }
}

fn describe_prefix(head: &[u8]) -> String {
    let printable = head.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
    if printable {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

pub(super) fn validation_error(
    name: &str,
    kind: Kind,
    bytes: &[u8],
    e: wasmparser::BinaryReaderError,
) -> DecodeError {
    // wasmparser sometimes adds a second line of detail; keep the error on one line.
    let message = e.message().replace('\n', "; ");
    if message.contains("unexpected end") || e.offset() >= bytes.len() as u64 {
        DecodeError::Truncated {
            name: name.into(),
            what: format!("{message} at offset {:#x} of {}", e.offset(), bytes.len()),
        }
    } else {
        DecodeError::Invalid {
            name: name.into(),
            kind,
            reason: format!("{message} (at offset {:#x})", e.offset()),
        }
    }
}

/// The full WIT text: the package holding `pkg`, then every other package as nested packages.
pub(super) fn print_wit(resolve: &Resolve, pkg: wit_parser::PackageId) -> Result<String, String> {
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != pkg)
        .collect();
    let mut printer = wit_component::WitPrinter::default();
    printer
        .print(resolve, pkg, &nested)
        .map_err(|e| one_line(&e))?;
    Ok(printer.output.to_string())
}

fn fill_from_world(
    component: &mut Component,
    resolve: &Resolve,
    world_id: WorldId,
) -> Result<(), DecodeError> {
    let world = &resolve.worlds[world_id];
    component.world = Some(match world.package {
        Some(pkg) => format!("{}/{}", resolve.packages[pkg].name, world.name),
        None => world.name.clone(),
    });
    component.imports = world
        .imports
        .iter()
        .map(|(k, v)| world_item(resolve, k, v))
        .collect();
    component.exports = world
        .exports
        .iter()
        .map(|(k, v)| world_item(resolve, k, v))
        .collect();
    if let Some(pkg) = world.package {
        component.wit = print_wit(resolve, pkg).map_err(|reason| DecodeError::Wit {
            name: component.name.clone(),
            kind: component.kind,
            reason,
        })?;
    }
    Ok(())
}

fn world_item(resolve: &Resolve, key: &WorldKey, item: &WorldItem) -> WorldItemInfo {
    match item {
        WorldItem::Interface { id, .. } => {
            let iface = &resolve.interfaces[*id];
            let name = match key {
                WorldKey::Interface(_) => resolve.id_of(*id),
                WorldKey::Name(n) => Some(n.clone()),
            }
            .or_else(|| iface.name.clone())
            .unwrap_or_else(|| "<anonymous>".into());
            WorldItemInfo::Interface(InterfaceInfo {
                name,
                package: iface.package.map(|p| resolve.packages[p].name.to_string()),
                docs: iface.docs.contents.clone(),
                types: iface
                    .types
                    .iter()
                    .map(|(n, id)| type_info(resolve, n, *id, Some(iface)))
                    .collect(),
                functions: iface
                    .functions
                    .values()
                    .map(|f| function_info(resolve, f))
                    .collect(),
            })
        }
        WorldItem::Function(f) => WorldItemInfo::Function(function_info(resolve, f)),
        WorldItem::Type { id, .. } => {
            let name = resolve.name_world_key(key);
            WorldItemInfo::Type(type_info(resolve, &name, *id, None))
        }
    }
}

fn type_info(
    resolve: &Resolve,
    name: &str,
    id: wit_parser::TypeId,
    iface: Option<&wit_parser::Interface>,
) -> TypeInfo {
    let def = &resolve.types[id];
    let definition = typedef_wit(resolve, id, iface);
    let kind = if definition.starts_with("use ") {
        "use".to_string()
    } else {
        kind_name(&def.kind).to_string()
    };
    TypeInfo {
        name: name.to_string(),
        kind,
        definition,
        docs: def.docs.contents.clone(),
    }
}

pub(super) fn function_info(resolve: &Resolve, f: &wit_parser::Function) -> FunctionInfo {
    use wit_parser::FunctionKind as K;
    let kind = match f.kind {
        K::Freestanding | K::AsyncFreestanding | K::Getter | K::Setter => {
            FunctionKind::Freestanding
        }
        K::Constructor(_) => FunctionKind::Constructor,
        K::Method(_) | K::AsyncMethod(_) | K::MethodGetter(_) | K::MethodSetter(_) => {
            FunctionKind::Method
        }
        K::Static(_) | K::AsyncStatic(_) | K::StaticGetter(_) | K::StaticSetter(_) => {
            FunctionKind::Static
        }
    };
    let skip_self = usize::from(kind == FunctionKind::Method);
    FunctionInfo {
        name: f.name.clone(),
        item_name: f.item_name().to_string(),
        kind,
        resource: func_resource(resolve, f),
        is_async: f.kind.is_async(),
        params: f
            .params
            .iter()
            .skip(skip_self)
            .map(|p| ParamInfo {
                name: p.name.clone(),
                ty: type_name(resolve, &p.ty),
            })
            .collect(),
        result: match (&f.result, kind) {
            (_, FunctionKind::Constructor) | (None, _) => None,
            (Some(t), _) => Some(type_name(resolve, t)),
        },
        signature: func_signature(resolve, f),
        docs: f.docs.contents.clone(),
    }
}
