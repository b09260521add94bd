//! Parsed WAVE arguments → typed `Val`s for a function's parameters, with precise messages
//! (`set: argument 2 (value): expected string, found 42`) and handles for resource parameters.

use wasmtime::component::wasm_wave::ast::{Node, NodeType};
use wasmtime::component::{ResourceAny, Type, Val};

use super::error::CallError;
use super::format::{describe, type_name};
use super::values::{clip, CallText};

/// Resolves a handle number to the resource it names, for parameters of resource type.
pub(crate) trait HandleLookup {
    /// The resource behind `$id`, or a message saying why it cannot be used.
    fn lookup(
        &self,
        id: u32,
        expected: &wasmtime::component::ResourceType,
        own: bool,
    ) -> Result<ResourceAny, String>;
}

/// Converts the parsed arguments to `Val`s for `params`; `func` names the function in errors
/// and `wit_params` are the parameters as the user reads them (`c: borrow<counter>`).
/// Returns the values and the handles passed as `own` (consumed by a successful call).
pub(crate) fn convert_args(
    call: &CallText,
    func: &str,
    params: &[(String, Type)],
    wit_params: &[(String, String)],
    handles: Option<&dyn HandleLookup>,
) -> Result<(Vec<Val>, Vec<u32>), CallError> {
    let nodes = call.arg_nodes();
    // WAVE lets trailing `option` parameters be left out; they become `none`.
    let required = params.len()
        - params
            .iter()
            .rev()
            .take_while(|(_, t)| matches!(t, Type::Option(_)))
            .count();
    if nodes.len() > params.len() || nodes.len() < required {
        return Err(CallError::Arity {
            func: func.to_string(),
            expected: params.len(),
            found: nodes.len(),
            params: wit_params
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let mut conv = Converter {
        src: call.src(),
        orig: call.orig(),
        handles,
        consumed: Vec::new(),
    };
    let mut vals = Vec::with_capacity(params.len());
    for (i, (name, ty)) in params.iter().enumerate() {
        let val = match nodes.get(i) {
            Some(node) => conv
                .val(node, ty)
                .map_err(|message| CallError::BadArgument {
                    func: func.to_string(),
                    index: i + 1,
                    param: name.clone(),
                    message,
                })?,
            None => Val::Option(None),
        };
        vals.push(val);
    }
    Ok((vals, conv.consumed))
}

struct Converter<'a> {
    src: &'a str,
    orig: &'a str,
    /// `None` when only checking: handles are then checked for form, not looked up.
    handles: Option<&'a dyn HandleLookup>,
    consumed: Vec<u32>,
}

impl Converter<'_> {
    fn found(&self, node: &Node) -> String {
        clip(self.orig.get(node.span()).unwrap_or("?"))
    }

    fn mismatch(&self, node: &Node, ty: &Type) -> String {
        let found = self.found(node);
        if found.starts_with('$') {
            return format!("expected {}, found the handle {found}", describe(ty));
        }
        format!("expected {}, found {found}", describe(ty))
    }

    fn num<T: std::str::FromStr>(&self, node: &Node, ty: &Type) -> Result<T, String> {
        if node.ty() != NodeType::Number {
            return Err(self.mismatch(node, ty));
        }
        node.as_number::<T>(self.src).map_err(|_| {
            format!(
                "expected {}, found {} (out of range or not a whole number)",
                describe(ty),
                self.found(node)
            )
        })
    }

    fn val(&mut self, node: &Node, ty: &Type) -> Result<Val, String> {
        let src = self.src;
        Ok(match ty {
            Type::Bool => Val::Bool(node.as_bool().map_err(|_| self.mismatch(node, ty))?),
            Type::S8 => Val::S8(self.num(node, ty)?),
            Type::U8 => Val::U8(self.num(node, ty)?),
            Type::S16 => Val::S16(self.num(node, ty)?),
            Type::U16 => Val::U16(self.num(node, ty)?),
            Type::S32 => Val::S32(self.num(node, ty)?),
            Type::U32 => Val::U32(self.num(node, ty)?),
            Type::S64 => Val::S64(self.num(node, ty)?),
            Type::U64 => Val::U64(self.num(node, ty)?),
            Type::Float32 => Val::Float32(self.num(node, ty)?),
            Type::Float64 => Val::Float64(self.num(node, ty)?),
            Type::Char => match node.ty() {
                NodeType::Char => Val::Char(node.as_char(src).map_err(|e| e.kind().to_string())?),
                _ => return Err(self.mismatch(node, ty)),
            },
            Type::String => match node.ty() {
                NodeType::String | NodeType::MultilineString => Val::String(
                    node.as_str(src)
                        .map_err(|e| format!("invalid string: {}", e.kind()))?
                        .into_owned(),
                ),
                _ => return Err(self.mismatch(node, ty)),
            },
            Type::List(l) => {
                let items = node.as_list().map_err(|_| self.mismatch(node, ty))?;
                let elem = l.ty();
                let mut out = Vec::with_capacity(items.len());
                for (i, n) in items.enumerate() {
                    out.push(
                        self.val(n, &elem)
                            .map_err(|e| format!("element {i}: {e}"))?,
                    );
                }
                Val::List(out)
            }
            Type::FixedLengthList(l) => {
                let items: Vec<&Node> = node
                    .as_list()
                    .map_err(|_| self.mismatch(node, ty))?
                    .collect();
                if items.len() != l.len() as usize {
                    return Err(format!(
                        "expected {} elements, found {}",
                        l.len(),
                        items.len()
                    ));
                }
                let elem = l.ty();
                let mut out = Vec::with_capacity(items.len());
                for (i, n) in items.into_iter().enumerate() {
                    out.push(
                        self.val(n, &elem)
                            .map_err(|e| format!("element {i}: {e}"))?,
                    );
                }
                Val::FixedLengthList(out)
            }
            Type::Record(r) => {
                let given: Vec<(&str, &Node)> = node
                    .as_record(src)
                    .map_err(|_| self.mismatch(node, ty))?
                    .collect();
                let fields: Vec<_> = r.fields().map(|f| (f.name.to_string(), f.ty)).collect();
                if let Some((extra, _)) = given
                    .iter()
                    .find(|(g, _)| !fields.iter().any(|(f, _)| f == g))
                {
                    return Err(format!(
                        "unknown field `{extra}` — the record has {}",
                        field_list(&fields)
                    ));
                }
                let mut out = Vec::with_capacity(fields.len());
                for (fname, fty) in &fields {
                    let v = match given.iter().find(|(g, _)| g == fname) {
                        Some((_, n)) => self
                            .val(n, fty)
                            .map_err(|e| format!("field `{fname}`: {e}"))?,
                        None if matches!(fty, Type::Option(_)) => Val::Option(None),
                        None => {
                            return Err(format!(
                                "missing field `{fname}` — the record has {}",
                                field_list(&fields)
                            ))
                        }
                    };
                    out.push((fname.clone(), v));
                }
                Val::Record(out)
            }
            Type::Tuple(t) => {
                let items: Vec<&Node> = node
                    .as_tuple()
                    .map_err(|_| self.mismatch(node, ty))?
                    .collect();
                let types: Vec<Type> = t.types().collect();
                if items.len() != types.len() {
                    return Err(format!(
                        "expected a tuple of {}, found {} values",
                        types.len(),
                        items.len()
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (n, t)) in items.into_iter().zip(&types).enumerate() {
                    out.push(
                        self.val(n, t)
                            .map_err(|e| format!("tuple element {i}: {e}"))?,
                    );
                }
                Val::Tuple(out)
            }
            Type::Variant(v) => {
                let (label, payload) = node.as_variant(src).map_err(|_| self.mismatch(node, ty))?;
                let case = v
                    .cases()
                    .find(|c| c.name == label)
                    .ok_or_else(|| format!("unknown case `{label}` — expected {}", describe(ty)))?;
                let name = case.name.to_string();
                let value = self.payload(&name, case.ty.as_ref(), payload)?;
                Val::Variant(name, value)
            }
            Type::Enum(e) => {
                if node.ty() != NodeType::Label {
                    return Err(self.mismatch(node, ty));
                }
                let label = node.as_enum(src).map_err(|_| self.mismatch(node, ty))?;
                if !e.names().any(|n| n == label) {
                    return Err(format!(
                        "unknown case `{label}` — expected {}",
                        describe(ty)
                    ));
                }
                Val::Enum(label.to_string())
            }
            Type::Option(o) => match node.ty() {
                NodeType::OptionNone => Val::Option(None),
                NodeType::OptionSome => {
                    let inner = node.as_option().ok().flatten();
                    let v = self.payload("some", Some(&o.ty()), inner)?;
                    Val::Option(v)
                }
                // WAVE allows a bare payload for options of non-option/result types.
                _ if !matches!(o.ty(), Type::Option(_) | Type::Result(_)) => {
                    Val::Option(Some(Box::new(self.val(node, &o.ty())?)))
                }
                _ => return Err(self.mismatch(node, ty)),
            },
            Type::Result(r) => match node.ty() {
                NodeType::ResultOk => {
                    let inner = node.as_result().ok().and_then(|r| r.ok()).flatten();
                    Val::Result(Ok(self.payload("ok", r.ok().as_ref(), inner)?))
                }
                NodeType::ResultErr => {
                    let inner = node.as_result().ok().and_then(|r| r.err()).flatten();
                    Val::Result(Err(self.payload("err", r.err().as_ref(), inner)?))
                }
                _ => match r.ok() {
                    Some(ok) if !matches!(ok, Type::Option(_) | Type::Result(_)) => {
                        Val::Result(Ok(Some(Box::new(self.val(node, &ok)?))))
                    }
                    _ => return Err(self.mismatch(node, ty)),
                },
            },
            Type::Flags(f) => {
                let given: Vec<&str> = node
                    .as_flags(src)
                    .map_err(|_| self.mismatch(node, ty))?
                    .collect();
                let names: Vec<&str> = f.names().collect();
                if let Some(bad) = given.iter().find(|g| !names.contains(g)) {
                    return Err(format!("unknown flag `{bad}` — expected {}", describe(ty)));
                }
                Val::Flags(given.iter().map(|s| s.to_string()).collect())
            }
            Type::Own(rt) | Type::Borrow(rt) => {
                let own = matches!(ty, Type::Own(_));
                let text = self.orig.get(node.span()).unwrap_or("");
                let id = text
                    .strip_prefix('$')
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|_| node.ty() == NodeType::Label)
                    .ok_or_else(|| {
                        format!(
                            "expected a resource handle like `$1`, found {}",
                            self.found(node)
                        )
                    })?;
                if own {
                    self.consumed.push(id);
                }
                match self.handles {
                    Some(h) => Val::Resource(h.lookup(id, rt, own)?),
                    // Checking only: the value is never used, any placeholder will do.
                    None => Val::Bool(false),
                }
            }
            Type::Map(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
                return Err(format!(
                    "{} values cannot be written as call arguments yet",
                    type_name(ty)
                ));
            }
        })
    }

    fn payload(
        &mut self,
        case: &str,
        ty: Option<&Type>,
        node: Option<&Node>,
    ) -> Result<Option<Box<Val>>, String> {
        match (ty, node) {
            (Some(t), Some(n)) => Ok(Some(Box::new(
                self.val(n, t)
                    .map_err(|e| format!("`{case}` payload: {e}"))?,
            ))),
            (None, None) => Ok(None),
            (Some(t), None) => Err(format!("`{case}` needs a payload of type {}", type_name(t))),
            (None, Some(_)) => Err(format!("`{case}` takes no payload")),
        }
    }
}

fn field_list(fields: &[(String, Type)]) -> String {
    fields
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
