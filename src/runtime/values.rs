//! WAVE call text → typed `Val`s, checked against the parameter types before any guest runs,
//! with resources accepted as session handles (`$1`).
//!
//! Handles are not WAVE: before parsing, each `$N` outside string literals becomes the label `rN`
//! (same length, so spans still point into the user's text), and only a parameter of
//! resource type accepts such a label.

use super::error::CallError;
use wasmtime::component::wasm_wave::ast::{Node, NodeType};
use wasmtime::component::wasm_wave::parser::Parser;
use wasmtime::component::wasm_wave::untyped::UntypedValue;

/// A call split into its function name and parsed (untyped) arguments.
pub(crate) struct CallText {
    /// The function name as written (`get`, `store.get`, `counter.new`).
    pub name: String,
    /// The argument tuple and its source text (`("a", r1)`, handles rewritten); `None` for
    /// `name()`.
    args: Option<UntypedValue<'static>>,
    /// The argument text as written, kept only when rewriting handles changed it.
    written: Option<String>,
}

impl CallText {
    /// The argument nodes, in order.
    pub fn arg_nodes(&self) -> Vec<&Node> {
        match &self.args {
            Some(v) => v.node().as_tuple().map(|t| t.collect()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// The argument text with handles rewritten, which node spans index into.
    pub fn src(&self) -> &str {
        self.args.as_ref().map_or("()", |v| v.source())
    }

    /// The argument text as written, same length as [`src`](Self::src).
    pub fn orig(&self) -> &str {
        self.written.as_deref().unwrap_or_else(|| self.src())
    }

    /// Each argument read as a handle (`$3` → `Some(3)`), for built-ins like `drop`.
    pub fn handle_args(&self) -> Vec<Option<u32>> {
        let orig = self.orig();
        self.arg_nodes()
            .into_iter()
            .map(|n| {
                orig.get(n.span())
                    .and_then(|s| s.strip_prefix('$'))
                    .and_then(|s| s.parse().ok())
            })
            .collect()
    }

    /// The arguments as written, without the parentheses (for traces and templates).
    pub fn args_text(&self) -> &str {
        let t = self.orig().trim();
        t.strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(t)
            .trim()
    }
}

/// Splits `name(args…)` and parses the arguments as a WAVE tuple.
pub(crate) fn parse_call(text: &str) -> Result<CallText, CallError> {
    let text = text.trim();
    let syntax = |message: String| CallError::Syntax { message };
    let Some(open) = text.find('(') else {
        return Err(syntax(format!(
            "`{}`: expected a call like `get(\"key\")` — add parentheses, even with no arguments",
            clip(text)
        )));
    };
    let name = text[..open].trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(syntax(format!(
            "`{}`: expected a function name before `(`, e.g. `get(\"key\")`",
            clip(text)
        )));
    }
    let orig = &text[open..];
    // Most calls pass no handles: then the source is the text itself.
    let rewritten = orig.contains('$').then(|| rewrite_handles(orig));
    let src = rewritten.as_deref().unwrap_or(orig);
    let inner = src
        .strip_prefix('(')
        .and_then(|s| s.trim_end().strip_suffix(')'));
    let args = if inner.is_some_and(|s| s.trim().is_empty()) {
        None
    } else {
        let mut parser = Parser::new(src);
        let value = parser
            .parse_raw_value()
            .and_then(|v| parser.finish().map(|()| v))
            .map_err(|e| {
                let span = e.span();
                let at = orig.get(span.clone()).filter(|s| !s.is_empty());
                let detail = e.detail().map(|d| format!(" ({d})")).unwrap_or_default();
                syntax(match at {
                    Some(at) => format!("{name}: malformed arguments: {}{detail} at `{}`", e.kind(), clip(at)),
                    None => format!("{name}: malformed arguments: {}{detail} — check for a missing `)` or quote", e.kind()),
                })
            })?;
        if value.node().ty() != NodeType::Tuple {
            return Err(syntax(format!("{name}: arguments must be in parentheses")));
        }
        // Moves the tree and copies the source once, so the call text owns both.
        Some(value.into_owned())
    };
    Ok(CallText {
        name: name.to_string(),
        written: rewritten.map(|_| orig.to_string()),
        args,
    })
}

/// Replaces `$N` outside string and char literals by `rN`.
fn rewrite_handles(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if text[i..].starts_with("\"\"\"") {
            let end = text[i + 3..]
                .find("\"\"\"")
                .map_or(text.len(), |e| i + 3 + e + 3);
            out.push_str(&text[i..end]);
            i = end;
        } else if c == b'"' || c == b'\'' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != c {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(bytes.len());
            out.push_str(&text[i..end]);
            i = end;
        } else if c == b'$' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            out.push('r');
            i += 1;
        } else {
            let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&text[i..i + ch_len]);
            i += ch_len;
        }
    }
    out
}

/// Shortens user or guest text for an error message.
pub(crate) fn clip(s: &str) -> String {
    let one = crate::util::sanitize::one_line(s);
    if one.chars().count() > 40 {
        format!("{}…", one.chars().take(40).collect::<String>())
    } else {
        one
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
