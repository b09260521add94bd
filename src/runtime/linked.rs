//! Linked (traced) mode: every component of a wired workspace gets its own instance in one
//! store; each plugged import is a host function that forwards to the provider's export and
//! records a trace entry (DESIGN §2, §7).
//!
//! Forwarders find the provider's instance through the store data at call time, so linkers and
//! `InstancePre`s are built once and survive the store rebuild that follows a trap.
//! Limitation: interfaces whose functions pass resources are refused with a clear error
//! (forwarding them needs the host proxy of DESIGN §7); composed mode runs them.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, Type, Val};

use super::engine::RuntimeEngine;
use super::error::{error_line, CallError};
use super::format::format_plain;
use super::host::HostState;
use super::resolve_func::call_style_name;
use super::units::{compile_model, finish_unit, Unit};
use crate::workspace::{Plug, Workspace};

/// Compiles and pre-links every component of `ws`, providers first.
pub(crate) fn prepare(
    rt: &RuntimeEngine,
    ws: &Workspace,
    base: &Linker<HostState>,
    stub_missing: bool,
) -> Result<(Vec<Unit>, Vec<String>), CallError> {
    let mut notes = Vec::new();
    let mut ids: Vec<&String> = Vec::new();
    for (id, c) in &ws.components {
        if c.kind == crate::model::Kind::Component {
            ids.push(id);
        } else {
            notes.push(format!("`{id}` is a core module and was not instantiated"));
        }
    }
    let order = dependency_order(&ids, &ws.plugs)?;
    let mut units: Vec<Unit> = Vec::with_capacity(order.len());
    let mut compiled: HashMap<&str, Component> = HashMap::new();
    for id in &order {
        let model = &ws.components[*id];
        compiled.insert(id.as_str(), compile_model(rt, id, model)?);
    }
    for (unit, id) in order.iter().enumerate() {
        let component = compiled[id.as_str()].clone();
        let mut linker = base.clone();
        let mut provided = Vec::new();
        for plug in ws.plugs.iter().filter(|p| &p.consumer == *id) {
            let provider_unit = units
                .iter()
                .position(|u| u.id == plug.provider)
                .ok_or_else(|| CallError::Load {
                    message: format!(
                        "`{}` is plugged into `{}`, but `{}` is not a loaded component",
                        plug.provider, plug.consumer, plug.provider
                    ),
                })?;
            let provider = &units[provider_unit].component;
            define_forwarders(
                rt,
                &mut linker,
                unit,
                provider_unit,
                plug,
                &component,
                provider,
            )?;
            provided.push(plug.import.as_str());
        }
        let model = Some(Arc::clone(&ws.components[*id]));
        units.push(finish_unit(
            rt,
            id,
            component,
            model,
            linker,
            &provided,
            stub_missing,
        )?);
    }
    Ok((units, notes))
}

/// Providers before consumers; a cycle is an error (a component cannot be re-entered).
fn dependency_order<'a>(ids: &[&'a String], plugs: &[Plug]) -> Result<Vec<&'a String>, CallError> {
    let mut order: Vec<&String> = Vec::with_capacity(ids.len());
    let mut remaining: Vec<&String> = ids.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|id| {
            plugs
                .iter()
                .filter(|p| &p.consumer == *id && p.provider != **id)
                .all(|p| {
                    order.iter().any(|o| **o == p.provider)
                        || !ids.iter().any(|i| **i == p.provider)
                })
        });
        match ready {
            Some(i) => order.push(remaining.remove(i)),
            None => {
                let names: Vec<&str> = remaining.iter().map(|s| s.as_str()).collect();
                return Err(CallError::Load {
                    message: format!(
                        "plugs form a cycle among {} — a component cannot call back into its caller; remove one plug",
                        names.join(", ")
                    ),
                });
            }
        }
    }
    Ok(order)
}

