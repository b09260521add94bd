//! Graph layout: components as boxes in layers (providers left, consumers right), their ports,
//! the host node, and the plugs as edges between port rows. Pure: no terminal, no I/O.

use std::collections::HashMap;

use indexmap::IndexMap;

use crate::model::{short_interface_name, unversioned_interface_name, Component, WorldItemInfo};
use crate::workspace::{OpenReason, PlugReport, Position, Workspace};

/// Id of the synthetic node that stands for the host (WASI and unsatisfied imports).
pub const HOST_ID: &str = "host";
/// Widest a node box gets; longer port names are cut with `…`.
pub const MAX_NODE_WIDTH: u16 = 36;
/// Columns between layers, room for the vertical runs of edges.
pub const LAYER_GAP: i32 = 8;

/// Which side of a box a port sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSide {
    Import,
    Export,
}

/// How an import port is satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    /// An export port, or an import satisfied by a plug that checks.
    Ok,
    /// Satisfied by the host (WASI).
    Host,
    /// Plugged, but the plug no longer type-checks.
    Broken,
    /// Not satisfied, and nothing in the workspace (or several things) could satisfy it.
    Open,
}

/// One row of a box: an import or export.
#[derive(Debug, Clone)]
pub struct Port {
    /// Full name (`neon:kv-store/store@1.0.0`); for the folded WASI row, `wasi:*`.
    pub name: String,
    /// What is drawn: the name without version, possibly shortened.
    pub label: String,
    pub side: PortSide,
    pub state: PortState,
    /// Number of imports folded into this row (WASI), 1 otherwise.
    pub count: usize,
}

/// A box on the canvas.
#[derive(Debug, Clone)]
pub struct NodeBox {
    pub id: String,
    pub x: i32,
    pub y: i32,
    pub w: u16,
    pub h: u16,
    pub ports: Vec<Port>,
    /// A core module or otherwise not instantiable as a component.
    pub note: Option<String>,
}

impl NodeBox {
    /// Screen row of port `i` (inside the border).
    pub fn port_row(&self, i: usize) -> i32 {
        self.y + 1 + i as i32
    }

    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x
            && x < self.x + i32::from(self.w)
            && y >= self.y
            && y < self.y + i32::from(self.h)
    }
}

/// A plug drawn from a provider's export row to a consumer's import row.
#[derive(Debug, Clone)]
pub struct Edge {
    pub from: (usize, usize),
    pub to: (usize, usize),
    pub ok: bool,
    /// Column for the vertical run, chosen so parallel edges do not overlap.
    pub channel: i32,
}

/// The laid-out graph.
#[derive(Debug, Clone, Default)]
pub struct GraphLayout {
    pub nodes: Vec<NodeBox>,
    pub edges: Vec<Edge>,
    pub width: i32,
    pub height: i32,
    by_id: HashMap<String, usize>,
}

