//! `wirebench serve TARGET [--addr 127.0.0.1:PORT]`: serve a `wasi:http` component, `.wac` or
//! workspace over HTTP/1 until Ctrl-C or SIGTERM.
//!
//! Text mode logs one line per request to stderr (sanitized; failures with their reason);
//! `--json` prints JSON Lines to stdout instead: `listening`, one `request` per request,
//! `stopped` (docs/json-serve.md).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::runtime::{self, fmt_duration, DirGrant, EnvGrant};
use crate::serve::{
    RequestEvent, ServeEvent, ServeInfo, ServeMode, ServeOptions, ServeSummary, ServeTarget, Server,
};
use crate::util::sanitize::one_line;

/// How a workspace or `.wac` is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeModeArg {
    /// Compose into one component and serve it (what ships; default).
    Composed,
    /// Each component instantiated on its own, plugs forwarded and traced (with --trace).
    Linked,
}

/// Arguments of `wirebench serve`.
#[derive(Debug, Args)]
pub struct ServeCommand {
    /// A component `.wasm` exporting wasi:http/incoming-handler, a `.wac`, or a workspace folder.
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = crate::serve::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// How to run a workspace or `.wac`.
    #[arg(long, value_enum, default_value = "composed")]
    pub mode: ServeModeArg,
    /// Log each request's call tree across components (implies --mode linked).
    #[arg(long)]
    pub trace: bool,
    /// Reuse one instance across requests (state persists; requests run one at a time).
    #[arg(long)]
    pub keep_state: bool,
    /// Wall-time limit per request, e.g. `5s` (default); past it the client gets 504.
    #[arg(long, value_name = "DURATION", value_parser = runtime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Cap on guest linear memory per instance, e.g. `256MiB` (default).
    #[arg(long, value_name = "SIZE", value_parser = runtime::parse_size)]
    pub max_memory: Option<u64>,
    /// Cap on captured stdout and stderr per request, e.g. `1MiB` (default).
    #[arg(long, value_name = "SIZE", value_parser = runtime::parse_size)]
    pub max_output: Option<u64>,
    /// Grant a host directory, read-only unless `:rw` (repeatable).
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro|:rw]", value_parser = DirGrant::parse)]
    pub dirs: Vec<DirGrant>,
    /// Grant an environment variable, the host's value or the one given (repeatable).
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = EnvGrant::parse)]
    pub env: Vec<EnvGrant>,
    /// Allow sockets and outgoing HTTP to loopback addresses (no other hosts, no DNS).
    #[arg(long)]
    pub allow_net: bool,
    /// Requests handled at once; more wait for a slot.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_concurrency: usize,
    /// Allocate instances on demand instead of from a pre-reserved pool.
    #[arg(long)]
    pub no_pooling: bool,
    /// Do not read or write the compiled-code cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Print JSON Lines on stdout (docs/json-serve.md) instead of the text log.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
