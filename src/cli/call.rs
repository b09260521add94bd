//! `wirebench call TARGET [CALL...] [--stdin]`: run WAVE calls on one live instance.
//!
//! Text output goes to stdout, one line per call — the result in WAVE, or `error: …` — then
//! the guest's output labelled (`  stdout: …`, sanitized) and, with `--trace`, the call tree.
//! Keeping failures on stdout keeps a transcript in order; only fatal errors (target cannot be
//! loaded, bad flags) go to stderr. `--json` prints one object per call (JSON Lines, see
//! docs/json-call.md). Exit status: 0 when every call returned (a guest `err(…)` is a value),
//! 1 when any call failed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::model::Component;
use crate::runtime::{
    self, fmt_size, CallOutcome, DirGrant, EngineOptions, EnvGrant, Session, SessionOptions, Target,
};
use crate::util::sanitize::{one_line, sanitize};
use crate::workspace::Workspace;

/// How a wired workspace runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Each component on its own, plugs forwarded by the host and traced (default).
    Linked,
    /// Encode the composition with wac-graph and run the single result (what ships).
    Composed,
}

/// Arguments of `wirebench call`.
#[derive(Debug, Args)]
pub struct CallCommand {
    /// A component `.wasm`, a `.wac` document, or a workspace folder.
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,
    /// Calls in WAVE, run in order on one instance, e.g. 'set("k", "v")' 'get("k")'.
    /// Without calls (and without --stdin) the callable functions are listed.
    #[arg(value_name = "CALL")]
    pub calls: Vec<String>,
    /// Then read calls from stdin, one per line, answering each as it comes (a REPL;
    /// `:list`, `:handles`, `:reset`, `:quit` are also understood).
    #[arg(long)]
    pub stdin: bool,
    /// Print one JSON object per call (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// Print the cross-component call tree with durations (linked mode).
    #[arg(long)]
    pub trace: bool,
    /// How to run a workspace or `.wac`.
    #[arg(long, value_enum, default_value = "linked")]
    pub mode: ModeArg,
    /// Wall-time limit per call, e.g. `5s` or `500ms` (default 5s).
    #[arg(long, value_name = "DURATION", value_parser = runtime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Cap on guest linear memory, e.g. `256MiB` (default).
    #[arg(long, value_name = "SIZE", value_parser = runtime::parse_size)]
    pub max_memory: Option<u64>,
    /// Cap on captured stdout and stderr per call, e.g. `1MiB` (default); the rest is dropped.
    #[arg(long, value_name = "SIZE", value_parser = runtime::parse_size)]
    pub max_output: Option<u64>,
    /// Grant a host directory, read-only unless `:rw` (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro|:rw]", value_parser = DirGrant::parse)]
    pub dirs: Vec<DirGrant>,
    /// Grant an environment variable, the host's value or the one given (repeatable).
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = EnvGrant::parse)]
    pub env: Vec<EnvGrant>,
    /// Allow TCP/UDP to loopback addresses (no other hosts, no DNS).
    #[arg(long)]
    pub allow_net: bool,
    /// Do not read or write the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Define unplugged imports as functions that trap when called, instead of refusing.
    #[arg(long)]
    pub stub: bool,
}

