//! The hazards over HTTP (`wasi:http/incoming-handler`): `GET /<hazard>?<arg>=<value>` runs
//! the function of the same name, plus a few that only make sense in HTTP — a request body
//! read without limit (`POST /echo`), a huge response (`/big-body`), no response at all
//! (`/no-response`), a response that stalls mid-body (`/stall-body`), huge headers
//! (`/headers`). Unknown paths get 404 with the list of routes.

use crate::exports::neon::hostile::hazards::Guest;
use crate::exports::wasi::http::incoming_handler::Guest as Handler;
use crate::wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use crate::wasi::io::streams::StreamError;
use crate::Hostile;

/// Bytes per `blocking-write-and-flush` call (the WASI limit is 4096).
const WRITE_CHUNK: usize = 4096;

const ROUTES: &str = "routes: /spin /sleep-ms?ms= /block-ms?ms= /recurse?depth= \
/grow-memory?mib= /big-string?mib= /big-list?mib= /panic?msg= /trap-unreachable \
/divide?a=&b= /flood?mib= /flood-stderr?mib= /read-file?path= /env-var?name= /list-env \
/connect?addr= /now /hoard-handles?n= /hoard-pollables?n= /resolve?name= /read-stdin \
/probe?tcp= POST/echo /big-body?mib= /no-response /stall-body?ms= /headers?n=\n";

impl Handler for Hostile {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_else(|| "/".into());
        let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
        let arg = |name: &str| param(query, name).unwrap_or_default();
        let num = |name: &str| arg(name).parse::<u64>().unwrap_or(0);
        let n32 = |name: &str| u32::try_from(num(name)).unwrap_or(u32::MAX);
        let body = match path {
            "/spin" => unit(Hostile::spin()),
            "/sleep-ms" => unit(Hostile::sleep_ms(num("ms"))),
            "/block-ms" => unit(Hostile::block_ms(num("ms"))),
            "/recurse" => Hostile::recurse(num("depth")).to_string(),
            "/grow-memory" => Hostile::grow_memory(n32("mib")).to_string(),
            "/big-string" => Hostile::big_string(n32("mib")),
            "/big-list" => format!("{} bytes", Hostile::big_list(n32("mib")).len()),
            "/panic" => unit(Hostile::panic(arg("msg"))),
            "/trap-unreachable" => unit(Hostile::trap_unreachable()),
            "/divide" => {
                let a = arg("a").parse().unwrap_or(0);
                let b = arg("b").parse().unwrap_or(0);
                Hostile::divide(a, b).to_string()
            }
            "/flood" => unit(Hostile::flood(n32("mib"))),
            "/flood-stderr" => unit(Hostile::flood_stderr(n32("mib"))),
            "/read-file" => format!("{:?}", Hostile::read_file(arg("path"))),
            "/env-var" => format!("{:?}", Hostile::env_var(arg("name"))),
            "/list-env" => format!("{:?}", Hostile::list_env()),
            "/connect" => format!("{:?}", Hostile::connect(arg("addr"))),
            "/now" => Hostile::now().to_string(),
            "/hoard-handles" => Hostile::hoard_handles(n32("n")).to_string(),
            "/hoard-pollables" => Hostile::hoard_pollables(n32("n")).to_string(),
            "/resolve" => format!("{:?}", Hostile::resolve(arg("name"))),
            "/read-stdin" => format!("{:?}", Hostile::read_stdin(64)),
            "/probe" => Hostile::probe(arg("tcp")),
            "/echo" => format!("{} bytes", read_all(request)),
            "/big-body" => {
                return send_big(out, (n32("mib") as usize).saturating_mul(1 << 20));
            }
            // Drops the outparam unset: the host must answer for the guest.
            "/no-response" => return,
            "/stall-body" => return stall(out, num("ms")),
            "/headers" => return send_with_headers(out, n32("n")),
            _ => return send(out, 404, ROUTES.as_bytes(), &[]),
        };
        send(out, 200, body.as_bytes(), &[]);
    }
}

fn unit(_: ()) -> String {
    "()".into()
}

/// First value of `name` in a query string (`%XX` and `+` decoded).
fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| decode(value))
    })
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the whole request body, however large: the host's memory cap is the only limit.
fn read_all(request: IncomingRequest) -> usize {
    let Ok(body) = request.consume() else { return 0 };
    let Ok(stream) = body.stream() else { return 0 };
    let mut kept: Vec<u8> = Vec::new();
    loop {
        match stream.blocking_read(1 << 20) {
            Ok(chunk) => kept.extend_from_slice(&chunk),
            Err(StreamError::Closed) | Err(StreamError::LastOperationFailed(_)) => break,
        }
    }
    drop(stream);
    drop(IncomingBody::finish(body));
    kept.len()
}

/// Starts a response with `status` and `headers`; returns the body to write into.
fn start(
    out: ResponseOutparam,
    status: u16,
    headers: &[(String, Vec<u8>)],
) -> Option<OutgoingBody> {
    let fields = Fields::from_list(headers).unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let body = response.body().ok()?;
    ResponseOutparam::set(out, Ok(response));
    Some(body)
}

fn send(out: ResponseOutparam, status: u16, bytes: &[u8], headers: &[(String, Vec<u8>)]) {
    let Some(body) = start(out, status, headers) else { return };
    write_chunks(&body, bytes.chunks(WRITE_CHUNK));
    let _ = OutgoingBody::finish(body, None);
}

fn write_chunks<'a>(body: &OutgoingBody, chunks: impl Iterator<Item = &'a [u8]>) {
    let Ok(stream) = body.write() else { return };
    for chunk in chunks {
        // A write error means the client went away: stop writing.
        if stream.blocking_write_and_flush(chunk).is_err() {
            break;
        }
    }
}

/// A response of `len` bytes, generated as it is written (no guest memory needed).
fn send_big(out: ResponseOutparam, len: usize) {
    let Some(body) = start(out, 200, &[]) else { return };
    let block = [b'x'; WRITE_CHUNK];
    let full = len / WRITE_CHUNK;
    let rest = len % WRITE_CHUNK;
    let chunks = std::iter::repeat_n(&block[..], full).chain(std::iter::once(&block[..rest]));
    write_chunks(&body, chunks);
    let _ = OutgoingBody::finish(body, None);
}

/// Sends the head and a first chunk, then busy-waits `ms` before finishing the body.
fn stall(out: ResponseOutparam, ms: u64) {
    let Some(body) = start(out, 200, &[]) else { return };
    write_chunks(&body, std::iter::once(&b"stalling...\n"[..]));
    Hostile::sleep_ms(ms);
    write_chunks(&body, std::iter::once(&b"done\n"[..]));
    let _ = OutgoingBody::finish(body, None);
}

/// A response with `n` header fields of 1 KiB each.
fn send_with_headers(out: ResponseOutparam, n: u32) {
    let value = vec![b'h'; 1024];
    let headers: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| (format!("x-hostile-{i}"), value.clone()))
        .collect();
    send(out, 200, format!("{n} headers\n").as_bytes(), &headers);
}
