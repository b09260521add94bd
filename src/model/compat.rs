//! Why an export does not fit an import: a structural walk over two WIT interfaces.
//!
//! The verdict itself comes from wac-types' subtype checker (see `workspace::typecheck`); this
//! module only explains a refusal in WIT syntax — which function or type, expected vs found —
//! following the same rules (functions compare by equality, an instance may export more).

use std::fmt;

use serde::Serialize;
use wit_parser::{
    Function, Handle, InterfaceId, Resolve, Type, TypeDefKind, TypeId, WorldItem, WorldKey,
};

use super::wit::{func_signature, type_name, typedef_wit};

/// One precise difference between what an import expects and what an export provides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The item that differs, e.g. ``function `get` `` or ``type `point` ``.
    pub item: String,
    /// What the importer expects, in WIT syntax.
    pub expected: String,
    /// What the exporter provides, in WIT syntax; `None` when it provides nothing by that name.
    pub found: Option<String>,
    /// Where inside the item they differ, e.g. ``parameter `key`: expected `string`, found `u32` ``.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.found {
            Some(found) => write!(
                f,
                "{}: expected `{}`, found `{}`",
                self.item, self.expected, found
            )?,
            None => write!(f, "{} is missing: expected `{}`", self.item, self.expected)?,
        }
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

/// The WIT side of one world item: an interface or a freestanding function.
#[derive(Clone, Copy)]
pub enum WitItem<'a> {
    Interface(InterfaceId),
    Function(&'a Function),
}

/// Finds an import (`exports == false`) or export of `world` by its component-level name.
pub fn world_item<'a>(
    resolve: &'a Resolve,
    world: wit_parser::WorldId,
    name: &str,
    exports: bool,
) -> Option<WitItem<'a>> {
    let w = &resolve.worlds[world];
    let items = if exports { &w.exports } else { &w.imports };
    items.iter().find_map(|(key, item)| {
        if !key_matches(resolve, key, name) {
            return None;
        }
        match item {
            WorldItem::Interface { id, .. } => Some(WitItem::Interface(*id)),
            WorldItem::Function(f) => Some(WitItem::Function(f)),
            WorldItem::Type { .. } => None,
        }
    })
}

fn key_matches(resolve: &Resolve, key: &WorldKey, name: &str) -> bool {
    match key {
        WorldKey::Name(n) => n == name,
        WorldKey::Interface(id) => resolve.id_of(*id).as_deref() == Some(name),
    }
}

