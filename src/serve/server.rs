//! The HTTP/1 server: bind (a taken port is a clear error), accept on a tokio runtime of its
//! own thread, hand each request to the handler, and stop gracefully on request.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use wasmtime_wasi_http::io::TokioIo;

use super::engine::ServeEngine;
use super::error::ServeError;
use super::handler::{self, Shared};
use super::prepare::Prepared;
use super::state::StoreConfig;
use super::{ServeEvent, ServeInfo, ServeOptions, ServeSummary, ServeTarget};

/// Starts servers; see [`Server::start`].
pub struct Server;

/// A running server: its address, its per-request events, and how to stop it.
pub struct ServerHandle {
    info: ServeInfo,
    shared: Arc<Shared>,
    events: crossbeam_channel::Receiver<ServeEvent>,
    stopper: StopHandle,
    thread: Option<JoinHandle<ServeSummary>>,
}

/// Asks a server to stop from anywhere (signal handler, UI); cheap to clone.
#[derive(Clone)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

impl StopHandle {
    /// Stops accepting, lets in-flight requests finish (up to the grace period), then ends.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Server {
    /// Compiles and pre-instantiates `target`, binds `options.addr` and starts serving on a
    /// thread of its own. Blocks while compiling (use a worker thread in a UI); returns once
    /// the socket listens, so a taken port is reported here.
    pub fn start(
        target: &ServeTarget,
        name: &str,
        options: ServeOptions,
    ) -> Result<ServerHandle, ServeError> {
        let t0 = Instant::now();
        let concurrency = if options.keep_state {
            1
        } else {
            options.max_concurrency.max(1)
        };
        let engine = ServeEngine::new(
            options.pooling,
            // A request's store is dropped before its permit is released.
            concurrency,
            &options.limits,
            options.cache,
        )?;
        let prepared = Prepared::new(&engine.engine, target, name, options.grants.allow_net)?;
        let prepare = t0.elapsed();
        let listener = bind(options.addr)?;
        let addr = listener
            .local_addr()
            .map_err(|e| ServeError::host(format!("cannot read the bound address: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.worker_threads.max(1))
            .thread_name("wirebench-serve")
            .enable_all()
            .build()
            .map_err(|e| ServeError::host(format!("cannot start the async runtime: {e}")))?;
        let (events_tx, events) = crossbeam_channel::bounded(4096);
        let (stop_tx, stop_rx) = watch::channel(false);
        let info = ServeInfo {
            addr,
            name: name.to_string(),
            mode: target.mode(),
            pooling: engine.pooling,
            keep_state: options.keep_state,
            prepare,
        };
        let shared = Arc::new(Shared {
            engine,
            store_cfg: StoreConfig {
                grants: options.grants.clone(),
                limits: options.limits.clone(),
                trace: options.trace,
            },
            prepared: std::sync::RwLock::new(Arc::new(prepared)),
            keep_state: options.keep_state,
            kept: tokio::sync::Mutex::new(None),
            permits: Arc::new(Semaphore::new(concurrency)),
            events: events_tx,
            next_id: AtomicU64::new(1),
            summary: Mutex::new(ServeSummary::default()),
        });
        let grace = options.limits.timeout + Duration::from_secs(1);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("wirebench-serve-accept".into())
            .spawn(move || {
                let shared = thread_shared;
                let summary =
                    runtime.block_on(accept_loop(listener, Arc::clone(&shared), stop_rx, grace));
                shared.engine.shutdown();
                let _ = shared.events.send(ServeEvent::Stopped(summary.clone()));
                // Guest tasks still running past the grace period are dropped with the runtime.
                runtime.shutdown_timeout(Duration::from_millis(100));
                summary
            })
            .map_err(|e| ServeError::host(format!("cannot start the server thread: {e}")))?;
        Ok(ServerHandle {
            info,
            shared,
            events,
            stopper: StopHandle(Arc::new(stop_tx)),
            thread: Some(thread),
        })
    }
}

impl Server {
    /// Serves a workspace the way the workbench shows it: linked and traced when every plug
    /// can be forwarded, else composed (the note says why). Grants and limits come from
    /// `options`; see [`ServeOptions::for_workspace`](super::ServeOptions::for_workspace).
    pub fn start_workspace(
        ws: &crate::workspace::Workspace,
        name: &str,
        options: ServeOptions,
    ) -> Result<(ServerHandle, Option<String>), ServeError> {
        match Server::start(&ServeTarget::Linked(ws.clone()), name, options.clone()) {
            Err(ServeError::LinkUnsupported { message }) => {
                let target = ServeTarget::from_workspace(ws, name)?;
                let handle = Server::start(&target, name, options)?;
                Ok((
                    handle,
                    Some(format!("serving composed (no call trees): {message}")),
                ))
            }
            other => other.map(|h| (h, None)),
        }
    }
}

impl ServerHandle {
    /// The address it listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.info.addr
    }

    /// What is served and how.
    pub fn info(&self) -> &ServeInfo {
        &self.info
    }

    /// Per-request events, then [`ServeEvent::Stopped`]; events are dropped when the channel
    /// (4096) is full, so drain it.
    pub fn events(&self) -> &crossbeam_channel::Receiver<ServeEvent> {
        &self.events
    }

    /// Swaps in a new target (a re-plugged workspace, a rebuilt component) without closing
    /// the socket: compiles it on this thread, then new requests use it while running ones
    /// finish on the old version. On error the old target keeps serving.
    pub fn replace(&mut self, target: &ServeTarget) -> Result<Duration, ServeError> {
        let t0 = Instant::now();
        let prepared = Prepared::new(
            &self.shared.engine.engine,
            target,
            &self.info.name,
            self.shared.store_cfg.grants.allow_net,
        )?;
        *self
            .shared
            .prepared
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(prepared);
        self.info.mode = target.mode();
        Ok(t0.elapsed())
    }

    /// A handle that stops the server from another thread.
    pub fn stopper(&self) -> StopHandle {
        self.stopper.clone()
    }

    /// Stops the server and waits for it (in-flight requests get the grace period).
    pub fn stop(mut self) -> ServeSummary {
        self.stopper.stop();
        self.join()
    }

    /// Waits until the server stops (after a [`StopHandle::stop`]).
    pub fn wait(mut self) -> ServeSummary {
        self.join()
    }

    fn join(&mut self) -> ServeSummary {
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stopper.stop();
            self.join();
        }
    }
}

/// Binds with std so the error is immediate and precise (address in use vs. other).
fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::AddrInUse { addr }
        } else {
            ServeError::Bind {
                addr,
                message: e.to_string(),
            }
        }
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| ServeError::Bind {
            addr,
            message: e.to_string(),
        })?;
    Ok(listener)
}

async fn accept_loop(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) -> ServeSummary {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!("serve: cannot use the listening socket: {e}");
            return summary(&shared);
        }
    };
    let mut conns = JoinSet::new();
    loop {
        while conns.try_join_next().is_some() {}
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("serve: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                conns.spawn(serve_connection(stream, peer, Arc::clone(&shared), stop.clone()));
            }
        }
    }
    drop(listener);
    shared.permits.close();
    let drained =
        tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("serve: connections still open after {grace:?}; closing them");
    }
    summary(&shared)
}

fn summary(shared: &Shared) -> ServeSummary {
    shared
        .summary
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let service = hyper::service::service_fn(move |req| handler::handle(Arc::clone(&shared), req));
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        // Clients hanging up mid-request are routine; keep them out of the user's way.
        tracing::debug!("serve: connection from {peer}: {e}");
    }
}
