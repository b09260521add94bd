//! `.wac` → workspace: each `let x = new pkg { ... }` becomes a component instance, each
//! argument taken from another instance's export a plug, each `export` an export choice.
//!
//! Plugs read here are not type-checked on the way in: `Workspace::status` reports broken ones,
//! so a workspace whose components changed still opens. Documents using WAC beyond this shape
//! (imports, type definitions, aliases) are refused with a pointer to `wirebench compose`.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use wac_parser::{
    ExportOptions, Expr, ExternName, InstantiationArgument, InstantiationArgumentName, PostfixExpr,
    PrimaryExpr, Statement, TypeDecl, TypeStatement,
};

use super::error::WacError;
use super::wac_resolve::{line_col, load_package, parse, read_source, Deps, PackageFinder};
use crate::model::short_interface_name;
use crate::workspace::{matching_export, port_names, ExportChoice, LoadWarning, Plug, Workspace};

/// Loads a `.wac` as a workspace, resolving its packages from local files only.
pub fn load_wac(path: &Path, deps: &Deps) -> Result<Workspace, WacError> {
    let mut ws = Workspace::new();
    ws.root = path
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .map(Path::to_path_buf);
    read_wac_into(&mut ws, path, deps, false)?;
    ws.settings.composition = path.file_name().map(|n| n.to_string_lossy().into_owned());
    Ok(ws)
}

/// What an argument or export expression points at: an instance and one of its exports.
enum Access<'a> {
    /// `x["name"]`
    Named(&'a str, &'a str, usize),
    /// `x.name`
    Dotted(&'a str, &'a str, usize),
}

fn access<'a>(e: &'a Expr<'a>) -> Option<Access<'a>> {
    let PrimaryExpr::Ident(var) = &e.primary else {
        return None;
    };
    match e.postfix.as_slice() {
        [PostfixExpr::NamedAccess(n)] => {
            Some(Access::Named(var.string, n.string.value, e.span.offset()))
        }
        [PostfixExpr::Access(a)] => Some(Access::Dotted(var.string, a.id.string, e.span.offset())),
        _ => None,
    }
}

