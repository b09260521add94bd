//! Compile once, instantiate per request: a target becomes a `ProxyPre` (and, when linked, the
//! providers' `InstancePre`s in dependency order), so a request only pays for instantiation.

use std::sync::Arc;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, InstancePre, Linker, Val};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyPre};

use super::error::{wasm_error_line, ServeError};
use super::state::{base_linker, ServeState};
use super::target::{is_incoming_handler, ServeTarget};
use super::trace::{results_text, values_text};
use crate::model::Kind;
use crate::runtime::has_resource;
use crate::workspace::{Plug, Workspace};

/// A target compiled and pre-linked, ready to instantiate per request.
pub(crate) struct Prepared {
    /// Providers to instantiate before the root, in dependency order (linked mode only).
    providers: Vec<(usize, InstancePre<ServeState>)>,
    root: ProxyPre<ServeState>,
    /// Unit index of the HTTP component (trace caller/callee names).
    pub root_unit: usize,
    /// Component ids by unit (one entry, the target's name, when composed).
    pub unit_ids: Arc<[String]>,
}

impl Prepared {
    /// Compiles and pre-links `target` on `engine`.
    pub fn new(
        engine: &wasmtime::Engine,
        target: &ServeTarget,
        name: &str,
        allow_net: bool,
    ) -> Result<Self, ServeError> {
        let base = base_linker(engine, allow_net)?;
        match target {
            ServeTarget::Component(model) => {
                let bytes = model.bytes().ok_or_else(|| {
                    ServeError::load(format!("`{name}`: the binary was not kept after decoding"))
                })?;
                let component = compile(engine, name, bytes)?;
                check_imports(engine, &component, name, &[], allow_net)?;
                let root = proxy_pre(&base, &component, name)?;
                Ok(Prepared {
                    providers: Vec::new(),
                    root,
                    root_unit: 0,
                    unit_ids: Arc::from(vec![name.to_string()]),
                })
            }
            ServeTarget::Linked(ws) => prepare_linked(engine, ws, name, &base, allow_net),
        }
    }

    /// Instantiates the providers, then the HTTP component, in `store`.
    pub async fn instantiate(&self, store: &mut Store<ServeState>) -> wasmtime::Result<Proxy> {
        for (unit, pre) in &self.providers {
            let instance = pre.instantiate_async(&mut *store).await?;
            if let Some(slot) = store.data_mut().instances.get_mut(*unit) {
                *slot = Some(instance);
            }
        }
        self.root.instantiate_async(&mut *store).await
    }
}

fn compile(engine: &wasmtime::Engine, name: &str, bytes: &[u8]) -> Result<Component, ServeError> {
    Component::new(engine, bytes)
        .map_err(|e| ServeError::load(format!("cannot compile `{name}`: {}", wasm_error_line(&e))))
}

fn proxy_pre(
    linker: &Linker<ServeState>,
    component: &Component,
    name: &str,
) -> Result<ProxyPre<ServeState>, ServeError> {
    let exports_http = component
        .component_type()
        .exports(linker.engine())
        .any(|(n, _)| is_incoming_handler(n));
    if !exports_http {
        return Err(ServeError::NotHttp {
            name: name.to_string(),
        });
    }
    let pre = linker.instantiate_pre(component).map_err(|e| {
        ServeError::load(format!(
            "`{name}` needs imports the host does not provide: {}",
            wasm_error_line(&e)
        ))
    })?;
    ProxyPre::new(pre).map_err(|e| {
        ServeError::load(format!(
            "`{name}` does not fit the wasi:http proxy world: {} — serve needs a wasi:http/incoming-handler@0.2 export",
            wasm_error_line(&e)
        ))
    })
}

