//! `:serve [addr]` in the workbench: the composition answers HTTP on loopback and every request
//! shows in the console with its call tree, lighting the edges it crossed.

use std::time::Instant;

use super::action::Effect;
use super::app::{App, LIT_FOR};
use super::console::LineKind;
use super::ops::format_duration;
use crate::serve::RequestEvent;

/// The default address of `:serve` without an argument.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

impl App {
    pub(super) fn serve_command(&mut self, args: &[&str]) -> Vec<Effect> {
        match args {
            ["stop"] => vec![Effect::StopServe],
            [] | [_] => {
                let addr = args.first().copied().unwrap_or(DEFAULT_ADDR);
                match addr.parse() {
                    Ok(addr) => {
                        self.log(
                            LineKind::Info,
                            &format!("starting the HTTP server on {addr}…"),
                        );
                        vec![Effect::Serve(Box::new(self.workspace.clone()), addr)]
                    }
                    Err(_) => {
                        self.log(
                            LineKind::Error,
                            &format!("`{addr}` is not an address — write e.g. 127.0.0.1:8080"),
                        );
                        Vec::new()
                    }
                }
            }
            _ => {
                self.log(LineKind::Error, "usage: :serve [addr] | :serve stop");
                Vec::new()
            }
        }
    }

    pub(super) fn on_served(&mut self, r: &RequestEvent) {
        let kind = if r.status < 400 {
            LineKind::Result
        } else {
            LineKind::Error
        };
        let inst = r
            .instantiate
            .map(|d| format!(", instantiated in {}", format_duration(d)))
            .unwrap_or_default();
        self.log_detail(
            kind,
            &format!("http {} {} → {}{inst}", r.method, r.path, r.status),
            &format_duration(r.duration),
        );
        if let Some(e) = &r.error {
            self.log(LineKind::Error, &format!("  {e}"));
        }
        if let Some(trace) = &r.trace {
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
    }
}
