//! Matching imports to exports (as `wac plug` does), candidates, auto-plug and the status report.

use serde::Serialize;

use super::typecheck::PlugCheckError;
use super::{Plug, Workspace};
use crate::model::{Component, Mismatch, WorldItemInfo};

/// Names of the pluggable items (interfaces and functions) of an import or export list.
pub fn port_names(items: &[WorldItemInfo]) -> impl Iterator<Item = &str> {
    items
        .iter()
        .filter(|i| !matches!(i, WorldItemInfo::Type(_)))
        .map(WorldItemInfo::name)
}

/// The export of `provider` that `wac plug` would use for `import`: the same name, else a
/// semver-compatible one (`a:b/c@1.2.0` for `a:b/c@1.0.0`).
pub fn matching_export(provider: &Component, import: &str) -> Option<String> {
    if port_names(&provider.exports).any(|e| e == import) {
        return Some(import.to_string());
    }
    port_names(&provider.exports)
        .find(|e| wac_types::are_semver_compatible(e, import))
        .map(str::to_string)
}

/// A component that could satisfy an import, with the verdict of the type check.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub provider: String,
    pub export: String,
    /// True when the export's type satisfies the import.
    pub compatible: bool,
    /// Why not, in one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The differences in WIT terms, when the types differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
}

impl Candidate {
    fn new(provider: &str, export: String, verdict: Result<(), PlugCheckError>) -> Self {
        let (problem, mismatches) = match verdict {
            Ok(()) => (None, Vec::new()),
            Err(PlugCheckError::Incompatible(m)) => (Some(m.to_string()), m.mismatches),
            Err(e) => (Some(e.to_string()), Vec::new()),
        };
        Candidate {
            provider: provider.to_string(),
            export,
            compatible: problem.is_none(),
            problem,
            mismatches,
        }
    }
}

/// Why an import is not plugged.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum OpenReason {
    /// No component exports it and it is a WASI interface: the host provides it.
    Host,
    /// No component exports it and the host does not provide it.
    Missing,
    /// Several components export it; pick one by hand.
    Ambiguous { candidates: Vec<Candidate> },
    /// The only component that exports it has an incompatible type.
    Mismatch { candidate: Candidate },
    /// The only provider depends on this component already; plugging would close this cycle.
    Cycle { provider: String, path: Vec<String> },
    /// One compatible provider exists but the import was left open (by hand or by a `.wac`).
    Unplugged { provider: String, export: String },
}

/// An import of a component that no plug satisfies.
#[derive(Debug, Clone, Serialize)]
pub struct OpenImport {
    pub component: String,
    pub import: String,
    #[serde(flatten)]
    pub reason: OpenReason,
}

impl OpenImport {
    /// True unless the import is a WASI one, which the host satisfies in a composition's place.
    pub fn blocks_completion(&self) -> bool {
        !self.import.starts_with("wasi:")
    }

    /// One line for humans: what is open, why, and what to do.
    pub fn message(&self) -> String {
        let head = format!("`{}` import `{}`", self.component, self.import);
        match &self.reason {
            OpenReason::Host => format!("{head} is left to the host (WASI)"),
            OpenReason::Missing => {
                format!("{head} is not satisfied — load a component that exports it and plug it")
            }
            OpenReason::Ambiguous { candidates } => format!(
                "{head} has {} possible providers ({}) — plug one by hand",
                candidates.len(),
                candidates
                    .iter()
                    .map(|c| format!("`{}`", c.provider))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            OpenReason::Mismatch { candidate } => candidate
                .problem
                .clone()
                .unwrap_or_else(|| format!("{head} does not fit `{}`", candidate.provider)),
            OpenReason::Cycle { provider, path } => format!(
                "{head} could come from `{provider}`, but that would create a cycle {}",
                super::error::cycle_text(path)
            ),
            OpenReason::Unplugged { provider, export } => {
                format!("{head} is not plugged; `{provider}` exports a compatible `{export}`")
            }
        }
    }
}

/// A plug and whether it still checks.
#[derive(Debug, Clone, Serialize)]
pub struct PlugStatus {
    #[serde(flatten)]
    pub plug: Plug,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
}

/// The state of the wiring: plugs with their checks, open imports, what was skipped.
#[derive(Debug, Clone, Serialize)]
pub struct PlugReport {
    pub plugs: Vec<PlugStatus>,
    pub open: Vec<OpenImport>,
    /// Components that cannot be composed (core modules, WIT-only packages).
    pub not_composable: Vec<String>,
    pub warnings: Vec<super::LoadWarning>,
    /// A cycle among the plugs, if a loaded file contained one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<Vec<String>>,
}

impl PlugReport {
    /// True when every plug checks, there is no cycle and only WASI imports are left open.
    pub fn is_complete(&self) -> bool {
        self.cycle.is_none()
            && self.plugs.iter().all(|p| p.ok)
            && self.open.iter().all(|o| !o.blocks_completion())
    }
}

impl Workspace {
    /// Every other composable component that exports something matching `import`, checked.
    pub fn candidates(&self, consumer: &str, import: &str) -> Vec<Candidate> {
        self.candidate_names(consumer, import)
            .into_iter()
            .map(|(provider, export)| {
                let plug = Plug {
                    consumer: consumer.into(),
                    import: import.into(),
                    provider: provider.clone(),
                    export: export.clone(),
                };
                Candidate::new(&provider, export, self.check_plug(&plug))
            })
            .collect()
    }

