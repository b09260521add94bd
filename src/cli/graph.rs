//! `wirebench graph PATH... [--format dot|mermaid|json]`: the wiring as a graph.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::output::print_json;
use crate::util::sanitize::sanitize;
use crate::workspace::diagram::Diagram;
use crate::workspace::Workspace;

/// Output formats of `wirebench graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// Mermaid `flowchart LR` (renders in Markdown on GitHub).
    Mermaid,
    /// JSON (documented in docs/json-compose.md).
    Json,
}

/// Arguments of `wirebench graph`.
#[derive(Debug, Args)]
pub struct GraphCommand {
    /// `.wasm` files, folders of them, one `.wac` or one `wirebench.toml`; without saved plugs,
    /// every import exactly one component exports is plugged automatically.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: nodes with their ports, plugs, host and missing imports, candidates.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

impl GraphCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let ws = Workspace::open(&self.paths).context("failed to open the workspace")?;
        for w in &ws.warnings {
            eprintln!("warning: {}", crate::util::sanitize::one_line(&w.message));
        }
        let diagram = Diagram::of(&ws);
        match self.format {
            GraphFormat::Json => print_json(&diagram)?,
            GraphFormat::Dot => print!("{}", sanitize(&diagram.to_dot())),
            GraphFormat::Mermaid => print!("{}", sanitize(&diagram.to_mermaid())),
        }
        Ok(ExitCode::SUCCESS)
    }
}
