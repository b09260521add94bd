//! Call trees of served requests in linked mode: the request into the HTTP component, then
//! every call one component makes into another, as `runtime::CallTrace` entries.
//!
//! The runtime's recorder (entries numbered at start, inner calls finish first), with long
//! argument and result text clipped.

use wasmtime::component::Val;

use crate::runtime::TraceRecorder;

/// Longest argument or result text kept in a trace entry (request bodies can be 1 MiB).
const MAX_TEXT: usize = 200;

/// The recorder of one request (it lives in the store so forwarders reach it), recording only
/// when `enabled`.
pub(crate) fn recorder(enabled: bool) -> TraceRecorder {
    TraceRecorder::clipped(enabled, MAX_TEXT)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_nested_calls_and_clips_long_text() {
        let mut r = recorder(true);
        let root = r.start("host", "gateway", "handle", || "POST /".into());
        let a = r.start("gateway", "processor", "process", || "x".repeat(500));
        r.finish(a, Ok("ok".into()));
        r.finish(root, Ok("200".into()));
        let t = r.take().unwrap();
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[1].parent, Some(0));
        assert!(t.entries[1].args.chars().count() <= MAX_TEXT + 1);
        assert_eq!(t.edges(), vec![("gateway".into(), "processor".into())]);
        assert!(recorder(false).take().is_none());
    }

    #[test]
    fn values_read_as_wave() {
        let vals = [Val::String("k".into()), Val::U32(3)];
        assert_eq!(values_text(&vals), "\"k\", 3");
        assert_eq!(results_text(&[]), "()");
    }
}
