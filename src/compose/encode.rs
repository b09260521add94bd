//! Workspace → `wac_graph::CompositionGraph` → encoded, validated component bytes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use wac_graph::{CompositionGraph, NodeId, PackageId, Processor};

use super::error::ComposeError;
use crate::model::Component;
use crate::util::validated;
use crate::workspace::typecheck::package_name;
use crate::workspace::{port_names, ExportChoice, PlugCheckError, Workspace};

/// What to compose and what the result exports.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Compose only this component and the providers it reaches, exporting its exports (like
    /// `wac plug`'s socket). `None` composes every composable component.
    pub root: Option<String>,
    /// The composition's exports. `None`: the root's exports; without a root, the workspace's
    /// saved choice, else every export of each component nothing consumes.
    pub exports: Option<Vec<ExportChoice>>,
}

/// The components and exports a composition includes.
struct Plan {
    order: Vec<String>,
    exports: Vec<ExportChoice>,
}

fn plan(ws: &Workspace, opts: &EncodeOptions) -> Result<Plan, ComposeError> {
    if ws.components.is_empty() {
        return Err(ComposeError::Empty);
    }
    let require = |id: &str| -> Result<(), ComposeError> {
        let c = ws
            .components
            .get(id)
            .ok_or_else(|| ComposeError::UnknownComponent {
                id: id.into(),
                known: ws.components.keys().cloned().collect(),
            })?;
        if ws.is_composable(id) {
            Ok(())
        } else {
            Err(ComposeError::NotComposable {
                id: id.into(),
                kind: c.kind.to_string(),
            })
        }
    };
    let all = ws
        .instantiation_order()
        .map_err(|path| ComposeError::Cycle { path })?;
    let included: HashSet<String> = match &opts.root {
        Some(root) => {
            require(root)?;
            let mut seen = HashSet::new();
            let mut stack = vec![root.clone()];
            while let Some(id) = stack.pop() {
                if seen.insert(id.clone()) {
                    stack.extend(ws.providers_of(&id).map(str::to_string));
                }
            }
            seen
        }
        None => all
            .iter()
            .filter(|id| ws.is_composable(id))
            .cloned()
            .collect(),
    };
    let order: Vec<String> = all.into_iter().filter(|id| included.contains(id)).collect();
    for id in &order {
        require(id)?;
    }
    for plug in ws.plugs.iter().filter(|p| included.contains(&p.consumer)) {
        ws.check_plug(plug)?;
    }
    let exports = default_exports(ws, opts, &order)?;
    for e in &exports {
        require(&e.component)?;
        if !order.contains(&e.component) {
            return Err(ComposeError::UnknownComponent {
                id: e.component.clone(),
                known: order.clone(),
            });
        }
    }
    Ok(Plan { order, exports })
}

/// The exports a composition of `order` gets under `opts` (see [`EncodeOptions::exports`]).
pub(super) fn default_exports(
    ws: &Workspace,
    opts: &EncodeOptions,
    order: &[String],
) -> Result<Vec<ExportChoice>, ComposeError> {
    let chosen = match (&opts.exports, &opts.root) {
        (Some(chosen), _) => chosen.clone(),
        (None, Some(root)) => exports_of(ws, std::slice::from_ref(root)),
        (None, None) if !ws.exports.is_empty() => ws.exports.clone(),
        (None, None) => {
            let sinks: Vec<String> = order
                .iter()
                .filter(|id| !ws.plugs.iter().any(|p| &p.provider == *id))
                .cloned()
                .collect();
            exports_of(ws, &sinks)
        }
    };
    let mut out = Vec::new();
    for choice in &chosen {
        with_type_sources(ws, choice, &mut out, 0);
    }
    Ok(out)
}

/// Adds `choice` after the exports its types come from.
///
/// An exported interface that `use`s types of an interface a plug provides inside the
/// composition is only valid if those types are exported too (`wac plug` fails with "instance
/// not valid to be used as export" there), so the provider's interface is exported first.
fn with_type_sources(
    ws: &Workspace,
    choice: &ExportChoice,
    out: &mut Vec<ExportChoice>,
    depth: usize,
) {
    if out.iter().any(|o| o.name() == choice.name()) {
        return;
    }
    // Type dependencies are acyclic; the bound guards against malformed plugs.
    if depth < 32 {
        for used in used_interfaces(ws, &choice.component, &choice.export) {
            if let Some(plug) = ws.plug_for(&choice.component, &used) {
                let source = ExportChoice {
                    component: plug.provider.clone(),
                    export: plug.export.clone(),
                    rename: None,
                };
                with_type_sources(ws, &source, out, depth + 1);
            }
        }
    }
    if !out.iter().any(|o| o.name() == choice.name()) {
        out.push(choice.clone());
    }
}