/// Names the first import nothing provides: not WASI, not plugged; or outgoing HTTP without
/// the network grant.
fn check_imports(
    engine: &wasmtime::Engine,
    component: &Component,
    name: &str,
    plugged: &[&str],
    allow_net: bool,
) -> Result<(), ServeError> {
    for (import, _) in component.component_type().imports(engine) {
        if import.starts_with("wasi:http/outgoing-handler") && !allow_net {
            return Err(ServeError::Unsatisfied {
                name: name.to_string(),
                import: import.to_string(),
                fix: "outgoing HTTP is denied by default; pass --allow-net to allow requests to loopback hosts".into(),
            });
        }
        if !import.starts_with("wasi:") && !plugged.contains(&import) {
            return Err(ServeError::Unsatisfied {
                name: name.to_string(),
                import: import.to_string(),
                fix: "plug a component that exports it (`wirebench plug … --plug PROVIDER.wasm`)"
                    .into(),
            });
        }
    }
    Ok(())
}

/// Linked mode: the HTTP component and everything it reaches through plugs, providers first.
fn prepare_linked(
    engine: &wasmtime::Engine,
    ws: &Workspace,
    name: &str,
    base: &Linker<ServeState>,
    allow_net: bool,
) -> Result<Prepared, ServeError> {
    let http_ids: Vec<&String> = ws
        .components
        .iter()
        .filter(|(_, c)| c.kind == Kind::Component)
        .filter(|(_, c)| c.exports.iter().any(|e| is_incoming_handler(e.name())))
        .map(|(id, _)| id)
        .collect();
    // With several HTTP components, serve the one no other component consumes.
    let root = http_ids
        .iter()
        .find(|id| !ws.plugs.iter().any(|p| &p.provider == **id))
        .or(http_ids.first())
        .map(|s| s.to_string())
        .ok_or_else(|| ServeError::NotHttp {
            name: name.to_string(),
        })?;
    let order = providers_first(ws, &root)?;
    let unit_ids: Arc<[String]> = order.to_vec().into();
    let mut compiled: Vec<Component> = Vec::with_capacity(order.len());
    for id in &order {
        let model = &ws.components[id.as_str()];
        if model.kind != Kind::Component {
            return Err(ServeError::load(format!(
                "`{id}` is a core module — adapt it with `wirebench adapt` before plugging it"
            )));
        }
        let bytes = model.bytes().ok_or_else(|| {
            ServeError::load(format!("`{id}`: the binary was not kept after decoding"))
        })?;
        compiled.push(compile(engine, id, bytes)?);
    }
    let mut providers = Vec::new();
    let mut root_pre = None;
    for (unit, id) in order.iter().enumerate() {
        let mut linker = base.clone();
        let mut plugged = Vec::new();
        for plug in ws.plugs.iter().filter(|p| &p.consumer == id) {
            let provider_unit =
                order
                    .iter()
                    .position(|o| *o == plug.provider)
                    .ok_or_else(|| {
                        ServeError::load(format!(
                            "`{}` is plugged into `{id}` but is not a loaded component",
                            plug.provider
                        ))
                    })?;
            let f = Forward {
                consumer_unit: unit,
                provider_unit,
                plug,
            };
            f.define(
                engine,
                &mut linker,
                &compiled[unit],
                &compiled[provider_unit],
            )?;
            plugged.push(plug.import.as_str());
        }
        check_imports(engine, &compiled[unit], id, &plugged, allow_net)?;
        if *id == root {
            root_pre = Some(proxy_pre(&linker, &compiled[unit], id)?);
        } else {
            let pre = linker.instantiate_pre(&compiled[unit]).map_err(|e| {
                ServeError::load(format!(
                    "`{id}` needs imports the host does not provide: {}",
                    wasm_error_line(&e)
                ))
            })?;
            providers.push((unit, pre));
        }
    }
    let root = root_pre.ok_or_else(|| ServeError::NotHttp {
        name: name.to_string(),
    })?;
    Ok(Prepared {
        providers,
        root,
        root_unit: order.len() - 1,
        unit_ids,
    })
}

