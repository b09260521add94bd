//! How a failed request is named and answered: 504 past the deadline, 503 without a free
//! instance slot, 500 for traps, panics and the memory cap (the reason goes to the log and
//! the event, not to the client).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use super::error::wasm_error_line;
use super::state::{DeadlineExceeded, MemoryCapExceeded};
use crate::runtime::fmt_duration;

type Response = hyper::Response<HyperOutgoingBody>;

/// Why a request failed, for the client (status) and the log (reason).
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// Status for the client.
    pub status: u16,
    /// One line for the log and the event.
    pub reason: String,
}

/// What the client gets when the guest set no response: the reason stays in the log.
pub(crate) fn failure_response(f: Option<Failure>) -> Response {
    match f {
        Some(f) if f.status == 504 => error_response(504, "the component did not answer in time"),
        Some(f) if f.status == 503 => error_response(503, &f.reason),
        Some(_) => error_response(500, "the component failed; the server log has the reason"),
        None => error_response(500, "the component returned without setting a response"),
    }
}

/// A plain-text response made by the host.
pub(crate) fn error_response(status: u16, text: &str) -> Response {
    let body = Full::new(Bytes::from(format!("{text}\n")))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut r = hyper::Response::new(body);
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

impl Failure {
    /// A failure of the host itself (store or resources could not be set up).
    pub fn host(reason: String) -> Self {
        Failure {
            status: 500,
            reason: format!("host error: {reason}"),
        }
    }
}

/// Names a failure: timeout (504), pool exhausted (503), memory cap, panic or trap (500).
pub(crate) fn classify(
    e: &wasmtime::Error,
    stderr: &str,
    timeout: Duration,
    phase: &str,
) -> Failure {
    let has = |pred: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool| e.chain().any(pred);
    if has(&|c| c.is::<DeadlineExceeded>())
        || e.downcast_ref::<wasmtime::Trap>() == Some(&wasmtime::Trap::Interrupt)
    {
        return Failure {
            status: 504,
            reason: format!("timed out after {} (--timeout)", fmt_duration(timeout)),
        };
    }
    let line = wasm_error_line(e);
    if line.contains("maximum concurrent") || line.contains("pooling allocator") {
        return Failure {
            status: 503,
            reason: format!("no free instance slot: {line}"),
        };
    }
    if let Some(m) = e
        .chain()
        .find_map(|c| c.downcast_ref::<MemoryCapExceeded>())
    {
        return Failure {
            status: 500,
            reason: format!("out of memory during {phase}: {m} (--max-memory)"),
        };
    }
    // A Rust guest prints `panicked at …` to stderr before it traps: that is the reason.
    let panic = stderr
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let reason = if panic.is_empty() {
        format!("the component trapped during {phase}: {line}")
    } else {
        format!(
            "the component panicked during {phase}: {}",
            crate::util::sanitize::one_line(&panic)
        )
    };
    Failure {
        status: 500,
        reason,
    }
}
