//! One call on a [`Session`]: parse and resolve, check the arguments against the parameter
//! types, run under the deadline, collect output, format the result, rebuild after a trap.

use std::time::{Duration, Instant};

use wasmtime::component::{ResourceAny, Val};
use wasmtime::Store;

use super::convert::convert_args;
use super::error::{classify, CallError, FailureContext};
use super::format::write_val;
use super::handles::HandleTable;
use super::host::HostState;
use super::session::{CachedFunc, CallOutcome, Live, Session};
use super::values::{parse_call, CallText};
use super::wasi::CapturedOutput;

impl Session {
    /// Runs one call written as WAVE (`set("user", "neo")`, `counter.increment($1, 2)`).
    ///
    /// Never panics on guest behaviour: every failure is in `result`, and after a guest
    /// failure the instances are rebuilt (`state_reset`).
    pub fn call(&mut self, text: &str) -> CallOutcome {
        let mut out = CallOutcome::new(text);
        out.result = self.run(text, &mut out);
        out
    }

    /// Drops a resource handle, running the guest's destructor (the built-in `drop($N)`).
    pub fn drop_handle(&mut self, id: u32) -> CallOutcome {
        let mut out = CallOutcome::new(&format!("drop(${id})"));
        out.function = Some("drop".to_string());
        out.result = self.drop_id(id, &mut out);
        out
    }

    fn run(&mut self, text: &str, out: &mut CallOutcome) -> Result<String, CallError> {
        let since = self.cancel_mark.take();
        let call = parse_call(text)?;
        if self.live.is_none() {
            // The rebuild after an earlier failure did not succeed; retry before calling.
            self.instantiate()?;
            out.state_reset = true;
        }
        let idx = match self.index.resolve(&call.name) {
            Ok(i) => i,
            Err(CallError::UnknownFunction { .. }) if call.name == "drop" => {
                return self.builtin_drop(&call, out);
            }
            Err(e) => return Err(e),
        };
        // Borrowed, not cloned: warm calls should not pay for copies of names.
        let entry = &self.index.entries()[idx];
        out.function = Some(entry.full_name.clone());
        out.component = Some(entry.component.clone());
        let live = self.live.as_mut().ok_or_else(not_instantiated)?;
        let cached = match &live.funcs[idx] {
            Some(cached) => cached.clone(),
            None => {
                let func = live.instances[entry.unit]
                    .get_func(&mut live.store, entry.export)
                    .ok_or_else(|| CallError::Load {
                        message: format!(
                            "`{}` does not export `{}` any more",
                            entry.component, entry.call_name
                        ),
                    })?;
                let ty = func.ty(&live.store);
                let found = CachedFunc {
                    func,
                    params: ty.params().map(|(n, t)| (n.to_string(), t)).collect(),
                    results: ty.results().len(),
                };
                live.funcs[idx] = Some(found.clone());
                found
            }
        };
        let (args, consumed) = convert_args(
            &call,
            &entry.call_name,
            &cached.params,
            &entry.params,
            Some(&self.handles),
        )?;
        let mut results = vec![Val::Bool(false); cached.results];
        let root =
            live.store
                .data_mut()
                .trace
                .start("host", &entry.component, &entry.call_name, || {
                    call.args_text().to_string()
                });
        let (result, duration) =
            guarded(self.rt, live, self.options.limits.timeout, since, |store| {
                cached.func.call(store, &args, &mut results)
            });
        out.duration = duration;
        collect_output(&self.stdout, &self.stderr, out);
        match result {
            Ok(()) => {
                for id in consumed {
                    self.handles.remove(id);
                }
                let text = format_results(&results, &mut self.handles, &entry.component);
                let trace = &mut live.store.data_mut().trace;
                if root.is_some() {
                    trace.finish(root, Ok(text.clone()));
                }
                out.trace = trace.take();
                Ok(text)
            }
            Err(e) => {
                let err = self.failure(&e, &entry.call_name, out);
                if let Some(live) = self.live.as_mut() {
                    let trace = &mut live.store.data_mut().trace;
                    trace.finish(root, Err(err.to_string()));
                    out.trace = trace.take();
                }
                self.rebuild_after_failure(out);
                Err(err)
            }
        }
    }