/// Reads a `.wac` into `ws`: components already loaded from the same file are reused, others
/// are loaded. With `lenient`, packages that cannot be found or loaded become warnings and
/// their plugs are dropped; otherwise they are errors.
pub fn read_wac_into(
    ws: &mut Workspace,
    path: &Path,
    deps: &Deps,
    lenient: bool,
) -> Result<(), WacError> {
    let source = read_source(path)?;
    let doc = parse(path, &source)?;
    // Each `let` becomes a component of the workspace: refuse thousands before loading any.
    let lets = doc
        .statements
        .iter()
        .filter(|s| matches!(s, Statement::Let(_)))
        .count();
    if lets > crate::workspace::MAX_COMPONENTS {
        return Err(WacError::Unsupported {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            what: format!(
                "{lets} instances (at most {})",
                crate::workspace::MAX_COMPONENTS
            ),
        });
    }
    let finder = PackageFinder {
        deps,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let at = |offset: usize| line_col(&source, offset);
    let unsupported = |offset: usize, what: String| {
        let (line, col) = at(offset);
        WacError::Unsupported {
            path: path.to_path_buf(),
            line,
            col,
            what,
        }
    };
    let undefined = |offset: usize, name: &str| {
        let (line, col) = at(offset);
        WacError::Resolve {
            path: path.to_path_buf(),
            line,
            col,
            message: format!("undefined name `{name}`"),
            hint: Some("define it with `let` before using it".into()),
        }
    };
    let no_export = |offset: usize, component: &str, acc: &Access<'_>| {
        let (line, col) = at(offset);
        WacError::Resolve {
            path: path.to_path_buf(),
            line,
            col,
            message: format!("`{}`: `{component}` has no such export", export_text(acc)),
            hint: Some("check the export name with `wirebench inspect`".into()),
        }
    };
    // Variable → component id; `None` when its package was skipped (lenient mode).
    let mut vars: HashMap<&str, Option<String>> = HashMap::new();
    let mut claimed: HashSet<String> = HashSet::new();
    let mut plugs: Vec<Plug> = Vec::new();
    let mut exports: Vec<ExportChoice> = Vec::new();
    let warn = |ws: &mut Workspace, message: String| {
        ws.warnings.push(LoadWarning {
            path: Some(path.to_path_buf()),
            message,
        })
    };

    for stmt in &doc.statements {
        match stmt {
            Statement::Let(l) => {
                let var = l.id.string.trim_start_matches('%');
                let offset = l.id.span.offset();
                let (PrimaryExpr::New(new), true) = (&l.expr.primary, l.expr.postfix.is_empty())
                else {
                    return Err(unsupported(
                        offset,
                        format!("`let {var}` (not a plain `new`)"),
                    ));
                };
                let pkg = new.package.name;
                let file = match finder.find(pkg, new.package.version.as_ref()) {
                    Ok(f) => f,
                    Err(looked) if !lenient => {
                        let (line, col) = at(new.package.span.offset());
                        return Err(WacError::MissingPackage {
                            path: path.to_path_buf(),
                            line,
                            col,
                            package: pkg.to_string(),
                            looked,
                        });
                    }
                    Err(_) => {
                        warn(
                            ws,
                            format!("instance `{var}` dropped: package `{pkg}` not found"),
                        );
                        vars.insert(var, None);
                        continue;
                    }
                };
                let existing = ws
                    .component_for_path(&file)
                    .map(|(id, c)| (id.to_string(), Arc::clone(c)));
                let id = match existing {
                    Some((id, _)) if claimed.insert(id.clone()) => id,
                    // The same package instantiated again: a second id for the same component.
                    Some((_, c)) => {
                        let id = ws.unique_id(var);
                        ws.insert_component(&id, c);
                        id
                    }
                    None => match load_package(path, pkg, &file) {
                        Ok(c) => {
                            let id = ws.unique_id(var);
                            ws.insert_component(&id, c);
                            id
                        }
                        Err(e) if lenient => {
                            warn(ws, format!("instance `{var}` dropped: {e}"));
                            vars.insert(var, None);
                            continue;
                        }
                        Err(e) => return Err(e),
                    },
                };
                claimed.insert(id.clone());
                vars.insert(var, Some(id.clone()));
                for arg in &new.arguments {
                    match arg {
                        InstantiationArgument::Named(a) => {
                            let import = match &a.name {
                                InstantiationArgumentName::Ident(i) => {
                                    interface_named(ws, &id, i.string)
                                }
                                InstantiationArgumentName::String(s) => s.value.to_string(),
                            };
                            let import = import.as_str();
                            let Some(acc) = access(&a.expr) else {
                                return Err(unsupported(
                                    a.expr.span.offset(),
                                    format!("argument `{import}` (not `instance[\"export\"]`)"),
                                ));
                            };
                            let (pvar, offset) = match acc {
                                Access::Named(v, _, o) | Access::Dotted(v, _, o) => (v, o),
                            };
                            let provider = vars
                                .get(pvar.trim_start_matches('%'))
                                .ok_or_else(|| undefined(offset, pvar))?;
                            let Some(provider) = provider.clone() else {
                                warn(ws, format!("plug of `{id}` import `{import}` dropped"));
                                continue;
                            };
                            let Some(export) = resolve_export(ws, &provider, &acc) else {
                                let e = no_export(offset, &provider, &acc);
                                if lenient {
                                    warn(ws, format!("plug dropped: {e}"));
                                    continue;
                                }
                                return Err(e);
                            };
                            plugs.push(Plug {
                                consumer: id.clone(),
                                import: import.to_string(),
                                provider,
                                export,
                            });
                        }
                        InstantiationArgument::Spread(v) => {
                            let provider = vars
                                .get(v.string.trim_start_matches('%'))
                                .ok_or_else(|| undefined(v.span.offset(), v.string))?;
                            let Some(provider) = provider.clone() else {
                                continue;
                            };
                            let imports: Vec<String> = port_names(&ws.components[&id].imports)
                                .map(str::to_string)
                                .collect();
                            for import in imports {
                                if plugs.iter().any(|p| p.consumer == id && p.import == import) {
                                    continue;
                                }
                                if let Some(export) =
                                    matching_export(&ws.components[&provider], &import)
                                {
                                    plugs.push(Plug {
                                        consumer: id.clone(),
                                        import,
                                        provider: provider.clone(),
                                        export,
                                    });
                                }
                            }
                        }
                        InstantiationArgument::Fill(_) => {}
                        InstantiationArgument::Inferred(v) => {
                            return Err(unsupported(
                                v.span.offset(),
                                format!("inferred argument `{}`", v.string),
                            ))
                        }
                    }
                }
            }
            Statement::Export(e) => {
                let offset = e.expr.span.offset();
                if let ExportOptions::Spread(_) = e.options {
                    let (PrimaryExpr::Ident(v), true) =
                        (&e.expr.primary, e.expr.postfix.is_empty())
                    else {
                        return Err(unsupported(offset, "this spread export".into()));
                    };
                    let var = v.string.trim_start_matches('%');
                    let Some(comp) = vars.get(var).ok_or_else(|| undefined(offset, var))?.clone()
                    else {
                        continue;
                    };
                    for export in port_names(&ws.components[&comp].exports) {
                        exports.push(ExportChoice {
                            component: comp.clone(),
                            export: export.to_string(),
                            rename: None,
                        });
                    }
                    continue;
                }
                let Some(acc) = access(&e.expr) else {
                    return Err(unsupported(
                        offset,
                        "this export (not `instance[\"export\"]`)".into(),
                    ));
                };
                let var = match acc {
                    Access::Named(v, ..) | Access::Dotted(v, ..) => v.trim_start_matches('%'),
                };
                let Some(comp) = vars.get(var).ok_or_else(|| undefined(offset, var))?.clone()
                else {
                    continue;
                };
                let Some(export) = resolve_export(ws, &comp, &acc) else {
                    let e = no_export(offset, &comp, &acc);
                    if lenient {
                        warn(ws, format!("export dropped: {e}"));
                        continue;
                    }
                    return Err(e);
                };
                let rename = match &e.options {
                    ExportOptions::Rename(ExternName::Ident(i)) => Some(i.string.to_string()),
                    ExportOptions::Rename(ExternName::String(s)) => Some(s.value.to_string()),
                    _ => None,
                };
                exports.push(ExportChoice {
                    component: comp,
                    export,
                    rename,
                });
            }
            Statement::Import(i) => {
                return Err(unsupported(
                    i.id.span.offset(),
                    format!("`import {}`", i.id.string),
                ))
            }
            Statement::Type(t) => {
                let id = match t {
                    TypeStatement::Interface(d) => &d.id,
                    TypeStatement::World(d) => &d.id,
                    TypeStatement::Type(TypeDecl::Variant(d)) => &d.id,
                    TypeStatement::Type(TypeDecl::Record(d)) => &d.id,
                    TypeStatement::Type(TypeDecl::Flags(d)) => &d.id,
                    TypeStatement::Type(TypeDecl::Enum(d)) => &d.id,
                    TypeStatement::Type(TypeDecl::Alias(d)) => &d.id,
                };
                return Err(unsupported(
                    id.span.offset(),
                    format!("the type definition `{}`", id.string),
                ));
            }
        }
    }
    ws.plugs.extend(plugs);
    ws.exports = exports;
    Ok(())
}

