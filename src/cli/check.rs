//! `wirebench check PATH...`: every plug, open import, ambiguity and mismatch; exit 3 when the
//! composition is not complete, so CI can run it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::output::print_json;
use crate::compose::{encode_workspace, EncodeOptions};
use crate::util::sanitize::sanitize;
use crate::util::words::count;
use crate::workspace::{OpenReason, PlugReport, Workspace};

/// Arguments of `wirebench check`.
#[derive(Debug, Args)]
pub struct CheckCommand {
    /// `.wasm` files, folders of them, one `.wac` or one `wirebench.toml`; without saved plugs,
    /// every import exactly one component exports is plugged automatically.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Check the composition rooted at this component (it and the providers it reaches).
    #[arg(long, value_name = "ID")]
    pub root: Option<String>,
    /// List each WASI import left to the host (by default they are counted).
    #[arg(long, short)]
    pub verbose: bool,
    /// Print JSON (documented in docs/json-compose.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What `check --json` prints.
#[derive(Debug, Serialize)]
pub struct CheckResult {
    /// True when every plug checks, only WASI imports are open and the composition encodes.
    pub complete: bool,
    pub components: Vec<String>,
    #[serde(flatten)]
    pub report: PlugReport,
    /// The size of the encoded composition, when it encodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_size: Option<usize>,
    /// Why it does not encode, when the wiring looks complete but encoding fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encode_error: Option<String>,
}

impl CheckCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let ws = Workspace::open(&self.paths).context("failed to open the workspace")?;
        let report = ws.status();
        let (mut encoded_size, mut encode_error) = (None, None);
        if report.is_complete() {
            let opts = EncodeOptions {
                root: self.root.clone(),
                exports: None,
            };
            match encode_workspace(&ws, &opts) {
                Ok(bytes) => encoded_size = Some(bytes.len()),
                Err(e) => encode_error = Some(chain_line(&e)),
            }
        }
        let result = CheckResult {
            complete: report.is_complete() && encoded_size.is_some(),
            components: ws.components.keys().cloned().collect(),
            report,
            encoded_size,
            encode_error,
        };
        if self.json {
            print_json(&result)?;
        } else {
            print!("{}", sanitize(&text(&result, self.verbose)));
        }
        Ok(if result.complete {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(super::EXIT_INCOMPLETE)
        })
    }
}

fn text(r: &CheckResult, verbose: bool) -> String {
    let mut out = String::new();
    for w in &r.report.warnings {
        let _ = writeln!(out, "warning: {}", w.message);
    }
    for id in &r.report.not_composable {
        let _ = writeln!(
            out,
            "note: `{id}` is a core module and takes no part in the composition"
        );
    }
    for p in &r.report.plugs {
        let _ = match &p.problem {
            None => writeln!(
                out,
                "ok        `{}` ← `{}`  {}",
                p.plug.consumer, p.plug.provider, p.plug.import
            ),
            Some(problem) => writeln!(out, "mismatch  {problem}"),
        };
    }
    let mut host = 0;
    for o in &r.report.open {
        if matches!(o.reason, OpenReason::Host) && !verbose {
            host += 1;
            continue;
        }
        let tag = match o.reason {
            OpenReason::Host => "host",
            OpenReason::Missing => "missing",
            OpenReason::Ambiguous { .. } => "ambiguous",
            OpenReason::Mismatch { .. } => "mismatch",
            OpenReason::Cycle { .. } => "cycle",
            OpenReason::Unplugged { .. } => "open",
        };
        let _ = writeln!(out, "{tag:<9} {}", o.message());
        if let OpenReason::Ambiguous { candidates } = &o.reason {
            for c in candidates {
                let verdict = c.problem.as_deref().unwrap_or("compatible");
                let _ = writeln!(out, "            candidate `{}`: {verdict}", c.provider);
            }
        }
    }
    if host > 0 {
        let _ = writeln!(
            out,
            "host      {host} WASI imports left to the host (list them with -v)"
        );
    }
    if let Some(cycle) = &r.report.cycle {
        let _ = writeln!(out, "cycle     {}", crate::workspace::cycle_text(cycle));
    }
    if let Some(e) = &r.encode_error {
        let _ = writeln!(out, "encode    {e}");
    }
    let _ = match (r.complete, r.encoded_size) {
        (true, Some(size)) => writeln!(
            out,
            "complete: {}, {}; the composition encodes to a valid component ({size} bytes)",
            count(r.components.len(), "component"),
            count(r.report.plugs.len(), "plug")
        ),
        _ => writeln!(out, "incomplete: fix the lines above (exit status 3)"),
    };
    out
}

/// `outer: cause: root` on one line.
fn chain_line(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    crate::util::sanitize::one_line(&out)
}
