//! One request: a fresh store and instance from the pre-instantiated component (or the kept
//! instance with `--keep-state`), the guest's `handle` under the deadline, and an event.
//!
//! The guest runs in its own task so it can keep streaming the body after it has set the
//! response; the hyper side waits for the response or for the guest to finish without one.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use tokio::sync::{oneshot, Semaphore};
use wasmtime::Store;
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::bindings::Proxy;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::WasiHttpView;

use super::engine::ServeEngine;
use super::error::wasm_error_line;
use super::failure::{classify, error_response, failure_response, Failure};
use super::prepare::Prepared;
use super::state::{new_store, ServeState, StoreConfig};
use super::{RequestEvent, ServeEvent, ServeSummary};
use crate::runtime::fmt_duration;

/// Everything the request tasks of one server share.
pub(crate) struct Shared {
    pub engine: ServeEngine,
    /// Swapped whole by [`ServerHandle::replace`](super::ServerHandle::replace); requests
    /// already running keep the version they started with.
    pub prepared: std::sync::RwLock<Arc<Prepared>>,
    pub store_cfg: StoreConfig,
    pub keep_state: bool,
    pub kept: tokio::sync::Mutex<Option<Kept>>,
    pub permits: Arc<Semaphore>,
    pub events: crossbeam_channel::Sender<ServeEvent>,
    pub next_id: AtomicU64,
    pub summary: Mutex<ServeSummary>,
}

/// The instance reused across requests with `--keep-state`.
pub(crate) struct Kept {
    store: Store<ServeState>,
    proxy: Proxy,
    /// The version it was made from; a replaced target gets a fresh instance.
    prepared: Arc<Prepared>,
}

/// What the guest task tells the hyper side when the guest call has ended.
type Done = Option<Failure>;

type Response = hyper::Response<HyperOutgoingBody>;

/// Serves one request; never fails at the hyper level (errors become 5xx responses).
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let (resp_tx, mut resp_rx) = oneshot::channel();
    let (done_tx, mut done_rx) = oneshot::channel::<Done>();
    tokio::spawn(run_guest(shared, req, resp_tx, done_tx));
    let answered = |r: Result<Response, ErrorCode>| match r {
        Ok(resp) => resp,
        Err(code) => error_response(
            500,
            &format!("the component answered with an error: {code:?}"),
        ),
    };
    tokio::select! {
        biased;
        r = &mut resp_rx => Ok(match r {
            Ok(r) => answered(r),
            Err(_) => failure_response(done_rx.await.ok().flatten()),
        }),
        done = &mut done_rx => Ok(match resp_rx.try_recv() {
            // The response was set just before the guest returned.
            Ok(r) => answered(r),
            Err(_) => failure_response(done.ok().flatten()),
        }),
    }
}

/// Runs the guest for one request and emits its event.
async fn run_guest(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
    resp_tx: oneshot::Sender<Result<Response, ErrorCode>>,
    done_tx: oneshot::Sender<Done>,
) {
    let started = Instant::now();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
    let mut ev = RequestEvent {
        id,
        method,
        path,
        status: 0,
        duration: Duration::ZERO,
        instantiate: None,
        trace: None,
        error: None,
        stdout: String::new(),
        stderr: String::new(),
        state_reset: false,
    };
    let Ok(_permit) = Arc::clone(&shared.permits).acquire_owned().await else {
        let _ = done_tx.send(Some(Failure {
            status: 503,
            reason: "the server is shutting down".into(),
        }));
        return;
    };
    let _tick = shared.engine.ticking();
    let status = Arc::new(AtomicU16::new(0));
    let responder = {
        let status = Arc::clone(&status);
        move |r: Result<Response, ErrorCode>| {
            status.store(
                r.as_ref().map_or(500, |r| r.status().as_u16()),
                Ordering::SeqCst,
            );
            let _ = resp_tx.send(r);
        }
    };
    let failure = if shared.keep_state {
        run_kept(&shared, req, responder, &mut ev).await
    } else {
        run_fresh(&shared, req, responder, &mut ev).await
    };
    ev.duration = started.elapsed();
    ev.status = match (status.load(Ordering::SeqCst), &failure) {
        (0, Some(f)) => f.status,
        (0, None) => 500,
        (s, _) => s,
    };
    ev.error = failure.as_ref().map(|f| f.reason.clone()).or_else(|| {
        (status.load(Ordering::SeqCst) == 0)
            .then(|| "the component returned without setting a response".to_string())
    });
    let _ = done_tx.send(failure);
    shared.record(ev);
}

/// A fresh store and instance for this request only.
async fn run_fresh(
    shared: &Shared,
    req: hyper::Request<Incoming>,
    responder: impl FnOnce(Result<Response, ErrorCode>) + Send + Sync + 'static,
    ev: &mut RequestEvent,
) -> Option<Failure> {
    let prepared = shared.current();
    let mut store = match new_store(&shared.engine.engine, &shared.store_cfg, &prepared.unit_ids) {
        Ok(s) => s,
        Err(e) => return Some(Failure::host(e.to_string())),
    };
    let t0 = Instant::now();
    let proxy = match prepared.instantiate(&mut store).await {
        Ok(p) => p,
        Err(e) => {
            return Some(classify(
                &e,
                &store.data().stderr.peek_text(),
                shared.store_cfg.limits.timeout,
                "instantiation",
            ))
        }
    };
    ev.instantiate = Some(t0.elapsed());
    let failure = call(&prepared, shared, &mut store, &proxy, req, responder, ev).await;
    drop(store);
    failure
}

