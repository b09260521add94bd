//! Rendering of wit-parser types, functions and type definitions as WIT source text.
//!
//! The full-document WIT comes from `wit_component::WitPrinter` (what `wasm-tools component wit`
//! prints); this module renders the single lines the summary, inspector and error messages need.

use wit_parser::{
    Function, FunctionKind, Handle, Interface, Resolve, Type, TypeDefKind, TypeId, TypeOwner,
};

/// Writes a WIT identifier, escaping keywords with `%` as `WitPrinter` does (`%flags`).
pub fn ident(name: &str) -> std::borrow::Cow<'_, str> {
    if is_keyword(name) {
        format!("%{name}").into()
    } else {
        name.into()
    }
}

fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "use"
            | "type"
            | "func"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "s8"
            | "s16"
            | "s32"
            | "s64"
            | "f32"
            | "f64"
            | "float32"
            | "float64"
            | "char"
            | "resource"
            | "record"
            | "flags"
            | "variant"
            | "enum"
            | "bool"
            | "string"
            | "option"
            | "result"
            | "future"
            | "stream"
            | "list"
            | "own"
            | "borrow"
            | "_"
            | "as"
            | "from"
            | "static"
            | "interface"
            | "tuple"
            | "world"
            | "import"
            | "export"
            | "package"
            | "with"
            | "include"
            | "constructor"
            | "error-context"
            | "async"
            | "map"
    )
}

/// Renders a type reference the way it is written in WIT (`list<option<string>>`, `borrow<r>`).
pub fn type_name(resolve: &Resolve, ty: &Type) -> String {
    let mut out = String::new();
    push_type_name(resolve, ty, &mut out);
    out
}

fn push_type_name(resolve: &Resolve, ty: &Type, out: &mut String) {
    let prim = match ty {
        Type::Bool => "bool",
        Type::U8 => "u8",
        Type::U16 => "u16",
        Type::U32 => "u32",
        Type::U64 => "u64",
        Type::S8 => "s8",
        Type::S16 => "s16",
        Type::S32 => "s32",
        Type::S64 => "s64",
        Type::F32 => "f32",
        Type::F64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::ErrorContext => "error-context",
        Type::Id(id) => return push_typedef_ref(resolve, *id, out),
    };
    out.push_str(prim);
}

fn push_typedef_ref(resolve: &Resolve, id: TypeId, out: &mut String) {
    let def = &resolve.types[id];
    match &def.name {
        Some(name) => out.push_str(&ident(name)),
        None => push_kind(resolve, &def.kind, out),
    }
}

/// Renders an anonymous type (`list<u8>`, `result<_, string>`) from its definition.
fn push_kind(resolve: &Resolve, kind: &TypeDefKind, out: &mut String) {
    let generic = |out: &mut String, head: &str, args: &[Option<&Type>]| {
        out.push_str(head);
        out.push('<');
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match arg {
                Some(t) => push_type_name(resolve, t, out),
                None => out.push('_'),
            }
        }
        out.push('>');
    };
    match kind {
        TypeDefKind::Handle(Handle::Own(r)) => push_typedef_ref(resolve, *r, out),
        TypeDefKind::Handle(Handle::Borrow(r)) => {
            out.push_str("borrow<");
            push_typedef_ref(resolve, *r, out);
            out.push('>');
        }
        TypeDefKind::Tuple(t) => {
            let args: Vec<Option<&Type>> = t.types.iter().map(Some).collect();
            generic(out, "tuple", &args);
        }
        TypeDefKind::Option(t) => generic(out, "option", &[Some(t)]),
        TypeDefKind::Result(r) => match (&r.ok, &r.err) {
            (None, None) => out.push_str("result"),
            (Some(ok), None) => generic(out, "result", &[Some(ok)]),
            (ok, Some(err)) => generic(out, "result", &[ok.as_ref(), Some(err)]),
        },
        TypeDefKind::List(t) => generic(out, "list", &[Some(t)]),
        TypeDefKind::Map(k, v) => generic(out, "map", &[Some(k), Some(v)]),
        TypeDefKind::FixedLengthList(t, n) => {
            out.push_str("list<");
            push_type_name(resolve, t, out);
            out.push_str(&format!(", {n}>"));
        }
        TypeDefKind::Future(t) => match t {
            Some(t) => generic(out, "future", &[Some(t)]),
            None => out.push_str("future"),
        },
        TypeDefKind::Stream(t) => match t {
            Some(t) => generic(out, "stream", &[Some(t)]),
            None => out.push_str("stream"),
        },
        TypeDefKind::Type(t) => push_type_name(resolve, t, out),
        // Anonymous records/variants/resources cannot be written in WIT; show the kind.
        other => out.push_str(kind_name(other)),
    }
}

