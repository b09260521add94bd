//! Shared by the adversarial suite (`tests/adversarial_*.rs`, `tests/capabilities_audit.rs`):
//! the hazard table (`hazards.txt`), its expectations, the limits hazards run under, a small
//! HTTP/1.1 client that survives hostile servers, and peak-memory readings.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Wall-time limit per call / request while hazards run.
pub const TIMEOUT_MS: u64 = 300;
/// Linear-memory cap while hazards run.
pub const MAX_MEMORY_MIB: u64 = 32;
/// Output cap while hazards run.
pub const MAX_OUTPUT_KIB: u64 = 64;

/// The hazard table, parsed once per test binary.
pub const TABLE: &str = include_str!("hazards.txt");

/// One row of `hazards.txt`.
#[derive(Debug, Clone)]
pub struct Hazard {
    pub id: String,
    /// WAVE call text with `@…(N)` macros expanded; `None` when not a direct call.
    pub call: Option<String>,
    /// The call as written in the table (short, for reports).
    pub call_label: String,
    pub http: Option<HttpHazard>,
    pub expect_call: Option<Expect>,
    pub expect_http: Option<HttpExpect>,
    pub what: String,
}

/// An HTTP request of the table.
#[derive(Debug, Clone)]
pub struct HttpHazard {
    pub method: String,
    pub path: String,
    /// Bytes of request body to send.
    pub body: usize,
    /// The request as written in the table.
    pub label: String,
}

/// What a direct call must produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// An error of this kind (`CallError::kind`).
    Error(String),
    /// A result that is exactly this text.
    Exactly(String),
    /// A result that starts with this text.
    StartsWith(String),
}

/// What an HTTP request must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpExpect {
    pub status: u16,
    pub body_prefix: Option<String>,
}

impl Expect {
    fn parse(s: &str) -> Expect {
        if let Some(exact) = s.strip_prefix("ok:=") {
            Expect::Exactly(exact.to_string())
        } else if let Some(prefix) = s.strip_prefix("ok:") {
            Expect::StartsWith(prefix.to_string())
        } else {
            Expect::Error(s.to_string())
        }
    }

    /// Whether `result` (Ok value or Err kind) is what the table expects.
    pub fn accepts(&self, result: Result<&str, &str>) -> bool {
        match (self, result) {
            (Expect::Error(kind), Err(k)) => kind == k,
            (Expect::Exactly(v), Ok(r)) => v == r,
            (Expect::StartsWith(v), Ok(r)) => r.starts_with(v.as_str()),
            _ => false,
        }
    }

    /// Whether the guest failed (and so the instance must have been re-created).
    pub fn is_guest_failure(&self) -> bool {
        matches!(self, Expect::Error(k) if !["syntax", "bad-argument", "unknown-function", "arity"].contains(&k.as_str()))
    }

    pub fn label(&self) -> String {
        match self {
            Expect::Error(k) => k.clone(),
            Expect::Exactly(v) => format!("= {v}"),
            Expect::StartsWith(v) => format!("{v}…"),
        }
    }
}

impl HttpExpect {
    fn parse(s: &str) -> HttpExpect {
        let (status, prefix) = s.split_once(':').unwrap_or((s, ""));
        HttpExpect {
            status: status.parse().expect("status in hazards.txt"),
            body_prefix: (!prefix.is_empty()).then(|| prefix.to_string()),
        }
    }

    pub fn accepts(&self, status: u16, body: &[u8]) -> bool {
        status == self.status
            && self
                .body_prefix
                .as_ref()
                .is_none_or(|p| body.starts_with(p.as_bytes()))
    }
}

fn opt(field: &str) -> Option<&str> {
    (field != "-").then_some(field)
}

/// Expands `@str(N)`, `@bytes(N)` and `@nest(N)` in call text.
pub fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let open = tail.find('(').expect("macro has `(`");
        let close = tail.find(')').expect("macro has `)`");
        let n: usize = tail[open + 1..close].parse().expect("macro count");
        match &tail[..open] {
            "str" => {
                out.push('"');
                out.push_str(&"a".repeat(n));
                out.push('"');
            }
            "bytes" => {
                out.push('[');
                out.push_str(&vec!["7"; n].join(", "));
                out.push(']');
            }
            "nest" => {
                out.push_str(&"[".repeat(n));
                out.push_str(&"]".repeat(n));
            }
            other => panic!("unknown macro @{other}"),
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Every hazard of the table.
pub fn hazards() -> Vec<Hazard> {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('|').map(str::trim).collect();
            assert_eq!(f.len(), 6, "hazards.txt: six fields expected in `{line}`");
            let http = opt(f[2]).map(|h| {
                let mut parts = h.split_whitespace();
                let method = parts.next().expect("method").to_string();
                let path = parts.next().expect("path").to_string();
                let body = parts
                    .next()
                    .and_then(|b| b.strip_prefix("@body("))
                    .and_then(|b| b.strip_suffix(')'))
                    .map_or(0, |n| n.parse().expect("body size"));
                HttpHazard {
                    method,
                    path,
                    body,
                    label: h.to_string(),
                }
            });
            Hazard {
                id: f[0].to_string(),
                call: opt(f[1]).map(expand),
                call_label: f[1].to_string(),
                http,
                expect_call: opt(f[3]).map(Expect::parse),
                expect_http: opt(f[4]).map(HttpExpect::parse),
                what: f[5].to_string(),
            }
        })
        .collect()
}

