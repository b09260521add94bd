//! The callable functions of a session: names a user may type (`get`, `store.get`,
//! `neon:kv-store/store@1.0.0.get`, `counter.new`), lookup by the shortest unambiguous form,
//! and argument templates for the TUI (`set("", "")`).

use std::collections::HashMap;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, Type};
use wasmtime::Engine;

use super::convert::convert_args;
use super::error::CallError;
use super::format::type_name;
use super::values::parse_call;

/// One exported function a user can call.
#[derive(Debug, Clone)]
pub struct FunctionEntry {
    /// Id of the component that exports it.
    pub component: String,
    /// The exported interface (`neon:kv-store/store@1.0.0`), `None` for a world-level function.
    pub interface: Option<String>,
    /// The export's own name (`get`, `[method]counter.increment`).
    pub export_name: String,
    /// The shortest name that selects it unambiguously (`get`, `counter.increment`).
    pub call_name: String,
    /// The fully qualified name (`neon:kv-store/store@1.0.0.get`).
    pub full_name: String,
    /// Parameter names and WIT-like type names.
    pub params: Vec<(String, String)>,
    /// The result type's WIT-like name, if it returns a value.
    pub result: Option<String>,
    /// A call with placeholder arguments, ready to edit (`set("", "")`).
    pub template: String,
    /// The WIT signature from the decoded model, when known.
    pub signature: Option<String>,
    pub(crate) unit: usize,
    pub(crate) export: ComponentExportIndex,
    aliases: Vec<String>,
    /// Parameter types, for checking calls before they run.
    param_types: Vec<Type>,
    /// Placeholder argument per parameter, for the template.
    defaults: Vec<String>,
}

/// All callable functions of a session, indexed by every name they answer to.
#[derive(Debug, Default)]
pub(crate) struct FunctionIndex {
    entries: Vec<FunctionEntry>,
    by_alias: HashMap<String, Vec<usize>>,
}

/// A component to index: its id, compiled form and (optionally) its decoded model.
pub(crate) struct IndexSource<'a> {
    pub id: &'a str,
    pub component: &'a Component,
    pub model: Option<&'a crate::model::Component>,
}

