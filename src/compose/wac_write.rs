//! Workspace → WAC source that `wac compose` accepts (with one `--dep` per component).

use std::fmt::Write as _;
use std::path::Path;

use indexmap::IndexMap;

use super::encode::EncodeOptions;
use crate::workspace::{port_names, Workspace};

/// Words WAC lexes as keywords; an identifier spelled like one needs a `%` prefix.
const KEYWORDS: &[&str] = &[
    "import",
    "with",
    "type",
    "tuple",
    "list",
    "option",
    "result",
    "borrow",
    "resource",
    "variant",
    "record",
    "flags",
    "enum",
    "func",
    "static",
    "constructor",
    "u8",
    "s8",
    "u16",
    "s16",
    "u32",
    "s32",
    "u64",
    "s64",
    "f32",
    "f64",
    "char",
    "bool",
    "string",
    "interface",
    "world",
    "export",
    "new",
    "let",
    "use",
    "include",
    "as",
    "package",
    "targets",
    "async",
    "stream",
    "future",
    "error-context",
];

/// The namespace of the package names wirebench gives workspace components in a `.wac`.
pub const LOCAL_NAMESPACE: &str = "local";

/// A WAC/WIT identifier for a component id: lower-case words joined by `-` (`kv_store` →
/// `kv-store`, `2d` → `x2d`).
pub fn wac_label(id: &str) -> String {
    let lower = id.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.starts_with(|c: char| c.is_ascii_digit()) {
                format!("x{w}")
            } else {
                w.to_string()
            }
        })
        .collect();
    if words.is_empty() {
        "component".into()
    } else {
        words.join("-")
    }
}

/// `local:<label>`: the package name a component gets when none was saved.
pub fn default_package_name(id: &str) -> String {
    format!("{LOCAL_NAMESPACE}:{}", wac_label(id))
}

/// Package names for every component, unique (`local:kv-store`, `local:kv-store-2`).
pub fn package_names(ws: &Workspace) -> IndexMap<String, String> {
    let mut used = std::collections::HashSet::new();
    let mut out = IndexMap::new();
    for id in ws.components.keys() {
        let base = wac_label(id);
        let mut label = base.clone();
        let mut n = 2;
        while !used.insert(label.clone()) {
            label = format!("{base}-{n}");
            n += 1;
        }
        out.insert(id.clone(), format!("{LOCAL_NAMESPACE}:{label}"));
    }
    out
}

/// The WAC variable for a component: its package label, `%`-escaped if it is a keyword.
fn variable(package: &str) -> String {
    let label = package.split_once(':').map(|(_, l)| l).unwrap_or(package);
    if KEYWORDS.contains(&label) {
        format!("%{label}")
    } else {
        label.to_string()
    }
}

fn quote(s: &str) -> String {
    // WAC strings have no escapes; component-model names never contain `"`.
    format!("\"{}\"", s.replace('"', ""))
}

/// The workspace composition as WAC, with `--dep` paths relative to the workspace directory.
pub fn to_wac(ws: &Workspace) -> String {
    to_wac_in(ws, ws.root.as_deref())
}

/// The workspace composition as WAC, with `--dep` paths relative to `dir` when given.
///
/// Every composable component is instantiated (providers first); plugged imports are passed
/// explicitly and the rest are imported with `...`. Exports follow [`EncodeOptions`]' default;
/// a name two components export is written once and the other noted in a comment.
pub fn to_wac_in(ws: &Workspace, dir: Option<&Path>) -> String {
    let names = package_names(ws);
    let composable: Vec<&String> = ws
        .components
        .keys()
        .filter(|id| ws.is_composable(id))
        .collect();
    let order: Vec<String> = match ws.instantiation_order() {
        Ok(o) => o.into_iter().filter(|id| ws.is_composable(id)).collect(),
        // A cycle cannot be written as WAC; keep load order so the error shows up in `wac`.
        Err(_) => composable.iter().map(|s| s.to_string()).collect(),
    };
    let mut out = String::new();
    out.push_str(
        "// A wirebench workspace composition. `wac compose` accepts it, from this folder:\n",
    );
    out.push_str("//   wac compose ");
    out.push_str(
        ws.settings
            .composition
            .as_deref()
            .unwrap_or("workspace.wac"),
    );
    for id in &order {
        let file = ws.components[id].path.as_ref().map(|p| match dir {
            Some(d) => crate::workspace::relative_path(p, d),
            None => p.display().to_string(),
        });
        let _ = write!(
            out,
            " \\\n//     --dep {}={}",
            names[id],
            file.unwrap_or("FILE".into())
        );
    }
    out.push_str(" \\\n//     -o composed.wasm\n");
    for (id, c) in &ws.components {
        if !ws.is_composable(id) {
            let _ = writeln!(
                out,
                "// `{id}` is a {} and is not part of the composition.",
                c.kind
            );
        }
    }
    out.push_str("package wirebench:workspace;\n");
    for id in &order {
        let var = variable(&names[id]);
        let c = &ws.components[id];
        let mut args = Vec::new();
        let mut open = false;
        for import in port_names(&c.imports) {
            match ws.plug_for(id, import) {
                Some(p) if names.contains_key(&p.provider) => args.push(format!(
                    "    {}: {}[{}],",
                    quote(import),
                    variable(&names[&p.provider]),
                    quote(&p.export)
                )),
                _ => open = true,
            }
        }
        if open {
            args.push("    ...".into());
        }
        let _ = if args.is_empty() {
            writeln!(out, "\nlet {var} = new {} {{}};", names[id])
        } else if args.len() == 1 && open {
            writeln!(out, "\nlet {var} = new {} {{ ... }};", names[id])
        } else {
            writeln!(
                out,
                "\nlet {var} = new {} {{\n{}\n}};",
                names[id],
                args.join("\n")
            )
        };
    }
    let exports =
        super::encode::default_exports(ws, &EncodeOptions::default(), &order).unwrap_or_default();
    if !exports.is_empty() {
        out.push('\n');
    }
    let mut written: IndexMap<String, String> = IndexMap::new();
    for e in exports {
        let Some(package) = names.get(&e.component) else {
            continue;
        };
        if let Some(first) = written.get(e.name()) {
            let _ = writeln!(
                out,
                "// not exported: `{}` of `{}` (the name is taken by `{first}`)",
                e.export, e.component
            );
            continue;
        }
        let _ = match &e.rename {
            Some(to) => writeln!(
                out,
                "export {}[{}] as {};",
                variable(package),
                quote(&e.export),
                quote(to)
            ),
            None => writeln!(out, "export {}[{}];", variable(package), quote(&e.export)),
        };
        written.insert(e.name().to_string(), e.component.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_wac_identifiers() {
        assert_eq!(wac_label("kv-store"), "kv-store");
        assert_eq!(wac_label("KV_Store.v2"), "kv-store-v2");
        assert_eq!(wac_label("2d"), "x2d");
        assert_eq!(wac_label("__"), "component");
        assert_eq!(variable("local:type"), "%type");
        assert_eq!(default_package_name("http gateway"), "local:http-gateway");
    }
}