impl GraphLayout {
    pub fn node(&self, id: &str) -> Option<&NodeBox> {
        self.by_id.get(id).map(|&i| &self.nodes[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Positions of every component node, to be saved in `wirebench.toml`.
    pub fn positions(&self) -> IndexMap<String, Position> {
        self.nodes
            .iter()
            .filter(|n| n.id != HOST_ID)
            .map(|n| (n.id.clone(), Position { x: n.x, y: n.y }))
            .collect()
    }
}

/// The ports of one component: imports first (WASI folded into one row), then exports.
pub fn ports_of(id: &str, c: &Component, report: &PlugReport) -> Vec<Port> {
    let mut ports = Vec::new();
    let mut wasi = 0;
    for item in &c.imports {
        let name = item.name();
        if name.starts_with("wasi:") && matches!(item, WorldItemInfo::Interface(_)) {
            wasi += 1;
            continue;
        }
        let state = import_state(id, name, report);
        ports.push(Port {
            name: name.to_string(),
            label: port_label(name),
            side: PortSide::Import,
            state,
            count: 1,
        });
    }
    if wasi > 0 {
        ports.push(Port {
            name: "wasi:*".into(),
            label: format!("wasi ×{wasi} (host)"),
            side: PortSide::Import,
            state: PortState::Host,
            count: wasi,
        });
    }
    for item in &c.exports {
        let name = item.name();
        ports.push(Port {
            name: name.to_string(),
            label: port_label(name),
            side: PortSide::Export,
            state: PortState::Ok,
            count: 1,
        });
    }
    ports
}

fn import_state(id: &str, import: &str, report: &PlugReport) -> PortState {
    if let Some(p) = report
        .plugs
        .iter()
        .find(|p| p.plug.consumer == id && p.plug.import == import)
    {
        return if p.ok {
            PortState::Ok
        } else {
            PortState::Broken
        };
    }
    match report
        .open
        .iter()
        .find(|o| o.component == id && o.import == import)
        .map(|o| &o.reason)
    {
        Some(OpenReason::Host) => PortState::Host,
        _ => PortState::Open,
    }
}

/// `neon:kv-store/store@1.0.0` → `neon:kv-store/store`; cut to fit a box.
pub fn port_label(name: &str) -> String {
    let base = unversioned_interface_name(name);
    let max = usize::from(MAX_NODE_WIDTH) - 6;
    if base.chars().count() <= max {
        return base.to_string();
    }
    let short = short_interface_name(name);
    let keep = max.saturating_sub(short.chars().count() + 1);
    let head: String = base.chars().take(keep).collect();
    format!("{head}…{short}")
}

/// Lays out the workspace. Saved positions win; other nodes go where the layering puts them,
/// moved down until they overlap nothing, so adding a node never moves the others.
pub fn layout(
    ws: &Workspace,
    report: &PlugReport,
    saved: &IndexMap<String, Position>,
) -> GraphLayout {
    let ids: Vec<&str> = ws.components.keys().map(String::as_str).collect();
    let layer = layers(ws, &ids);
    let order = order_in_layers(ws, &ids, &layer);

    let mut nodes: Vec<NodeBox> = ids
        .iter()
        .map(|id| {
            let c = &ws.components[*id];
            let ports = ports_of(id, c, report);
            let note =
                (c.kind == crate::model::Kind::CoreModule).then(|| "core module".to_string());
            sized_node(id, ports, note)
        })
        .collect();
    nodes.push(host_node(report));

    // Column x per layer from the widest box in it.
    let max_layer = layer.values().copied().max().unwrap_or(0);
    let mut col_x = vec![1i32; max_layer + 1];
    for l in 1..=max_layer {
        let widest = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| layer[**id] == l - 1)
            .map(|(i, _)| i32::from(nodes[i].w))
            .max()
            .unwrap_or(0);
        col_x[l] = col_x[l - 1] + widest + LAYER_GAP;
    }

    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    let mut auto: Vec<usize> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match saved.get(*id) {
            Some(p) => {
                nodes[i].x = p.x;
                nodes[i].y = p.y;
                placed.push(rect(&nodes[i]));
            }
            None => auto.push(i),
        }
    }
    for (l, &x) in col_x.iter().enumerate() {
        let mut y = 1;
        for id in order.iter().filter(|id| layer[id.as_str()] == l) {
            let i = ids.iter().position(|x| x == id).unwrap_or(0);
            if !auto.contains(&i) {
                continue;
            }
            nodes[i].x = x;
            nodes[i].y = free_y(&placed, x, y, &nodes[i]);
            placed.push(rect(&nodes[i]));
            y = nodes[i].y + i32::from(nodes[i].h) + 1;
        }
    }
    // The host sits under the first column, below everything there.
    let host = nodes.len() - 1;
    let bottom = placed
        .iter()
        .filter(|r| r.0 < col_x[0] + i32::from(MAX_NODE_WIDTH))
        .map(|r| r.3)
        .max()
        .unwrap_or(0);
    nodes[host].x = 1;
    nodes[host].y = bottom + 1;

    let by_id: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.clone(), i))
        .collect();
    let edges = edges(ws, report, &nodes, &by_id);
    let width = nodes
        .iter()
        .map(|n| n.x + i32::from(n.w))
        .max()
        .unwrap_or(0)
        + 1;
    let height = nodes
        .iter()
        .map(|n| n.y + i32::from(n.h))
        .max()
        .unwrap_or(0)
        + 1;
    GraphLayout {
        nodes,
        edges,
        width,
        height,
        by_id,
    }
}

