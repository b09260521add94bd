//! Crash-safe saves: a child process saves a workspace (`wirebench.toml` + `.wac`, through
//! `Workspace::save_to`) and a large file (through `util::fsio::atomic_write`) in a tight
//! loop, alternating two versions, and is killed with SIGKILL at random moments — many times.
//! After every kill each file must be exactly the old or the new version (never a mix, never
//! truncated), and the folder must still open as a workspace.
//!
//! The child is this test binary itself, re-run with `--ignored --exact child_saver` and
//! `WIREBENCH_SAVER_DIR` set. What this proves is atomicity against a process crash (rename
//! is atomic); durability against power loss rests on the fsyncs in `atomic_write`, which a
//! test cannot cut power to check.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wirebench::model::Component;
use wirebench::util::fsio::atomic_write;
use wirebench::workspace::{Position, Workspace};

const KILLS: usize = 30;
/// Generous: the child decodes two components and writes 10 MB before it is ready.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const BLOB: &str = "blob.bin";
/// Size of the padding in the manifest and of the blob: big enough that a write takes a
/// while, so kills land in the middle of one.
const PADDING: usize = 1 << 20;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/samples/{name}.wasm"))
}

/// A folder holding the two components a workspace version refers to.
fn prepare(dir: &Path) {
    for name in ["kv-store", "data-processor"] {
        std::fs::copy(sample(name), dir.join(format!("{name}.wasm"))).unwrap();
    }
}

/// Version `v` (0 or 1) of the workspace in `dir`: plugged or not, different layout, and a
/// megabyte of padding made of a different letter.
fn version(dir: &Path, v: usize) -> Workspace {
    let mut ws = Workspace::new();
    for name in ["kv-store", "data-processor"] {
        let c = Component::from_file(&dir.join(format!("{name}.wasm"))).unwrap();
        ws.insert_component(name, c);
    }
    if v == 0 {
        ws.auto_plug();
    }
    ws.layout.insert(
        "kv-store".into(),
        Position {
            x: 10 * v as i32,
            y: 3,
        },
    );
    let letter = if v == 0 { "a" } else { "b" };
    let mut padding = toml::Table::new();
    padding.insert("text".into(), toml::Value::String(letter.repeat(PADDING)));
    ws.settings
        .extra
        .insert("padding".into(), toml::Value::Table(padding));
    ws
}

fn blob(v: usize) -> Vec<u8> {
    vec![if v == 0 { b'A' } else { b'B' }; 4 * PADDING]
}

/// The child: saves both versions alternately until it is killed.
#[test]
#[ignore = "run by crash_safe_save::kill_9_mid_save_leaves_old_or_new as a child process"]
fn child_saver() {
    let Some(dir) = std::env::var_os("WIREBENCH_SAVER_DIR").map(PathBuf::from) else {
        return;
    };
    let mut versions = [version(&dir, 0), version(&dir, 1)];
    let blobs = [blob(0), blob(1)];
    let mut i = 0usize;
    loop {
        let v = i % 2;
        versions[v].save_to(&dir).unwrap();
        atomic_write(&dir.join(BLOB), &blobs[v]).unwrap();
        if i == 1 {
            // Both versions exist on disk once: from here any kill is fair.
            println!("SAVER-READY");
        }
        i += 1;
    }
}

/// Every file of a finished save of version `v`, by name.
fn expected(v: usize) -> Vec<(String, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path());
    version(dir.path(), v).save_to(dir.path()).unwrap();
    let mut files = Vec::new();
    for name in ["wirebench.toml", "workspace.wac"] {
        files.push((
            name.to_string(),
            std::fs::read(dir.path().join(name)).unwrap(),
        ));
    }
    files.push((BLOB.to_string(), blob(v)));
    files
}

#[test]
fn kill_9_mid_save_leaves_old_or_new() {
    let versions = [expected(0), expected(1)];
    assert_ne!(versions[0][0].1, versions[1][0].1);
    assert_ne!(versions[0][1].1, versions[1][1].1, "the .wac differs too");
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path());
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut seen = [[0usize; 2]; 3];
    let started = Instant::now();
    for kill in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_saver",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WIREBENCH_SAVER_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the saving child");
        // The child's "ready" line arrives through a thread so a child that never gets
        // there fails the test after a bounded wait instead of hanging CI.
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.lines() {
                let Ok(line) = line else { break };
                // libtest prints `test child_saver ... ` on the same line first.
                if line.contains("SAVER-READY") {
                    let _ = tx.send(());
                    break;
                }
            }
        });
        if rx.recv_timeout(READY_TIMEOUT).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kill #{kill}: the saving child did not report SAVER-READY within {READY_TIMEOUT:?}");
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 60_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for (f, (name, _)) in versions[0].iter().enumerate() {
            let got = std::fs::read(dir.path().join(name)).unwrap();
            let which = versions.iter().position(|v| v[f].1 == got);
            let Some(which) = which else {
                panic!(
                    "kill #{kill}: `{name}` is neither version ({} bytes; versions have {} and {})",
                    got.len(),
                    versions[0][f].1.len(),
                    versions[1][f].1.len()
                );
            };
            seen[f][which] += 1;
        }
        let ws = Workspace::open(&[dir.path().to_path_buf()])
            .unwrap_or_else(|e| panic!("kill #{kill}: the folder no longer opens: {e}"));
        assert_eq!(ws.components.len(), 2, "kill #{kill}");
    }
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count();
    eprintln!(
        "{KILLS} kills in {:?}: versions seen (old/new per file) {seen:?}; {leftovers} temp files left by kills",
        started.elapsed()
    );
    // Both versions must have been observed for the big files, or the kills never landed
    // between saves and the test proves nothing.
    assert!(seen[0][0] > 0 && seen[0][1] > 0, "{seen:?}");
}
