//! Call trees of served requests in linked mode: the request into the HTTP component, then
//! every call one component makes into another, as `runtime::CallTrace` entries.
//!
//! The same shape as the runtime's recorder (entries numbered at start, inner calls finish
//! first); that one is private to the runtime's synchronous store.

use std::time::{Duration, Instant};

use wasmtime::component::Val;

use crate::runtime::{CallTrace, TraceEntry};

/// Longest argument or result text kept in a trace entry (request bodies can be 1 MiB).
const MAX_TEXT: usize = 200;

/// Collects the entries of one request; lives in the store so forwarders reach it.
#[derive(Default)]
pub(crate) struct Recorder {
    enabled: bool,
    entries: Vec<TraceEntry>,
    starts: Vec<Instant>,
    stack: Vec<u32>,
}

impl Recorder {
    /// A recorder that records only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Recorder {
            enabled,
            ..Default::default()
        }
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
        self.entries.push(TraceEntry {
            seq,
            parent: self.stack.last().copied(),
            depth: u32::try_from(self.stack.len()).unwrap_or(u32::MAX),
            caller: caller.to_string(),
            callee: callee.to_string(),
            function: function.to_string(),
            args: clip(args()),
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
        if let (Some(e), Some(t0)) = (self.entries.get_mut(i), self.starts.get(i)) {
            e.duration = t0.elapsed();
            e.ok = result.is_ok();
            e.result = clip(result.unwrap_or_else(|e| e));
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

/// WAVE text of values (`"k", "v"`); callers only pass resource-free values.
pub(crate) fn values_text(vals: &[Val]) -> String {
    vals.iter().map(value_text).collect::<Vec<_>>().join(", ")
}

/// How results read in a trace: `()` for none, the value for one, a tuple for several.
pub(crate) fn results_text(vals: &[Val]) -> String {
    match vals {
        [] => "()".to_string(),
        [one] => value_text(one),
        many => format!("({})", values_text(many)),
    }
}

fn value_text(v: &Val) -> String {
    // `to_wave` panics on resources; forwarders refuse resource-carrying interfaces, and
    // this guard keeps a future change from turning that into a crash.
    if matches!(v, Val::Resource(_)) {
        return "<resource>".to_string();
    }
    v.to_wave().unwrap_or_else(|_| "<value>".to_string())
}

fn clip(mut s: String) -> String {
    if s.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_nested_calls_and_clips_long_text() {
        let mut r = Recorder::new(true);
        let root = r.start("host", "gateway", "handle", || "POST /".into());
        let a = r.start("gateway", "processor", "process", || "x".repeat(500));
        r.finish(a, Ok("ok".into()));
        r.finish(root, Ok("200".into()));
        let t = r.take().unwrap();
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[1].parent, Some(0));
        assert!(t.entries[1].args.chars().count() <= MAX_TEXT + 1);
        assert_eq!(t.edges(), vec![("gateway".into(), "processor".into())]);
        assert!(Recorder::new(false).take().is_none());
    }

    #[test]
    fn values_read_as_wave() {
        let vals = [Val::String("k".into()), Val::U32(3)];
        assert_eq!(values_text(&vals), "\"k\", 3");
        assert_eq!(results_text(&[]), "()");
    }
}