/// Every difference between an expected item (the import) and a found item (the export).
pub fn item_mismatches(
    expected: (&Resolve, WitItem<'_>),
    found: (&Resolve, WitItem<'_>),
) -> Vec<Mismatch> {
    let ((er, ei), (fr, fi)) = (expected, found);
    match (ei, fi) {
        (WitItem::Interface(e), WitItem::Interface(f)) => interface_mismatches(er, e, fr, f),
        (WitItem::Function(e), WitItem::Function(f)) => {
            function_mismatch(er, e, fr, f).into_iter().collect()
        }
        (WitItem::Interface(_), WitItem::Function(f)) => vec![Mismatch {
            item: "the import".into(),
            expected: "an interface".into(),
            found: Some(format!("function `{}`", f.name)),
            detail: None,
        }],
        (WitItem::Function(e), WitItem::Interface(_)) => vec![Mismatch {
            item: format!("function `{}`", e.name),
            expected: func_signature(er, e),
            found: Some("an interface".into()),
            detail: None,
        }],
    }
}

/// Differences between two interfaces: missing or different functions, then types.
pub fn interface_mismatches(
    er: &Resolve,
    expected: InterfaceId,
    fr: &Resolve,
    found: InterfaceId,
) -> Vec<Mismatch> {
    let (e, f) = (&er.interfaces[expected], &fr.interfaces[found]);
    let mut out = Vec::new();
    for (name, ef) in &e.functions {
        match f.functions.get(name) {
            Some(ff) => out.extend(function_mismatch(er, ef, fr, ff)),
            None => out.push(Mismatch {
                item: format!("function `{}`", display_func_name(er, ef)),
                expected: func_signature(er, ef),
                found: None,
                detail: None,
            }),
        }
    }
    for (name, et) in &e.types {
        let expected_wit = typedef_wit(er, *et, Some(e));
        match f.types.get(name) {
            Some(ft) => {
                if let Some(diff) = type_diff(er, &Type::Id(*et), fr, &Type::Id(*ft)) {
                    out.push(Mismatch {
                        item: format!("type `{name}`"),
                        expected: expected_wit,
                        found: Some(typedef_wit(fr, *ft, Some(f))),
                        detail: Some(diff.to_string()),
                    });
                }
            }
            None => out.push(Mismatch {
                item: format!("type `{name}`"),
                expected: expected_wit,
                found: None,
                detail: None,
            }),
        }
    }
    out
}

/// `get`, or `counter.increment` for a resource method.
fn display_func_name(resolve: &Resolve, f: &Function) -> String {
    match f
        .kind
        .resource()
        .and_then(|r| resolve.types[r].name.as_deref())
    {
        Some(r) if matches!(f.kind, wit_parser::FunctionKind::Constructor(_)) => {
            format!("{r}.constructor")
        }
        Some(r) => format!("{r}.{}", f.item_name()),
        None => f.name.clone(),
    }
}

/// The difference between two functions of the same name, if any (the rules are equality).
pub fn function_mismatch(
    er: &Resolve,
    e: &Function,
    fr: &Resolve,
    f: &Function,
) -> Option<Mismatch> {
    let detail = function_diff(er, e, fr, f)?;
    Some(Mismatch {
        item: format!("function `{}`", display_func_name(er, e)),
        expected: func_text(er, e),
        found: Some(func_text(fr, f)),
        detail: Some(detail),
    })
}

/// The signature without the leading `name: `, as the messages show it (`func(key: string)`).
fn func_text(resolve: &Resolve, f: &Function) -> String {
    let sig = func_signature(resolve, f);
    let item = f.item_name();
    sig.strip_prefix(item)
        .and_then(|s| s.strip_prefix(": "))
        .map(str::to_string)
        .unwrap_or(sig)
}

fn function_diff(er: &Resolve, e: &Function, fr: &Resolve, f: &Function) -> Option<String> {
    if e.kind.is_async() != f.kind.is_async() {
        let word = |a: bool| if a { "async" } else { "sync" };
        return Some(format!(
            "expected a {} function, found a {} one",
            word(e.kind.is_async()),
            word(f.kind.is_async())
        ));
    }
    if e.params.len() != f.params.len() {
        return Some(format!(
            "expected {} parameters, found {}",
            e.params.len(),
            f.params.len()
        ));
    }
    for (i, (ep, fp)) in e.params.iter().zip(&f.params).enumerate() {
        if ep.name != fp.name {
            return Some(format!(
                "parameter {} is named `{}` here but `{}` there",
                i + 1,
                ep.name,
                fp.name
            ));
        }
        if let Some(diff) = type_diff(er, &ep.ty, fr, &fp.ty) {
            return Some(format!("parameter `{}`: {diff}", ep.name));
        }
    }
    match (&e.result, &f.result) {
        (None, None) => None,
        (Some(a), Some(b)) => type_diff(er, a, fr, b).map(|d| format!("result: {d}")),
        (Some(a), None) => Some(format!(
            "expected a result of type `{}`, found no result",
            type_name(er, a)
        )),
        (None, Some(b)) => Some(format!(
            "expected no result, found a result of type `{}`",
            type_name(fr, b)
        )),
    }
}

/// Where two types differ: a path of steps and the innermost expected/found pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDiff {
    /// Steps from the outer type inward, e.g. ``["record `point`", "field `y`"]``.
    pub path: Vec<String>,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for TypeDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.path {
            write!(f, "{step}: ")?;
        }
        write!(f, "expected `{}`, found `{}`", self.expected, self.found)
    }
}