impl CallCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let (target, mut options) = self.load_target()?;
        let limits = &mut options.limits;
        if let Some(t) = self.timeout {
            limits.timeout = t;
        }
        if let Some(m) = self.max_memory {
            limits.max_memory = m;
        }
        if let Some(o) = self.max_output {
            limits.max_output = o as usize;
        }
        options.grants.dirs.extend(self.dirs.iter().cloned());
        options.grants.env.extend(self.env.iter().cloned());
        options.grants.allow_net |= self.allow_net;
        options.stub_missing = self.stub;
        options.trace = self.trace || self.json;
        runtime::init_engine(EngineOptions {
            cache: !self.no_cache,
            max_stack: options.limits.max_stack,
        })?;
        let mut session = Session::load(target, options)
            .with_context(|| format!("cannot run `{}`", self.target.display()))?;
        for note in session.notes() {
            eprintln!("note: {}", one_line(note));
        }
        if self.calls.is_empty() && !self.stdin {
            return self.list(&session);
        }
        let mut failed = false;
        for call in &self.calls {
            failed |= !self.run(&mut session, call)?;
        }
        if self.stdin {
            failed |= !self.repl(&mut session)?;
        }
        Ok(if failed {
            ExitCode::from(super::EXIT_FAILURE)
        } else {
            ExitCode::SUCCESS
        })
    }

    /// Resolves TARGET into what the session runs, with the workspace's grants and limits.
    fn load_target(&self) -> Result<(Target, SessionOptions)> {
        let path = &self.target;
        let is_wac = path.extension().is_some_and(|e| e == "wac");
        if path.is_file() && !is_wac {
            let c = Component::from_file(path)
                .with_context(|| format!("failed to load `{}`", path.display()))?;
            return Ok((Target::Component(Arc::new(c)), SessionOptions::default()));
        }
        let ws = Workspace::open(std::slice::from_ref(path))
            .with_context(|| format!("failed to open `{}`", path.display()))?;
        for w in &ws.warnings {
            eprintln!("warning: {}", one_line(&w.message));
        }
        let options = SessionOptions {
            grants: runtime::workspace_grants(&ws, ws.components.keys().map(String::as_str))?,
            limits: runtime::workspace_limits(&ws)?,
            ..SessionOptions::default()
        };
        let target = match self.mode {
            ModeArg::Linked => Target::Linked(ws),
            ModeArg::Composed if is_wac => {
                let bytes = crate::compose::compose_wac(path, &crate::compose::Deps::default())?;
                runtime::composed_bytes(bytes, &crate::model::component_name_for(path))?
            }
            ModeArg::Composed => {
                runtime::composed_target(&ws, &crate::model::component_name_for(path))?
            }
        };
        Ok((target, options))
    }

    /// Runs one call and prints it; false if it failed.
    fn run(&self, session: &mut Session, call: &str) -> Result<bool> {
        let outcome = session.call(call);
        let ok = outcome.result.is_ok();
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer(&mut out, &CallJson::from(&outcome))?;
            writeln!(out)?;
        } else {
            print_outcome(
                &mut out,
                &outcome,
                self.trace,
                session.options().limits.max_output,
            )?;
        }
        out.flush()?;
        Ok(ok)
    }

    /// Reads calls from stdin until EOF or `:quit`; false if any failed.
    fn repl(&self, session: &mut Session) -> Result<bool> {
        let interactive = std::io::stdin().is_terminal() && !self.json;
        let mut all_ok = true;
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        loop {
            if interactive {
                eprint!("› ");
                let _ = std::io::stderr().flush();
            }
            let Some(line) = lines.next() else { break };
            let line = line.context("failed to read stdin")?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            match line {
                ":quit" | ":q" | ":exit" => break,
                ":list" | ":functions" => {
                    self.list(session)?;
                }
                ":handles" => {
                    for h in session.handles() {
                        println!("${} {} (from {})", h.id, h.resource, h.component);
                    }
                }
                ":reset" => match session.reset() {
                    Ok(()) => println!("reset: fresh instances, no handles"),
                    Err(e) => println!("error: {}", one_line(&e.to_string())),
                },
                call => all_ok &= self.run(session, call)?,
            }
        }
        Ok(all_ok)
    }

    /// Prints the callable functions with argument templates.
    fn list(&self, session: &Session) -> Result<ExitCode> {
        let mut out = std::io::stdout().lock();
        if self.json {
            let list: Vec<FunctionJson<'_>> =
                session.functions().iter().map(FunctionJson::from).collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        } else {
            for f in session.functions() {
                let sig = f.signature.clone().unwrap_or_else(|| {
                    let params: Vec<String> =
                        f.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                    let result = f
                        .result
                        .as_ref()
                        .map(|r| format!(" -> {r}"))
                        .unwrap_or_default();
                    format!("func({}){result}", params.join(", "))
                });
                writeln!(out, "{}    // {}", sanitize(&f.template), one_line(&sig))?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Prints a result line, a reset note, guest output and the trace.
pub fn print_outcome(
    out: &mut impl Write,
    o: &CallOutcome,
    trace: bool,
    cap: usize,
) -> std::io::Result<()> {
    match &o.result {
        Ok(v) => writeln!(out, "{}", one_line(v))?,
        Err(e) => writeln!(out, "error: {}", one_line(&e.to_string()))?,
    }
    if o.state_reset {
        writeln!(
            out,
            "  note: the instance was re-created — earlier state and handles are gone"
        )?;
    }
    for (label, text, truncated) in [
        ("stdout", &o.stdout, o.stdout_truncated),
        ("stderr", &o.stderr, o.stderr_truncated),
    ] {
        for line in sanitize(text).lines() {
            writeln!(out, "  {label}: {line}")?;
        }
        if truncated {
            writeln!(out, "  {label}: … (truncated at {})", fmt_size(cap as u64))?;
        }
    }
    if trace {
        if let Some(t) = &o.trace {
            for line in t.render().lines() {
                writeln!(out, "  trace: {}", sanitize(line))?;
            }
        }
    }
    Ok(())
}

/// One `--json` line.
#[derive(Serialize)]
struct CallJson<'a> {
    call: &'a str,
    function: Option<&'a str>,
    component: Option<&'a str>,
    ok: bool,
    result: Option<&'a str>,
    error: Option<ErrorJson>,
    stdout: &'a str,
    stderr: &'a str,
    stdout_truncated: bool,
    stderr_truncated: bool,
    duration_us: u64,
    state_reset: bool,
    trace: Option<&'a runtime::CallTrace>,
}

#[derive(Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
}

impl<'a> From<&'a CallOutcome> for CallJson<'a> {
    fn from(o: &'a CallOutcome) -> Self {
        CallJson {
            call: &o.call_text,
            function: o.function.as_deref(),
            component: o.component.as_deref(),
            ok: o.result.is_ok(),
            result: o.result.as_deref().ok(),
            error: o.result.as_ref().err().map(|e| ErrorJson {
                kind: e.kind(),
                message: e.to_string(),
            }),
            stdout: &o.stdout,
            stderr: &o.stderr,
            stdout_truncated: o.stdout_truncated,
            stderr_truncated: o.stderr_truncated,
            duration_us: o.duration.as_micros().min(u128::from(u64::MAX)) as u64,
            state_reset: o.state_reset,
            trace: o.trace.as_ref(),
        }
    }
}

/// One function in `--json` listings.
#[derive(Serialize)]
struct FunctionJson<'a> {
    call_name: &'a str,
    full_name: &'a str,
    component: &'a str,
    params: Vec<(&'a str, &'a str)>,
    result: Option<&'a str>,
    template: &'a str,
    signature: Option<&'a str>,
}

impl<'a> From<&'a runtime::FunctionEntry> for FunctionJson<'a> {
    fn from(f: &'a runtime::FunctionEntry) -> Self {
        FunctionJson {
            call_name: &f.call_name,
            full_name: &f.full_name,
            component: &f.component,
            params: f
                .params
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect(),
            result: f.result.as_deref(),
            template: &f.template,
            signature: f.signature.as_deref(),
        }
    }
}
