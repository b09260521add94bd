//! The runtime worker: a thread that owns the [`Session`] (and so every `Store`), takes
//! [`Command`]s over a channel and answers with [`Event`]s, so no guest code ever runs on the
//! UI thread. Cancelling bypasses the queue: the running call is stopped within one epoch tick.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::error::CallError;
use super::handles::HandleInfo;
use super::resolve_func::FunctionEntry;
use super::session::{CallOutcome, CancelHandle, Mode, Session, SessionOptions, Target};

/// A request to the worker.
#[derive(Debug)]
// Commands are few and sent rarely; boxing `Load` would only make the API noisier.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Load (or reload) a target, replacing the current session.
    Load {
        target: Target,
        options: SessionOptions,
    },
    /// Run one call; `id` comes back in the events.
    Call { id: u64, text: String },
    /// Drop a resource handle.
    DropHandle { id: u64, handle: u32 },
    /// Stop the running call now; [`Worker::send`] applies it at once instead of queueing it.
    Cancel,
    /// Discard all guest state and instantiate afresh.
    Reset,
    /// Stop the worker thread.
    Shutdown,
}

/// What the worker reports.
#[derive(Debug)]
pub enum Event {
    /// A target was loaded and instantiated.
    Loaded {
        components: Vec<String>,
        mode: Mode,
        functions: Vec<FunctionEntry>,
        notes: Vec<String>,
    },
    /// Loading failed; when `kept_previous`, the previous session still answers calls.
    LoadFailed {
        error: CallError,
        kept_previous: bool,
    },
    /// A call began running in the guest (useful to show a spinner and offer cancel).
    CallStarted { id: u64 },
    /// A call ended, successfully or not.
    CallFinished {
        id: u64,
        outcome: CallOutcome,
        handles: Vec<HandleInfo>,
    },
    /// A reset finished.
    ResetDone { result: Result<(), CallError> },
    /// The worker stopped.
    Stopped,
}

/// Handle to the runtime worker thread.
pub struct Worker {
    commands: Sender<Command>,
    events: Receiver<Event>,
    cancel: Arc<Mutex<Option<CancelHandle>>>,
    /// Set when the worker is dropped: queued commands are skipped, not run.
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker thread.
    pub fn spawn() -> std::io::Result<Worker> {
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, events) = crossbeam_channel::unbounded();
        let cancel = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&cancel);
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let thread = std::thread::Builder::new()
            .name("wirebench-runtime".into())
            .spawn(move || run(command_rx, event_tx, slot, stop))?;
        Ok(Worker {
            commands,
            events,
            cancel,
            stopping,
            thread: Some(thread),
        })
    }

    /// Queues a command (a `Cancel` takes effect immediately); false if the worker has stopped.
    pub fn send(&self, command: Command) -> bool {
        if let Command::Cancel = command {
            self.cancel();
            return true;
        }
        self.commands.send(command).is_ok()
    }

    /// The event stream (select on it alongside terminal and watcher events).
    pub fn events(&self) -> &Receiver<Event> {
        &self.events
    }

    /// Cancels the call that is running now, if any.
    pub fn cancel(&self) {
        if let Some(h) = self
            .cancel
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            h.cancel();
        }
    }
}

/// How long dropping a [`Worker`] waits for its thread to stop before leaving it behind.
const SHUTDOWN_WAIT: Duration = Duration::from_millis(100);

impl Drop for Worker {
    fn drop(&mut self) {
        // Flag first, then cancel: the running call stops and nothing queued behind it starts
        // (queued calls would each run to their deadline before the thread saw `Shutdown`).
        self.stopping.store(true, Ordering::SeqCst);
        self.cancel();
        let _ = self.commands.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            // A compile cannot be interrupted, and joining it made quitting during a cold load
            // take as long as the compile (~0.9 s for the demo). Wait briefly for a clean stop;
            // otherwise the thread finishes its command, fails to send the event (the receiver
            // is gone) and ends on its own, or process exit ends it. The compile cache writes
            // each entry to a temp file and renames it, so an interrupted write leaves no entry.
            let deadline = Instant::now() + SHUTDOWN_WAIT;
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

fn run(
    commands: Receiver<Command>,
    events: Sender<Event>,
    cancel: Arc<Mutex<Option<CancelHandle>>>,
    stopping: Arc<AtomicBool>,
) {
    let mut session: Option<Session> = None;
    let set_cancel = |h: Option<CancelHandle>| {
        *cancel.lock().unwrap_or_else(|e| e.into_inner()) = h;
    };
    for command in commands.iter() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let event = match command {
            Command::Load { target, options } => {
                // Build the new session beside the old one: if it fails, the last good
                // session keeps answering calls (a broken rebuild must not stop the bench).
                match Session::load(target, options) {
                    Ok(s) => {
                        set_cancel(Some(s.cancel_handle()));
                        let event = Event::Loaded {
                            components: s.components().to_vec(),
                            mode: s.mode(),
                            functions: s.functions().to_vec(),
                            notes: s.notes().to_vec(),
                        };
                        session = Some(s);
                        event
                    }
                    Err(error) => Event::LoadFailed {
                        error,
                        kept_previous: session.is_some(),
                    },
                }
            }
            Command::Call { id, text } => {
                // From here on the caller treats the call as running, so a cancel counts.
                if let Some(s) = session.as_mut() {
                    s.mark_cancel_point();
                }
                let _ = events.send(Event::CallStarted { id });
                finished(id, session.as_mut(), |s| s.call(&text), &text)
            }
            Command::DropHandle { id, handle } => {
                let text = format!("drop(${handle})");
                finished(id, session.as_mut(), |s| s.drop_handle(handle), &text)
            }
            Command::Reset => Event::ResetDone {
                result: match session.as_mut() {
                    Some(s) => s.reset(),
                    None => Err(nothing_loaded()),
                },
            },
            // Handled in `Worker::send`; one that slipped into the queue has nothing to stop.
            Command::Cancel => continue,
            Command::Shutdown => break,
        };
        if events.send(event).is_err() {
            break;
        }
    }
    let _ = events.send(Event::Stopped);
}

fn finished(
    id: u64,
    session: Option<&mut Session>,
    f: impl FnOnce(&mut Session) -> CallOutcome,
    text: &str,
) -> Event {
    match session {
        Some(s) => {
            let outcome = f(s);
            Event::CallFinished {
                id,
                handles: s.handles(),
                outcome,
            }
        }
        None => {
            let mut outcome = CallOutcome::new(text);
            outcome.result = Err(nothing_loaded());
            Event::CallFinished {
                id,
                outcome,
                handles: Vec::new(),
            }
        }
    }
}

fn nothing_loaded() -> CallError {
    CallError::Load {
        message: "nothing is loaded — open a component or workspace first".into(),
    }
}