/// Follows `type a = b` aliases (and `use`) to the defining type.
fn deref(resolve: &Resolve, ty: &Type) -> Type {
    let mut ty = *ty;
    // Alias chains are short and acyclic; the bound only guards against malformed input.
    for _ in 0..64 {
        match ty {
            Type::Id(id) => match &resolve.types[id].kind {
                TypeDefKind::Type(inner) => ty = *inner,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

fn resource_name(resolve: &Resolve, id: TypeId) -> String {
    match deref(resolve, &Type::Id(id)) {
        Type::Id(r) => resolve.types[r].name.clone().unwrap_or_else(|| "_".into()),
        other => type_name(resolve, &other),
    }
}

/// Compares two types structurally, as the component model does (names of records' fields,
/// variants' cases, enums' and flags' members matter; resources compare by name).
pub fn type_diff(er: &Resolve, e: &Type, fr: &Resolve, f: &Type) -> Option<TypeDiff> {
    let (e, f) = (deref(er, e), deref(fr, f));
    let leaf = || {
        Some(TypeDiff {
            path: Vec::new(),
            expected: type_name(er, &e),
            found: type_name(fr, &f),
        })
    };
    let (ei, fi) = match (e, f) {
        (Type::Id(a), Type::Id(b)) => (a, b),
        (Type::Id(_), _) | (_, Type::Id(_)) => return leaf(),
        (a, b) if a == b => return None,
        _ => return leaf(),
    };
    let (ed, fd) = (&er.types[ei], &fr.types[fi]);
    let named = |kind: &str| match &ed.name {
        Some(n) => format!("{kind} `{n}`"),
        None => kind.to_string(),
    };
    let nest = |step: String, d: Option<TypeDiff>| {
        d.map(|mut d| {
            d.path.insert(0, step);
            d
        })
    };
    let whole = |expected: String, found: String| {
        Some(TypeDiff {
            path: Vec::new(),
            expected,
            found,
        })
    };
    let block = |id: TypeId, r: &Resolve| typedef_wit(r, id, None).replace('\n', " ");
    match (&ed.kind, &fd.kind) {
        (TypeDefKind::Record(a), TypeDefKind::Record(b)) => {
            if a.fields.len() != b.fields.len()
                || a.fields
                    .iter()
                    .zip(&b.fields)
                    .any(|(x, y)| x.name != y.name)
            {
                return whole(block(ei, er), block(fi, fr));
            }
            a.fields.iter().zip(&b.fields).find_map(|(x, y)| {
                let d = type_diff(er, &x.ty, fr, &y.ty);
                nest(named("record"), nest(format!("field `{}`", x.name), d))
            })
        }
        (TypeDefKind::Variant(a), TypeDefKind::Variant(b)) => {
            if a.cases.len() != b.cases.len()
                || a.cases.iter().zip(&b.cases).any(|(x, y)| x.name != y.name)
            {
                return whole(block(ei, er), block(fi, fr));
            }
            a.cases.iter().zip(&b.cases).find_map(|(x, y)| {
                let d = match (&x.ty, &y.ty) {
                    (None, None) => None,
                    (Some(p), Some(q)) => type_diff(er, p, fr, q),
                    (p, q) => Some(TypeDiff {
                        path: Vec::new(),
                        expected: p.map(|t| type_name(er, &t)).unwrap_or("no payload".into()),
                        found: q.map(|t| type_name(fr, &t)).unwrap_or("no payload".into()),
                    }),
                };
                nest(named("variant"), nest(format!("case `{}`", x.name), d))
            })
        }
        (TypeDefKind::Enum(a), TypeDefKind::Enum(b)) => {
            let same = a.cases.len() == b.cases.len()
                && a.cases.iter().zip(&b.cases).all(|(x, y)| x.name == y.name);
            (!same)
                .then(|| whole(block(ei, er), block(fi, fr)))
                .flatten()
        }
        (TypeDefKind::Flags(a), TypeDefKind::Flags(b)) => {
            let same = a.flags.len() == b.flags.len()
                && a.flags.iter().zip(&b.flags).all(|(x, y)| x.name == y.name);
            (!same)
                .then(|| whole(block(ei, er), block(fi, fr)))
                .flatten()
        }
        (TypeDefKind::Resource, TypeDefKind::Resource) => (ed.name != fd.name).then(leaf).flatten(),
        (TypeDefKind::Handle(a), TypeDefKind::Handle(b)) => {
            let (ak, ar) = handle_parts(a);
            let (bk, br) = handle_parts(b);
            let same = ak == bk && resource_name(er, ar) == resource_name(fr, br);
            (!same).then(leaf).flatten()
        }
        (TypeDefKind::Tuple(a), TypeDefKind::Tuple(b)) => {
            if a.types.len() != b.types.len() {
                return leaf();
            }
            a.types
                .iter()
                .zip(&b.types)
                .enumerate()
                .find_map(|(i, (x, y))| nest(format!("tuple element {i}"), type_diff(er, x, fr, y)))
        }
        (TypeDefKind::List(a), TypeDefKind::List(b)) => {
            nest("list element".into(), type_diff(er, a, fr, b))
        }
        (TypeDefKind::FixedLengthList(a, n), TypeDefKind::FixedLengthList(b, m)) => {
            if n != m {
                return leaf();
            }
            nest("list element".into(), type_diff(er, a, fr, b))
        }
        (TypeDefKind::Map(ak, av), TypeDefKind::Map(bk, bv)) => {
            nest("map key".into(), type_diff(er, ak, fr, bk))
                .or_else(|| nest("map value".into(), type_diff(er, av, fr, bv)))
        }
        (TypeDefKind::Option(a), TypeDefKind::Option(b)) => {
            nest("option".into(), type_diff(er, a, fr, b))
        }
        (TypeDefKind::Result(a), TypeDefKind::Result(b)) => {
            let side = |x: &Option<Type>, y: &Option<Type>, which: &str| match (x, y) {
                (None, None) => None,
                (Some(p), Some(q)) => nest(format!("result {which}"), type_diff(er, p, fr, q)),
                _ => leaf(),
            };
            side(&a.ok, &b.ok, "ok").or_else(|| side(&a.err, &b.err, "err"))
        }
        (TypeDefKind::Future(a), TypeDefKind::Future(b))
        | (TypeDefKind::Stream(a), TypeDefKind::Stream(b)) => match (a, b) {
            (None, None) => None,
            (Some(p), Some(q)) => nest("payload".into(), type_diff(er, p, fr, q)),
            _ => leaf(),
        },
        _ => leaf(),
    }
}

fn handle_parts(h: &Handle) -> (bool, TypeId) {
    match h {
        Handle::Own(r) => (true, *r),
        Handle::Borrow(r) => (false, *r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(src: &str, name: &str) -> (Resolve, InterfaceId) {
        let mut r = Resolve::default();
        let pkg = r.push_str("t.wit", src).unwrap();
        let id = r.packages[pkg].interfaces[name];
        (r, id)
    }

    const KV: &str = "package neon:kv-store@1.0.0;
        interface store {
          get: func(key: string) -> result<option<string>, string>;
          set: func(key: string, value: string) -> result<_, string>;
        }";

    #[test]
    fn identical_interfaces_have_no_mismatch() {
        let (a, ai) = iface(KV, "store");
        let (b, bi) = iface(KV, "store");
        assert!(interface_mismatches(&a, ai, &b, bi).is_empty());
    }

    #[test]
    fn parameter_type_difference_names_function_and_both_types() {
        let (a, ai) = iface(KV, "store");
        let (b, bi) = iface(
            &KV.replace("get: func(key: string)", "get: func(key: u32)"),
            "store",
        );
        let m = interface_mismatches(&a, ai, &b, bi);
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(
            m[0].to_string(),
            "function `get`: expected `func(key: string) -> result<option<string>, string>`, \
             found `func(key: u32) -> result<option<string>, string>` \
             (parameter `key`: expected `string`, found `u32`)"
        );
    }

    #[test]
    fn missing_function_and_extra_function() {
        let (a, ai) = iface(KV, "store");
        let src = "package neon:kv-store@1.0.0;
            interface store {
              get: func(key: string) -> result<option<string>, string>;
              del: func(key: string);
            }";
        let (b, bi) = iface(src, "store");
        let m = interface_mismatches(&a, ai, &b, bi);
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].to_string(),
            "function `set` is missing: expected \
             `set: func(key: string, value: string) -> result<_, string>`"
        );
        // The other way round the extra `set` is fine but `del` is missing.
        let m = interface_mismatches(&b, bi, &a, ai);
        assert_eq!(m[0].item, "function `del`");
    }

    #[test]
    fn record_field_and_variant_case_differences() {
        let base = "package t:g;
            interface g {
              record point { x: s32, y: s32 }
              variant shape { circle(f64), square(point) }
              area: func(s: shape) -> f64;
            }";
        let (a, ai) = iface(base, "g");
        let (b, bi) = iface(&base.replace("y: s32", "y: f64"), "g");
        let m = interface_mismatches(&a, ai, &b, bi);
        assert_eq!(m.len(), 3, "{m:#?}");
        assert_eq!(
            m[0].detail.as_deref(),
            Some(
                "parameter `s`: variant `shape`: case `square`: record `point`: field `y`: \
                 expected `s32`, found `f64`"
            )
        );
        assert_eq!(m[1].item, "type `point`");
        let (c, ci) = iface(&base.replace("y: s32", "z: s32"), "g");
        let m = interface_mismatches(&a, ai, &c, ci);
        assert!(
            m[0].detail.as_deref().unwrap().contains("record point {"),
            "{m:#?}"
        );
    }

    #[test]
    fn resources_compare_by_name_and_handle_kind() {
        let base = "package t:r;
            interface r {
              resource counter { constructor(start: s64); get: func() -> s64; }
              take: func(c: borrow<counter>);
            }";
        let (a, ai) = iface(base, "r");
        let (b, bi) = iface(&base.replace("c: borrow<counter>", "c: counter"), "r");
        let m = interface_mismatches(&a, ai, &b, bi);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert_eq!(
            m[0].detail.as_deref(),
            Some("parameter `c`: expected `borrow<counter>`, found `counter`")
        );
        let (c, ci) = iface(
            &base.replace("get: func() -> s64", "get: func() -> s32"),
            "r",
        );
        let m = interface_mismatches(&a, ai, &c, ci);
        assert_eq!(m[0].item, "function `counter.get`");
    }
}
