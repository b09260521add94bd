//! `Val`s → WAVE text (resources written by the caller, e.g. as `$3`, since `Val::to_wave`
//! panics on them), and WIT-like type names for messages and signatures.

use wasmtime::component::{ResourceAny, Type, Val};

/// A WIT-like name for a type (`list<u32>`, `option<string>`; records by shape).
pub(crate) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::S8 => "s8".into(),
        Type::U8 => "u8".into(),
        Type::S16 => "s16".into(),
        Type::U16 => "u16".into(),
        Type::S32 => "s32".into(),
        Type::U32 => "u32".into(),
        Type::S64 => "s64".into(),
        Type::U64 => "u64".into(),
        Type::Float32 => "f32".into(),
        Type::Float64 => "f64".into(),
        Type::Char => "char".into(),
        Type::String => "string".into(),
        Type::List(l) => format!("list<{}>", type_name(&l.ty())),
        Type::FixedLengthList(l) => format!("list<{}, {}>", type_name(&l.ty()), l.len()),
        Type::Map(m) => format!("map<{}, {}>", type_name(&m.key()), type_name(&m.value())),
        Type::Record(r) => format!(
            "record {{ {} }}",
            r.fields().map(|f| f.name).collect::<Vec<_>>().join(", ")
        ),
        Type::Tuple(t) => format!(
            "tuple<{}>",
            t.types()
                .map(|t| type_name(&t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Variant(v) => format!(
            "variant {{ {} }}",
            v.cases().map(|c| c.name).collect::<Vec<_>>().join(", ")
        ),
        Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("option<{}>", type_name(&o.ty())),
        Type::Result(r) => match (r.ok(), r.err()) {
            (None, None) => "result".into(),
            (Some(o), None) => format!("result<{}>", type_name(&o)),
            (None, Some(e)) => format!("result<_, {}>", type_name(&e)),
            (Some(o), Some(e)) => format!("result<{}, {}>", type_name(&o), type_name(&e)),
        },
        Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
        Type::Own(_) => "own<resource>".into(),
        Type::Borrow(_) => "borrow<resource>".into(),
        Type::Future(_) => "future".into(),
        Type::Stream(_) => "stream".into(),
        Type::ErrorContext => "error-context".into(),
    }
}

/// What the user should have written, for "expected …" messages.
pub(crate) fn describe(ty: &Type) -> String {
    match ty {
        Type::List(_) => format!("a list ({})", type_name(ty)),
        Type::Record(r) => format!(
            "a record like {{{}}}",
            r.fields()
                .map(|f| format!("{}: …", f.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(_) => format!("a tuple ({})", type_name(ty)),
        Type::Variant(v) => format!(
            "one of {}",
            v.cases()
                .map(|c| if c.ty.is_some() {
                    format!("{}(…)", c.name)
                } else {
                    c.name.to_string()
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Enum(e) => format!("one of {}", e.names().collect::<Vec<_>>().join(", ")),
        Type::Option(o) => format!("some(…) or none ({})", type_name(&o.ty())),
        Type::Result(_) => format!("ok(…) or err(…) ({})", type_name(ty)),
        Type::Flags(f) => format!(
            "flags like {{{}}}",
            f.names().collect::<Vec<_>>().join(", ")
        ),
        Type::Own(_) | Type::Borrow(_) => "a resource handle like `$1`".into(),
        other => type_name(other),
    }
}

/// Writes `val` as WAVE; resources are written by `on_resource` (e.g. as `$3`).
pub(crate) fn write_val(
    out: &mut String,
    val: &Val,
    on_resource: &mut dyn FnMut(&ResourceAny) -> String,
) {
    use std::fmt::Write as _;
    match val {
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::S8(v) => {
            let _ = write!(out, "{v}");
        }
        Val::U8(v) => {
            let _ = write!(out, "{v}");
        }
        Val::S16(v) => {
            let _ = write!(out, "{v}");
        }
        Val::U16(v) => {
            let _ = write!(out, "{v}");
        }
        Val::S32(v) => {
            let _ = write!(out, "{v}");
        }
        Val::U32(v) => {
            let _ = write!(out, "{v}");
        }
        Val::S64(v) => {
            let _ = write!(out, "{v}");
        }
        Val::U64(v) => {
            let _ = write!(out, "{v}");
        }
        Val::Float32(f) if f.is_nan() => out.push_str("nan"),
        Val::Float64(f) if f.is_nan() => out.push_str("nan"),
        Val::Float32(f) => {
            let _ = write!(out, "{f}");
        }
        Val::Float64(f) => {
            let _ = write!(out, "{f}");
        }
        Val::Char(c) => {
            out.push('\'');
            write_char(out, *c);
            out.push('\'');
        }
        Val::String(s) => {
            out.push('"');
            for c in s.chars() {
                write_char(out, c);
            }
            out.push('"');
        }
        Val::List(items) | Val::FixedLengthList(items) => {
            out.push('[');
            write_seq(out, items, on_resource);
            out.push(']');
        }
        Val::Tuple(items) => {
            out.push('(');
            write_seq(out, items, on_resource);
            out.push(')');
        }
        Val::Map(pairs) => {
            out.push('[');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('(');
                write_val(out, k, on_resource);
                out.push_str(", ");
                write_val(out, v, on_resource);
                out.push(')');
            }
            out.push(']');
        }
        Val::Record(fields) => {
            // As the WAVE writer does: `none` fields are left out, an empty record is `{:}`.
            out.push('{');
            let mut first = true;
            for (name, v) in fields {
                if matches!(v, Val::Option(None)) {
                    continue;
                }
                if !first {
                    out.push_str(", ");
                }
                first = false;
                out.push_str(name);
                out.push_str(": ");
                write_val(out, v, on_resource);
            }
            if first {
                out.push(':');
            }
            out.push('}');
        }
        Val::Variant(name, payload) => {
            write_label(out, name);
            if let Some(p) = payload {
                out.push('(');
                write_val(out, p, on_resource);
                out.push(')');
            }
        }
        Val::Enum(name) => write_label(out, name),
        Val::Option(None) => out.push_str("none"),
        Val::Option(Some(v)) => {
            out.push_str("some(");
            write_val(out, v, on_resource);
            out.push(')');
        }
        Val::Result(r) => {
            let (tag, payload) = match r {
                Ok(p) => ("ok", p),
                Err(p) => ("err", p),
            };
            out.push_str(tag);
            if let Some(p) = payload {
                out.push('(');
                write_val(out, p, on_resource);
                out.push(')');
            }
        }
        Val::Flags(names) => {
            out.push('{');
            out.push_str(&names.join(", "));
            out.push('}');
        }
        Val::Resource(r) => out.push_str(&on_resource(r)),
        Val::Future(_) => out.push_str("<future>"),
        Val::Stream(_) => out.push_str("<stream>"),
        Val::ErrorContext(_) => out.push_str("<error-context>"),
    }
}

fn write_seq(out: &mut String, items: &[Val], on_resource: &mut dyn FnMut(&ResourceAny) -> String) {
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_val(out, v, on_resource);
    }
}

fn write_label(out: &mut String, name: &str) {
    if matches!(
        name,
        "true" | "false" | "some" | "none" | "ok" | "err" | "inf" | "nan"
    ) {
        out.push('%');
    }
    out.push_str(name);
}

/// Escapes exactly as the WAVE writer does, so output re-parses as the same value.
fn write_char(out: &mut String, ch: char) {
    use std::fmt::Write as _;
    // Fast path for the common case; the formatting machinery per character is slow.
    if (' '..='~').contains(&ch) && !matches!(ch, '\\' | '"' | '\'') {
        out.push(ch);
    } else if "\\\"'\t\r\n".contains(ch) {
        let _ = write!(out, "{}", ch.escape_default());
    } else if ch.is_control() {
        let _ = write!(out, "{}", ch.escape_unicode());
    } else {
        let _ = write!(out, "{}", ch.escape_debug());
    }
}

/// Formats a value for a trace line, where resources have no session handle.
pub(crate) fn format_plain(val: &Val) -> String {
    let mut s = String::new();
    write_val(&mut s, val, &mut |_| "<resource>".to_string());
    s
}
