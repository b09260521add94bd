//! Why a `.wasm` could not be read or decoded; every message is one line naming the file.

use std::path::PathBuf;

use thiserror::Error;

/// An error from reading or decoding a WebAssembly binary.
#[derive(Debug, Error)]
pub enum DecodeError {
    #[error("`{path}`: no such file — check the path", path = path.display())]
    NotFound { path: PathBuf },
    #[error("`{path}`: cannot read: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}`: is {what}, not a file — pass a `.wasm` file", path = path.display())]
    NotAFile { path: PathBuf, what: &'static str },
    #[error(
        "`{path}`: file is too large ({size} bytes; the limit is {limit} bytes)",
        path = path.display()
    )]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("`{name}`: file is empty — expected a WebAssembly component or module")]
    Empty { name: String },
    #[error("`{name}`: not a WebAssembly binary (starts with {found}) — expected `\\0asm`")]
    NotWasm { name: String, found: String },
    #[error("`{name}`: {what} — the file looks truncated (rebuild or re-copy it)")]
    Truncated { name: String, what: String },
    #[error("`{name}`: invalid {kind}: {reason}")]
    Invalid {
        name: String,
        kind: crate::model::Kind,
        reason: String,
    },
    #[error("`{name}`: cannot decode the WIT interface of this {kind}: {reason}")]
    Wit {
        name: String,
        kind: crate::model::Kind,
        reason: String,
    },
}

/// Flattens an `anyhow` chain into one line: `outer: inner: root`.
pub(crate) fn one_line(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for (i, cause) in err.chain().enumerate() {
        let text = cause.to_string();
        if i > 0 {
            if out.contains(&text) {
                continue;
            }
            out.push_str(": ");
        }
        out.push_str(&text.replace('\n', "; "));
    }
    out
}
