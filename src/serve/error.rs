//! Why a server could not start: the target, the host setup, or the address.

use std::net::SocketAddr;

/// An error starting or running `wirebench serve`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The target could not be read, composed or compiled.
    #[error("{message}")]
    Load {
        /// What went wrong, naming the thing and the fix.
        message: String,
    },
    /// The target is a core module, not a component.
    #[error("`{name}` is a core module, not a component — turn it into one with `wirebench adapt {name} -o {stem}.component.wasm`")]
    CoreModule {
        /// File name of the module.
        name: String,
        /// File stem, for the suggested output name.
        stem: String,
    },
    /// The component does not export an HTTP handler.
    #[error("`{name}` does not export wasi:http/incoming-handler — serve needs an HTTP component (e.g. plug a gateway such as http-gateway.wasm in front of it)")]
    NotHttp {
        /// Component name.
        name: String,
    },
    /// An import nothing provides.
    #[error("`{name}` imports `{import}`, which nothing provides — {fix}")]
    Unsatisfied {
        /// Component name.
        name: String,
        /// The import's full name.
        import: String,
        /// How to satisfy it.
        fix: String,
    },
    /// Linked mode cannot forward a plug (resources cross it); composed mode can serve it.
    #[error("{message}")]
    LinkUnsupported {
        /// Which plug and why.
        message: String,
    },
    /// Another process listens on the address.
    #[error("address {addr} is already in use — stop the other server or pick another port with --addr 127.0.0.1:PORT")]
    AddrInUse {
        /// The requested address.
        addr: SocketAddr,
    },
    /// The address could not be bound for another reason.
    #[error("cannot listen on {addr}: {message}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The OS error.
        message: String,
    },
    /// The host (engine, tokio runtime, server thread) could not be set up.
    #[error("failed to start the server: {message}")]
    Host {
        /// What failed.
        message: String,
    },
}

impl ServeError {
    /// A [`ServeError::Load`] from any message.
    pub(crate) fn load(message: impl std::fmt::Display) -> Self {
        ServeError::Load {
            message: message.to_string(),
        }
    }

    /// A [`ServeError::Host`] from any message.
    pub(crate) fn host(message: impl std::fmt::Display) -> Self {
        ServeError::Host {
            message: crate::util::sanitize::one_line(&message.to_string()),
        }
    }
}

/// One line for a `wasmtime::Error` and its causes (sanitized).
pub(crate) fn wasm_error_line(e: &wasmtime::Error) -> String {
    crate::util::sanitize::one_line(&format!("{e:#}"))
}
