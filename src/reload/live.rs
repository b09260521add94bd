//! [`LiveSession`]: a runtime session that takes reloads — the new version is compiled and
//! instantiated beside the running one, swapped in only if that works, and (with replay on)
//! the session's successful calls are run again so state such as kv-store entries comes back.
//!
//! The slow part ([`ReloadPlan::prepare`]) needs no access to the running session, so it can
//! run on any thread while a long call is still running; [`LiveSession::commit`] then swaps.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::apply::{dependents, plug_reason};
use super::event::{Outcome, ReloadError, ReloadEvent, ReplayReport, RuntimeReport};
use super::filter::FileKind;
use crate::model::Component;
use crate::runtime::{CallError, CallOutcome, Session, SessionOptions, Target};
use crate::workspace::Workspace;

/// What a live session runs.
#[derive(Debug, Clone)]
pub enum LiveTarget {
    /// One component, under its workspace id.
    Component {
        id: String,
        component: Arc<Component>,
    },
    /// A wired workspace in linked mode.
    Linked(Box<Workspace>),
}

impl LiveTarget {
    fn runtime_target(&self) -> Target {
        match self {
            LiveTarget::Component { component, .. } => Target::Component(Arc::clone(component)),
            LiveTarget::Linked(ws) => Target::Linked(ws.as_ref().clone()),
        }
    }

    /// True when the component `id` is part of this target.
    pub fn contains(&self, id: &str) -> bool {
        match self {
            LiveTarget::Component { id: own, .. } => own == id,
            LiveTarget::Linked(ws) => ws.components.contains_key(id),
        }
    }
}

/// A running session plus the record of its successful calls; see the module docs.
pub struct LiveSession {
    session: Session,
    target: LiveTarget,
    options: SessionOptions,
    calls: Vec<String>,
    replay: bool,
}

impl LiveSession {
    /// Compiles and instantiates `target`.
    pub fn load(target: LiveTarget, options: SessionOptions) -> Result<LiveSession, CallError> {
        let session = Session::load(target.runtime_target(), options.clone())?;
        Ok(LiveSession {
            session,
            target,
            options,
            calls: Vec::new(),
            replay: false,
        })
    }

    /// Runs one call; a successful one is remembered for replay.
    pub fn call(&mut self, text: &str) -> CallOutcome {
        let out = self.session.call(text);
        if out.state_reset {
            // The instance was rebuilt after a trap: the remembered state is gone with it.
            self.calls.clear();
        } else if out.result.is_ok() {
            self.calls.push(text.to_string());
        }
        out
    }

    /// Turns replay after a reload on or off (`:replay on|off`).
    pub fn set_replay(&mut self, on: bool) {
        self.replay = on;
    }

    /// Whether calls are replayed after a reload.
    pub fn replay(&self) -> bool {
        self.replay
    }

    /// The successful calls since the instance was last (re)built.
    pub fn calls(&self) -> &[String] {
        &self.calls
    }

    /// The running session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The running session, to call without recording (e.g. listing handles).
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// What is running (the last good versions).
    pub fn target(&self) -> &LiveTarget {
        &self.target
    }

    /// How to take `ev` into this session, or `None` when it does not concern it.
    pub fn plan(&self, ev: &ReloadEvent) -> Option<ReloadPlan> {
        ReloadPlan::new(&self.target, &self.options, ev)
    }

    /// Swaps in a prepared session and replays calls if replay is on.
    pub fn commit(&mut self, prepared: Prepared) -> RuntimeReport {
        let Prepared {
            session,
            target,
            reinstantiated,
            instantiate_time,
        } = prepared;
        self.session = session;
        self.target = target;
        let old_calls = std::mem::take(&mut self.calls);
        let replay = self.replay.then(|| {
            let mut report = ReplayReport::default();
            for text in old_calls {
                let out = self.session.call(&text);
                match out.result {
                    Ok(_) if !out.state_reset => {
                        self.calls.push(text.clone());
                        report.replayed.push(text);
                    }
                    Ok(_) => report.failed.push((text, "the instance was reset".into())),
                    Err(e) => report.failed.push((text, e.to_string())),
                }
            }
            report
        });
        RuntimeReport {
            reinstantiated,
            instantiate_time,
            replay,
        }
    }

