//! `wirebench adapt IN.wasm -o OUT.wasm`: turn a WASI preview 1 core module into a component
//! with the preview-1 adapter (command or reactor, from the module's kind).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use crate::adapt::{adapt, AdapterKind};
use crate::util::fsio::{read_wasm_file, write_output};

/// Arguments of `wirebench adapt`.
#[derive(Debug, Args)]
pub struct AdaptCommand {
    /// A core module built for WASI preview 1 (e.g. `--target wasm32-wasip1`).
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// Where to write the component.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Adapter to use instead of the automatic choice (`_start` → command, else reactor).
    #[arg(long, value_enum)]
    pub adapter: Option<AdapterKind>,
    /// Print a JSON summary instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct AdaptSummary<'a> {
    input: &'a PathBuf,
    output: &'a PathBuf,
    adapter: AdapterKind,
    size: usize,
    exports: Vec<String>,
    imports: Vec<String>,
}

impl AdaptCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let bytes = read_wasm_file(&self.input)
            .with_context(|| format!("failed to read `{}`", self.input.display()))?;
        let name = self
            .input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.input.display().to_string());
        let adapted = adapt(&name, &bytes, self.adapter)?;
        write_output(&self.output, &adapted.bytes)
            .with_context(|| format!("failed to write `{}`", self.output.display()))?;
        let model = crate::model::Component::from_bytes(&name, adapted.bytes.clone())
            .context("the adapted component could not be decoded")?;
        let names = |items: &[crate::model::WorldItemInfo]| {
            items
                .iter()
                .map(|i| i.name().to_string())
                .collect::<Vec<_>>()
        };
        let summary = AdaptSummary {
            input: &self.input,
            output: &self.output,
            adapter: adapted.adapter,
            size: adapted.bytes.len(),
            exports: names(&model.exports),
            imports: names(&model.imports),
        };
        if self.json {
            print_json(&summary)?;
        } else {
            let adapter = serde_json::to_value(summary.adapter)?;
            println!(
                "wrote `{}` ({} bytes) with the {} adapter",
                self.output.display(),
                summary.size,
                adapter.as_str().unwrap_or("preview-1")
            );
            println!("  exports: {}", summary.exports.join(", "));
            println!("  imports: {} WASI", summary.imports.len());
        }
        Ok(ExitCode::SUCCESS)
    }
}