/// The hazards that are direct calls.
pub fn call_hazards() -> Vec<Hazard> {
    hazards()
        .into_iter()
        .filter(|h| h.call.is_some() && h.expect_call.is_some())
        .collect()
}

/// The hazards that are HTTP requests.
pub fn http_hazards() -> Vec<Hazard> {
    hazards()
        .into_iter()
        .filter(|h| h.http.is_some() && h.expect_http.is_some())
        .collect()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn hostile_wasm() -> PathBuf {
    repo().join("assets/samples/hostile.wasm")
}

/// The `[limits]` table of a `wirebench.toml` with the hazard limits.
pub fn limits_toml() -> String {
    format!(
        "[limits]\ntimeout = \"{TIMEOUT_MS}ms\"\nmax-memory = \"{MAX_MEMORY_MIB}MiB\"\nmax-output = \"{MAX_OUTPUT_KIB}KiB\"\n"
    )
}

/// How long one hazard may take on a path before it counts as a hang: the deadline plus
/// generous slack for a debug build on a busy 2-core machine (big results are formatted).
pub fn time_bound(h: &Hazard) -> Duration {
    let slack = if h.id.starts_with("huge") || h.id.starts_with("oversize") || h.id.contains("list")
    {
        Duration::from_secs(8)
    } else {
        Duration::from_secs(3)
    };
    let blocking = if h.id == "blocking-sleep" {
        // A blocking host call is only stopped when it returns (docs/runtime.md).
        Duration::from_millis(600)
    } else {
        Duration::ZERO
    };
    Duration::from_millis(TIMEOUT_MS) + blocking + slack
}

/// Peak resident memory of process `pid` so far (`VmHWM`), in bytes.
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmHWM:")
}

/// Current resident memory of process `pid` (`VmRSS`), in bytes.
pub fn current_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmRSS:")
}

fn kib_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// Resets this process's peak-RSS counter so the next reading covers only what follows
/// (Linux `clear_refs` 5); false where that is not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A response read off the wire.
#[derive(Debug)]
pub struct HttpReply {
    pub status: u16,
    pub body: Vec<u8>,
    /// The body ended early (connection closed or reset before the declared length).
    pub cut: bool,
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), reading at most
/// `max_body` bytes of body; `None` when no status line arrived within `limit`.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body_len: usize,
    limit: Duration,
) -> Option<HttpReply> {
    let deadline = Instant::now() + limit;
    let mut s = TcpStream::connect_timeout(&addr, limit).ok()?;
    s.set_read_timeout(Some(limit)).ok()?;
    s.set_write_timeout(Some(limit)).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {body_len}\r\nconnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).ok()?;
    let chunk = vec![b'b'; 64 * 1024];
    let mut left = body_len;
    while left > 0 {
        let n = left.min(chunk.len());
        if s.write_all(&chunk[..n]).is_err() {
            // The server may answer (e.g. 500) before reading the whole body.
            break;
        }
        left -= n;
    }
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut cut = false;
    loop {
        if Instant::now() > deadline {
            cut = true;
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
    let rest = &raw[end + 4..];
    let (body, short) = if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        (rest[..rest.len().min(len)].to_vec(), rest.len() < len)
    } else {
        (rest.to_vec(), false)
    };
    Some(HttpReply {
        status,
        body,
        cut: cut || short,
    })
}

/// Decodes a chunked body; the flag says the final zero-length chunk never came.
fn dechunk(mut data: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return (out, true);
        };
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            return (out, true);
        };
        data = &data[eol + 2..];
        if size == 0 {
            return (out, false);
        }
        if data.len() < size {
            out.extend_from_slice(data);
            return (out, true);
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

/// Formats bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[test]
fn the_table_parses_and_macros_expand() {
    let all = hazards();
    assert!(all.len() >= 25, "{}", all.len());
    assert!(all.iter().all(|h| h.call.is_some() || h.http.is_some()));
    assert_eq!(
        expand("f(@str(3), @bytes(2), @nest(2))"),
        "f(\"aaa\", [7, 7], [[]])"
    );
    let spin = all.iter().find(|h| h.id == "spin").unwrap();
    assert_eq!(spin.expect_call, Some(Expect::Error("timeout".into())));
    assert!(HttpExpect::parse("200:Err(").accepts(200, b"Err(\"x\")"));
    assert_eq!(dechunk(b"3\r\nabc\r\n0\r\n\r\n"), (b"abc".to_vec(), false));
}
