//! Shared output helpers for the headless commands: error lines, JSON, log file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Prints `error: outer: cause: root` on one line; a closed pipe prints nothing.
pub fn print_error(err: &anyhow::Error) {
    if err
        .chain()
        .any(|c| matches!(c.downcast_ref::<std::io::Error>(), Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe))
    {
        return;
    }
    let _ = writeln!(std::io::stderr(), "error: {}", error_line(err));
}

/// An error and its causes on one sanitized line: `outer: cause: root` (repeats dropped).
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    crate::util::sanitize::one_line(&line)
}

/// Writes a value as pretty JSON followed by a newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    // As an io::Error again, so a closed pipe is recognised as one (see `print_error`).
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .context("failed to write JSON")?;
    writeln!(out)?;
    Ok(())
}

/// Sends `tracing` output to a file.
pub fn init_log(path: &Path) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("failed to create log file `{}`", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("wirebench=debug")),
        )
        .try_init()
        .map_err(|e| anyhow::anyhow!("failed to start logging: {e}"))
}
