//! `wirebench compose FILE.wac [--dep PKG=PATH...] -o OUT`: `wac compose` from local files.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use crate::compose::{compose_wac, Deps};
use crate::model::ports::top_level_ports;
use crate::util::fsio::write_output;
use crate::util::sanitize::sanitize;

/// Arguments of `wirebench compose`.
#[derive(Debug, Args)]
pub struct ComposeCommand {
    /// The WAC document to compose (the language `wac compose` reads).
    #[arg(value_name = "FILE.wac")]
    pub file: PathBuf,
    /// The component file for a package the document names, e.g.
    /// `--dep local:kv-store=kv-store.wasm` (repeatable). Without it a package `ns:name` is
    /// looked up as `deps/ns/name.wasm` next to the document, then `name.wasm` there.
    #[arg(long = "dep", short = 'd', value_name = "PKG=PATH", value_parser = parse_dep)]
    pub deps: Vec<(String, PathBuf)>,
    /// Another folder to search for packages, laid out as `<dir>/<ns>/<name>.wasm`.
    #[arg(long = "deps-dir", value_name = "DIR")]
    pub deps_dirs: Vec<PathBuf>,
    /// Where to write the composed component; written only after it validates.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Print a JSON summary (documented in docs/json-compose.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

fn parse_dep(s: &str) -> Result<(String, PathBuf)> {
    let Some((pkg, path)) = s.split_once('=') else {
        bail!("expected `PKG=PATH` (e.g. `local:kv-store=kv-store.wasm`), found `{s}`");
    };
    let pkg = pkg.trim();
    if !pkg.contains(':') {
        bail!("`{pkg}` is not a package name — write it as `namespace:name`");
    }
    Ok((pkg.to_string(), PathBuf::from(path.trim())))
}

/// What `compose --json` prints.
#[derive(Debug, Serialize)]
pub struct ComposeSummary {
    pub output: PathBuf,
    pub size: usize,
    pub imports: Vec<String>,
    pub exports: Vec<String>,
}

impl ComposeCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let deps = Deps {
            packages: self.deps.into_iter().collect(),
            dirs: self.deps_dirs,
        };
        let bytes = compose_wac(&self.file, &deps)?;
        write_output(&self.output, &bytes)
            .with_context(|| format!("failed to write output file `{}`", self.output.display()))?;
        // `compose_wac` validated the bytes; the summary needs only the names.
        let (imports, exports) =
            top_level_ports(&bytes).context("the composed component could not be decoded")?;
        let summary = ComposeSummary {
            output: self.output,
            size: bytes.len(),
            imports,
            exports,
        };
        if self.json {
            print_json(&summary)?;
        } else {
            let mut out = format!(
                "wrote `{}` ({} bytes)\n",
                summary.output.display(),
                summary.size
            );
            for i in &summary.imports {
                out.push_str(&format!("  imports: {i}\n"));
            }
            for e in &summary.exports {
                out.push_str(&format!("  exports: {e}\n"));
            }
            print!("{}", sanitize(&out));
        }
        Ok(ExitCode::SUCCESS)
    }
}