enum JsonLine<'a> {
    Listening(&'a ServeInfo),
    Request(&'a RequestEvent),
    Stopped(&'a ServeSummary),
}

impl ServeCommand {
    pub fn exec(self) -> Result<ExitCode> {
        let mode = if self.trace || self.mode == ServeModeArg::Linked {
            ServeMode::Linked
        } else {
            ServeMode::Composed
        };
        let loaded = ServeTarget::load(&self.target, mode)
            .with_context(|| format!("cannot serve `{}`", self.target.display()))?;
        for note in &loaded.notes {
            eprintln!("warning: {}", one_line(note));
        }
        if self.trace && !matches!(loaded.target, ServeTarget::Linked(_)) {
            eprintln!("note: --trace needs a workspace or .wac; a single component is served without call trees");
        }
        let mut options = ServeOptions {
            addr: self.addr,
            grants: loaded.grants,
            limits: loaded.limits,
            keep_state: self.keep_state,
            trace: self.trace,
            pooling: !self.no_pooling,
            max_concurrency: self.max_concurrency,
            cache: !self.no_cache,
            ..ServeOptions::default()
        };
        if let Some(t) = self.timeout {
            options.limits.timeout = t;
        }
        if let Some(m) = self.max_memory {
            options.limits.max_memory = m;
        }
        if let Some(o) = self.max_output {
            options.limits.max_output = usize::try_from(o).unwrap_or(usize::MAX);
        }
        options.grants.dirs.extend(self.dirs.iter().cloned());
        options.grants.env.extend(self.env.iter().cloned());
        options.grants.allow_net |= self.allow_net;
        let server = Server::start(&loaded.target, &loaded.name, options)
            .with_context(|| format!("cannot serve `{}`", self.target.display()))?;
        self.print_listening(server.info())?;
        stop_on_signals(server.stopper())?;
        for event in server.events().iter() {
            match event {
                ServeEvent::Request(r) => self.print_request(&r)?,
                ServeEvent::Stopped(s) => {
                    self.print_stopped(&s)?;
                    break;
                }
            }
        }
        server.wait();
        Ok(ExitCode::SUCCESS)
    }

    fn print_listening(&self, info: &ServeInfo) -> Result<()> {
        if self.json {
            return json_line(&JsonLine::Listening(info));
        }
        let mode = match info.mode {
            ServeMode::Composed => "composed",
            ServeMode::Linked => "linked",
        };
        let instances = if info.keep_state {
            "one kept instance"
        } else if info.pooling {
            "an instance per request, pooled"
        } else {
            "an instance per request"
        };
        eprintln!(
            "serving {} ({mode}, {instances}) on http://{} — prepared in {}; Ctrl-C stops",
            one_line(&info.name),
            info.addr,
            fmt_duration(info.prepare)
        );
        Ok(())
    }

    fn print_request(&self, r: &RequestEvent) -> Result<()> {
        if self.json {
            return json_line(&JsonLine::Request(r));
        }
        let mut err = std::io::stderr().lock();
        let inst = r
            .instantiate
            .map(|d| format!(" (instantiate {})", fmt_duration(d)))
            .unwrap_or_default();
        writeln!(
            err,
            "{} {} {} → {}  {}{inst}",
            chrono::Local::now().format("%H:%M:%S"),
            one_line(&r.method),
            one_line(&r.path),
            r.status,
            fmt_duration(r.duration)
        )?;
        if let Some(e) = &r.error {
            writeln!(err, "  error: {}", one_line(e))?;
        }
        if r.state_reset {
            writeln!(
                err,
                "  note: the kept instance was dropped; the next request starts fresh"
            )?;
        }
        for (label, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            for line in text.lines().filter(|l| !l.trim().is_empty()).take(20) {
                writeln!(err, "  {label}: {}", one_line(line))?;
            }
        }
        if let Some(t) = &r.trace {
            for line in t.render().lines() {
                writeln!(err, "  {}", one_line(line))?;
            }
        }
        Ok(())
    }

    fn print_stopped(&self, s: &ServeSummary) -> Result<()> {
        if self.json {
            return json_line(&JsonLine::Stopped(s));
        }
        let mean = s
            .mean_instantiate()
            .map(|d| format!(", mean instantiation {}", fmt_duration(d)))
            .unwrap_or_default();
        eprintln!(
            "stopped: {} requests, {} failed{mean}",
            s.requests, s.failed
        );
        Ok(())
    }
}

fn json_line<T: Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value).context("failed to write JSON")?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Ctrl-C and SIGTERM stop the server gracefully (in-flight requests finish).
fn stop_on_signals(stopper: crate::serve::StopHandle) -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("failed to install the Ctrl-C/SIGTERM handler")?;
    std::thread::Builder::new()
        .name("wirebench-serve-signals".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                stopper.stop();
            }
        })
        .context("failed to start the signal thread")?;
    Ok(())
}