/// The WIT keyword for a type definition's kind (`record`, `variant`, `resource`, …).
pub fn kind_name(kind: &TypeDefKind) -> &'static str {
    match kind {
        TypeDefKind::Record(_) => "record",
        TypeDefKind::Resource => "resource",
        TypeDefKind::Handle(_) => "handle",
        TypeDefKind::Flags(_) => "flags",
        TypeDefKind::Tuple(_) => "tuple",
        TypeDefKind::Variant(_) => "variant",
        TypeDefKind::Enum(_) => "enum",
        TypeDefKind::Option(_) => "option",
        TypeDefKind::Result(_) => "result",
        TypeDefKind::List(_) => "list",
        TypeDefKind::Map(..) => "map",
        TypeDefKind::FixedLengthList(..) => "list",
        TypeDefKind::Future(_) => "future",
        TypeDefKind::Stream(_) => "stream",
        TypeDefKind::Type(_) => "type",
        TypeDefKind::Unknown => "unknown",
    }
}

/// The parameter list and result of a function, e.g. `(key: string) -> result<_, string>`.
pub fn func_params_and_result(resolve: &Resolve, func: &Function) -> String {
    let mut out = String::from("(");
    let skip_self = matches!(
        func.kind,
        FunctionKind::Method(_)
            | FunctionKind::AsyncMethod(_)
            | FunctionKind::MethodGetter(_)
            | FunctionKind::MethodSetter(_)
    );
    let params = func.params.iter().skip(usize::from(skip_self));
    for (i, p) in params.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&ident(&p.name));
        out.push_str(": ");
        push_type_name(resolve, &p.ty, &mut out);
    }
    out.push(')');
    // A constructor's result is the resource itself, which WIT leaves implicit.
    if let (Some(ty), false) = (
        &func.result,
        matches!(func.kind, FunctionKind::Constructor(_)),
    ) {
        out.push_str(" -> ");
        push_type_name(resolve, ty, &mut out);
    }
    out
}

/// One function as WIT writes it: `get: func(key: string) -> result<option<string>, string>`,
/// `constructor(start: s64)`, `merge: static func(a: borrow<counter>) -> counter`.
pub fn func_signature(resolve: &Resolve, func: &Function) -> String {
    let sig = func_params_and_result(resolve, func);
    let item = ident(func.item_name());
    match func.kind {
        FunctionKind::Constructor(_) => format!("constructor{sig}"),
        FunctionKind::Static(_) | FunctionKind::StaticGetter(_) | FunctionKind::StaticSetter(_) => {
            format!("{item}: static func{sig}")
        }
        FunctionKind::AsyncStatic(_) => format!("{item}: static async func{sig}"),
        FunctionKind::AsyncFreestanding | FunctionKind::AsyncMethod(_) => {
            format!("{item}: async func{sig}")
        }
        _ => format!("{item}: func{sig}"),
    }
}

/// The resource a function belongs to (methods, constructors, statics), if any.
pub fn func_resource(resolve: &Resolve, func: &Function) -> Option<String> {
    func.kind
        .resource()
        .and_then(|id| resolve.types[id].name.clone())
}

/// The multi-line WIT definition of a named type (`record point {\n  x: s32,\n}`).
pub fn typedef_wit(resolve: &Resolve, id: TypeId, iface: Option<&Interface>) -> String {
    let def = &resolve.types[id];
    let name = ident(def.name.as_deref().unwrap_or("_"));
    let block = |keyword: &str, lines: Vec<String>| {
        if lines.is_empty() {
            return format!("{keyword} {name} {{}}");
        }
        let mut s = format!("{keyword} {name} {{\n");
        for l in lines {
            s.push_str("  ");
            s.push_str(&l);
            s.push('\n');
        }
        s.push('}');
        s
    };
    match &def.kind {
        TypeDefKind::Record(r) => block(
            "record",
            r.fields
                .iter()
                .map(|f| format!("{}: {},", ident(&f.name), type_name(resolve, &f.ty)))
                .collect(),
        ),
        TypeDefKind::Variant(v) => block(
            "variant",
            v.cases
                .iter()
                .map(|c| match &c.ty {
                    Some(t) => format!("{}({}),", ident(&c.name), type_name(resolve, t)),
                    None => format!("{},", ident(&c.name)),
                })
                .collect(),
        ),
        TypeDefKind::Enum(e) => block(
            "enum",
            e.cases
                .iter()
                .map(|c| format!("{},", ident(&c.name)))
                .collect(),
        ),
        TypeDefKind::Flags(f) => block(
            "flags",
            f.flags
                .iter()
                .map(|c| format!("{},", ident(&c.name)))
                .collect(),
        ),
        TypeDefKind::Resource => {
            let methods = iface
                .map(|i| {
                    i.functions
                        .values()
                        .filter(|f| f.kind.resource() == Some(id))
                        .map(|f| format!("{};", func_signature(resolve, f)))
                        .collect()
                })
                .unwrap_or_default();
            let s = block("resource", methods);
            if s.ends_with("{}") {
                format!("resource {name};")
            } else {
                s
            }
        }
        TypeDefKind::Type(Type::Id(target)) if is_foreign_use(resolve, id, *target) => {
            let t = &resolve.types[*target];
            let from = match (t.owner, def.owner) {
                // Within one package WIT names the interface alone, as `WitPrinter` does.
                (TypeOwner::Interface(i), TypeOwner::Interface(own))
                    if resolve.interfaces[i].package == resolve.interfaces[own].package =>
                {
                    resolve.interfaces[i]
                        .name
                        .clone()
                        .unwrap_or_else(|| "_".into())
                }
                (TypeOwner::Interface(i), _) => resolve.id_of(i).unwrap_or_else(|| "_".into()),
                _ => "_".into(),
            };
            let tname = ident(t.name.as_deref().unwrap_or("_"));
            if tname == name {
                format!("use {from}.{{{name}}};")
            } else {
                format!("use {from}.{{{tname} as {name}}};")
            }
        }
        _ => format!(
            "type {name} = {};",
            typedef_target_name(resolve, &def.kind).unwrap_or_else(|| kind_name(&def.kind).into())
        ),
    }
}