    /// Providers matching `import` by name only (no type check), as (provider, export).
    fn candidate_names(&self, consumer: &str, import: &str) -> Vec<(String, String)> {
        self.components
            .iter()
            .filter(|(id, _)| id.as_str() != consumer && self.is_composable(id))
            .filter_map(|(id, c)| matching_export(c, import).map(|e| (id.clone(), e)))
            .collect()
    }

    /// Imports of composable components not satisfied by any plug, as (component, import).
    pub fn unplugged_imports(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (id, c) in &self.components {
            if !self.is_composable(id) {
                continue;
            }
            for import in port_names(&c.imports) {
                if self.plug_for(id, import).is_none() {
                    out.push((id.clone(), import.to_string()));
                }
            }
        }
        out
    }

    /// Plugs every open import that exactly one other component exports (by name, as
    /// `wac plug` matches) when the types fit and no cycle results; returns the plugs made.
    pub fn auto_plug(&mut self) -> Vec<Plug> {
        let mut made = Vec::new();
        for (consumer, import) in self.unplugged_imports() {
            let names = self.candidate_names(&consumer, &import);
            let [(provider, export)] = names.as_slice() else {
                continue;
            };
            let plug = Plug {
                consumer,
                import,
                provider: provider.clone(),
                export: export.clone(),
            };
            if self.plug(plug.clone()).is_ok() {
                made.push(plug);
            }
        }
        made
    }

    /// Why one unplugged import is open.
    pub fn open_reason(&self, consumer: &str, import: &str) -> OpenReason {
        let mut candidates = self.candidates(consumer, import);
        match candidates.len() {
            0 if import.starts_with("wasi:") => OpenReason::Host,
            0 => OpenReason::Missing,
            1 => {
                let c = candidates.remove(0);
                if !c.compatible {
                    return OpenReason::Mismatch { candidate: c };
                }
                let plug = Plug {
                    consumer: consumer.into(),
                    import: import.into(),
                    provider: c.provider.clone(),
                    export: c.export.clone(),
                };
                match self.cycle_through(&plug) {
                    Some(path) => OpenReason::Cycle {
                        provider: c.provider,
                        path,
                    },
                    None => OpenReason::Unplugged {
                        provider: c.provider,
                        export: c.export,
                    },
                }
            }
            _ => OpenReason::Ambiguous { candidates },
        }
    }

    /// The full report: every plug re-checked, every open import with its reason.
    pub fn status(&self) -> PlugReport {
        let plugs = self
            .plugs
            .iter()
            .map(|p| {
                let (problem, mismatches) = match self.check_plug(p) {
                    Ok(()) => (None, Vec::new()),
                    Err(PlugCheckError::Incompatible(m)) => (Some(m.to_string()), m.mismatches),
                    Err(e) => (Some(e.to_string()), Vec::new()),
                };
                PlugStatus {
                    plug: p.clone(),
                    ok: problem.is_none(),
                    problem,
                    mismatches,
                }
            })
            .collect();
        let open = self
            .unplugged_imports()
            .into_iter()
            .map(|(component, import)| {
                let reason = self.open_reason(&component, &import);
                OpenImport {
                    component,
                    import,
                    reason,
                }
            })
            .collect();
        PlugReport {
            plugs,
            open,
            not_composable: self
                .components
                .keys()
                .filter(|id| !self.is_composable(id))
                .cloned()
                .collect(),
            warnings: self.warnings.clone(),
            cycle: self.instantiation_order().err(),
        }
    }
}