fn sized_node(id: &str, ports: Vec<Port>, note: Option<String>) -> NodeBox {
    let widest_port = ports
        .iter()
        .map(|p| p.label.chars().count() + 4)
        .max()
        .unwrap_or(0);
    let title = id.chars().count() + 6;
    let w = widest_port
        .max(title)
        .max(16)
        .min(usize::from(MAX_NODE_WIDTH)) as u16;
    let rows = ports.len().max(1) + usize::from(note.is_some());
    NodeBox {
        id: id.to_string(),
        x: 0,
        y: 0,
        w,
        h: rows as u16 + 2,
        ports,
        note,
    }
}

fn host_node(report: &PlugReport) -> NodeBox {
    let mut groups: IndexMap<String, usize> = IndexMap::new();
    let mut missing = Vec::new();
    for o in &report.open {
        match o.reason {
            OpenReason::Host => {
                let pkg = o.import.split('/').next().unwrap_or(&o.import).to_string();
                *groups.entry(pkg).or_default() += 1;
            }
            _ if o.blocks_completion() => missing.push(o),
            _ => {}
        }
    }
    let mut ports: Vec<Port> = groups
        .into_iter()
        .map(|(pkg, n)| Port {
            name: format!("{pkg}/*"),
            label: format!("{pkg}/* ({n})"),
            side: PortSide::Export,
            state: PortState::Host,
            count: n,
        })
        .collect();
    for o in missing {
        ports.push(Port {
            name: o.import.clone(),
            label: format!("⚠ {}", port_label(&o.import)),
            side: PortSide::Export,
            state: PortState::Open,
            count: 1,
        });
    }
    sized_node(HOST_ID, ports, None)
}

fn rect(n: &NodeBox) -> (i32, i32, i32, i32) {
    (n.x, n.y, n.x + i32::from(n.w), n.y + i32::from(n.h))
}

fn free_y(placed: &[(i32, i32, i32, i32)], x: i32, mut y: i32, n: &NodeBox) -> i32 {
    let (w, h) = (i32::from(n.w), i32::from(n.h));
    // Bounded: each overlap moves the box below that obstacle, at most once per obstacle.
    for _ in 0..=placed.len() {
        let hit = placed
            .iter()
            .find(|r| x < r.2 && x + w > r.0 && y < r.3 + 1 && y + h + 1 > r.1);
        match hit {
            Some(r) => y = r.3 + 1,
            None => break,
        }
    }
    y
}

