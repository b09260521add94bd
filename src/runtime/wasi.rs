//! WASI for guests, deny by default (DESIGN §4): capability grants, the context built from
//! them, and stdout/stderr captured into capped in-memory buffers drained after every call.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use super::error::CallError;

/// Capabilities granted to guests; everything not listed is denied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Grants {
    /// Host directories made visible to the guest.
    pub dirs: Vec<DirGrant>,
    /// Environment variables the guest may see.
    pub env: Vec<EnvGrant>,
    /// Allow TCP/UDP to loopback addresses (never other hosts, never DNS).
    pub allow_net: bool,
}

/// One preopened directory: `--dir HOST[::GUEST][:ro|:rw]` (in TOML that string or a table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", try_from = "DirGrantRepr")]
pub struct DirGrant {
    /// Directory on the host.
    pub host: PathBuf,
    /// Path the guest sees (defaults to the host path as written).
    pub guest: String,
    /// Whether the guest may write (read-only unless asked).
    #[serde(default)]
    pub writable: bool,
}

/// One environment variable: `--env NAME` (the host's value) or `--env NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EnvGrantRepr")]
pub struct EnvGrant {
    /// Variable name.
    pub name: String,
    /// Value to give; `None` passes the host's value through if it is set.
    #[serde(default)]
    pub value: Option<String>,
}

/// `wirebench.toml` may write a grant as the flag's string or as a table.
#[derive(Deserialize)]
#[serde(untagged)]
enum DirGrantRepr {
    Text(String),
    Table {
        host: PathBuf,
        guest: Option<String>,
        #[serde(default)]
        writable: bool,
    },
}

impl TryFrom<DirGrantRepr> for DirGrant {
    type Error = String;

