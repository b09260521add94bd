//! `wirebench plug SOCKET --plug PLUG... -o OUT`: `wac plug`, including chains of plugs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use crate::compose::{encode_workspace_once, plug_workspace, ComposeError, EncodeOptions};
use crate::model::ports::top_level_ports;
use crate::model::Component;
use crate::util::fsio::write_output;
use crate::util::sanitize::sanitize;
use crate::workspace::Plug;

/// Arguments of `wirebench plug`.
#[derive(Debug, Args)]
pub struct PlugCommand {
    /// The socket component: its imports are satisfied by the plugs' exports, and its exports
    /// become the composed component's exports.
    #[arg(value_name = "SOCKET")]
    pub socket: PathBuf,
    /// A plug component. Its exports satisfy matching imports (same interface name, or a
    /// semver-compatible version) of the socket or of another plug in use, so chains work.
    /// Repeat for several plugs; each must plug something.
    #[arg(long = "plug", value_name = "PLUG", required = true)]
    pub plugs: Vec<PathBuf>,
    /// Where to write the composed component; written only after it validates.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Print a JSON summary (documented in docs/json-compose.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `plug --json` prints.
#[derive(Debug, Serialize)]
pub struct PlugSummary {
    pub output: PathBuf,
    pub size: usize,
    pub plugs: Vec<Plug>,
    /// The composed component's imports (all WASI in a complete composition).
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

impl PlugCommand {
    pub fn exec(self) -> Result<ExitCode> {
        // Names and bytes are all plugging needs: the WIT is decoded only to explain a refusal.
        let mut files = vec![self.socket.as_path()];
        files.extend(self.plugs.iter().map(PathBuf::as_path));
        let role = |i: usize| if i == 0 { "socket" } else { "plug" };
        let failed_to_read = |role: &str, path: &Path| {
            format!("failed to read {role} component `{}`", path.display())
        };
        let mut read = Component::outlines_from_files(&files)
            .into_iter()
            .zip(&files)
            .enumerate()
            .map(|(i, (c, path))| c.with_context(|| failed_to_read(role(i), path)))
            .collect::<Result<Vec<_>>>()?;
        // Outlines are not validated: a refusal to plug may come from an input whose code or
        // structure is broken. Name it as reading it whole would (this runs only on failure).
        let blame = |refusal: anyhow::Error| {
            for (i, path) in files.iter().enumerate() {
                if let Err(fault) = Component::from_file(path) {
                    return anyhow::Error::new(fault).context(failed_to_read(role(i), path));
                }
            }
            refusal
        };
        let plugs = read.split_off(1);
        let socket = read.remove(0);
        let (ws, root) = plug_workspace(socket, plugs)
            .context("cannot plug these components")
            .map_err(blame)?;
        let opts = EncodeOptions {
            root: Some(root.clone()),
            exports: Some(ws.exports.clone()),
        };
        let plugs = ws.plugs.clone();
        let paths: HashMap<String, Option<PathBuf>> = ws
            .components
            .iter()
            .map(|(id, c)| (id.clone(), c.path.clone()))
            .collect();
        // Encoding validates the inputs' code and names an input at fault itself.
        let bytes = encode_workspace_once(ws, &opts).map_err(|e| match e {
            ComposeError::InvalidComponent { id, source } => {
                let role = if id == root { "socket" } else { "plug" };
                let path = paths.get(&id).cloned().flatten();
                let path = path.unwrap_or_else(|| id.into());
                anyhow::Error::new(source).context(failed_to_read(role, &path))
            }
            e => anyhow::Error::new(e).context("failed to compose"),
        })?;
        write_output(&self.output, &bytes)
            .with_context(|| format!("failed to write output file `{}`", self.output.display()))?;
        // `encode_workspace` validated the bytes; the summary needs only the names.
        let (imports, exports) =
            top_level_ports(&bytes).context("the composed component could not be decoded")?;
        let summary = PlugSummary {
            output: self.output.clone(),
            size: bytes.len(),
            plugs,
            imports,
            exports,
        };
        if self.json {
            print_json(&summary)?;
        } else {
            print!("{}", sanitize(&text(&summary)));
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn text(s: &PlugSummary) -> String {
    let mut out = format!("wrote `{}` ({} bytes)\n", s.output.display(), s.size);
    for p in &s.plugs {
        out.push_str(&format!(
            "  plugged `{}` ← `{}`  {}\n",
            p.consumer, p.provider, p.import
        ));
    }
    let (wasi, other): (Vec<&String>, Vec<&String>) =
        s.imports.iter().partition(|i| i.starts_with("wasi:"));
    out.push_str(&format!(
        "  imports: {} WASI{}\n",
        wasi.len(),
        if other.is_empty() {
            String::new()
        } else {
            format!(
                ", still open: {}",
                other
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    for e in &s.exports {
        out.push_str(&format!("  exports: {e}\n"));
    }
    out
}
