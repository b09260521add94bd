//! The command line: one file per subcommand, each a clap `Args` struct with `exec`.

mod adapt;
mod call;
mod check;
mod compose;
mod export;
mod graph;
mod init;
mod inspect;
mod output;
mod plug;
mod serve;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use inspect::human_size;
pub use output::{error_line, print_error};

/// The text `wirebench inspect` prints for one component (used by benches and the TUI).
pub fn inspect_summary(c: &crate::model::Component) -> String {
    inspect::summary(c, false)
}

/// Exit status of a failed command (bad input, failed operation).
pub const EXIT_FAILURE: u8 = 1;
/// Exit status of a command line that clap rejects.
pub const EXIT_USAGE: u8 = 2;
/// Exit status of `check` when the composition is not complete (see docs/exit-codes.md).
pub const EXIT_INCOMPLETE: u8 = 3;

/// A terminal workbench for WebAssembly components: see, wire, run and hot-reload them.
#[derive(Debug, Parser)]
#[command(
    name = "wirebench",
    version,
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Files or directories to open in the workbench (default: the bundled demo workspace).
    pub paths: Vec<PathBuf>,
    /// Write a debug log to this file (the TUI never logs to the screen).
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// The headless subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show a component's kind, size, world, imports and exports (-v: hash, --wit: its full WIT).
    Inspect(inspect::InspectCommand),
    /// Plug components' exports into a socket's imports and write the composed component
    /// (`wac plug`, including chains of plugs).
    Plug(plug::PlugCommand),
    /// Compose a WAC document into one component, packages from local files (`wac compose`).
    Compose(compose::ComposeCommand),
    /// Print the wiring of components as a graph: DOT, Mermaid or JSON.
    Graph(graph::GraphCommand),
    /// Report unsatisfied imports, ambiguous providers and mismatches; exit 3 if incomplete.
    Check(check::CheckCommand),
    /// Call functions of a component or wired workspace on one live instance, in WAVE.
    Call(call::CallCommand),
    /// Write build entries into wirebench.toml for the component crates of a Cargo workspace.
    Init(init::InitCommand),
    /// Watch component files and report each reload: hash, latency, WIT diff, broken plugs.
    Watch(watch::WatchCommand),
    /// Serve a component exporting wasi:http/incoming-handler over HTTP (like `wasmtime serve`).
    Serve(serve::ServeCommand),
    /// Turn a WASI preview 1 core module into a component with the preview-1 adapter.
    Adapt(adapt::AdaptCommand),
    /// Write a Spin app or a wasmCloud manifest for a composed HTTP service.
    Export(export::ExportCommand),
}

/// Parses the process arguments, runs the command and maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Some(path) = &cli.log {
        if let Err(e) = output::init_log(path) {
            print_error(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    let result = match cli.command {
        Some(Command::Inspect(cmd)) => cmd.exec(),
        Some(Command::Plug(cmd)) => cmd.exec(),
        Some(Command::Compose(cmd)) => cmd.exec(),
        Some(Command::Graph(cmd)) => cmd.exec(),
        Some(Command::Check(cmd)) => cmd.exec(),
        Some(Command::Call(cmd)) => cmd.exec(),
        Some(Command::Init(cmd)) => cmd.exec(),
        Some(Command::Watch(cmd)) => cmd.exec(),
        Some(Command::Serve(cmd)) => cmd.exec(),
        Some(Command::Adapt(cmd)) => cmd.exec(),
        Some(Command::Export(cmd)) => cmd.exec(),
        None => {
            if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                crate::tui::run(&cli.paths)
            } else {
                Err(anyhow::anyhow!(
                    "the workbench needs a terminal — run `wirebench` in one, or use a subcommand such as `wirebench inspect FILE` (see `wirebench --help`)"
                ))
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