    fn try_from(r: DirGrantRepr) -> Result<Self, String> {
        match r {
            DirGrantRepr::Text(t) => DirGrant::parse(&t),
            DirGrantRepr::Table {
                host,
                guest,
                writable,
            } => Ok(DirGrant {
                guest: guest.unwrap_or_else(|| host.display().to_string()),
                host,
                writable,
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EnvGrantRepr {
    Text(String),
    Table { name: String, value: Option<String> },
}

impl TryFrom<EnvGrantRepr> for EnvGrant {
    type Error = String;

    fn try_from(r: EnvGrantRepr) -> Result<Self, String> {
        match r {
            EnvGrantRepr::Text(t) => EnvGrant::parse(&t),
            EnvGrantRepr::Table { name, value } => Ok(EnvGrant { name, value }),
        }
    }
}

impl Grants {
    /// Adds `other`'s grants (used where several components share one WASI context).
    pub fn merge(&mut self, other: Grants) {
        for d in other.dirs {
            if !self.dirs.contains(&d) {
                self.dirs.push(d);
            }
        }
        for e in other.env {
            if !self.env.contains(&e) {
                self.env.push(e);
            }
        }
        self.allow_net |= other.allow_net;
    }
}

impl DirGrant {
    /// Parses `HOST[::GUEST][:ro|:rw]`.
    pub fn parse(text: &str) -> Result<DirGrant, String> {
        let (rest, writable) = if let Some(r) = text.strip_suffix(":rw") {
            (r, true)
        } else if let Some(r) = text.strip_suffix(":ro") {
            (r, false)
        } else {
            (text, false)
        };
        let (host, guest) = match rest.split_once("::") {
            Some((h, g)) => (h, g.to_string()),
            None => (rest, rest.to_string()),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(format!(
                "invalid --dir `{text}` — use HOST[::GUEST][:ro|:rw], e.g. ./data::/data:ro"
            ));
        }
        Ok(DirGrant {
            host: PathBuf::from(host),
            guest,
            writable,
        })
    }
}

impl EnvGrant {
    /// Parses `NAME` or `NAME=VALUE`.
    pub fn parse(text: &str) -> Result<EnvGrant, String> {
        let (name, value) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (text, None),
        };
        if name.is_empty() {
            return Err(format!("invalid --env `{text}` — use NAME or NAME=VALUE"));
        }
        Ok(EnvGrant {
            name: name.to_string(),
            value,
        })
    }
}

/// Builds a WASI context holding exactly the grants: no args, empty stdin, captured output.
pub(crate) fn build_wasi(
    grants: &Grants,
    stdout: &CapturedOutput,
    stderr: &CapturedOutput,
) -> Result<WasiCtx, CallError> {
    let mut b = WasiCtxBuilder::new();
    b.stdout(stdout.clone()).stderr(stderr.clone());
    // The runtime worker is a plain thread: blocking on file I/O there is cheaper than a
    // round trip through tokio's blocking pool.
    b.allow_blocking_current_thread(true);
    for e in &grants.env {
        match &e.value {
            Some(v) => {
                b.env(&e.name, v);
            }
            None => {
                if let Ok(v) = std::env::var(&e.name) {
                    b.env(&e.name, v);
                }
            }
        }
    }
    for d in &grants.dirs {
        let perms = if d.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&d.host, &d.guest, perms)
            .map_err(|e| CallError::Load {
                message: format!(
                    "cannot grant directory `{}`: {} — check that it exists",
                    d.host.display(),
                    one_line(&e.to_string())
                ),
            })?;
    }
    b.allow_ip_name_lookup(false);
    if grants.allow_net {
        b.allow_tcp(true).allow_udp(true);
        b.socket_addr_check(|addr, usage| {
            let ok = loopback_allowed(addr, usage);
            Box::pin(async move { ok })
        });
    } else {
        b.allow_tcp(false).allow_udp(false);
    }
    Ok(b.build())
}

/// Loopback peers only; binds may also use the wildcard address with an ephemeral port,
/// because connecting performs such an implicit bind.
fn loopback_allowed(addr: SocketAddr, usage: SocketAddrUse) -> bool {
    let ip = addr.ip();
    match usage {
        SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => {
            ip.is_loopback() || (ip.is_unspecified() && addr.port() == 0)
        }
        _ => ip.is_loopback(),
    }
}

fn one_line(s: &str) -> String {
    crate::util::sanitize::one_line(s)
}

/// A capped in-memory sink for a guest's stdout or stderr; bytes past the cap are dropped
/// (and flagged) rather than failing the guest's write, so a flood cannot crash a call.
#[derive(Clone)]
pub(crate) struct CapturedOutput {
    inner: Arc<Mutex<Captured>>,
    /// Set on every write, so draining after a quiet call skips the lock.
    written: Arc<AtomicBool>,
}

struct Captured {
    bytes: Vec<u8>,
    cap: usize,
    truncated: bool,
}

impl CapturedOutput {
    pub fn new(cap: usize) -> Self {
        CapturedOutput {
            inner: Arc::new(Mutex::new(Captured {
                bytes: Vec::new(),
                cap,
                truncated: false,
            })),
            written: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Takes everything written since the last take, and whether some of it was dropped.
    pub fn take(&self) -> (Vec<u8>, bool) {
        if !self.written.swap(false, Ordering::SeqCst) {
            return (Vec::new(), false);
        }
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let truncated = std::mem::replace(&mut c.truncated, false);
        (std::mem::take(&mut c.bytes), truncated)
    }

    /// [`CapturedOutput::take`] as text (raw: sanitize before display).
    pub fn take_text(&self) -> (String, bool) {
        let (bytes, truncated) = self.take();
        (String::from_utf8_lossy(&bytes).into_owned(), truncated)
    }

    /// What was written since the last take, left in place, as text.
    pub fn peek_text(&self) -> String {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&c.bytes).into_owned()
    }

    fn append(&self, data: &[u8]) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.written.store(true, Ordering::SeqCst);
        let room = c.cap.saturating_sub(c.bytes.len());
        if data.len() > room {
            c.truncated = true;
        }
        let n = data.len().min(room);
        c.bytes.extend_from_slice(&data[..n]);
    }
}

impl IsTerminal for CapturedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        // Only WASIp3 uses the async stream, and wirebench links WASIp2 only; a zero-capacity
        // pipe keeps the trait satisfied.
        Box::new(wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(0))
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturedOutput {
    async fn ready(&mut self) {}
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CapturedOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable: excess is dropped in `append`, never reported as an error.
        Ok(64 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_grants_parse() {
        let d = DirGrant::parse("./data::/data:rw").unwrap();
        assert_eq!(d.host, PathBuf::from("./data"));
        assert_eq!(d.guest, "/data");
        assert!(d.writable);
        let d = DirGrant::parse("/tmp/x").unwrap();
        assert_eq!(d.guest, "/tmp/x");
        assert!(!d.writable);
        let d = DirGrant::parse("/tmp/x:ro").unwrap();
        assert_eq!(d.host, PathBuf::from("/tmp/x"));
        assert!(DirGrant::parse("::/x").is_err());
    }

    #[test]
    fn env_grants_parse() {
        assert_eq!(
            EnvGrant::parse("A=b=c").unwrap(),
            EnvGrant {
                name: "A".into(),
                value: Some("b=c".into())
            }
        );
        assert_eq!(EnvGrant::parse("HOME").unwrap().value, None);
        assert!(EnvGrant::parse("=x").is_err());
    }

    #[test]
    fn grants_read_from_toml_strings_or_tables() {
        let g: Grants = toml::from_str(
            "dirs = [\"./data::/data:ro\", { host = \"/tmp\", writable = true }]\nenv = [\"A=1\", { name = \"B\" }]\nallow-net = true",
        )
        .unwrap();
        assert_eq!(g.dirs[0].guest, "/data");
        assert_eq!(g.dirs[1].guest, "/tmp");
        assert!(g.dirs[1].writable);
        assert_eq!(g.env[0].value.as_deref(), Some("1"));
        assert_eq!(g.env[1].value, None);
        assert!(g.allow_net);
        assert!(toml::from_str::<Grants>("dirs = [\"::x\"]").is_err());
    }

    #[test]
    fn capture_caps_and_flags() {
        let out = CapturedOutput::new(4);
        out.append(b"ab");
        out.append(b"cdef");
        assert_eq!(out.take(), (b"abcd".to_vec(), true));
        assert_eq!(out.take(), (Vec::new(), false));
    }

    #[test]
    fn net_is_loopback_only() {
        let lo: SocketAddr = "127.0.0.1:80".parse().unwrap();
        let far: SocketAddr = "1.1.1.1:80".parse().unwrap();
        let any0: SocketAddr = "0.0.0.0:0".parse().unwrap();
        let any80: SocketAddr = "0.0.0.0:80".parse().unwrap();
        assert!(loopback_allowed(lo, SocketAddrUse::TcpConnect));
        assert!(!loopback_allowed(far, SocketAddrUse::TcpConnect));
        assert!(loopback_allowed(any0, SocketAddrUse::TcpBind));
        assert!(!loopback_allowed(any80, SocketAddrUse::TcpBind));
    }
}
