//! The `wirebench` binary: parse the command line, dispatch, print the error chain.

use std::process::ExitCode;

fn main() -> ExitCode {
    wirebench::cli::main()
}
