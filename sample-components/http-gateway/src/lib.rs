//! `neon:http-gateway`: a `wasi:http` front end that forwards requests to `neon:processor`.

wit_bindgen::generate!({
    // Dependency order: kv-store <- processor <- gateway (which also carries wasi:* in deps/).
    path: ["../../wit/kv-store", "../../wit/processor", "../../wit/http-gateway"],
    world: "neon:http-gateway/gateway@0.1.0",
    // wit-parser 0.239 cannot drop the feature-gated `import wasi:clocks/timezone` in the
    // vendored wasi:cli 0.2.12 world, so enable the gate; nothing here uses timezone, and
    // unused imports never reach the component.
    features: ["clocks-timezone"],
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use neon::processor::transform;
use wasi::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse,
    ResponseOutparam,
};
use wasi::io::streams::StreamError;

/// Largest request body the gateway reads; larger ones get 413.
const MAX_BODY_BYTES: usize = 1 << 20;
/// Bytes per `blocking-write-and-flush` call (the WASI limit is 4096).
const WRITE_CHUNK: usize = 4096;

const USAGE: &str = "\
neon:http-gateway - wirebench sample in front of a neon:processor component

  POST <any path>         body -> transform.process(body), 200 text or 400 with the error
  GET  /                  this text
  GET  /stats?text=...    transform.analyze(text) as JSON
  GET  /last              transform.last-input(), 404 if nothing was processed yet
";

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

struct Gateway;

/// What to answer: status, content type and body.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Reply {
    /// A plain-text reply; the body is sent exactly as given (no newline added), so a
    /// `process` result or error message arrives byte for byte.
    fn text(status: u16, body: impl Into<String>) -> Self {
        Reply { status, content_type: TEXT, body: body.into() }
    }
}

impl Guest for Gateway {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        send(response_out, route(request));
    }
}

fn route(request: IncomingRequest) -> Reply {
    let target = request.path_with_query().unwrap_or_else(|| "/".to_string());
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    match request.method() {
        Method::Post => match read_body(request) {
            Ok(body) => match String::from_utf8(body) {
                Ok(text) => match transform::process(&text) {
                    Ok(processed) => Reply::text(200, processed),
                    Err(message) => Reply::text(400, message),
                },
                Err(_) => Reply::text(400, "request body is not valid UTF-8"),
            },
            Err(reply) => reply,
        },
        Method::Get => match path {
            "/" => Reply::text(200, USAGE),
            "/stats" => {
                let text = query_param(query, "text").unwrap_or_default();
                let stats = transform::analyze(&text);
                Reply {
                    status: 200,
                    content_type: JSON,
                    body: format!(
                        "{{\"words\":{},\"chars\":{},\"lines\":{}}}",
                        stats.words, stats.chars, stats.lines
                    ),
                }
            }
            "/last" => match transform::last_input() {
                Some(text) => Reply::text(200, text),
                None => Reply::text(404, "nothing has been processed yet"),
            },
            other => Reply::text(404, format!("no route for GET {other}; try GET /")),
        },
        _ => Reply::text(405, "method not allowed; use GET or POST"),
    }
}

/// Read the whole request body, refusing more than [`MAX_BODY_BYTES`].
fn read_body(request: IncomingRequest) -> Result<Vec<u8>, Reply> {
    let body = request
        .consume()
        .map_err(|()| Reply::text(500, "request body was already consumed"))?;
    let stream = body
        .stream()
        .map_err(|()| Reply::text(500, "request body stream unavailable"))?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(Reply::text(
                        413,
                        format!("request body is larger than {MAX_BODY_BYTES} bytes"),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                let detail = e.to_debug_string();
                return Err(Reply::text(400, format!("reading the request body failed: {detail}")));
            }
        }
    }
    // The stream is a child of the body and must go first.
    drop(stream);
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// First value of `name` in an `application/x-www-form-urlencoded` query string.
fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Send `reply` through `out`; write errors mean the client went away, so they end the reply.
fn send(out: ResponseOutparam, reply: Reply) {
    let headers = Fields::from_list(&[
        ("content-type".to_string(), reply.content_type.as_bytes().to_vec()),
        ("content-length".to_string(), reply.body.len().to_string().into_bytes()),
    ])
    .unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(headers);
    // Every status used here is a valid HTTP status.
    let _ = response.set_status_code(reply.status);
    let Ok(body) = response.body() else {
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    let Ok(stream) = body.write() else {
        return;
    };
    for chunk in reply.body.as_bytes().chunks(WRITE_CHUNK) {
        if stream.blocking_write_and_flush(chunk).is_err() {
            break;
        }
    }
    drop(stream);
    let _ = OutgoingBody::finish(body, None);
}

export!(Gateway);
