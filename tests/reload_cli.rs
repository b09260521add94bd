//! `wirebench watch` as a script uses it: a ready line first, then one flushed line per
//! reload (JSON or text), and exit status 0 on SIGTERM.

mod reload_util;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crossbeam_channel::Receiver;
use reload_util::*;

struct Watch {
    child: Child,
    lines: Receiver<String>,
}

impl Watch {
    fn spawn(args: &[&str], dir: &Path) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wirebench"))
            .arg("watch")
            .arg(dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = crossbeam_channel::unbounded();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(EVENT_TIMEOUT)
            .expect("wirebench watch printed nothing in time")
    }

    fn json(&self) -> serde_json::Value {
        let line = self.line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// SIGTERM, then the exit status must be success.
    fn terminate(mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success());
        let deadline = std::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status:?}");
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "did not exit on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn json_lines_for_ready_and_each_reload() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("kv.wasm"), sample("kv-store.wasm")).unwrap();
    let w = Watch::spawn(&["--json"], dir.path());
    let ready = w.json();
    assert_eq!(ready["event"], "ready");
    assert_eq!(ready["components"], serde_json::json!(["kv"]));
    assert_eq!(ready["debounce_ms"], 100);
    // What the acceptance check does: copy to a temp name, rename over.
    let other = sample("type-zoo.wasm");
    fs::write(dir.path().join(".tmp"), &other).unwrap();
    fs::rename(dir.path().join(".tmp"), dir.path().join("kv.wasm")).unwrap();
    let ev = w.json();
    assert_eq!(ev["event"], "reload");
    assert_eq!(ev["outcome"], "reloaded");
    assert_eq!(ev["ok"], true);
    assert!(ev["file"].as_str().unwrap().ends_with("kv.wasm"), "{ev}");
    assert_eq!(ev["id"], "kv");
    assert_eq!(ev["old_sha256"], sha(&sample("kv-store.wasm")));
    assert_eq!(ev["new_sha256"], sha(&other));
    assert!(ev["latency_ms"].as_f64().unwrap() >= 100.0, "{ev}");
    let summary = ev["diff_summary"].as_str().unwrap();
    assert!(summary.contains("+1 interface"), "{summary}");
    assert_eq!(ev["diff"]["items"][0]["change"], "added");
    assert_eq!(ev["broken_plugs"], serde_json::json!([]));
    assert!(ev.get("error").is_none());
    // A broken file: an error line, the last good kept.
    fs::write(dir.path().join("kv.wasm"), "garbage").unwrap();
    let ev = w.json();
    assert_eq!(ev["outcome"], "failed");
    assert_eq!(ev["ok"], false);
    assert!(
        ev["error"]
            .as_str()
            .unwrap()
            .contains("not a WebAssembly binary"),
        "{ev}"
    );
    w.terminate();
}

#[test]
fn text_lines_name_the_file_the_latency_and_the_diff() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("kv.wasm"), sample("kv-store.wasm")).unwrap();
    fs::write(
        dir.path().join("data-processor.wasm"),
        sample("data-processor.wasm"),
    )
    .unwrap();
    let w = Watch::spawn(&["--debounce", "50"], dir.path());
    let ready = w.line();
    assert!(ready.starts_with("watching 2 components in "), "{ready}");
    assert!(ready.contains("debounce 50 ms"), "{ready}");
    fs::write(
        dir.path().join("kv.wasm"),
        variant(&sample("kv-store.wasm"), 1),
    )
    .unwrap();
    let line = w.line();
    // `12:01:30 kv.wasm reloaded in 41 ms (sha256 212d…→ab12…): no WIT changes`
    let (time, rest) = line.split_once(' ').unwrap();
    assert_eq!(time.len(), 8, "{line}");
    assert!(rest.starts_with("kv.wasm reloaded in "), "{line}");
    assert!(rest.contains("(sha256 212d…→"), "{line}");
    assert!(rest.ends_with("): no WIT changes"), "{line}");
    // Breaking the plug the processor depends on.
    fs::write(dir.path().join("kv.wasm"), sample("type-zoo.wasm")).unwrap();
    let line = w.line();
    assert!(line.contains("error: kv.wasm: the new version breaks 1 plug(s) — keeping the last good version; broken plugs: `data-processor` import `neon:kv-store/store@1.0.0`"), "{line}");
    w.terminate();
}

#[test]
fn missing_path_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(["watch", "/no/such/dir/here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: cannot open what to watch"), "{err}");
}
