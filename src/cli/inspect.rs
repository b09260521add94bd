//! `wirebench inspect FILE...`: a readable summary, the full WIT (`--wit`) or JSON (`--json`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::output::{print_error, print_json};
use crate::model::{Component, InterfaceInfo, Kind, WorldItemInfo};
use crate::util::sanitize::sanitize;
use crate::util::words::count;

/// Arguments of `wirebench inspect`.
#[derive(Debug, Args)]
pub struct InspectCommand {
    /// `.wasm` files (components or core modules) to describe.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the component's whole WIT document instead of the summary.
    #[arg(long, conflicts_with = "json")]
    pub wit: bool,
    /// Print JSON (documented in docs/json.md): one object for one file, an array for several.
    #[arg(long)]
    pub json: bool,
    /// More detail: expand WASI imports (by default listed one line each) and print the
    /// file's sha256 (`--json` always has it).
    #[arg(long, short)]
    pub verbose: bool,
}

impl InspectCommand {
    pub fn exec(self) -> Result<ExitCode> {
        if self.wit {
            return Ok(print_wit(&self.files));
        }
        let mut decoded = Vec::new();
        let mut failed = false;
        // The human summary shows the sha256 only in verbose mode: hashing a large file costs
        // a third of describing it.
        let describe = if self.json || self.verbose {
            Component::describe_file
        } else {
            Component::describe_file_unhashed
        };
        for file in &self.files {
            match describe(file) {
                Ok(c) => decoded.push(c),
                Err(e) => {
                    print_error(&e.into());
                    failed = true;
                }
            }
        }
        if self.json {
            match decoded.as_slice() {
                [one] if self.files.len() == 1 => print_json(one)?,
                many => print_json(&many)?,
            }
        } else {
            let mut out = String::new();
            for (i, c) in decoded.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                out.push_str(&summary(c, self.verbose));
            }
            print!("{}", sanitize(&out));
        }
        Ok(if failed {
            ExitCode::from(super::EXIT_FAILURE)
        } else {
            ExitCode::SUCCESS
        })
    }
}

/// `inspect --wit`: each file's WIT document (decoding no more than that needs).
fn print_wit(files: &[PathBuf]) -> ExitCode {
    let mut out = String::new();
    let mut failed = false;
    for file in files {
        match Component::wit_document_of_file(file) {
            Ok(wit) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&wit);
            }
            Err(e) => {
                print_error(&e.into());
                failed = true;
            }
        }
    }
    print!("{}", sanitize(&out));
    if failed {
        ExitCode::from(super::EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// The human summary printed by `inspect`.
pub fn summary(c: &Component, verbose: bool) -> String {
    let mut s = String::new();
    let file = c
        .path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| c.name.clone());
    let _ = writeln!(s, "{file}");
    let _ = writeln!(s, "  kind:    {}", describe_kind(c));
    let _ = writeln!(s, "  size:    {} ({} bytes)", human_size(c.size), c.size);
    // Empty when the caller did not hash the file (`inspect` without `--verbose`).
    if !c.sha256.is_empty() {
        let _ = writeln!(s, "  sha256:  {}", c.sha256);
    }
    if let Some(world) = &c.world {
        let _ = writeln!(s, "  world:   {world}");
    }
    if let Some(core) = &c.core {
        if c.imports.is_empty() && c.exports.is_empty() {
            let _ = writeln!(s, "\ncore imports ({}):", core.imports.len());
            for i in &core.imports {
                let _ = writeln!(s, "  {} {}.{}", i.kind, i.module, i.name);
            }
            let _ = writeln!(s, "\ncore exports ({}):", core.exports.len());
            for e in &core.exports {
                let _ = writeln!(s, "  {} {}", e.kind, e.name);
            }
            if core.wasi_p1.is_some() {
                let _ = writeln!(
                    s,
                    "\nhint: `wirebench adapt {file} -o out.wasm` turns it into a component"
                );
            }
            return s;
        }
    }
    section(&mut s, "imports", &c.imports, verbose);
    section(&mut s, "exports", &c.exports, verbose);
    s
}

fn describe_kind(c: &Component) -> String {
    match (c.kind, c.core.as_ref().and_then(|m| m.wasi_p1)) {
        (Kind::CoreModule, Some(k)) => {
            format!("core module (WASI preview 1 {})", serde_plain(&k))
        }
        (Kind::CoreModule, None) => "core module".into(),
        (Kind::Component, _) => "component".into(),
    }
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn section(s: &mut String, title: &str, items: &[WorldItemInfo], verbose: bool) {
    let _ = writeln!(s, "\n{title} ({}):", items.len());
    if items.is_empty() {
        let _ = writeln!(s, "  (none)");
    }
    for item in items {
        match item {
            WorldItemInfo::Interface(i) if i.is_wasi() && !verbose => {
                let _ = writeln!(
                    s,
                    "  {}  ({}, {}; host-provided)",
                    i.name,
                    count(i.functions.len(), "function"),
                    count(i.types.len(), "type")
                );
            }
            WorldItemInfo::Interface(i) => interface(s, i),
            WorldItemInfo::Function(f) => {
                docs(s, f.docs.as_deref(), "  ");
                let _ = writeln!(s, "  {}", f.signature);
            }
            WorldItemInfo::Type(t) => {
                let _ = writeln!(s, "  {}", indent(&t.definition, "  "));
            }
        }
    }
}

fn interface(s: &mut String, i: &InterfaceInfo) {
    let _ = writeln!(s, "  {}", i.name);
    for t in &i.types {
        // Resources list their methods themselves; other types are shown as defined.
        docs(s, t.docs.as_deref(), "    ");
        let _ = writeln!(s, "    {}", indent(&t.definition, "    "));
    }
    for f in i.functions.iter().filter(|f| f.resource.is_none()) {
        docs(s, f.docs.as_deref(), "    ");
        let _ = writeln!(s, "    {}", f.signature);
    }
}

fn docs(s: &mut String, docs: Option<&str>, pad: &str) {
    for line in docs.unwrap_or_default().lines() {
        let _ = writeln!(s, "{pad}/// {line}");
    }
}

fn indent(text: &str, pad: &str) -> String {
    text.replace('\n', &format!("\n{pad}"))
}

/// `58.3 KiB`, `1.2 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(2048), "2.0 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 + 1), "3.0 MiB");
    }
}
