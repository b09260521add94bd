//! Shared helpers of the reload tests: sample bytes, same-WIT variants, a watcher harness that
//! waits on events with generous timeouts (the CI box is a loaded 2-core machine).

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use wirebench::model::Component;
use wirebench::reload::{
    Outcome, ReloadEvent, WatchEvent, WatchOptions, WatchSet, WatchStatus, Watcher,
};

/// How long to wait for an event that must come.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long silence must last to count as "no event".
pub const QUIET: Duration = Duration::from_millis(700);
/// The debounce window the tests run with.
pub const DEBOUNCE: Duration = Duration::from_millis(100);

pub fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The same component with a custom section appended: same WIT, different hash.
pub fn variant(bytes: &[u8], tag: u32) -> Vec<u8> {
    let name = b"wirebench-test";
    let payload = tag.to_le_bytes();
    let mut section = Vec::new();
    leb(&mut section, name.len() as u32);
    section.extend_from_slice(name);
    section.extend_from_slice(&payload);
    let mut out = bytes.to_vec();
    out.push(0);
    leb(&mut out, section.len() as u32);
    out.extend_from_slice(&section);
    out
}

fn leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub fn sha(bytes: &[u8]) -> String {
    wirebench::model::sha256_hex(bytes)
}

/// A temp folder of components under watch.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub rx: Receiver<WatchEvent>,
    pub statuses: Vec<WatchStatus>,
    pub watcher: Option<Watcher>,
}

impl Harness {
    /// Writes `files`, decodes the `.wasm` ones as the loaded set and watches the folder.
    pub fn start(files: &[(&str, &[u8])]) -> Harness {
        Self::start_with(
            files,
            WatchOptions {
                debounce: DEBOUNCE,
                ..WatchOptions::default()
            },
        )
    }

    pub fn start_with(files: &[(&str, &[u8])], options: WatchOptions) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let mut components = Vec::new();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            fs::write(&path, bytes).unwrap();
            if name.ends_with(".wasm") {
                let c = Component::from_file(&path).unwrap();
                components.push((c.name.clone(), Arc::new(c)));
            }
        }
        let set = WatchSet {
            components,
            dirs: vec![dir.path().to_path_buf()],
            files: Vec::new(),
        };
        let (tx, rx) = crossbeam_channel::unbounded();
        let watcher = Watcher::start(set, options, tx).unwrap();
        Harness {
            dir,
            rx,
            statuses: Vec::new(),
            watcher: Some(watcher),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The next reload event (status events are kept in `statuses`).
    pub fn next(&mut self, timeout: Duration) -> Option<ReloadEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(WatchEvent::Reload(ev)) => return Some(*ev),
                Ok(WatchEvent::Status(s)) => self.statuses.push(s),
                Err(_) => return None,
            }
        }
    }

    /// The next reload event, which must come.
    pub fn expect(&mut self) -> ReloadEvent {
        self.next(EVENT_TIMEOUT)
            .expect("no reload event within the timeout")
    }

    /// Asserts that no reload event comes within [`QUIET`].
    pub fn expect_quiet(&mut self) {
        if let Some(ev) = self.next(QUIET) {
            panic!("unexpected event: {}", ev.summary_line());
        }
    }

    /// Every reload event until none came for `quiet`.
    pub fn drain(&mut self, quiet: Duration) -> Vec<ReloadEvent> {
        let mut out = Vec::new();
        while let Some(ev) = self.next(quiet) {
            out.push(ev);
        }
        out
    }

    /// Waits for a status event matching `f`.
    pub fn wait_status(&mut self, f: impl Fn(&WatchStatus) -> bool) -> Vec<ReloadEvent> {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        let mut reloads = Vec::new();
        while !self.statuses.iter().any(&f) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "status did not come; got {:?}",
                self.statuses
            );
            match self.rx.recv_timeout(left) {
                Ok(WatchEvent::Reload(ev)) => reloads.push(*ev),
                Ok(WatchEvent::Status(s)) => self.statuses.push(s),
                Err(_) => {}
            }
        }
        reloads
    }
}

/// Asserts the outcome, with the event's own line in the message.
pub fn assert_outcome(ev: &ReloadEvent, want: Outcome) {
    assert_eq!(ev.outcome, want, "{}", ev.summary_line());
}
