//! `wirebench init [DIR] [--force] [--dry-run] [--json]`: find the component crates of the
//! Cargo workspace at DIR (or one level below it) and write their `build`, `dir`, `watch` and
//! `artifact` keys into `DIR/wirebench.toml` (docs/workspace.md, "Building from source").

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use crate::build::init::{init, EntryStatus, InitOptions};
use crate::util::sanitize::one_line;

/// Arguments of `wirebench init`.
#[derive(Debug, Args)]
pub struct InitCommand {
    /// The folder to make a workspace of: a Cargo workspace, or a folder with one below it.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// Replace build keys that differ from the detected ones (`path` is always kept).
    #[arg(long)]
    pub force: bool,
    /// Show what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

impl InitCommand {
    /// Writes the entries and prints what was done.
    pub fn exec(self) -> Result<ExitCode> {
        let report = init(
            &self.dir,
            InitOptions {
                force: self.force,
                dry_run: self.dry_run,
            },
        )
        .with_context(|| format!("cannot initialize `{}`", self.dir.display()))?;
        if self.json {
            super::output::print_json(&report)?;
            return Ok(ExitCode::SUCCESS);
        }
        // A closed pipe (`| head`) ends the output quietly instead of panicking.
        let mut out = std::io::stdout().lock();
        let verb = match (report.written, self.dry_run) {
            (true, _) => "wrote",
            (false, true) => "would write",
            (false, false) => "up to date:",
        };
        writeln!(
            out,
            "{verb} {}: {} component{} from the Cargo workspace `{}`",
            report.manifest.display(),
            report.entries.len(),
            if report.entries.len() == 1 { "" } else { "s" },
            report.cargo_root.display()
        )?;
        let width = report.entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
        for e in &report.entries {
            let status = match e.status {
                EntryStatus::Added => "added",
                EntryStatus::Updated => "updated",
                EntryStatus::Unchanged => "kept",
            };
            writeln!(
                out,
                "  {:<width$}  {status:<7}  {} → {}",
                e.id,
                one_line(&e.build),
                e.path
            )?;
        }
        writeln!(
            out,
            "next: `wirebench watch --build {}` builds what is missing, then rebuilds a \
             component when its sources change",
            self.dir.display()
        )?;
        Ok(ExitCode::SUCCESS)
    }
}