impl FunctionIndex {
    /// Indexes the exports of every source; with several sources, names may also be
    /// prefixed by the component id (`kv-store.get`).
    pub fn build(engine: &Engine, sources: &[IndexSource<'_>]) -> FunctionIndex {
        let prefixed = sources.len() > 1;
        let mut entries = Vec::new();
        for (unit, src) in sources.iter().enumerate() {
            let ty = src.component.component_type();
            for (name, item) in ty.exports(engine) {
                match item.ty {
                    ComponentItem::ComponentFunc(f) => {
                        let Some(export) = src.component.get_export_index(None, name) else {
                            continue;
                        };
                        entries.push(entry(src, unit, None, name, &f, export, prefixed));
                    }
                    ComponentItem::ComponentInstance(inst) => {
                        let Some(iface_idx) = src.component.get_export_index(None, name) else {
                            continue;
                        };
                        for (fname, fitem) in inst.exports(engine) {
                            let ComponentItem::ComponentFunc(f) = fitem.ty else {
                                continue;
                            };
                            let Some(export) =
                                src.component.get_export_index(Some(&iface_idx), fname)
                            else {
                                continue;
                            };
                            entries.push(entry(src, unit, Some(name), fname, &f, export, prefixed));
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut by_alias: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for a in &e.aliases {
                let list = by_alias.entry(a.clone()).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        for e in &mut entries {
            if let Some(short) = e
                .aliases
                .iter()
                .find(|a| by_alias.get(*a).is_some_and(|l| l.len() == 1))
            {
                e.call_name = short.clone();
            }
            e.template = template(&e.call_name, &e.defaults);
        }
        FunctionIndex { entries, by_alias }
    }

    /// Every function, in export order.
    pub fn entries(&self) -> &[FunctionEntry] {
        &self.entries
    }

    /// Finds the function `name` selects, or says why none or several match.
    pub fn resolve(&self, name: &str) -> Result<usize, CallError> {
        match self.by_alias.get(name).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(many) if !many.is_empty() => Err(CallError::Ambiguous {
                name: name.to_string(),
                candidates: many
                    .iter()
                    .map(|&i| self.entries[i].full_with_component())
                    .collect(),
            }),
            _ => Err(CallError::UnknownFunction {
                name: name.to_string(),
                candidates: suggestions(&self.entries, name),
            }),
        }
    }
}

/// Names close to `name` (edit distance, substrings), else every name.
fn suggestions(entries: &[FunctionEntry], name: &str) -> Vec<String> {
    let wanted = name.rsplit('.').next().unwrap_or(name);
    let close: Vec<String> = entries
        .iter()
        .filter(|e| {
            let short = e.call_name.rsplit('.').next().unwrap_or(&e.call_name);
            edit_distance(short, wanted) <= 2 || short.contains(wanted) || wanted.contains(short)
        })
        .map(|e| e.call_name.clone())
        .collect();
    if close.is_empty() {
        entries.iter().map(|e| e.call_name.clone()).collect()
    } else {
        close
    }
}

/// Checks a call without running it — syntax, function name and argument types (handles are
/// checked for form only) — for as-you-type validation; `Ok` is the function's signature.
pub fn check_call(functions: &[FunctionEntry], text: &str) -> Result<String, String> {
    let call = parse_call(text).map_err(|e| e.to_string())?;
    let found: Vec<&FunctionEntry> = functions
        .iter()
        .filter(|f| f.aliases.contains(&call.name))
        .collect();
    let f = match found.as_slice() {
        [one] => *one,
        [] if call.name == "drop" => {
            return match call.handle_args().as_slice() {
                [Some(_)] => Ok("drop(handle) — built in: drops a resource handle".to_string()),
                _ => Err("drop: expected one resource handle like `$1`".to_string()),
            };
        }
        [] => {
            return Err(CallError::UnknownFunction {
                name: call.name.clone(),
                candidates: suggestions(functions, &call.name),
            }
            .to_string())
        }
        many => {
            return Err(CallError::Ambiguous {
                name: call.name.clone(),
                candidates: many.iter().map(|f| f.full_with_component()).collect(),
            }
            .to_string())
        }
    };
    let params: Vec<(String, Type)> = f
        .params
        .iter()
        .map(|(n, _)| n.clone())
        .zip(f.param_types.iter().cloned())
        .collect();
    convert_args(&call, &f.call_name, &params, &f.params, None).map_err(|e| e.to_string())?;
    Ok(f.signature.clone().unwrap_or_else(|| {
        let shown: Vec<String> = f.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let result = f
            .result
            .as_ref()
            .map(|r| format!(" -> {r}"))
            .unwrap_or_default();
        format!("{}: func({}){result}", f.call_name, shown.join(", "))
    }))
}

impl FunctionEntry {
    fn full_with_component(&self) -> String {
        format!("{}.{}", self.component, self.full_name)
    }
}

fn entry(
    src: &IndexSource<'_>,
    unit: usize,
    iface: Option<&str>,
    export_name: &str,
    f: &wasmtime::component::types::ComponentFunc,
    export: ComponentExportIndex,
    prefixed: bool,
) -> FunctionEntry {
    let call = call_style_name(export_name);
    let mut aliases = vec![call.clone()];
    if let Some(iface) = iface {
        let short = crate::model::short_interface_name(iface);
        let unversioned = crate::model::unversioned_interface_name(iface);
        aliases.push(format!("{short}.{call}"));
        aliases.push(format!("{unversioned}.{call}"));
        aliases.push(format!("{iface}.{call}"));
        if export_name != call {
            aliases.push(export_name.to_string());
            aliases.push(format!("{iface}.{export_name}"));
        }
    } else if export_name != call {
        aliases.push(export_name.to_string());
    }
    aliases.dedup();
    if prefixed {
        let with_id: Vec<String> = aliases.iter().map(|a| format!("{}.{a}", src.id)).collect();
        aliases.extend(with_id);
    }
    let model_fn = src
        .model
        .and_then(|m| model_function(m, iface, export_name));
    let defaults: Vec<String> = f.params().map(|(_, t)| template_type(&t)).collect();
    // The model knows the WIT names (`borrow<counter>`, `point`); the runtime types only shapes.
    let (params, result) = match model_fn {
        Some(mf) if mf.params.len() == defaults.len() => (
            mf.params
                .iter()
                .map(|p| (p.name.clone(), p.ty.clone()))
                .collect(),
            mf.result.clone(),
        ),
        _ => (
            f.params()
                .map(|(n, t)| (n.to_string(), type_name(&t)))
                .collect::<Vec<_>>(),
            f.results().next().map(|t| type_name(&t)),
        ),
    };
    let full_name = match iface {
        Some(i) => format!("{i}.{call}"),
        None => call.clone(),
    };
    let signature = model_fn.map(|f| f.signature.clone());
    let template = template(&call, &defaults);
    FunctionEntry {
        component: src.id.to_string(),
        interface: iface.map(str::to_string),
        export_name: export_name.to_string(),
        call_name: call,
        full_name,
        params,
        result,
        template,
        signature,
        unit,
        export,
        aliases,
        param_types: f.params().map(|(_, t)| t).collect(),
        defaults,
    }
}

/// The placeholder for one parameter.
fn template_type(t: &Type) -> String {
    let mut s = String::new();
    default_value(&mut s, t, 0);
    s
}

fn template(call_name: &str, defaults: &[String]) -> String {
    format!("{call_name}({})", defaults.join(", "))
}

/// `[constructor]counter` → `counter.new`, `[method]counter.value` → `counter.value`.
pub(crate) fn call_style_name(export_name: &str) -> String {
    let (tag, rest) = match export_name
        .strip_prefix('[')
        .and_then(|s| s.split_once(']'))
    {
        Some((tag, rest)) => (tag, rest),
        None => return export_name.to_string(),
    };
    match tag {
        "constructor" | "async constructor" => format!("{rest}.new"),
        _ => rest.to_string(),
    }
}

fn model_function<'m>(
    m: &'m crate::model::Component,
    iface: Option<&str>,
    export_name: &str,
) -> Option<&'m crate::model::FunctionInfo> {
    use crate::model::WorldItemInfo;
    m.exports.iter().find_map(|item| match (item, iface) {
        (WorldItemInfo::Interface(i), Some(name)) if i.name == name => i.function(export_name),
        (WorldItemInfo::Function(f), None) if f.name == export_name => Some(f),
        _ => None,
    })
}

/// A WAVE placeholder for a type: zeros, empty strings, first cases, `$1` for handles.
fn default_value(out: &mut String, t: &Type, depth: usize) {
    if depth > 6 {
        out.push('…');
        return;
    }
    let d = depth + 1;
    match t {
        Type::Bool => out.push_str("false"),
        Type::S8
        | Type::U8
        | Type::S16
        | Type::U16
        | Type::S32
        | Type::U32
        | Type::S64
        | Type::U64 => out.push('0'),
        Type::Float32 | Type::Float64 => out.push_str("0.0"),
        Type::Char => out.push_str("'a'"),
        Type::String => out.push_str("\"\""),
        Type::List(_) | Type::Map(_) => out.push_str("[]"),
        Type::FixedLengthList(l) => {
            out.push('[');
            for i in 0..l.len().min(8) {
                if i > 0 {
                    out.push_str(", ");
                }
                default_value(out, &l.ty(), d);
            }
            out.push(']');
        }
        Type::Record(r) => {
            out.push('{');
            for (i, f) in r.fields().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(f.name);
                out.push_str(": ");
                default_value(out, &f.ty, d);
            }
            if r.fields().len() == 0 {
                out.push(':');
            }
            out.push('}');
        }
        Type::Tuple(tt) => {
            out.push('(');
            for (i, t) in tt.types().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                default_value(out, &t, d);
            }
            out.push(')');
        }
        Type::Variant(v) => {
            if let Some(c) = v.cases().next() {
                out.push_str(c.name);
                if let Some(p) = &c.ty {
                    out.push('(');
                    default_value(out, p, d);
                    out.push(')');
                }
            }
        }
        Type::Enum(e) => out.push_str(e.names().next().unwrap_or("")),
        Type::Option(_) => out.push_str("none"),
        Type::Result(r) => match r.ok() {
            Some(ok) => {
                out.push_str("ok(");
                default_value(out, &ok, d);
                out.push(')');
            }
            None => out.push_str("ok"),
        },
        Type::Flags(_) => out.push_str("{}"),
        Type::Own(_) | Type::Borrow(_) => out.push_str("$1"),
        Type::Future(_) | Type::Stream(_) | Type::ErrorContext => out.push('?'),
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_functions_get_call_style_names() {
        assert_eq!(call_style_name("[constructor]counter"), "counter.new");
        assert_eq!(
            call_style_name("[method]counter.increment"),
            "counter.increment"
        );
        assert_eq!(call_style_name("[static]counter.merge"), "counter.merge");
        assert_eq!(call_style_name("get"), "get");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("get", "gte"), 2);
        assert_eq!(edit_distance("set", "get"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