    /// `drop($N)`: the built-in used when no export is named `drop`.
    fn builtin_drop(
        &mut self,
        call: &CallText,
        out: &mut CallOutcome,
    ) -> Result<String, CallError> {
        out.function = Some("drop".to_string());
        let ids = call.handle_args();
        let bad = |message: String| CallError::BadArgument {
            func: "drop".into(),
            index: 1,
            param: "handle".into(),
            message,
        };
        let id = match ids.as_slice() {
            [Some(id)] => *id,
            [None] => return Err(bad("expected a resource handle like `$1`".into())),
            _ => {
                return Err(CallError::Arity {
                    func: "drop".into(),
                    expected: 1,
                    found: ids.len(),
                    params: "handle: $N".into(),
                })
            }
        };
        self.drop_id(id, out)
    }

    fn drop_id(&mut self, id: u32, out: &mut CallOutcome) -> Result<String, CallError> {
        let since = self.cancel_mark.take();
        let res = self
            .handles
            .remove(id)
            .ok_or_else(|| CallError::BadArgument {
                func: "drop".into(),
                index: 1,
                param: "handle".into(),
                message: format!(
                    "no handle `${id}` — it was never returned, or already dropped or reset"
                ),
            })?;
        let live = self.live.as_mut().ok_or_else(not_instantiated)?;
        let (result, duration) =
            guarded(self.rt, live, self.options.limits.timeout, since, |store| {
                res.resource_drop(store)
            });
        out.duration = duration;
        collect_output(&self.stdout, &self.stderr, out);
        match result {
            Ok(()) => Ok("()".to_string()),
            Err(e) => {
                let err = self.failure(&e, "drop", out);
                self.rebuild_after_failure(out);
                Err(err)
            }
        }
    }

    fn failure(&self, e: &wasmtime::Error, func: &str, out: &CallOutcome) -> CallError {
        let limits = &self.options.limits;
        classify(
            e,
            &FailureContext {
                func,
                timeout: limits.timeout,
                max_memory: limits.max_memory,
                stderr: out.stderr.as_bytes(),
            },
        )
    }

    /// After a trap the store is poisoned (DESIGN §7): rebuild it and every instance now, so
    /// the next call works; if that fails the next call retries and reports why.
    fn rebuild_after_failure(&mut self, out: &mut CallOutcome) {
        out.state_reset = true;
        if let Err(e) = self.reset() {
            tracing::warn!("rebuilding instances after a failed call: {e}");
        }
    }
}

/// Runs guest code with the deadline armed and the epoch ticking; returns the time it took.
/// Cancels made after `since` (a cancel generation; default: now) stop it.
fn guarded<R>(
    rt: &super::engine::RuntimeEngine,
    live: &mut Live,
    timeout: Duration,
    since: Option<u64>,
    f: impl FnOnce(&mut Store<HostState>) -> wasmtime::Result<R>,
) -> (wasmtime::Result<R>, Duration) {
    let started = Instant::now();
    let data = live.store.data_mut();
    data.deadline = Some(started + timeout);
    data.cancel_seen = since.unwrap_or_else(|| data.cancel_generation());
    live.store.set_epoch_deadline(1);
    let result = {
        let _ticking = rt.ticking();
        f(&mut live.store)
    };
    let elapsed = started.elapsed();
    live.store.data_mut().deadline = None;
    (result, elapsed)
}

fn collect_output(stdout: &CapturedOutput, stderr: &CapturedOutput, out: &mut CallOutcome) {
    let (bytes, truncated) = stdout.take();
    out.stdout = String::from_utf8_lossy(&bytes).into_owned();
    out.stdout_truncated = truncated;
    let (bytes, truncated) = stderr.take();
    out.stderr = String::from_utf8_lossy(&bytes).into_owned();
    out.stderr_truncated = truncated;
}

/// WAVE for the results; returned resources become new handles.
fn format_results(results: &[Val], handles: &mut HandleTable, component: &str) -> String {
    let mut register = |r: &ResourceAny| format!("${}", handles.register(*r, component));
    let mut s = String::new();
    match results {
        [] => s.push_str("()"),
        [one] => write_val(&mut s, one, &mut register),
        many => {
            s.push('(');
            for (i, v) in many.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_val(&mut s, v, &mut register);
            }
            s.push(')');
        }
    }
    s
}

fn not_instantiated() -> CallError {
    CallError::Load {
        message: "the instances are not available — reload the target".into(),
    }
}
