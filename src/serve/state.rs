//! A serving store's host state: WASI and `wasi:http` contexts built from the grants (deny by
//! default), a memory cap, the request deadline, captured guest output and the call recorder.
//!
//! This mirrors `runtime::host` for async stores; the runtime's store data is private to it
//! and synchronous, while `wasi:http` serving needs `call_async`.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::{Instance, Linker, ResourceTable};
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::error::{wasm_error_line, ServeError};
use super::trace::recorder;
use crate::runtime::{fmt_size, CapturedOutput, Grants, Limits, TraceRecorder};

/// Everything a serving store carries.
pub(crate) struct ServeState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: NetHooks,
    limiter: MemoryCap,
    /// When the running request must stop.
    pub deadline: Instant,
    /// Linked mode: live instances by unit, so forwarders find their provider.
    pub instances: Vec<Option<Instance>>,
    /// Linked mode: unit ids, for trace entries.
    pub unit_ids: Arc<[String]>,
    pub trace: TraceRecorder,
    pub stdout: CapturedOutput,
    pub stderr: CapturedOutput,
}

impl WasiView for ServeState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for ServeState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// The request ran past its deadline (raised from the epoch callback).
#[derive(Debug, thiserror::Error)]
#[error("the request ran past its deadline")]
pub(crate) struct DeadlineExceeded;

/// Linear memory would pass the cap (raised from the limiter so the reason is precise).
#[derive(Debug, thiserror::Error)]
#[error("linear memory would grow to {} (cap {})", fmt_size(*requested), fmt_size(*limit))]
pub(crate) struct MemoryCapExceeded {
    pub limit: u64,
    pub requested: u64,
}

/// What every store of one server shares.
#[derive(Clone)]
pub(crate) struct StoreConfig {
    pub grants: Grants,
    pub limits: Limits,
    pub trace: bool,
}

/// Builds a store for one request (or for the kept instance) with grants, caps and deadline.
pub(crate) fn new_store(
    engine: &wasmtime::Engine,
    cfg: &StoreConfig,
    unit_ids: &Arc<[String]>,
) -> Result<Store<ServeState>, ServeError> {
    let stdout = CapturedOutput::new(cfg.limits.max_output);
    let stderr = CapturedOutput::new(cfg.limits.max_output);
    let wasi = build_wasi(&cfg.grants, &stdout, &stderr)?;
    let state = ServeState {
        wasi,
        http: WasiHttpCtx::new(),
        table: ResourceTable::new(),
        hooks: NetHooks {
            allow_net: cfg.grants.allow_net,
        },
        limiter: MemoryCap {
            limit: cfg.limits.max_memory,
            in_use: 0,
            max_instances: cfg.limits.max_instances,
            max_tables: cfg.limits.max_tables,
        },
        deadline: Instant::now() + cfg.limits.timeout,
        instances: vec![None; unit_ids.len()],
        unit_ids: Arc::clone(unit_ids),
        trace: recorder(cfg.trace),
        stdout,
        stderr,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    // Every tick: past the deadline the guest traps with our error (so it reads as a
    // timeout); otherwise it yields, so a busy guest cannot starve other requests.
    store.epoch_deadline_callback(|ctx| {
        if Instant::now() >= ctx.data().deadline {
            return Err(wasmtime::Error::new(DeadlineExceeded));
        }
        Ok(UpdateDeadline::Yield(1))
    });
    store.set_epoch_deadline(1);
    Ok(store)
}

/// WASI with exactly the grants: no args, empty stdin, stdout/stderr captured, network only
/// to loopback and only with `allow_net`.
fn build_wasi(
    grants: &Grants,
    stdout: &CapturedOutput,
    stderr: &CapturedOutput,
) -> Result<WasiCtx, ServeError> {
    let mut b = WasiCtxBuilder::new();
    b.stdout(stdout.clone()).stderr(stderr.clone());
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
        b.preopened_dir(&d.host, &d.guest, perms).map_err(|e| {
            ServeError::load(format!(
                "cannot grant directory `{}`: {} — check that it exists",
                d.host.display(),
                crate::util::sanitize::one_line(&e.to_string())
            ))
        })?;
    }
    b.allow_ip_name_lookup(false);
    b.allow_tcp(grants.allow_net).allow_udp(grants.allow_net);
    if grants.allow_net {
        b.socket_addr_check(|addr, _| {
            let ok = addr.ip().is_loopback() || (addr.ip().is_unspecified() && addr.port() == 0);
            Box::pin(async move { ok })
        });
    }
    Ok(b.build())
}

/// A linker with WASIp2 and `wasi:http/types` (async); outgoing HTTP only with `allow_net`,
/// so a component that needs it without the grant fails to load with a clear message.
pub(crate) fn base_linker(
    engine: &wasmtime::Engine,
    allow_net: bool,
) -> Result<Linker<ServeState>, ServeError> {
    use wasmtime_wasi_http::p2::bindings as http;
    let mut linker = Linker::new(engine);
    let fail =
        |e: wasmtime::Error| ServeError::host(format!("WASI host setup: {}", wasm_error_line(&e)));
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(fail)?;
    let options = http::LinkOptions::default();
    http::http::types::add_to_linker::<_, wasmtime_wasi_http::WasiHttp>(
        &mut linker,
        &options.into(),
        |s: &mut ServeState| s.http(),
    )
    .map_err(fail)?;
    if allow_net {
        http::http::outgoing_handler::add_to_linker::<_, wasmtime_wasi_http::WasiHttp>(
            &mut linker,
            |s: &mut ServeState| s.http(),
        )
        .map_err(fail)?;
    }
    Ok(linker)
}

/// Outgoing HTTP hooks: loopback hosts only (the same rule as sockets under `--allow-net`).
struct NetHooks {
    allow_net: bool,
}

impl WasiHttpHooks for NetHooks {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        let host = request.uri().host().unwrap_or("").trim_matches(['[', ']']);
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !self.allow_net || !loopback {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        drop(fut);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// Sums every linear memory of a store against one cap, and bounds instances and tables.
struct MemoryCap {
    limit: u64,
    in_use: u64,
    max_instances: usize,
    max_tables: usize,
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self
            .in_use
            .saturating_sub(current as u64)
            .saturating_add(desired as u64);
        if total > self.limit {
            return Err(wasmtime::Error::new(MemoryCapExceeded {
                limit: self.limit,
                requested: total,
            }));
        }
        self.in_use = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }

    fn instances(&self) -> usize {
        self.max_instances
    }

    fn tables(&self) -> usize {
        self.max_tables
    }

    fn memories(&self) -> usize {
        self.max_instances
    }
}