/// Longest path from a source: providers (no plugged imports) are layer 0.
fn layers(ws: &Workspace, ids: &[&str]) -> HashMap<String, usize> {
    let mut layer: HashMap<String, usize> = ids.iter().map(|id| (id.to_string(), 0)).collect();
    // Relaxation bounded by the node count; plugs never form cycles, but stay safe if they do.
    for _ in 0..ids.len() {
        let mut changed = false;
        for p in &ws.plugs {
            let (Some(&lp), Some(&lc)) = (layer.get(&p.provider), layer.get(&p.consumer)) else {
                continue;
            };
            if lc <= lp && lp + 1 < ids.len() {
                layer.insert(p.consumer.clone(), lp + 1);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

/// Orders nodes inside each layer by the mean position of their providers (barycenter),
/// which keeps most edges from crossing.
fn order_in_layers(ws: &Workspace, ids: &[&str], layer: &HashMap<String, usize>) -> Vec<String> {
    let max_layer = layer.values().copied().max().unwrap_or(0);
    let mut rank: HashMap<String, f64> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for l in 0..=max_layer {
        let mut in_layer: Vec<(f64, usize, &str)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| layer[**id] == l)
            .map(|(i, id)| {
                let providers: Vec<f64> = ws
                    .plugs
                    .iter()
                    .filter(|p| p.consumer == *id)
                    .filter_map(|p| rank.get(&p.provider).copied())
                    .collect();
                let bary = if providers.is_empty() {
                    i as f64
                } else {
                    providers.iter().sum::<f64>() / providers.len() as f64
                };
                (bary, i, *id)
            })
            .collect();
        in_layer.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (pos, (_, _, id)) in in_layer.iter().enumerate() {
            rank.insert(id.to_string(), pos as f64);
            order.push(id.to_string());
        }
    }
    order
}

fn edges(
    ws: &Workspace,
    report: &PlugReport,
    nodes: &[NodeBox],
    by_id: &HashMap<String, usize>,
) -> Vec<Edge> {
    let mut out = Vec::new();
    let mut per_gap: HashMap<i32, i32> = HashMap::new();
    for p in &ws.plugs {
        let (Some(&pi), Some(&ci)) = (by_id.get(&p.provider), by_id.get(&p.consumer)) else {
            continue;
        };
        let Some(ep) = nodes[pi]
            .ports
            .iter()
            .position(|x| x.side == PortSide::Export && x.name == p.export)
        else {
            continue;
        };
        let Some(ip) = nodes[ci]
            .ports
            .iter()
            .position(|x| x.side == PortSide::Import && x.name == p.import)
        else {
            continue;
        };
        let ok = report
            .plugs
            .iter()
            .find(|s| s.plug == *p)
            .map(|s| s.ok)
            .unwrap_or(true);
        let start = channel_start(nodes, pi, (nodes[pi].port_row(ep), nodes[ci].port_row(ip)));
        let end = nodes[ci].x - 1;
        let n = per_gap.entry(start).or_insert(0);
        let span = (end - start - 2).max(1);
        let channel = start + 1 + (*n % span);
        *n += 1;
        out.push(Edge {
            from: (pi, ep),
            to: (ci, ip),
            ok,
            channel,
        });
    }
    out
}

/// The column after which an edge from node `from` may run vertically between rows `ys`:
/// right of the provider and of every box that would otherwise cover that run (a wider
/// neighbour in the same layer), so an edge never passes under a box it does not touch.
fn channel_start(nodes: &[NodeBox], from: usize, ys: (i32, i32)) -> i32 {
    let (top, bottom) = (ys.0.min(ys.1), ys.0.max(ys.1));
    let mut start = nodes[from].x + i32::from(nodes[from].w);
    // Each step moves right past one box, so this ends within `nodes.len()` steps.
    for _ in 0..nodes.len() {
        let column = start + 1;
        let blocker = nodes
            .iter()
            .filter(|n| {
                n.x <= column
                    && n.x + i32::from(n.w) > column
                    && n.y <= bottom
                    && n.y + i32::from(n.h) > top
            })
            .map(|n| n.x + i32::from(n.w))
            .max();
        match blocker {
            Some(right) if right > start => start = right,
            _ => break,
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::synth::component_from_wit;

    fn comp(wit: &str, deps: &[&str]) -> Component {
        Component::from_bytes("c", component_from_wit(wit, deps, None).unwrap()).unwrap()
    }

    const KV: &str = "package t:kv; interface store { get: func(k: string) -> string; } world w { export store; }";
    const PROC: &str = "package t:proc; interface run { go: func() -> string; } world w { import t:kv/store; export run; }";
    const GW: &str =
        "package t:gw; world w { import t:proc/run; import wasi:x/y; export serve: func(); }";
    const WASI: &str = "package wasi:x; interface y { f: func(); }";

    fn demo() -> Workspace {
        let mut ws = Workspace::new();
        ws.insert_component("gw", comp(GW, &[KV, PROC, WASI]));
        ws.insert_component("proc", comp(PROC, &[KV]));
        ws.insert_component("kv", comp(KV, &[]));
        ws.auto_plug();
        ws
    }

    #[test]
    fn providers_sit_left_of_consumers() {
        let ws = demo();
        let g = layout(&ws, &ws.status(), &IndexMap::new());
        let x = |id: &str| g.node(id).unwrap().x;
        assert!(x("kv") < x("proc"), "{g:#?}");
        assert!(x("proc") < x("gw"));
        assert_eq!(g.edges.len(), 2);
        assert!(g.edges.iter().all(|e| e.ok));
        let host = g.node(HOST_ID).unwrap();
        assert_eq!(host.ports.len(), 1, "{:?}", host.ports);
    }

    #[test]
    fn adding_a_node_keeps_the_others_in_place() {
        let mut ws = demo();
        let g1 = layout(&ws, &ws.status(), &IndexMap::new());
        let saved = g1.positions();
        ws.insert_component("kv2", comp(KV, &[]));
        let g2 = layout(&ws, &ws.status(), &saved);
        for id in ["gw", "proc", "kv"] {
            let (a, b) = (g1.node(id).unwrap(), g2.node(id).unwrap());
            assert_eq!((a.x, a.y), (b.x, b.y), "{id} moved");
        }
        let new = g2.node("kv2").unwrap();
        for n in g2.nodes.iter().filter(|n| n.id != "kv2" && n.id != HOST_ID) {
            let overlap = new.x < n.x + i32::from(n.w)
                && new.x + i32::from(new.w) > n.x
                && new.y < n.y + i32::from(n.h)
                && new.y + i32::from(new.h) > n.y;
            assert!(!overlap, "kv2 overlaps {}", n.id);
        }
    }

    #[test]
    fn edges_never_run_under_a_box_they_do_not_touch() {
        // Seen in the TUI: an unrelated, wider box in the provider's layer sat across the
        // edge's vertical run, so the edge seemed to come out of that box.
        let wide = "package t:wide; interface a-very-long-interface-name-indeed { f: func(); } world w { export a-very-long-interface-name-indeed; }";
        let mut ws = Workspace::new();
        ws.insert_component("wide", comp(wide, &[]));
        ws.insert_component("proc", comp(PROC, &[KV]));
        ws.insert_component("kv", comp(KV, &[]));
        ws.auto_plug();
        let mut saved = IndexMap::new();
        saved.insert("wide".to_string(), Position { x: 1, y: 1 });
        saved.insert("kv".to_string(), Position { x: 1, y: 8 });
        saved.insert("proc".to_string(), Position { x: 60, y: 1 });
        let g = layout(&ws, &ws.status(), &saved);
        let (wide, kv) = (g.node("wide").unwrap(), g.node("kv").unwrap());
        assert!(wide.w > kv.w, "the test needs the wider box: {g:#?}");
        let e = &g.edges[0];
        assert_eq!(g.nodes[e.from.0].id, "kv");
        assert!(
            e.channel >= wide.x + i32::from(wide.w),
            "channel {} runs under `wide` (right edge {})",
            e.channel,
            wide.x + i32::from(wide.w)
        );
    }

    #[test]
    fn long_names_are_shortened() {
        let l = port_label("averyveryverylongnamespace:averyverylongpackage/the-interface@1.2.3");
        assert!(l.chars().count() <= usize::from(MAX_NODE_WIDTH) - 6, "{l}");
        assert!(l.ends_with("the-interface"), "{l}");
    }
}
