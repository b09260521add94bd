//! The names of a component's own imports and exports read straight from its top-level
//! sections: what a summary of a freshly composed component needs, without decoding its WIT.

use wasmparser::{ComponentExternalKind, ComponentTypeRef, Parser, Payload};

/// The pluggable (non-type) import and export names of the outermost component in `bytes`,
/// in binary order. The bytes should be valid; nested modules and components are skipped.
pub fn top_level_ports(
    bytes: &[u8],
) -> Result<(Vec<String>, Vec<String>), wasmparser::BinaryReaderError> {
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
                        imports.push(i.name.full_name().into_owned());
                    }
                }
            }
            Payload::ComponentExportSection(s) if depth == 0 => {
                for e in s {
                    let e = e?;
                    if e.kind != ComponentExternalKind::Type {
                        exports.push(e.name.full_name().into_owned());
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
        }
    }
}
