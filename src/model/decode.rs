//! Bytes → [`Component`]: validation, WIT decoding and the world's imports and exports.

use std::path::PathBuf;
use std::sync::Arc;

use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

use super::error::one_line;
use super::wit::{func_resource, func_signature, kind_name, type_name, typedef_wit};
use super::{
    core_module, sha256_hex, Component, DecodeError, Decoded, FunctionInfo, FunctionKind,
    InterfaceInfo, Kind, ParamInfo, TypeInfo, WorldItemInfo,
};

const MAGIC: &[u8; 4] = b"\0asm";

pub(super) fn decode(
    name: &str,
    path: Option<PathBuf>,
    bytes: Arc<[u8]>,
    validate_bytes: bool,
) -> Result<Component, DecodeError> {
    let kind = classify(name, &bytes)?;
    if !validate_bytes {
        return decode_valid(name, path, bytes, kind);
    }
    // wit-parser reads through a buffer it grows to each section's declared size, so a
    // section claiming gigabytes must be refused by the validator before it gets there.
    if kind == Kind::CoreModule || !sections_fit(&bytes) {
        crate::util::validate::validate_all(&bytes)
            .map_err(|e| validation_error(name, kind, &bytes, e))?;
        return decode_valid(name, path, bytes, kind);
    }
    // Validation runs beside the WIT decoding: wit-parser validates the component's structure
    // itself as it decodes (so it fails cleanly on bad input), and the full validation, which
    // also checks every function body, decides — its error wins, as if it had run first.
    let shared = Arc::clone(&bytes);
    let (valid, decoded) = std::thread::scope(|s| {
        let valid = s.spawn(|| crate::util::validate::validate_all(&shared));
        let decoded = decode_valid(name, path, bytes, kind);
        let valid = valid
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (valid, decoded)
    });
    valid.map_err(|e| validation_error(name, kind, &shared, e))?;
    decoded
}

/// Whether every section, nested ones included, lies within `bytes` (a parse without
/// validation: cheap next to validating).
fn sections_fit(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .all(|payload| payload.is_ok())
}

/// Decodes bytes that are valid, or (components) structurally checked as they are decoded.
fn decode_valid(
    name: &str,
    path: Option<PathBuf>,
    bytes: Arc<[u8]>,
    kind: Kind,
) -> Result<Component, DecodeError> {
    let size = bytes.len() as u64;
    let sha256 = sha256_hex(&bytes);
    let mut component = Component {
        name: name.to_string(),
        path,
        kind,
        size,
        sha256,
        world: None,
        imports: Vec::new(),
        exports: Vec::new(),
        core: None,
        wit: String::new(),
        decoded: None,
    };
    match kind {
        Kind::Component => {
            let decoded = wit_component::decode(&bytes).map_err(|e| DecodeError::Wit {
                name: name.to_string(),
                kind,
                reason: one_line(&e),
            })?;
            let resolve = decoded.resolve().clone();
            let world = match decoded {
                wit_component::DecodedWasm::Component(_, world) => world,
                wit_component::DecodedWasm::WitPackage(_, pkg) => {
                    // A WIT-only package has no world of its own; show its definitions.
                    component.wit =
                        print_wit(&resolve, pkg).map_err(|reason| DecodeError::Wit {
                            name: name.to_string(),
                            kind,
                            reason,
                        })?;
                    return Ok(component);
                }
            };
            fill_from_world(&mut component, &resolve, world)?;
            component.decoded = Some(Arc::new(Decoded {
                bytes,
                resolve,
                world,
            }));
        }
        Kind::CoreModule => {
            let (core, metadata) = core_module::describe(name, &bytes)?;
            component.core = Some(core);
            // A wit-bindgen module that was never componentized still carries its world.
            if let Some((resolve, world)) = metadata {
                fill_from_world(&mut component, &resolve, world)?;
            }
        }
    }
    Ok(component)
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

fn validation_error(
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
