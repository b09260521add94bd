//! `wirebench export TARGET --spin DIR | --wadm FILE`: write a Spin app or a wasmCloud
//! manifest for a composed HTTP service, granting only the workspace's capabilities.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::output::print_json;
use crate::export::{write_spin_app, write_wadm_manifest, ExportInput, ExportReport};
use crate::util::sanitize::one_line;

/// Arguments of `wirebench export`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("platform").required(true).multiple(true).args(["spin", "wadm"])))]
pub struct ExportCommand {
    /// A component `.wasm` exporting wasi:http/incoming-handler, a `.wac`, or a workspace folder.
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,
    /// Write a Spin app here: `spin.toml` + the composed component (`spin up` in DIR).
    #[arg(long, value_name = "DIR")]
    pub spin: Option<PathBuf>,
    /// Write a wasmCloud application manifest here, the component beside it.
    #[arg(long, value_name = "FILE")]
    pub wadm: Option<PathBuf>,
    /// Print a JSON array of what was written instead of text.
    #[arg(long)]
    pub json: bool,
}

impl ExportCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let input = ExportInput::load(&self.target)
            .with_context(|| format!("cannot export `{}`", self.target.display()))?;
        let mut reports: Vec<(&str, ExportReport)> = Vec::new();
        if let Some(dir) = &self.spin {
            reports.push(("spin", write_spin_app(&input, dir)?));
        }
        if let Some(file) = &self.wadm {
            reports.push(("wadm", write_wadm_manifest(&input, file)?));
        }
        if self.json {
            let list: Vec<serde_json::Value> = reports
                .iter()
                .map(|(platform, r)| {
                    serde_json::json!({
                        "platform": platform,
                        "manifest": r.manifest,
                        "component": r.component,
                        "notes": r.notes,
                    })
                })
                .collect();
            print_json(&list)?;
        } else {
            for (platform, r) in &reports {
                println!(
                    "wrote {platform}: `{}` + `{}` ({} bytes)",
                    r.manifest.display(),
                    r.component.display(),
                    input.bytes.len()
                );
                for n in &r.notes {
                    println!("  note: {}", one_line(n));
                }
            }
            println!("deploying: see docs/deploy.md");
        }
        Ok(ExitCode::SUCCESS)
    }
}
