//! [`CallError`]: every way loading or calling can fail, and the mapping from `wasmtime::Error`
//! (traps, interrupts, limiter errors) to it at the runtime boundary.

use std::time::Duration;

use wasmtime::Trap;

use super::frames::{backtrace_frames, panic_message};

use super::limits::{fmt_duration, fmt_size, MemoryCapExceeded, TableCapExceeded};
use crate::util::words::plural_s;

/// Why a load or a call failed; messages are one lowercase line naming the thing and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// No exported function has this name.
    #[error("unknown function `{name}`{}", suggest(candidates))]
    UnknownFunction {
        name: String,
        candidates: Vec<String>,
    },
    /// Several exported functions answer to this name.
    #[error("`{name}` is ambiguous — use one of: {}", candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
    /// Wrong number of arguments.
    #[error("{func}: expected {expected} argument{} ({params}), found {found}", plural_s(*expected))]
    Arity {
        func: String,
        expected: usize,
        found: usize,
        params: String,
    },
    /// An argument does not match its parameter type.
    #[error("{func}: argument {index} ({param}): {message}")]
    BadArgument {
        func: String,
        index: usize,
        param: String,
        message: String,
    },
    /// The call text is not `name(args…)` in WAVE.
    #[error("{message}")]
    Syntax { message: String },
    /// The call ran past its wall-time budget.
    #[error("{func}: timed out after {} — the guest was stopped; raise the limit with --timeout", fmt_duration(*limit))]
    Timeout { func: String, limit: Duration },
    /// The user cancelled the running call.
    #[error("{func}: cancelled")]
    Cancelled { func: String },
    /// The guest's linear memory would pass the cap.
    #[error("{func}: out of memory — linear memory would exceed the {} cap; raise it with --max-memory", fmt_size(*limit))]
    OutOfMemory { func: String, limit: u64 },
    /// The guest passed the host more data in one call than wasmtime lets the host allocate for
    /// it (a string, a list, a buffer to write).
    #[error("{func}: what the guest passed the host in one call would take more than {} of host memory — the guest was stopped; have it return or write less at a time", fmt_size(*limit))]
    TooMuchData { func: String, limit: u64 },
    /// The guest exhausted the wasm stack (usually unbounded recursion).
    #[error(
        "{func}: wasm stack overflow — unbounded or too deep recursion{}",
        frames_suffix(frames)
    )]
    StackOverflow { func: String, frames: Vec<String> },
    /// The guest panicked (its message came on stderr) and trapped.
    #[error("{func}: guest panicked: {message}")]
    GuestPanic {
        func: String,
        message: String,
        frames: Vec<String>,
    },
    /// The guest trapped (unreachable, divide by zero, a host function's error…).
    #[error("{func}: trap: {message}{}", frames_suffix(frames))]
    Trap {
        func: String,
        message: String,
        frames: Vec<String>,
    },
    /// A component's import is neither plugged nor provided by the host.
    #[error("{component}: import `{import}` is not satisfied — {hint}")]
    MissingImport {
        component: String,
        import: String,
        hint: String,
    },
    /// Instantiation failed (start function trapped, resource limits, link errors).
    #[error("{component}: failed to instantiate: {message}")]
    Instantiate { component: String, message: String },
    /// The binary did not compile.
    #[error("{component}: failed to compile: {message}")]
    Compile { component: String, message: String },
    /// The target could not be read or is not something wirebench can run.
    #[error("{message}")]
    Load { message: String },
    /// The request is valid but not supported in this mode.
    #[error("{message}")]
    Unsupported { message: String },
}

impl CallError {
    /// Stable kebab-case name of the variant, used in `--json` output.
    pub fn kind(&self) -> &'static str {
        match self {
            CallError::UnknownFunction { .. } => "unknown-function",
            CallError::Ambiguous { .. } => "ambiguous",
            CallError::Arity { .. } => "arity",
            CallError::BadArgument { .. } => "bad-argument",
            CallError::Syntax { .. } => "syntax",
            CallError::Timeout { .. } => "timeout",
            CallError::Cancelled { .. } => "cancelled",
            CallError::OutOfMemory { .. } => "out-of-memory",
            CallError::TooMuchData { .. } => "too-much-data",
            CallError::StackOverflow { .. } => "stack-overflow",
            CallError::GuestPanic { .. } => "guest-panic",
            CallError::Trap { .. } => "trap",
            CallError::MissingImport { .. } => "missing-import",
            CallError::Instantiate { .. } => "instantiate",
            CallError::Compile { .. } => "compile",
            CallError::Load { .. } => "load",
            CallError::Unsupported { .. } => "unsupported",
        }
    }

    /// True when the guest ran and failed, i.e. the store had to be rebuilt.
    pub fn is_guest_failure(&self) -> bool {
        matches!(
            self,
            CallError::Timeout { .. }
                | CallError::Cancelled { .. }
                | CallError::OutOfMemory { .. }
                | CallError::TooMuchData { .. }
                | CallError::StackOverflow { .. }
                | CallError::GuestPanic { .. }
                | CallError::Trap { .. }
        )
    }
}

fn suggest(candidates: &[String]) -> String {
    match candidates {
        [] => " — this target exports no functions".to_string(),
        [one] => format!(" — did you mean `{one}`?"),
        many if many.len() <= 8 => format!(" — available: {}", many.join(", ")),
        many => format!(
            " — available: {}, … ({} in all)",
            many[..8].join(", "),
            many.len()
        ),
    }
}

