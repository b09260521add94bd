//! Harnesses of the sample e2e tests: [`Running`] is the loop as the TUI wires it (Builder,
//! reload watcher, live linked session); [`Watch`] drives `wirebench watch --build --json`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use wirebench::build::{load_configs, BuildEvent, Builder};
use wirebench::reload::{
    apply_to_workspace, LiveSession, LiveTarget, Outcome, WatchEvent, WatchOptions, WatchSet,
    Watcher,
};
use wirebench::runtime::SessionOptions;
use wirebench::workspace::Workspace;

use super::{wait_for, EVENT_TIMEOUT, QUIET};

const GET: &str = r#"get("access_code")"#;

pub struct Running {
    ws: Workspace,
    live: LiveSession,
    builds: Receiver<BuildEvent>,
    reloads: Receiver<WatchEvent>,
    seen: Vec<BuildEvent>,
    _watcher: Watcher,
    _builder: Builder,
}

impl Running {
    pub fn start(ws_dir: &Path) -> Running {
        let configs = load_configs(&ws_dir.join("wirebench.toml")).unwrap();
        assert_eq!(configs.len(), 5, "{configs:#?}");
        let ws = Workspace::open(&[ws_dir.to_path_buf()]).unwrap();
        assert_eq!(ws.components.len(), 5, "{:?}", ws.warnings);
        // Every import is plugged or host-provided, so nothing is stubbed (as in the TUI).
        let options = SessionOptions::default();
        let mut live =
            LiveSession::load(LiveTarget::Linked(Box::new(ws.clone())), options).unwrap();
        live.set_replay(true);
        let (tx, reloads) = crossbeam_channel::unbounded();
        let watcher =
            Watcher::start(WatchSet::from_workspace(&ws), WatchOptions::default(), tx).unwrap();
        let (tx, builds) = crossbeam_channel::unbounded();
        let builder = Builder::start(configs, tx).unwrap();
        Running {
            ws,
            live,
            builds,
            reloads,
            seen: Vec::new(),
            _watcher: watcher,
            _builder: builder,
        }
    }

    pub fn call(&mut self) -> String {
        self.call_text(GET)
    }

    pub fn call_text(&mut self, text: &str) -> String {
        self.live
            .call(text)
            .result
            .unwrap_or_else(|e| panic!("{text} failed: {e}"))
    }

    fn kv_finished(&mut self) -> BuildEvent {
        wait_for(
            &self.builds,
            &mut self.seen,
            EVENT_TIMEOUT,
            "kv-store build end",
            |e| matches!(e, BuildEvent::Finished { id, cancelled: false, .. } if id == "kv-store"),
        )
    }

    /// Waits for kv-store's good build; its duration.
    pub fn expect_build_ok(&mut self) -> Duration {
        match self.kv_finished() {
            BuildEvent::Finished {
                ok: true,
                installed: true,
                duration,
                ..
            } => duration,
            other => panic!("{other:?}\n{:#?}", self.seen),
        }
    }

    pub fn expect_build_failed(&mut self) -> String {
        match self.kv_finished() {
            BuildEvent::Finished {
                ok: false,
                first_error: Some(e),
                ..
            } => e,
            other => panic!("expected a failed build: {other:?}"),
        }
    }

    /// Takes kv-store's reload into the workspace and the live session; the reload's latency
    /// (file change → decoded) and the time to instantiate the new session.
    pub fn expect_reload(&mut self) -> (Duration, Duration) {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = self.reloads.recv_timeout(left).expect("no reload in time");
            let WatchEvent::Reload(mut ev) = msg else {
                continue;
            };
            assert_eq!(ev.id, "kv-store", "{}", ev.summary_line());
            assert_eq!(ev.outcome, Outcome::Reloaded, "{}", ev.summary_line());
            apply_to_workspace(&mut self.ws, &mut ev);
            assert!(self.live.apply(&mut ev), "{}", ev.summary_line());
            let rt = ev.runtime.as_ref().expect("runtime report");
            assert!(rt.reinstantiated.iter().any(|r| r == "kv-store"), "{rt:?}");
            // Linked mode shares one store, so every instance is rebuilt; replay brings the
            // session's state back.
            let replay = rt.replay.as_ref().expect("replay is on");
            assert!(replay.failed.is_empty(), "{replay:?}");
            return (ev.latency, rt.instantiate_time);
        }
    }

    pub fn expect_no_reload(&mut self) {
        let deadline = Instant::now() + QUIET;
        while let Ok(msg) = self
            .reloads
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            if let WatchEvent::Reload(ev) = msg {
                panic!("unexpected reload: {}", ev.summary_line());
            }
        }
    }

    pub fn assert_only_kv_store_built(&mut self) {
        self.seen.extend(self.builds.try_iter());
        for e in &self.seen {
            if let BuildEvent::Started { id, .. } = e {
                assert_eq!(id, "kv-store", "{:#?}", self.seen);
            }
        }
    }
}

/// Runs `wirebench ARGS`, which must succeed; its stdout.
pub fn wirebench(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wirebench {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `wirebench watch DIR --build --json`, read line by line.
pub struct Watch {
    child: Child,
    lines: Receiver<serde_json::Value>,
}

impl Watch {
    pub fn spawn(dir: &Path) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wirebench"))
            .arg("watch")
            .arg(dir)
            .args(["--build", "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    /// Objects up to and including the first `{"event": event}` that `pick` accepts.
    pub fn until(
        &self,
        event: &str,
        pick: impl Fn(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no `{event}` in time; saw {seen:#?}"));
            let hit = v["event"] == event && pick(&v);
            seen.push(v);
            if hit {
                return seen;
            }
        }
    }

    /// Everything printed within `d`.
    pub fn quiet(&self, d: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + d;
        let mut seen = Vec::new();
        while let Ok(v) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            seen.push(v);
        }
        seen
    }

    /// SIGTERM; the watch must exit with status 0.
    pub fn terminate(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "did not exit on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // A failed assertion must not leave the watch (and its builds) running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
