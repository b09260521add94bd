//! Public doors into the crate-private WAVE code, for `benches/wave.rs` only: not an API.
//!
//! The call path parses and formats through `values`, `convert` and `format`; the bench must
//! time exactly that code, so these wrappers add nothing but the visibility.

use wasmtime::component::{Type, Val};

use super::convert::convert_args;
use super::error::CallError;
use super::format::format_plain;
use super::values::parse_call;

/// Parses `name(args…)` and checks the arguments against `params`, as a call does before
/// running (no session, so `$N` handles are checked for form only).
#[doc(hidden)]
pub fn parse_call_args(text: &str, params: &[(String, Type)]) -> Result<Vec<Val>, CallError> {
    let call = parse_call(text)?;
    // The WIT parameter list only appears in arity errors; the bench never hits one.
    let (vals, _consumed) = convert_args(&call, &call.name, params, &[], None)?;
    Ok(vals)
}

/// Writes a value as WAVE with the call path's writer (resources as `<resource>`).
#[doc(hidden)]
pub fn format_val(val: &Val) -> String {
    format_plain(val)
}
