//! Units: compiled components ready to instantiate (`InstancePre`), with their imports checked
//! up front so an unplugged import is reported by name before anything runs.

use std::sync::Arc;

use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker};

use super::engine::{compile_memoized, RuntimeEngine};
use super::error::{error_line, CallError};
use super::host::HostState;

/// One component of a session, compiled and pre-linked.
pub(crate) struct Unit {
    /// Component id (file stem or workspace id).
    pub id: String,
    pub component: Component,
    pub pre: InstancePre<HostState>,
    pub model: Option<Arc<crate::model::Component>>,
    /// Exported resource types by export index, to name handles (`counter`).
    pub resources: Vec<(ComponentExportIndex, String)>,
}

/// Compiles a decoded component, refusing core modules and components without bytes.
pub(crate) fn compile_model(
    rt: &RuntimeEngine,
    id: &str,
    model: &crate::model::Component,
) -> Result<Component, CallError> {
    if model.kind != crate::model::Kind::Component {
        return Err(CallError::Load {
            message: format!(
                "`{id}` is a core module, not a component — calls need a component (wrap a WASI preview 1 module with the preview-1 adapter first)"
            ),
        });
    }
    let bytes = model.bytes().ok_or_else(|| CallError::Load {
        message: format!("`{id}`: the binary was not kept after decoding"),
    })?;
    compile_memoized(rt, id, &model.sha256, bytes)
}

/// Import names that are neither WASI nor in `provided`: they need a plug (or `--stub`).
pub(crate) fn unsatisfied_imports(
    rt: &RuntimeEngine,
    component: &Component,
    provided: &[&str],
) -> Vec<String> {
    component
        .component_type()
        .imports(rt.engine())
        .map(|(name, _)| name)
        .filter(|name| !name.starts_with("wasi:") && !provided.contains(name))
        .map(str::to_string)
        .collect()
}

/// Finishes a unit: stubs (when asked) or rejects unsatisfied imports, then pre-instantiates.
pub(crate) fn finish_unit(
    rt: &RuntimeEngine,
    id: &str,
    component: Component,
    model: Option<Arc<crate::model::Component>>,
    mut linker: Linker<HostState>,
    provided: &[&str],
    stub_missing: bool,
) -> Result<Unit, CallError> {
    let missing = unsatisfied_imports(rt, &component, provided);
    if let Some(first) = missing.first() {
        if !stub_missing {
            let more = match missing.len() {
                1 => String::new(),
                n => format!(" (and {} more: {})", n - 1, missing[1..].join(", ")),
            };
            return Err(CallError::MissingImport {
                component: id.to_string(),
                import: first.clone(),
                hint: format!(
                    "plug a component that exports it, or pass --stub to make its functions trap when called{more}"
                ),
            });
        }
    }
    if stub_missing {
        // Stub only what nothing provides: a blanket "unknown imports as traps" would also
        // shadow WASI interfaces the linker satisfies by semver (e.g. `@0.2.12` by `@0.2.6`).
        for name in &missing {
            stub_import(rt, &component, &mut linker, name).map_err(|e| CallError::Instantiate {
                component: id.to_string(),
                message: error_line(&e),
            })?;
        }
    }
    let pre = linker
        .instantiate_pre(&component)
        .map_err(|e| link_error(id, &e))?;
    let resources = exported_resources(rt, &component);
    Ok(Unit {
        id: id.to_string(),
        component,
        pre,
        model,
        resources,
    })
}

/// A linker failure, named precisely when it is a host interface wirebench does not provide.
fn link_error(id: &str, e: &wasmtime::Error) -> CallError {
    let line = error_line(e);
    if line.contains("was not found in the linker") || line.contains("not defined") {
        if let Some(name) = line.split('`').nth(1) {
            let hint = if name.starts_with("wasi:http/outgoing-handler") {
                "wirebench does not give guests outgoing HTTP".to_string()
            } else if name.starts_with("wasi:") {
                "the host does not provide this WASI interface (or this version of it)".to_string()
            } else {
                "plug a component that exports it, or pass --stub".to_string()
            };
            return CallError::MissingImport {
                component: id.to_string(),
                import: name.to_string(),
                hint,
            };
        }
    }
    CallError::Instantiate {
        component: id.to_string(),
        message: line,
    }
}

/// Every resource type exported from an interface, with the export index to find it later.
fn exported_resources(
    rt: &RuntimeEngine,
    component: &Component,
) -> Vec<(ComponentExportIndex, String)> {
    let mut out = Vec::new();
    for (name, item) in component.component_type().exports(rt.engine()) {
        let ComponentItem::ComponentInstance(inst) = item.ty else {
            continue;
        };
        let Some(iface) = component.get_export_index(None, name) else {
            continue;
        };
        for (rname, ritem) in inst.exports(rt.engine()) {
            if let ComponentItem::Resource(_) = ritem.ty {
                if let Some(idx) = component.get_export_index(Some(&iface), rname) {
                    out.push((idx, rname.to_string()));
                }
            }
        }
    }
    out
}

/// Defines every function of the import `name` as a host function that traps with a message
/// naming the import, and its resources as opaque host resources.
fn stub_import(
    rt: &RuntimeEngine,
    component: &Component,
    linker: &mut Linker<HostState>,
    name: &str,
) -> wasmtime::Result<()> {
    use wasmtime::component::types::ComponentItem as Item;
    let ty = component.component_type();
    let Some((_, item)) = ty.imports(rt.engine()).find(|(n, _)| *n == name) else {
        return Ok(());
    };
    let trap = |what: String| {
        move |_: wasmtime::StoreContextMut<'_, HostState>,
              _: wasmtime::component::types::ComponentFunc,
              _: &[wasmtime::component::Val],
              _: &mut [wasmtime::component::Val]|
              -> wasmtime::Result<()> {
            wasmtime::bail!(
                "`{what}` is not plugged (stubbed with --stub): plug a component that exports it"
            )
        }
    };
    match item.ty {
        Item::ComponentFunc(_) => linker.root().func_new(name, trap(name.to_string())),
        Item::ComponentInstance(inst) => {
            let mut instance = linker.instance(name)?;
            for (export, ty) in inst.exports(rt.engine()) {
                match ty.ty {
                    Item::ComponentFunc(_) => {
                        instance.func_new(export, trap(format!("{name}.{export}")))?;
                    }
                    Item::Resource(_) => {
                        instance.resource(
                            export,
                            wasmtime::component::ResourceType::host::<StubResource>(),
                            |_, _| Ok(()),
                        )?;
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The host type standing in for resources of stubbed imports (never constructed).
struct StubResource;
