//! The wiring as a graph for export: nodes with ports, plugs, open imports with candidates;
//! rendered as JSON (serde), Graphviz DOT or Mermaid.

use std::fmt::Write as _;

use serde::Serialize;

use super::report::{port_names, OpenImport, OpenReason, PlugReport, PlugStatus};
use super::Workspace;

/// Id of the node standing for the host (WASI and other imports left open).
pub const HOST_NODE: &str = "host";

/// A component (or the host) with its ports.
#[derive(Debug, Clone, Serialize)]
pub struct DiagramNode {
    pub id: String,
    /// `component`, `core-module` or `host`.
    pub kind: &'static str,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

/// Everything `wirebench graph` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Diagram {
    pub nodes: Vec<DiagramNode>,
    pub plugs: Vec<PlugStatus>,
    /// Unplugged imports, each with its reason and candidates.
    pub open: Vec<OpenImport>,
    pub complete: bool,
}

impl Diagram {
    /// Builds the diagram of a workspace from its status report.
    pub fn of(ws: &Workspace) -> Self {
        Self::from_report(ws, ws.status())
    }

    /// Builds the diagram from an already computed report.
    pub fn from_report(ws: &Workspace, report: PlugReport) -> Self {
        let mut nodes: Vec<DiagramNode> = ws
            .components
            .iter()
            .map(|(id, c)| DiagramNode {
                id: id.clone(),
                kind: if ws.is_composable(id) {
                    "component"
                } else {
                    "core-module"
                },
                imports: port_names(&c.imports).map(str::to_string).collect(),
                exports: port_names(&c.exports).map(str::to_string).collect(),
            })
            .collect();
        let mut host: Vec<String> = report
            .open
            .iter()
            .filter(|o| matches!(o.reason, OpenReason::Host))
            .map(|o| o.import.clone())
            .collect();
        host.sort();
        host.dedup();
        if !host.is_empty() {
            nodes.push(DiagramNode {
                id: HOST_NODE.into(),
                kind: "host",
                imports: Vec::new(),
                exports: host,
            });
        }
        Diagram {
            complete: report.is_complete(),
            nodes,
            plugs: report.plugs,
            open: report.open,
        }
    }

    fn is_host_import(&self, component: &str, import: &str) -> bool {
        self.open.iter().any(|o| {
            o.component == component && o.import == import && matches!(o.reason, OpenReason::Host)
        })
    }