/// The import an identifier argument names, as wac-parser reads it: the name itself if the
/// component imports it, else the one import whose interface short name it is.
fn interface_named(ws: &Workspace, component: &str, ident: &str) -> String {
    let ident = ident.trim_start_matches('%');
    let Some(c) = ws.components.get(component) else {
        return ident.to_string();
    };
    if port_names(&c.imports).any(|i| i == ident) {
        return ident.to_string();
    }
    let matches: Vec<&str> = port_names(&c.imports)
        .filter(|i| i.contains('/') && short_interface_name(i) == ident)
        .collect();
    match matches.as_slice() {
        [one] => one.to_string(),
        _ => ident.to_string(),
    }
}

fn export_text(acc: &Access<'_>) -> String {
    match acc {
        Access::Named(v, n, _) => format!("{v}[\"{n}\"]"),
        Access::Dotted(v, n, _) => format!("{v}.{n}"),
    }
}

/// The export an access names: `x["name"]` exactly; `x.name` exactly or by a unique
/// interface short name (`x.store` for `neon:kv-store/store@1.0.0`).
fn resolve_export(ws: &Workspace, component: &str, acc: &Access<'_>) -> Option<String> {
    let c = ws.components.get(component)?;
    let mut names = port_names(&c.exports);
    match acc {
        Access::Named(_, n, _) => names.find(|e| e == n).map(str::to_string),
        Access::Dotted(_, n, _) => {
            let all: Vec<&str> = names.collect();
            if let Some(e) = all.iter().find(|e| *e == n) {
                return Some(e.to_string());
            }
            let short: Vec<&&str> = all
                .iter()
                .filter(|e| short_interface_name(e) == *n)
                .collect();
            match short.as_slice() {
                [one] => Some(one.to_string()),
                _ => None,
            }
        }
    }
}