fn typedef_target_name(resolve: &Resolve, kind: &TypeDefKind) -> Option<String> {
    match kind {
        TypeDefKind::Type(t) => Some(type_name(resolve, t)),
        TypeDefKind::Record(_)
        | TypeDefKind::Variant(_)
        | TypeDefKind::Enum(_)
        | TypeDefKind::Flags(_)
        | TypeDefKind::Resource
        | TypeDefKind::Unknown => None,
        _ => {
            let mut out = String::new();
            push_kind(resolve, kind, &mut out);
            Some(out)
        }
    }
}

/// True when `alias` (owned by one interface) names a type owned by another interface: `use`.
fn is_foreign_use(resolve: &Resolve, alias: TypeId, target: TypeId) -> bool {
    let a = &resolve.types[alias];
    let t = &resolve.types[target];
    t.name.is_some() && a.owner != t.owner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_of(src: &str) -> (Resolve, wit_parser::PackageId) {
        let mut r = Resolve::default();
        let pkg = r.push_str("test.wit", src).unwrap();
        (r, pkg)
    }

    fn iface<'a>(r: &'a Resolve, pkg: wit_parser::PackageId, name: &str) -> &'a Interface {
        &r.interfaces[r.packages[pkg].interfaces[name]]
    }

    #[test]
    fn renders_seed_signatures() {
        let (r, pkg) = resolve_of(
            "package neon:kv-store@1.0.0;
             interface store {
               get: func(key: string) -> result<option<string>, string>;
               set: func(key: string, value: string) -> result<_, string>;
             }",
        );
        let i = iface(&r, pkg, "store");
        assert_eq!(
            func_signature(&r, &i.functions["get"]),
            "get: func(key: string) -> result<option<string>, string>"
        );
        assert_eq!(
            func_signature(&r, &i.functions["set"]),
            "set: func(key: string, value: string) -> result<_, string>"
        );
    }

    #[test]
    fn renders_resources_and_aggregates() {
        let (r, pkg) = resolve_of(
            "package t:z;
             interface z {
               record point { x: s32, y: s32 }
               variant shape { circle(f64), none }
               flags perms { read, write }
               enum color { red, green }
               type pts = list<option<point>>;
               resource counter {
                 constructor(start: s64);
                 increment: func(by: s64) -> s64;
                 merge: static func(a: borrow<counter>, b: borrow<counter>) -> counter;
               }
               f: func(a: tuple<u8, char>, b: result, c: result<f32>, d: pts) -> map-like;
               type map-like = list<tuple<string, u64>>;
             }",
        );
        let i = iface(&r, pkg, "z");
        assert_eq!(
            func_signature(&r, &i.functions["[constructor]counter"]),
            "constructor(start: s64)"
        );
        assert_eq!(
            func_signature(&r, &i.functions["[method]counter.increment"]),
            "increment: func(by: s64) -> s64"
        );
        assert_eq!(
            func_signature(&r, &i.functions["[static]counter.merge"]),
            "merge: static func(a: borrow<counter>, b: borrow<counter>) -> counter"
        );
        assert_eq!(
            func_signature(&r, &i.functions["f"]),
            "f: func(a: tuple<u8, char>, b: result, c: result<f32>, d: pts) -> map-like"
        );
        let point = typedef_wit(&r, i.types["point"], Some(i));
        assert_eq!(point, "record point {\n  x: s32,\n  y: s32,\n}");
        let shape = typedef_wit(&r, i.types["shape"], Some(i));
        assert_eq!(shape, "variant shape {\n  circle(f64),\n  none,\n}");
        assert_eq!(
            typedef_wit(&r, i.types["pts"], Some(i)),
            "type pts = list<option<point>>;"
        );
        let counter = typedef_wit(&r, i.types["counter"], Some(i));
        assert!(counter.starts_with("resource counter {\n  constructor(start: s64);"));
    }

    #[test]
    fn renders_use_of_foreign_types() {
        let (r, pkg) = resolve_of(
            "package t:u;
             interface a { record r { x: u8 } }
             interface b { use a.{r}; use a.{r as q}; f: func(x: q) -> r; }",
        );
        let b = iface(&r, pkg, "b");
        assert_eq!(typedef_wit(&r, b.types["r"], Some(b)), "use a.{r};");
        assert_eq!(typedef_wit(&r, b.types["q"], Some(b)), "use a.{r as q};");
        assert_eq!(func_signature(&r, &b.functions["f"]), "f: func(x: q) -> r");
    }
}
