//! The names of a component's own imports and exports read straight from its top-level
//! sections: what a summary of a freshly composed component needs, without decoding its WIT.

use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};

/// The pluggable (non-type) import and export names of the outermost component in `bytes`,
/// in binary order. The bytes should be valid; nested modules and components are skipped.
pub fn top_level_ports(
    bytes: &[u8],
) -> Result<(Vec<String>, Vec<String>), wasmparser::BinaryReaderError> {
    let names = |ports: Vec<Port>| ports.into_iter().map(|p| p.name).collect();
    let (imports, exports) = top_level_items(bytes)?;
    Ok((names(imports), names(exports)))
}

/// One pluggable import or export of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    /// A bare function rather than an instance (an interface) or another item.
    pub is_function: bool,
}

/// [`top_level_ports`] with what kind of item each one is.
pub fn top_level_items(
    bytes: &[u8],
) -> Result<(Vec<Port>, Vec<Port>), wasmparser::BinaryReaderError> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(s) if depth == 0 => {
                for i in s {
                    let i = i?;
                    if !matches!(i.ty, ComponentTypeRef::Type(_)) {
                        imports.push(Port {
                            name: i.name.full_name().into_owned(),
                            is_function: matches!(i.ty, ComponentTypeRef::Func(_)),
                        });
                    }
                }
            }
            Payload::ComponentExportSection(s) if depth == 0 => {
                for e in s {
                    let e = e?;
                    if e.kind != ComponentExternalKind::Type {
                        exports.push(Port {
                            name: e.name.full_name().into_owned(),
                            is_function: e.kind == ComponentExternalKind::Func,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Component;
    use crate::workspace::port_names;

    #[test]
    fn agree_with_the_decoded_world() {
        for name in [
            "kv-store",
            "data-processor",
            "http-gateway",
            "type-zoo",
            "hostile",
        ] {
            let path = format!("{}/assets/samples/{name}.wasm", env!("CARGO_MANIFEST_DIR"));
            let bytes = std::fs::read(&path).unwrap();
            let c = Component::from_bytes(name, bytes.clone()).unwrap();
            let (imports, exports) = top_level_ports(&bytes).unwrap();
            for (side, decoded, read) in [
                ("imports", &c.imports, &imports),
                ("exports", &c.exports, &exports),
            ] {
                let mut want: Vec<&str> = port_names(decoded).collect();
                let mut got: Vec<&str> = read.iter().map(String::as_str).collect();
                want.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, want, "{name} {side}");
            }
            let outline = Component::outline_from_file(path.as_ref()).unwrap();
            let kinds = |items: &[crate::model::WorldItemInfo]| {
                let mut v: Vec<(String, bool)> = items
                    .iter()
                    .filter(|i| !matches!(i, crate::model::WorldItemInfo::Type(_)))
                    .map(|i| {
                        let f = matches!(i, crate::model::WorldItemInfo::Function(_));
                        (i.name().to_string(), f)
                    })
                    .collect();
                v.sort();
                v
            };
            assert_eq!(kinds(&outline.imports), kinds(&c.imports), "{name}");
            assert_eq!(kinds(&outline.exports), kinds(&c.exports), "{name}");
            assert_eq!((outline.size, &outline.sha256), (c.size, &c.sha256));
            let (full, lazy) = (c.decoded.unwrap(), outline.decoded.unwrap());
            let (full, lazy) = (full.wit().unwrap(), lazy.wit().unwrap());
            assert_eq!(
                full.resolve.worlds[full.world].imports.len(),
                lazy.resolve.worlds[lazy.world].imports.len(),
                "{name}: the WIT an outline decodes later is the component's"
            );
        }
    }
}