    /// Plans, prepares and commits on this thread; fills `ev.runtime`, or on failure turns `ev`
    /// into an error and keeps the running version. Returns true when the new version runs.
    pub fn apply(&mut self, ev: &mut ReloadEvent) -> bool {
        let Some(plan) = self.plan(ev) else {
            return false;
        };
        match plan.prepare() {
            Ok(prepared) => {
                ev.runtime = Some(self.commit(prepared));
                true
            }
            Err(rejected) => {
                rejected.apply_to(ev);
                false
            }
        }
    }
}

/// The new target for one reload, ready to be compiled and instantiated anywhere.
#[derive(Debug, Clone)]
pub struct ReloadPlan {
    id: String,
    target: LiveTarget,
    options: SessionOptions,
    broken_plugs: Vec<String>,
}

/// Why a reload was not taken by the runtime.
#[derive(Debug)]
pub struct Rejected {
    pub error: ReloadError,
    pub broken_plugs: Vec<String>,
}

impl Rejected {
    /// Marks the event as not taken: incompatible (plugs, instantiation), with the reason.
    pub fn apply_to(self, ev: &mut ReloadEvent) {
        ev.outcome = Outcome::Incompatible;
        ev.error = Some(self.error);
        if !self.broken_plugs.is_empty() {
            ev.broken_plugs = self.broken_plugs;
        }
    }
}

/// A compiled, instantiated session waiting to be swapped in.
pub struct Prepared {
    session: Session,
    target: LiveTarget,
    reinstantiated: Vec<String>,
    instantiate_time: Duration,
}

impl ReloadPlan {
    /// The plan for taking `ev` into a session running `running`; `None` when the event has
    /// no usable new version or its component is not part of what runs.
    pub fn new(running: &LiveTarget, options: &SessionOptions, ev: &ReloadEvent) -> Option<Self> {
        if ev.kind != FileKind::Component || !ev.outcome.is_ok() || !running.contains(&ev.id) {
            return None;
        }
        let new = ev.component.clone()?;
        let (target, broken_plugs) = match running {
            LiveTarget::Component { component, .. } if component.sha256 == new.sha256 => {
                return None;
            }
            LiveTarget::Component { id, .. } => (
                LiveTarget::Component {
                    id: id.clone(),
                    component: new,
                },
                Vec::new(),
            ),
            LiveTarget::Linked(ws) => {
                if ws
                    .components
                    .get(&ev.id)
                    .is_some_and(|c| c.sha256 == new.sha256)
                {
                    return None;
                }
                let mut ws = ws.clone();
                let broken = ws.replace_component(&ev.id, new);
                let reasons = broken.iter().map(|(p, e)| plug_reason(p, e)).collect();
                (LiveTarget::Linked(ws), reasons)
            }
        };
        Some(ReloadPlan {
            id: ev.id.clone(),
            target,
            options: options.clone(),
            broken_plugs,
        })
    }

    /// The component ids that change or depend on the change (linked: by plugs).
    pub fn affected(&self) -> Vec<String> {
        match &self.target {
            LiveTarget::Component { id, .. } => vec![id.clone()],
            LiveTarget::Linked(ws) => dependents(ws, &self.id),
        }
    }

    /// Compiles and instantiates the new target; slow, so run it off the UI thread.
    pub fn prepare(self) -> Result<Prepared, Rejected> {
        if !self.broken_plugs.is_empty() {
            return Err(Rejected {
                error: ReloadError::BreaksPlugs {
                    id: self.id.clone(),
                    count: self.broken_plugs.len(),
                },
                broken_plugs: self.broken_plugs,
            });
        }
        let started = Instant::now();
        let session =
            Session::load(self.target.runtime_target(), self.options.clone()).map_err(|e| {
                Rejected {
                    error: ReloadError::Instantiate {
                        id: self.id.clone(),
                        message: e.to_string(),
                    },
                    broken_plugs: Vec::new(),
                }
            })?;
        // One store holds every instance of a session, so all of them are rebuilt.
        let reinstantiated = session.components().to_vec();
        Ok(Prepared {
            session,
            target: self.target,
            reinstantiated,
            instantiate_time: started.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crosses_threads<T: Send>() {}

    #[test]
    fn reload_types_can_move_between_threads() {
        // The watcher, the UI and the runtime worker are different threads.
        crosses_threads::<LiveSession>();
        crosses_threads::<ReloadPlan>();
        crosses_threads::<Prepared>();
        crosses_threads::<super::super::WatchEvent>();
        crosses_threads::<super::super::Watcher>();
    }
}
