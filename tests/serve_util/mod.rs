//! Shared by the serve tests and bench: fixtures (the plugged sample service, synthesized
//! failing processors) and a small HTTP/1 client on hyper.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use wasmtime_wasi_http::io::TokioIo;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn sample(name: &str) -> PathBuf {
    repo().join("assets/samples").join(format!("{name}.wasm"))
}

pub fn wirebench() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wirebench"))
}

/// `wirebench plug http-gateway --plug data-processor --plug kv-store -o dir/svc.wasm`.
pub fn plug_service(dir: &Path) -> PathBuf {
    plug(
        dir,
        "svc.wasm",
        &sample("http-gateway"),
        &[sample("data-processor"), sample("kv-store")],
    )
}

/// Runs `wirebench plug SOCKET --plug … -o dir/out` and returns the output path.
pub fn plug(dir: &Path, out: &str, socket: &Path, plugs: &[PathBuf]) -> PathBuf {
    let out = dir.join(out);
    let mut cmd = std::process::Command::new(wirebench());
    cmd.arg("plug").arg(socket);
    for p in plugs {
        cmd.arg("--plug").arg(p);
    }
    let o = cmd
        .arg("-o")
        .arg(&out)
        .output()
        .expect("run wirebench plug");
    assert!(
        o.status.success(),
        "plug failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

const KV_WIT: &str = include_str!("../../wit/kv-store/store.wit");
const PROCESSOR_WIT: &str = include_str!("../../wit/processor/processor.wit");

/// A processor whose every function traps (`unreachable`).
pub fn trapping_processor() -> Vec<u8> {
    wirebench::model::synth::component_from_wit(PROCESSOR_WIT, &[KV_WIT], Some("processor"))
        .expect("synthesize processor")
}

/// A processor whose `process` never returns (an endless loop); it imports nothing.
pub fn hanging_processor() -> Vec<u8> {
    use wit_component::{ComponentEncoder, StringEncoding};
    let mut resolve = wit_parser::Resolve::default();
    resolve.push_str("kv.wit", KV_WIT).expect("kv WIT");
    let pkg = resolve
        .push_str("p.wit", PROCESSOR_WIT)
        .expect("processor WIT");
    let world = resolve
        .select_world(&[pkg], Some("processor"))
        .expect("world");
    let mut module = wat::parse_str(
        r#"(module
            (memory (export "memory") 1)
            (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 1024)
            (func (export "neon:processor/transform@1.0.0#process") (param i32 i32) (result i32)
              (loop $spin (br $spin))
              unreachable)
            (func (export "neon:processor/transform@1.0.0#analyze") (param i32 i32) (result i32)
              unreachable)
            (func (export "neon:processor/transform@1.0.0#last-input") (result i32)
              unreachable))"#,
    )
    .expect("WAT parses");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .expect("embed metadata");
    ComponentEncoder::default()
        .module(&module)
        .expect("module accepted")
        .validate(true)
        .encode()
        .expect("component encodes")
}

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn connect(addr: SocketAddr) -> std::io::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    sender.ready().await.map_err(std::io::Error::other)?;
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(std::io::Error::other)?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(std::io::Error::other)?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// One request on a fresh connection; errors (refused, reset) are `Err`.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<(u16, String)> {
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            let mut s = connect(addr).await?;
            send(&mut s, method, path, body).await
        })
        .await
        .map_err(|_| std::io::Error::other("request timed out"))?
    })
}

/// Polls `GET /` until the server answers (like the acceptance script's curl loop).
pub fn wait_until_up(addr: SocketAddr, limit: Duration) -> bool {
    let t0 = std::time::Instant::now();
    while t0.elapsed() < limit {
        if request(addr, "GET", "/", "").is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `total` POSTs spread over `connections` keep-alive connections; results in any order.
pub fn load(
    addr: SocketAddr,
    total: usize,
    connections: usize,
    body: &str,
) -> (Vec<std::io::Result<(u16, String)>>, Duration) {
    let rt = runtime();
    let t0 = std::time::Instant::now();
    let results = rt.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..connections {
            let n = total / connections + usize::from(c < total % connections);
            let body = body.to_string();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::with_capacity(n);
                let mut sender = match connect(addr).await {
                    Ok(s) => s,
                    Err(e) => {
                        out.push(Err(e));
                        return out;
                    }
                };
                for _ in 0..n {
                    let r = tokio::time::timeout(
                        Duration::from_secs(60),
                        send(&mut sender, "POST", "/", &body),
                    )
                    .await
                    .unwrap_or_else(|_| Err(std::io::Error::other("timed out")));
                    out.push(r);
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("client task"));
        }
        all
    });
    (results, t0.elapsed())
}