/// The kept instance, created on first use and after any failure.
async fn run_kept(
    shared: &Shared,
    req: hyper::Request<Incoming>,
    responder: impl FnOnce(Result<Response, ErrorCode>) + Send + Sync + 'static,
    ev: &mut RequestEvent,
) -> Option<Failure> {
    let mut guard = shared.kept.lock().await;
    let prepared = shared.current();
    if guard
        .as_ref()
        .is_some_and(|k| !Arc::ptr_eq(&k.prepared, &prepared))
    {
        // The target was replaced; free the old instance's pool slot before making the new.
        *guard = None;
    }
    if guard.is_none() {
        let mut store =
            match new_store(&shared.engine.engine, &shared.store_cfg, &prepared.unit_ids) {
                Ok(s) => s,
                Err(e) => return Some(Failure::host(e.to_string())),
            };
        let t0 = Instant::now();
        let proxy = match prepared.instantiate(&mut store).await {
            Ok(p) => p,
            Err(e) => {
                return Some(classify(
                    &e,
                    &store.data().stderr.peek_text(),
                    shared.store_cfg.limits.timeout,
                    "instantiation",
                ))
            }
        };
        ev.instantiate = Some(t0.elapsed());
        *guard = Some(Kept {
            store,
            proxy,
            prepared: Arc::clone(&prepared),
        });
    }
    let Some(kept) = guard.as_mut() else {
        return Some(Failure::host("the kept instance is missing".into()));
    };
    kept.store.data_mut().deadline = Instant::now() + shared.store_cfg.limits.timeout;
    let failure = call(
        &prepared,
        shared,
        &mut kept.store,
        &kept.proxy,
        req,
        responder,
        ev,
    )
    .await;
    if failure.is_some() {
        // The store is the unit of failure: the next request gets a fresh instance.
        *guard = None;
        ev.state_reset = true;
    }
    failure
}

/// Calls `handle` under the deadline; output and trace go into the event.
async fn call(
    prepared: &Prepared,
    shared: &Shared,
    store: &mut Store<ServeState>,
    proxy: &Proxy,
    req: hyper::Request<Incoming>,
    responder: impl FnOnce(Result<Response, ErrorCode>) + Send + Sync + 'static,
    ev: &mut RequestEvent,
) -> Option<Failure> {
    let resources = (|| {
        let mut http = store.data_mut().http();
        let req = http.new_incoming_request(Scheme::Http, req)?;
        let out = http.new_response_outparam_from_callback(responder)?;
        wasmtime::Result::Ok((req, out))
    })();
    let (req, out) = match resources {
        Ok(r) => r,
        Err(e) => return Some(Failure::host(wasm_error_line(&e))),
    };
    let seq = {
        let data = store.data_mut();
        let root = Arc::clone(&data.unit_ids);
        let root = root
            .get(prepared.root_unit)
            .map_or("component", |s| s.as_str());
        let what = format!("{} {}", ev.method, ev.path);
        data.trace.start("host", root, "handle", || what)
    };
    let timeout = shared.store_cfg.limits.timeout;
    // The epoch deadline stops a busy guest; this stops one waiting in the host (a body that
    // never arrives), with a little slack so the epoch's clearer error usually wins.
    let limit = timeout + Duration::from_millis(100);
    let result = tokio::time::timeout(
        limit,
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut *store, req, out),
    )
    .await;
    let failure = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(classify(
            &e,
            &store.data().stderr.peek_text(),
            timeout,
            "handle",
        )),
        Err(_) => Some(Failure {
            status: 504,
            reason: format!("timed out after {} (--timeout)", fmt_duration(timeout)),
        }),
    };
    let data = store.data_mut();
    let outcome = match &failure {
        None => Ok("ok".to_string()),
        Some(f) => Err(f.reason.clone()),
    };
    data.trace.finish(seq, outcome);
    ev.trace = data.trace.take();
    let (stdout, _) = data.stdout.take_text();
    let (stderr, _) = data.stderr.take_text();
    ev.stdout = stdout;
    ev.stderr = stderr;
    failure
}

impl Shared {
    /// The target version new requests use.
    pub fn current(&self) -> Arc<Prepared> {
        Arc::clone(&self.prepared.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Counts the request and sends its event (dropped if nobody drains the channel).
    fn record(&self, ev: RequestEvent) {
        {
            let mut s = self.summary.lock().unwrap_or_else(|e| e.into_inner());
            s.requests += 1;
            if ev.error.is_some() || ev.status >= 500 {
                s.failed += 1;
            }
            if let Some(i) = ev.instantiate {
                s.instantiations += 1;
                s.instantiate_total += i;
            }
        }
        let _ = self.events.try_send(ServeEvent::Request(Box::new(ev)));
    }
}