/// Names of the interfaces whose types an exported interface `use`s.
fn used_interfaces(ws: &Workspace, component: &str, export: &str) -> Vec<String> {
    let Some(c) = ws.components.get(component) else {
        return Vec::new();
    };
    // A component wac-types cannot read fails the composition later, with its own error.
    ws.with_type_index(|index| index.used_interfaces(c, export))
        .unwrap_or_default()
}

fn exports_of(ws: &Workspace, ids: &[String]) -> Vec<ExportChoice> {
    ids.iter()
        .filter_map(|id| ws.components.get(id).map(|c| (id, c)))
        .flat_map(|(id, c)| {
            port_names(&c.exports).map(move |e| ExportChoice {
                component: id.clone(),
                export: e.to_string(),
                rename: None,
            })
        })
        .collect()
}

/// Builds the wac-graph composition for a workspace (checked plugs, chosen exports), and
/// returns it with the ids of the components it holds.
fn build_graph(
    ws: &Workspace,
    opts: &EncodeOptions,
    packages: Packages,
) -> Result<(CompositionGraph, Vec<String>), ComposeError> {
    let plan = plan(ws, opts)?;
    let mut graph = CompositionGraph::new();
    // Consumers first, as `wac plug` adds the socket first: wac-graph names merged implicit
    // imports after the first instantiation that needs them. The packages are the ones the
    // plug checks parsed (parsing is most of building a graph), in a copy of their arena.
    // Components with the same bytes share their (content-named) package: only the first of
    // them brings it.
    let mut packages_in_order: Vec<(&String, String, Option<wac_types::Package>)> = Vec::new();
    ws.with_type_index(|index| {
        for id in plan.order.iter().rev() {
            let c = &ws.components[id];
            let name = package_name(c);
            if packages_in_order.iter().any(|(_, n, _)| *n == name) {
                packages_in_order.push((id, name, None));
                continue;
            }
            let package = match packages {
                Packages::Copy => index.package(c).cloned(),
                Packages::Move => index.take_package(c),
            };
            let package = package.map_err(|e| match e {
                PlugCheckError::Unreadable { source, .. } => ComposeError::Package {
                    id: id.clone(),
                    source,
                },
                _ => ComposeError::NotComposable {
                    id: id.clone(),
                    kind: "component without a decoded binary".into(),
                },
            })?;
            packages_in_order.push((id, name, Some(package)));
        }
        *graph.types_mut() = index.types().clone();
        Ok::<_, ComposeError>(())
    })?;
    let mut registered: HashMap<String, PackageId> = HashMap::new();
    let mut instances: IndexMap<&str, NodeId> = IndexMap::new();
    for (id, name, package) in packages_in_order {
        let package = match package {
            Some(package) => {
                let p = graph
                    .register_package(package)
                    .map_err(|e| ComposeError::Package {
                        id: id.clone(),
                        source: e.into(),
                    })?;
                registered.insert(name, p);
                p
            }
            // A later component with the same bytes as one registered before.
            None => registered[&name],
        };
        let node = graph.instantiate(package);
        graph.set_node_name(node, id.clone());
        instances.insert(id, node);
    }
    for plug in &ws.plugs {
        let (Some(&consumer), Some(&provider)) = (
            instances.get(plug.consumer.as_str()),
            instances.get(plug.provider.as_str()),
        ) else {
            continue;
        };
        let what = || {
            format!(
                "`{}` import `{}` from `{}` export `{}`",
                plug.consumer, plug.import, plug.provider, plug.export
            )
        };
        let alias = graph
            .alias_instance_export(provider, &plug.export)
            .map_err(|e| ComposeError::Graph {
                what: what(),
                source: e.into(),
            })?;
        graph
            .set_instantiation_argument(consumer, &plug.import, alias)
            .map_err(|e| ComposeError::Graph {
                what: what(),
                source: e.into(),
            })?;
    }
    let mut exported: IndexMap<String, String> = IndexMap::new();
    for choice in &plan.exports {
        let node = instances[choice.component.as_str()];
        let alias = graph
            .alias_instance_export(node, &choice.export)
            .map_err(|_| ComposeError::NoSuchExport {
                component: choice.component.clone(),
                export: choice.export.clone(),
                available: port_names(&ws.components[&choice.component].exports)
                    .map(str::to_string)
                    .collect(),
            })?;
        if let Some(first) = exported.get(choice.name()) {
            return Err(ComposeError::ExportConflict {
                name: choice.name().to_string(),
                first: first.clone(),
                second: choice.component.clone(),
            });
        }
        graph
            .export(alias, choice.name())
            .map_err(|e| ComposeError::Graph {
                what: format!("export `{}`", choice.name()),
                source: e.into(),
            })?;
        exported.insert(choice.name().to_string(), choice.component.clone());
    }
    Ok((graph, plan.order))
}

