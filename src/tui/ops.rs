//! What the app does with runtime events, and how it builds the runtime's session options.

use std::time::{Duration, Instant};

use super::action::Effect;
use super::app::{App, RunMode, LIT_FOR};
use super::console::LineKind;
use crate::runtime::{self, CallOutcome, Event, SessionOptions};
use crate::workspace::Workspace;

/// Session options for the TUI: the workspace's grants and limits, unplugged imports stubbed
/// (so a half-wired workspace still runs), and tracing on so calls light up the graph.
pub fn session_options(ws: &Workspace) -> Result<SessionOptions, String> {
    let ids: Vec<&str> = ws.components.keys().map(String::as_str).collect();
    let grants = runtime::workspace_grants(ws, ids).map_err(|e| e.to_string())?;
    let limits = runtime::workspace_limits(ws).map_err(|e| e.to_string())?;
    Ok(SessionOptions {
        grants,
        limits,
        // Only stub when something is really missing: stubbing also has to leave every
        // host-provided import alone, which is simplest when nothing is stubbed at all.
        stub_missing: ws.status().open.iter().any(|o| o.blocks_completion()),
        trace: true,
    })
}

/// `5 s · 256 MiB` for the status bar.
pub fn limits_label(ws: &Workspace) -> String {
    match runtime::workspace_limits(ws) {
        Ok(l) => format!(
            "{} · {}",
            format_duration(l.timeout),
            crate::cli::human_size(l.max_memory)
        ),
        Err(_) => "limits: invalid".into(),
    }
}

/// `18 µs`, `4.2 ms`, `1.3 s`.
pub fn format_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1_000.0)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl App {
    pub(super) fn on_runtime(&mut self, ev: Event) -> Vec<Effect> {
        match ev {
            Event::Loaded {
                components,
                mode,
                functions,
                notes,
            } => {
                self.run.loaded = true;
                self.run.loading = false;
                self.run.load_error = None;
                self.functions = functions;
                let mode = serde_json::to_value(mode)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                self.log(
                    LineKind::Info,
                    &format!(
                        "instantiated {} ({mode}); {} functions callable",
                        components.join(", "),
                        self.functions.len()
                    ),
                );
                for n in notes {
                    self.log(LineKind::Info, &n);
                }
                self.replay_calls()
            }
            Event::LoadFailed {
                error,
                kept_previous,
            } => {
                self.run.loading = false;
                let msg = error.to_string();
                self.log(
                    LineKind::Error,
                    &format!("cannot instantiate the workspace: {msg}"),
                );
                if kept_previous && self.run.loaded {
                    self.log(LineKind::Error, "  the last good version keeps running");
                } else {
                    self.run.loaded = false;
                    self.run.load_error = Some(msg);
                }
                Vec::new()
            }
            Event::CallStarted { id } => {
                if let Some(p) = self.run.pending.iter_mut().find(|p| p.id == id) {
                    p.started = Some(Instant::now());
                }
                Vec::new()
            }
            Event::CallFinished { id, outcome, .. } => {
                self.run.pending.retain(|p| p.id != id);
                self.show_outcome(&outcome);
                Vec::new()
            }
            Event::ResetDone { result } => {
                match result {
                    Ok(()) => self.log(LineKind::Info, "guest state reset: instances are fresh"),
                    Err(e) => self.log(LineKind::Error, &format!("reset failed: {e}")),
                }
                self.run.calls.clear();
                Vec::new()
            }
            Event::Stopped => {
                self.run.loaded = false;
                self.log(LineKind::Error, "the runtime worker stopped");
                Vec::new()
            }
        }
    }

    fn replay_calls(&mut self) -> Vec<Effect> {
        if !self.run.replay || self.run.calls.is_empty() {
            return Vec::new();
        }
        let calls = std::mem::take(&mut self.run.calls);
        self.log(
            LineKind::Info,
            &format!(
                "replaying {} successful calls: {}",
                calls.len(),
                calls.join("; ")
            ),
        );
        calls.iter().flat_map(|c| self.call(c)).collect()
    }

    fn show_outcome(&mut self, o: &CallOutcome) {
        let took = format_duration(o.duration);
        match &o.result {
            Ok(value) => {
                self.log_detail(
                    LineKind::Result,
                    &format!("{} → {value}", o.call_text),
                    &took,
                );
                self.run.calls.push(o.call_text.clone());
            }
            Err(e) => {
                self.log_detail(LineKind::Error, &format!("{} ✗ {e}", o.call_text), &took);
            }
        }
        let name = o.call_text.split('(').next().unwrap_or(&o.call_text).trim();
        self.run.last = Some(format!("{} {took}", crate::util::sanitize::one_line(name)));
        for (label, text, cut) in [
            ("stdout", &o.stdout, o.stdout_truncated),
            ("stderr", &o.stderr, o.stderr_truncated),
        ] {
            if !text.is_empty() {
                let kind = if label == "stdout" {
                    LineKind::Stdout
                } else {
                    LineKind::Stderr
                };
                let shown: String = text.lines().map(|l| format!("  {label} │ {l}\n")).collect();
                self.log(kind, &shown);
                if cut {
                    self.log(kind, &format!("  {label} │ … (cut at the output limit)"));
                }
            }
        }
        if let Some(trace) = &o.trace {
            // The user's own call is the result line above; show what it called.
            for e in trace.entries.iter().filter(|e| e.depth > 0) {
                let indent = "  ".repeat(e.depth as usize);
                self.log_detail(
                    LineKind::Trace,
                    &format!(
                        "{indent}↳ {}.{}({}) → {}",
                        e.callee, e.function, e.args, e.result
                    ),
                    &format_duration(e.duration),
                );
            }
            let until = Instant::now() + LIT_FOR;
            for (caller, callee) in trace.edges() {
                self.lit.push((caller, callee, until));
            }
        }
        if o.state_reset {
            self.run.calls.clear();
            self.log(
                LineKind::Error,
                "the guest trapped, so its instances were rebuilt: earlier state and handles are gone",
            );
        }
    }

    /// Switches between linked and composed mode and reloads.
    pub(super) fn toggle_mode(&mut self, to: Option<RunMode>) -> Vec<Effect> {
        let next = to.unwrap_or(match self.run.mode {
            RunMode::Linked => RunMode::Composed,
            RunMode::Composed => RunMode::Linked,
        });
        self.run.mode = next;
        self.log(LineKind::Info, &format!("run mode: {}", next.label()));
        self.load_runtime()
    }
}