/// `root` and the components it reaches through plugs, each after its providers.
fn providers_first(ws: &Workspace, root: &str) -> Result<Vec<String>, ServeError> {
    fn visit(
        ws: &Workspace,
        id: &str,
        path: &mut Vec<String>,
        out: &mut Vec<String>,
    ) -> Result<(), ServeError> {
        if out.iter().any(|o| o == id) {
            return Ok(());
        }
        if path.iter().any(|p| p == id) {
            return Err(ServeError::load(format!(
                "plugs form a cycle through `{id}` — a component cannot call back into its caller; remove one plug"
            )));
        }
        path.push(id.to_string());
        for p in ws.plugs.iter().filter(|p| p.consumer == id) {
            visit(ws, &p.provider, path, out)?;
        }
        path.pop();
        out.push(id.to_string());
        Ok(())
    }
    let mut out = Vec::new();
    visit(ws, root, &mut Vec::new(), &mut out)?;
    Ok(out)
}

/// One plug in linked mode: the consumer's import defined as host functions that call the
/// provider's export in the same store and record a trace entry.
struct Forward<'a> {
    consumer_unit: usize,
    provider_unit: usize,
    plug: &'a Plug,
}

impl Forward<'_> {
    fn define(
        &self,
        engine: &wasmtime::Engine,
        linker: &mut Linker<ServeState>,
        consumer: &Component,
        provider: &Component,
    ) -> Result<(), ServeError> {
        let plug = self.plug;
        let unsupported = |what: String| {
            ServeError::LinkUnsupported {
            message: format!(
                "`{}` ← `{}`: `{}` {what}; linked mode cannot forward resources — serve composed (--mode composed)",
                plug.consumer, plug.provider, plug.import
            ),
        }
        };
        let consumer_ty = consumer.component_type();
        let Some(import) = consumer_ty.get_import(engine, &plug.import) else {
            return Err(ServeError::load(format!(
                "`{}` has no import `{}` to plug",
                plug.consumer, plug.import
            )));
        };
        let ComponentItem::ComponentInstance(import_ty) = import.ty else {
            return Err(unsupported("is not an interface".into()));
        };
        let Some(iface) = provider.get_export_index(None, &plug.export) else {
            return Err(ServeError::load(format!(
                "`{}` does not export `{}`",
                plug.provider, plug.export
            )));
        };
        let mut li = linker
            .instance(&plug.import)
            .map_err(|e| ServeError::load(wasm_error_line(&e)))?;
        for (fname, item) in import_ty.exports(engine) {
            let f = match item.ty {
                ComponentItem::ComponentFunc(f) => f,
                ComponentItem::Resource(_) => {
                    return Err(unsupported(format!("defines resource `{fname}`")))
                }
                _ => continue,
            };
            if f.params().any(|(_, t)| has_resource(&t, 0))
                || f.results().any(|t| has_resource(&t, 0))
            {
                return Err(unsupported(format!("passes resources in `{fname}`")));
            }
            let export = provider
                .get_export_index(Some(&iface), fname)
                .ok_or_else(|| {
                    ServeError::load(format!(
                        "`{}` exports `{}` without function `{fname}`",
                        plug.provider, plug.export
                    ))
                })?;
            let (consumer_unit, provider_unit) = (self.consumer_unit, self.provider_unit);
            let function: Arc<str> = Arc::from(fname);
            li.func_new_async(
                fname,
                move |mut store, _ty, params: &[Val], results: &mut [Val]| {
                    let function = Arc::clone(&function);
                    Box::new(async move {
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
                                || values_text(params),
                            )
                        };
                        let r = func.call_async(&mut store, params, results).await;
                        if seq.is_some() {
                            let outcome = match &r {
                                Ok(()) => Ok(results_text(results)),
                                Err(e) => Err(wasm_error_line(e)),
                            };
                            store.data_mut().trace.finish(seq, outcome);
                        }
                        r
                    })
                },
            )
            .map_err(|e| ServeError::load(wasm_error_line(&e)))?;
        }
        Ok(())
    }
}