/// How a composition gets the packages the type index parsed.
#[derive(Clone, Copy)]
enum Packages {
    /// Copied: the workspace lives on and composes again.
    Copy,
    /// Moved out of the index: a workspace composed once copies no binary.
    Move,
}

/// Encodes the workspace composition and validates it; only valid bytes are returned.
pub fn encode_workspace(ws: &Workspace, opts: &EncodeOptions) -> Result<Vec<u8>, ComposeError> {
    encode(ws, opts, Packages::Copy)
}

/// [`encode_workspace`] for a workspace composed once (`wirebench plug`): the
/// component binaries the plug checks parsed move into the composition instead of being
/// copied, which for a large component saves a copy as large as the component.
pub fn encode_workspace_once(ws: Workspace, opts: &EncodeOptions) -> Result<Vec<u8>, ComposeError> {
    encode(&ws, opts, Packages::Move)
}

fn encode(
    ws: &Workspace,
    opts: &EncodeOptions,
    packages: Packages,
) -> Result<Vec<u8>, ComposeError> {
    let (graph, order) = build_graph(ws, opts, packages)?;
    let unchecked: Vec<(&String, &Arc<Component>)> = order
        .iter()
        .filter_map(|id| ws.components.get_key_value(id))
        .filter(|(_, c)| !c.code_validated())
        .collect();
    if unchecked.is_empty() {
        return encode_graph(&graph);
    }
    // Components read as outlines: the composition embeds their bytes verbatim, and a nested
    // component validates on its own, so validating the composition in full validates their
    // code as well, all at once (as `wac plug` validates its output).
    let bytes = encode_unchecked(&graph)?;
    if let Err(e) = crate::util::validate::validate_all(&bytes) {
        for (id, c) in &unchecked {
            c.validate_code()
                .map_err(|source| ComposeError::InvalidComponent {
                    id: id.to_string(),
                    source,
                })?;
        }
        return Err(composition_error(e));
    }
    for (_, c) in &unchecked {
        c.code_validated_elsewhere();
    }
    if bytes.len() < REMEMBER_BELOW {
        validated::record(&crate::model::sha256_hex(&bytes));
    }
    Ok(bytes)
}

/// Encodes a graph (components defined inline), not validated.
fn encode_unchecked(graph: &CompositionGraph) -> Result<Vec<u8>, ComposeError> {
    graph
        .encode(wac_graph::EncodeOptions {
            define_components: true,
            // Validated by the callers with the wasmparser wirebench decodes with.
            validate: false,
            processor: Some(Processor {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            }),
        })
        .map_err(|source| ComposeError::Encode { source })
}

/// Encodes a graph of components whose code is valid, and validates the result.
pub(super) fn encode_graph(graph: &CompositionGraph) -> Result<Vec<u8>, ComposeError> {
    let bytes = encode_unchecked(graph)?;
    // Every component in a graph was decoded from validated bytes and is embedded verbatim,
    // so its function bodies are known good: what composing can break is the structure. The
    // same inputs make the same bytes, validated the first time round. Hashing a large
    // composition (mostly its modules' code and data) costs as much as checking it.
    if bytes.len() >= REMEMBER_BELOW {
        validate_composition(&bytes)?;
        return Ok(bytes);
    }
    let sha256 = crate::model::sha256_hex(&bytes);
    if !validated::known(&sha256) {
        validate_composition(&bytes)?;
        validated::record(&sha256);
    }
    Ok(bytes)
}

/// Compositions at least this large are checked every time instead of being remembered.
const REMEMBER_BELOW: usize = 1 << 20;

/// Validates the structure of a composition of validated components (see `encode_graph`).
fn validate_composition(bytes: &[u8]) -> Result<(), ComposeError> {
    crate::util::validate::check_structure(bytes).map_err(composition_error)
}

fn composition_error(e: wasmparser::BinaryReaderError) -> ComposeError {
    let mut message = format!("{} (at offset {:#x})", e.message(), e.offset());
    if e.message().contains("not valid to be used as export") {
        message.push_str(
            "; an exported interface uses types of an interface the composition \
                     neither imports nor exports — export the interface whose types it uses too, \
                     before it",
        );
    }
    ComposeError::Invalid { message }
}