fn frames_suffix(frames: &[String]) -> String {
    if frames.is_empty() {
        String::new()
    } else {
        format!(" (in {})", frames.join(" ← "))
    }
}

/// Raised by the epoch callback to stop a guest; found again when classifying the trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Interrupted {
    #[error("call exceeded its time limit")]
    Timeout,
    #[error("call cancelled")]
    Cancelled,
}

/// What the classifier needs to know about the failed call.
pub(crate) struct FailureContext<'a> {
    pub func: &'a str,
    pub timeout: Duration,
    pub max_memory: u64,
    /// The guest's stderr for this call (a Rust panic message lands there before the trap).
    pub stderr: &'a [u8],
}

/// Maps an error out of `Func::call` (or instantiation) to a [`CallError`].
pub(crate) fn classify(err: &wasmtime::Error, cx: &FailureContext<'_>) -> CallError {
    let func = cx.func.to_string();
    if let Some(i) = find::<Interrupted>(err) {
        return match i {
            Interrupted::Timeout => CallError::Timeout {
                func,
                limit: cx.timeout,
            },
            Interrupted::Cancelled => CallError::Cancelled { func },
        };
    }
    if find::<MemoryCapExceeded>(err).is_some() {
        return CallError::OutOfMemory {
            func,
            limit: cx.max_memory,
        };
    }
    // wasmtime's error type for this is private; its text is what identifies it.
    if err
        .chain()
        .any(|c| c.to_string().contains(HOSTCALL_FUEL_EXHAUSTED))
    {
        return CallError::TooMuchData {
            func,
            limit: HOSTCALL_DATA_LIMIT,
        };
    }
    let frames = backtrace_frames(err);
    if let Some(t) = find::<TableCapExceeded>(err) {
        return CallError::Trap {
            func,
            message: t.to_string(),
            frames,
        };
    }
    match find::<Trap>(err) {
        Some(Trap::StackOverflow) => CallError::StackOverflow { func, frames },
        Some(Trap::Interrupt) => CallError::Timeout {
            func,
            limit: cx.timeout,
        },
        Some(trap) => {
            if let Some(message) = panic_message(cx.stderr) {
                return CallError::GuestPanic {
                    func,
                    message,
                    frames,
                };
            }
            CallError::Trap {
                func,
                message: trap.to_string(),
                frames,
            }
        }
        None => CallError::Trap {
            func,
            message: error_line(err),
            frames,
        },
    }
}

/// How wasmtime ends a guest-to-host call that copies more than the store's hostcall fuel.
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// The hostcall fuel of every store: wasmtime's default, which wirebench keeps.
const HOSTCALL_DATA_LIMIT: u64 = 128 << 20;

/// Looks for `T` in the error itself and in its whole source chain.
fn find<T: std::error::Error + Send + Sync + 'static>(err: &wasmtime::Error) -> Option<&T> {
    if let Some(t) = err.downcast_ref::<T>() {
        return Some(t);
    }
    err.chain().find_map(|c| c.downcast_ref::<T>())
}

/// The error chain on one line, without repeats.
pub(crate) fn error_line(err: &wasmtime::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        // Backtraces are reported separately as frames.
        if text.starts_with("error while executing at wasm backtrace") || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    crate::util::sanitize::one_line(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx(stderr: &[u8]) -> FailureContext<'_> {
        FailureContext {
            func: "f",
            timeout: Duration::from_millis(200),
            max_memory: 1 << 20,
            stderr,
        }
    }

    #[test]
    fn interrupts_and_limits_are_recognised_through_context() {
        let e = wasmtime::Error::new(Interrupted::Timeout).context("while calling");
        assert_eq!(
            classify(&e, &cx(b"")),
            CallError::Timeout {
                func: "f".into(),
                limit: Duration::from_millis(200)
            }
        );
        let e = wasmtime::Error::new(MemoryCapExceeded {
            limit: 1,
            requested: 2,
        });
        assert_eq!(classify(&e, &cx(b"")).kind(), "out-of-memory");
    }

    #[test]
    fn panic_messages_come_from_stderr() {
        let stderr = b"\nthread '<unnamed>' panicked at src/lib.rs:9:5:\nboom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(stderr).unwrap(),
            "panicked at src/lib.rs:9:5: boom"
        );
        assert!(panic_message(b"just output").is_none());
        let e = wasmtime::Error::new(Trap::UnreachableCodeReached);
        assert!(matches!(
            classify(&e, &cx(stderr)),
            CallError::GuestPanic { .. }
        ));
        assert!(matches!(classify(&e, &cx(b"")), CallError::Trap { .. }));
    }

    #[test]
    fn messages_are_one_line_and_name_the_fix() {
        let e = CallError::UnknownFunction {
            name: "gte".into(),
            candidates: vec!["get".into()],
        };
        assert_eq!(
            e.to_string(),
            "unknown function `gte` — did you mean `get`?"
        );
        let e = CallError::Timeout {
            func: "spin".into(),
            limit: Duration::from_secs(5),
        };
        assert!(e.to_string().contains("--timeout"));
        let e = CallError::Arity {
            func: "set".into(),
            expected: 2,
            found: 1,
            params: "key: string, value: string".into(),
        };
        assert_eq!(
            e.to_string(),
            "set: expected 2 arguments (key: string, value: string), found 1"
        );
    }
}
