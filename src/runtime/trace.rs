//! Call traces of linked workspaces: who called whom, with what, what came back, how long.
//!
//! Entries are numbered when a call starts; inner calls finish first (DESIGN §7), so the
//! recorder keeps entries in start order and fills results in as calls finish.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};

use super::limits::fmt_duration;

/// One call in a trace: the user's call (depth 0) or a call one component made into another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEntry {
    /// Start order, from 0 (the user's call).
    pub seq: u32,
    /// The entry this call was made from; `None` for the user's call.
    pub parent: Option<u32>,
    /// Nesting depth, 0 for the user's call.
    pub depth: u32,
    /// Calling component id, or `host` for the user's call.
    pub caller: String,
    /// Called component id.
    pub callee: String,
    /// Function called, in call style (`get`, `counter.new`).
    pub function: String,
    /// Arguments in WAVE, without parentheses.
    pub args: String,
    /// The result in WAVE, or the error message.
    pub result: String,
    /// Whether the call returned normally.
    pub ok: bool,
    /// Wall time including nested calls.
    #[serde(rename = "duration_us", serialize_with = "micros")]
    pub duration: Duration,
}

/// The call tree of one user call, in start order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CallTrace {
    /// Entries sorted by `seq`; the first is the user's call.
    pub entries: Vec<TraceEntry>,
}

impl CallTrace {
    /// An indented tree, one line per call:
    /// `data-processor.process("x") → ok("…")  45µs` then `  ↳ kv-store.get(…) → …  3µs`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let indent = "  ".repeat(e.depth as usize);
            let arrow = if e.depth == 0 { "" } else { "↳ " };
            let _ = writeln!(
                out,
                "{indent}{arrow}{}.{}({}) → {}  ({})",
                e.callee,
                e.function,
                e.args,
                e.result,
                fmt_duration(e.duration)
            );
        }
        out
    }

    /// The components the call passed through, first visit order (for lighting graph edges).
    pub fn edges(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = Vec::new();
        for e in self.entries.iter().filter(|e| e.depth > 0) {
            let edge = (e.caller.clone(), e.callee.clone());
            if !v.contains(&edge) {
                v.push(edge);
            }
        }
        v
    }
}

fn micros<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros().min(u128::from(u64::MAX)) as u64)
}

/// Collects entries during one user call; lives in the store so host functions reach it.
#[derive(Default)]
pub(crate) struct TraceRecorder {
    /// Record anything at all (linked mode with tracing on).
    pub enabled: bool,
    /// Longest argument or result text kept, if limited (served request bodies can be 1 MiB).
    max_text: Option<usize>,
    entries: Vec<TraceEntry>,
    starts: Vec<Instant>,
    stack: Vec<u32>,
}

impl TraceRecorder {
    /// A recorder that records only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        TraceRecorder {
            enabled,
            ..Default::default()
        }
    }

    /// Like [`new`](Self::new), keeping at most `max_text` bytes of each argument and result.
    pub fn clipped(enabled: bool, max_text: usize) -> Self {
        TraceRecorder {
            enabled,
            max_text: Some(max_text),
            ..Default::default()
        }
    }

    fn clip(&self, mut s: String) -> String {
        if let Some(max) = self.max_text.filter(|max| s.len() > *max) {
            let mut cut = max;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push('…');
        }
        s
    }

    /// Opens an entry; `args` is only formatted when recording.
    pub fn start(
        &mut self,
        caller: &str,
        callee: &str,
        function: &str,
        args: impl FnOnce() -> String,
    ) -> Option<u32> {
        if !self.enabled {
            return None;
        }
        let seq = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let args = self.clip(args());
        self.entries.push(TraceEntry {
            seq,
            parent: self.stack.last().copied(),
            depth: u32::try_from(self.stack.len()).unwrap_or(u32::MAX),
            caller: caller.to_string(),
            callee: callee.to_string(),
            function: function.to_string(),
            args,
            result: String::new(),
            ok: false,
            duration: Duration::ZERO,
        });
        self.starts.push(Instant::now());
        self.stack.push(seq);
        Some(seq)
    }

    /// Closes the entry opened by [`start`](Self::start).
    pub fn finish(&mut self, seq: Option<u32>, result: Result<String, String>) {
        let Some(seq) = seq else { return };
        let i = seq as usize;
        let ok = result.is_ok();
        let text = self.clip(result.unwrap_or_else(|e| e));
        if let (Some(e), Some(t0)) = (self.entries.get_mut(i), self.starts.get(i)) {
            e.duration = t0.elapsed();
            e.ok = ok;
            e.result = text;
        }
        if let Some(pos) = self.stack.iter().rposition(|s| *s == seq) {
            self.stack.truncate(pos);
        }
    }

    /// Hands over what was recorded and starts afresh.
    pub fn take(&mut self) -> Option<CallTrace> {
        self.stack.clear();
        self.starts.clear();
        if !self.enabled {
            return None;
        }
        Some(CallTrace {
            entries: std::mem::take(&mut self.entries),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_calls_keep_start_order_and_depth() {
        let mut r = TraceRecorder::new(true);
        let root = r.start("host", "proc", "process", || "\"x\"".into());
        let a = r.start("proc", "kv", "get", || "\"k\"".into());
        r.finish(a, Ok("ok(none)".into()));
        let b = r.start("proc", "kv", "set", || "\"k\", \"v\"".into());
        r.finish(b, Err("trap".into()));
        r.finish(root, Ok("ok(\"X\")".into()));
        let t = r.take().unwrap();
        assert_eq!(t.entries.len(), 3);
        assert_eq!(t.entries[1].parent, Some(0));
        assert_eq!(t.entries[2].depth, 1);
        assert!(!t.entries[2].ok);
        let text = t.render();
        assert!(
            text.starts_with("proc.process(\"x\") → ok(\"X\")"),
            "{text}"
        );
        assert!(text.contains("\n  ↳ kv.get(\"k\") → ok(none)"), "{text}");
        assert_eq!(t.edges(), vec![("proc".to_string(), "kv".to_string())]);
        let json = serde_json::to_value(&t).unwrap();
        assert!(json["entries"][0]["duration_us"].is_u64());
    }

    #[test]
    fn disabled_recorder_records_nothing() {
        let mut r = TraceRecorder::default();
        assert_eq!(r.start("a", "b", "c", || unreachable!()), None);
        assert!(r.take().is_none());
    }
}