    /// Host-satisfied imports per component, in component order.
    fn host_counts(&self) -> Vec<(&str, usize)> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for o in self
            .open
            .iter()
            .filter(|o| matches!(o.reason, OpenReason::Host))
        {
            match counts.iter_mut().find(|(c, _)| *c == o.component) {
                Some((_, n)) => *n += 1,
                None => counts.push((&o.component, 1)),
            }
        }
        counts
    }

    /// Mermaid node ids by position (`n0`, `n1`, …): safe characters, never a reserved word.
    fn mermaid_id(&self, id: &str) -> String {
        match self.nodes.iter().position(|n| n.id == id) {
            Some(i) => format!("n{i}"),
            None => "missing".into(),
        }
    }

    fn port(&self, node: &str, name: &str, export: bool) -> Option<String> {
        let n = self.nodes.iter().find(|n| n.id == node)?;
        let list = if export { &n.exports } else { &n.imports };
        let i = list.iter().position(|p| p == name)?;
        Some(format!("{}{i}", if export { "e" } else { "i" }))
    }

    /// Graphviz DOT: components as tables of ports, plugs as solid edges, host imports dashed,
    /// missing imports from a red `missing` node, candidates dotted.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph wirebench {\n  rankdir=LR;\n  node [shape=plain, fontname=\"monospace\"];\n  edge [fontname=\"monospace\", fontsize=10];\n",
        );
        for n in &self.nodes {
            let _ = write!(
                out,
                "  {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">\n    <tr><td{}><b>{}</b></td></tr>\n",
                dot_id(&n.id),
                if n.kind == "host" { " bgcolor=\"lightgrey\"" } else { "" },
                html(&if n.kind == "host" { "host (WASI)".into() } else { n.id.clone() })
            );
            for (i, p) in n.imports.iter().enumerate() {
                if !self.is_host_import(&n.id, p) {
                    let _ = writeln!(
                        out,
                        "    <tr><td port=\"i{i}\" align=\"left\">▶ {}</td></tr>",
                        html(p)
                    );
                }
            }
            if let Some((_, count)) = self.host_counts().into_iter().find(|(c, _)| *c == n.id) {
                let _ = writeln!(
                    out,
                    "    <tr><td port=\"wasi\" align=\"left\">▶ {count} WASI imports</td></tr>"
                );
            }
            if n.kind != "host" {
                for (i, p) in n.exports.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "    <tr><td port=\"e{i}\" align=\"right\">{} ●</td></tr>",
                        html(p)
                    );
                }
            }
            out.push_str("  </table>>];\n");
        }
        let edge = |out: &mut String,
                    from: (&str, Option<String>),
                    to: (&str, Option<String>),
                    attrs: &str| {
            let end = |(n, p): (&str, Option<String>), side: &str| match p {
                Some(p) => format!("{}:{p}:{side}", dot_id(n)),
                None => dot_id(n),
            };
            let _ = writeln!(out, "  {} -> {} [{attrs}];", end(from, "e"), end(to, "w"));
        };
        for p in &self.plugs {
            let style = if p.ok {
                "color=\"black\""
            } else {
                "color=\"red\", label=\"mismatch\""
            };
            edge(
                &mut out,
                (
                    &p.plug.provider,
                    self.port(&p.plug.provider, &p.plug.export, true),
                ),
                (
                    &p.plug.consumer,
                    self.port(&p.plug.consumer, &p.plug.import, false),
                ),
                style,
            );
        }
        let mut missing = false;
        for o in &self.open {
            let to = (
                o.component.as_str(),
                self.port(&o.component, &o.import, false),
            );
            match &o.reason {
                // Counted per component below: dozens of WASI edges would bury the plugs.
                OpenReason::Host => {}
                OpenReason::Missing => {
                    missing = true;
                    edge(
                        &mut out,
                        ("missing", None),
                        to,
                        "style=dashed, color=\"red\"",
                    );
                }
                OpenReason::Ambiguous { candidates } => {
                    for c in candidates {
                        let from = (c.provider.as_str(), self.port(&c.provider, &c.export, true));
                        edge(
                            &mut out,
                            from,
                            to.clone(),
                            "style=dotted, label=\"candidate\"",
                        );
                    }
                }
                OpenReason::Mismatch { candidate: c } => {
                    let from = (c.provider.as_str(), self.port(&c.provider, &c.export, true));
                    edge(
                        &mut out,
                        from,
                        to,
                        "style=dotted, color=\"red\", label=\"mismatch\"",
                    );
                }
                OpenReason::Cycle { provider, .. } | OpenReason::Unplugged { provider, .. } => {
                    edge(
                        &mut out,
                        (provider.as_str(), None),
                        to,
                        "style=dotted, label=\"candidate\"",
                    );
                }
            }
        }
        for (component, _) in self.host_counts() {
            let to = (component, Some("wasi".to_string()));
            edge(
                &mut out,
                (HOST_NODE, None),
                to,
                "style=dashed, color=\"grey\"",
            );
        }
        if missing {
            out.push_str(
                "  \"missing\" [shape=box, color=\"red\", fontcolor=\"red\", label=\"missing\"];\n",
            );
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid `flowchart LR`: one box per component, one edge per plug (labelled with the
    /// interface), host and missing imports dotted.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for n in &self.nodes {
            let label = if n.kind == "host" {
                "host (WASI)".to_string()
            } else {
                n.id.clone()
            };
            let _ = match n.kind {
                "host" => writeln!(
                    out,
                    "  {}[(\"{}\")]",
                    self.mermaid_id(&n.id),
                    mermaid_text(&label)
                ),
                _ => writeln!(
                    out,
                    "  {}[\"{}\"]",
                    self.mermaid_id(&n.id),
                    mermaid_text(&label)
                ),
            };
        }
        for p in &self.plugs {
            let arrow = if p.ok { "-->" } else { "-.->" };
            let label = if p.ok {
                p.plug.import.clone()
            } else {
                format!("mismatch: {}", p.plug.import)
            };
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                self.mermaid_id(&p.plug.provider),
                mermaid_text(&label),
                self.mermaid_id(&p.plug.consumer)
            );
        }
        let mut missing = false;
        for o in &self.open {
            let (from, label) = match &o.reason {
                OpenReason::Host => continue,
                OpenReason::Missing => {
                    missing = true;
                    ("missing".to_string(), o.import.clone())
                }
                OpenReason::Ambiguous { candidates } => {
                    for c in candidates {
                        let _ = writeln!(
                            out,
                            "  {} -.->|\"candidate: {}\"| {}",
                            self.mermaid_id(&c.provider),
                            mermaid_text(&o.import),
                            self.mermaid_id(&o.component)
                        );
                    }
                    continue;
                }
                OpenReason::Mismatch { candidate } => (
                    candidate.provider.clone(),
                    format!("mismatch: {}", o.import),
                ),
                OpenReason::Cycle { provider, .. } | OpenReason::Unplugged { provider, .. } => {
                    (provider.clone(), format!("candidate: {}", o.import))
                }
            };
            let _ = writeln!(
                out,
                "  {} -.->|\"{}\"| {}",
                self.mermaid_id(&from),
                mermaid_text(&label),
                self.mermaid_id(&o.component)
            );
        }
        for (component, count) in self.host_counts() {
            let _ = writeln!(
                out,
                "  {} -.->|\"{count} WASI imports\"| {}",
                self.mermaid_id(HOST_NODE),
                self.mermaid_id(component)
            );
        }
        if missing {
            out.push_str("  missing{{\"missing\"}}\n");
        }
        out
    }
}

fn dot_id(id: &str) -> String {
    format!("\"{}\"", id.replace('\\', "\\\\").replace('"', "\\\""))
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}