/// Defines the consumer's import `plug.import` as forwarders to the provider's export.
fn define_forwarders(
    rt: &RuntimeEngine,
    linker: &mut Linker<HostState>,
    consumer_unit: usize,
    provider_unit: usize,
    plug: &Plug,
    consumer: &Component,
    provider: &Component,
) -> Result<(), CallError> {
    let engine = rt.engine();
    let consumer_ty = consumer.component_type();
    let Some(import) = consumer_ty.get_import(engine, &plug.import) else {
        return Err(CallError::Load {
            message: format!(
                "`{}` has no import `{}` to plug",
                plug.consumer, plug.import
            ),
        });
    };
    let ComponentItem::ComponentInstance(import_ty) = import.ty else {
        return Err(CallError::Unsupported {
            message: format!(
                "`{}`: import `{}` is not an interface — linked mode plugs interfaces only; use --mode composed",
                plug.consumer, plug.import
            ),
        });
    };
    let Some(iface) = provider.get_export_index(None, &plug.export) else {
        return Err(CallError::Load {
            message: format!("`{}` does not export `{}`", plug.provider, plug.export),
        });
    };
    let unsupported = |what: String| {
        CallError::Unsupported {
        message: format!(
            "`{}` ← `{}`: `{}` {what}; linked mode cannot forward resources between components yet — use --mode composed",
            plug.consumer, plug.provider, plug.import
        ),
    }
    };
    let mut li = linker.instance(&plug.import).map_err(|e| CallError::Load {
        message: error_line(&e),
    })?;
    for (fname, item) in import_ty.exports(engine) {
        match item.ty {
            ComponentItem::ComponentFunc(f) => {
                if f.params().any(|(_, t)| has_resource(&t, 0))
                    || f.results().any(|t| has_resource(&t, 0))
                {
                    return Err(unsupported(format!("passes resources in `{fname}`")));
                }
                let export = provider
                    .get_export_index(Some(&iface), fname)
                    .ok_or_else(|| CallError::Load {
                        message: format!(
                            "`{}` exports `{}` without function `{fname}`",
                            plug.provider, plug.export
                        ),
                    })?;
                let function = call_style_name(fname);
                li.func_new(
                    fname,
                    move |mut store, _ty, params: &[Val], results: &mut [Val]| {
                        let instance = store.data().instances.get(provider_unit).copied().flatten();
                        let Some(instance) = instance else {
                            wasmtime::bail!("provider of `{function}` is not instantiated");
                        };
                        let Some(func) = instance.get_func(&mut store, export) else {
                            wasmtime::bail!("provider does not export `{function}`");
                        };
                        let seq = {
                            let data = store.data_mut();
                            let ids = Arc::clone(&data.unit_ids);
                            data.trace.start(
                                &ids[consumer_unit],
                                &ids[provider_unit],
                                &function,
                                || {
                                    params
                                        .iter()
                                        .map(format_plain)
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                },
                            )
                        };
                        let r = func.call(&mut store, params, results);
                        if seq.is_some() {
                            let outcome = match &r {
                                Ok(()) => Ok(results_text(results)),
                                Err(e) => Err(error_line(e)),
                            };
                            store.data_mut().trace.finish(seq, outcome);
                        }
                        r
                    },
                )
                .map_err(|e| CallError::Load {
                    message: error_line(&e),
                })?;
            }
            ComponentItem::Resource(_) => {
                return Err(unsupported(format!("defines resource `{fname}`")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// How a function's results read in a trace (`ok(none)`, or `()` when there are none).
pub(crate) fn results_text(results: &[Val]) -> String {
    match results {
        [] => "()".to_string(),
        [one] => format_plain(one),
        many => format!(
            "({})",
            many.iter().map(format_plain).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Whether a type mentions a resource anywhere inside it.
pub(crate) fn has_resource(t: &Type, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    let d = depth + 1;
    match t {
        Type::Own(_) | Type::Borrow(_) => true,
        Type::List(l) => has_resource(&l.ty(), d),
        Type::FixedLengthList(l) => has_resource(&l.ty(), d),
        Type::Map(m) => has_resource(&m.key(), d) || has_resource(&m.value(), d),
        Type::Record(r) => r.fields().any(|f| has_resource(&f.ty, d)),
        Type::Tuple(tt) => tt.types().any(|t| has_resource(&t, d)),
        Type::Variant(v) => v
            .cases()
            .any(|c| c.ty.as_ref().is_some_and(|t| has_resource(t, d))),
        Type::Option(o) => has_resource(&o.ty(), d),
        Type::Result(r) => {
            r.ok().is_some_and(|t| has_resource(&t, d))
                || r.err().is_some_and(|t| has_resource(&t, d))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plug(consumer: &str, provider: &str) -> Plug {
        Plug {
            consumer: consumer.into(),
            import: "i".into(),
            provider: provider.into(),
            export: "i".into(),
        }
    }

    #[test]
    fn providers_come_first() {
        let (a, b, c) = (
            "gateway".to_string(),
            "processor".to_string(),
            "kv".to_string(),
        );
        let ids = vec![&a, &b, &c];
        let plugs = vec![plug("gateway", "processor"), plug("processor", "kv")];
        let order = dependency_order(&ids, &plugs).unwrap();
        assert_eq!(order, vec![&c, &b, &a]);
    }

    #[test]
    fn cycles_are_refused() {
        let (a, b) = ("a".to_string(), "b".to_string());
        let err = dependency_order(&[&a, &b], &[plug("a", "b"), plug("b", "a")]).unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
    }
}
