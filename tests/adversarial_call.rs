//! The adversarial suite through `wirebench call` (the release of the headless path): every
//! hazard of `adversarial_util/hazards.txt`, several times in a row in one process over
//! `--stdin`, each followed by a normal call — checked for the right error, a bounded time per
//! call, bounded peak memory of the process, and a working next call. Text mode is checked
//! for raw escape sequences reaching stdout.

mod adversarial_util;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adversarial_util::*;

/// Times each hazard runs in a row.
const REPEAT: usize = 3;
/// Peak RSS allowed for the whole `call` process (debug build; hazards capped at 32 MiB of
/// linear memory, big results formatted as text).
const MAX_PEAK_RSS: u64 = 600 << 20;

fn call_command(cache: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirebench"));
    cmd.arg("call")
        .arg(hostile_wasm())
        .args(["--timeout", &format!("{TIMEOUT_MS}ms")])
        .args(["--max-memory", &format!("{MAX_MEMORY_MIB}MiB")])
        .args(["--max-output", &format!("{MAX_OUTPUT_KIB}KiB")])
        .env("WIREBENCH_CACHE_DIR", cache);
    cmd
}

/// Polls a child's peak RSS until told to stop; the last reading is the peak (VmHWM only grows).
fn watch_peak(
    pid: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            if let Some(p) = peak_rss(pid) {
                peak.fetch_max(p, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

#[test]
fn every_hazard_in_a_row_through_call_stdin() {
    let cache = tempfile::tempdir().unwrap();
    let hazards = call_hazards();
    let mut script = Vec::new();
    for h in &hazards {
        for _ in 0..REPEAT {
            script.push((Some(h.clone()), h.call.clone().unwrap()));
            script.push((None, "divide(7, 2)".to_string()));
        }
    }
    let mut child = call_command(cache.path())
        .args(["--stdin", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wirebench call");
    let pid = child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let watcher = watch_peak(pid, Arc::clone(&stop), Arc::clone(&peak));
    let mut stdin = child.stdin.take().unwrap();
    let lines: Vec<String> = script.iter().map(|(_, c)| c.clone()).collect();
    // Fed from a thread: the answers must be read while the (large) input is still written.
    let feeder = std::thread::spawn(move || {
        for l in lines {
            if writeln!(stdin, "{l}").is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut last = Instant::now();
    let started = last;
    for (i, (hazard, text)) in script.iter().enumerate() {
        let mut line = String::new();
        let n = out.read_line(&mut line).expect("read a JSON line");
        assert!(
            n > 0,
            "call process ended before answering #{i} `{}`",
            short(text)
        );
        let took = last.elapsed();
        last = Instant::now();
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
        let result = if v["ok"].as_bool() == Some(true) {
            Ok(v["result"].as_str().unwrap_or_default())
        } else {
            Err(v["error"]["kind"].as_str().unwrap_or_default())
        };
        match hazard {
            Some(h) => {
                let expect = h.expect_call.as_ref().unwrap();
                assert!(
                    expect.accepts(result),
                    "{}: expected {}, got {} ({})",
                    h.id,
                    expect.label(),
                    short(&format!("{result:?}")),
                    v["error"]["message"]
                );
                if expect.is_guest_failure() {
                    assert_eq!(v["state_reset"], true, "{}: instance not re-created", h.id);
                }
                assert!(took < time_bound(h), "{}: took {took:?}", h.id);
                for stream in ["stdout", "stderr"] {
                    // Characters, not bytes: lossy UTF-8 decoding turns each invalid byte
                    // into a three-byte U+FFFD, but never into more than one character.
                    let len = v[stream].as_str().map_or(0, |s| s.chars().count());
                    assert!(
                        len <= (MAX_OUTPUT_KIB as usize) << 10,
                        "{}: {stream} {len}",
                        h.id
                    );
                }
                if h.id.ends_with("-flood") {
                    let stream = h.id.trim_end_matches("-flood");
                    assert_eq!(v[format!("{stream}_truncated")], true, "{}", h.id);
                }
            }
            None => assert_eq!(
                result,
                Ok("3"),
                "the call after `{}` failed",
                short(&script[i - 1].1)
            ),
        }
    }
    feeder.join().unwrap();
    let status = child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    assert_eq!(
        status.code(),
        Some(1),
        "some calls failed, so exit status 1"
    );
    let peak = peak.load(Ordering::SeqCst);
    eprintln!(
        "{} calls in {:?}, peak RSS {}",
        script.len(),
        started.elapsed(),
        mib(peak)
    );
    assert!(peak < MAX_PEAK_RSS, "peak RSS {}", mib(peak));
}

#[test]
fn text_output_never_carries_raw_escapes() {
    let cache = tempfile::tempdir().unwrap();
    let out = call_command(cache.path())
        .args([
            "flood(1)",
            "flood-stderr(1)",
            "panic(\"\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}\")",
            "read-file(\"\u{1b}[2J\")",
        ])
        .output()
        .expect("run wirebench call");
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!bytes.contains(&0x1b), "raw ESC on {name}");
        for c in [
            '\u{9b}', '\u{9d}', '\u{85}', '\u{202e}', '\u{7}', '\u{8}', '\r',
        ] {
            assert!(!text.contains(c), "raw {c:?} on {name}");
        }
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("  stdout: hostile flood"),
        "{}",
        short(&stdout)
    );
    assert!(
        stdout.contains("reactor") || stdout.contains("guest panicked") || stdout.contains("panic")
    );
}

#[test]
fn each_hazard_as_its_own_command_line_call() {
    // The same hazards given as CALL arguments (no REPL): the process still ends in bounded
    // time with exit status 1 and the normal call after the hazard answered.
    let cache = tempfile::tempdir().unwrap();
    for id in [
        "spin",
        "stack-overflow",
        "memory-bomb",
        "panic",
        "handle-table",
    ] {
        let h = call_hazards().into_iter().find(|h| h.id == id).unwrap();
        let started = Instant::now();
        let out = call_command(cache.path())
            .arg(h.call.as_ref().unwrap())
            .arg("divide(7, 2)")
            .output()
            .expect("run wirebench call");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{id}: {stdout}");
        assert!(stdout.starts_with("error: "), "{id}: {stdout}");
        assert!(
            stdout.lines().any(|l| l == "3"),
            "{id}: next call: {stdout}"
        );
        assert!(started.elapsed() < Duration::from_secs(20), "{id}");
    }
}

fn short(s: &str) -> String {
    if s.len() > 120 {
        format!(
            "{}… ({} bytes)",
            &s[..s.char_indices().nth(120).map_or(s.len(), |(i, _)| i)],
            s.len()
        )
    } else {
        s.to_string()
    }
}

/// A component whose `grow-table` grows a funcref table and `grow-memory` linear memory, in
/// a loop, without bound — `table.grow`/`memory.grow` straight from wasm, which a Rust guest
/// cannot emit.
fn grower() -> Vec<u8> {
    wat::parse_str(
        r#"(component
          (core module $m
            (table $t 1 funcref)
            (memory $mem 1)
            (func (export "grow-table") (result i32)
              (loop $l
                (drop (table.grow $t (ref.null func) (i32.const 65536)))
                (br $l))
              (i32.const 0))
            (func (export "grow-memory") (result i32)
              (loop $l
                (drop (memory.grow (i32.const 16)))
                (br $l))
              (i32.const 0)))
          (core instance $i (instantiate $m))
          (func (export "grow-table") (result u32) (canon lift (core func $i "grow-table")))
          (func (export "grow-memory") (result u32) (canon lift (core func $i "grow-memory"))))"#,
    )
    .expect("grower WAT")
}

#[test]
fn tables_and_memory_grown_from_wasm_hit_their_caps() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grower.wasm");
    std::fs::write(&path, grower()).unwrap();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .arg("call")
        .arg(&path)
        .args(["--timeout", "2s", "--max-memory", "32MiB", "--json"])
        .args([
            "grow-table()",
            "grow-memory()",
            "grow-table()",
            "grow-memory()",
        ])
        .env("WIREBENCH_CACHE_DIR", dir.path())
        .output()
        .expect("run wirebench call");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let kinds: Vec<String> = stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            format!(
                "{} {}",
                v["error"]["kind"].as_str().unwrap_or("ok"),
                v["error"]["message"]
            )
        })
        .collect();
    assert_eq!(kinds.len(), 4, "{stdout}");
    for (i, k) in kinds.iter().enumerate() {
        if i % 2 == 0 {
            // The table cap (1M elements by default) stops it, not the deadline.
            assert!(k.starts_with("trap") && k.contains("table"), "{k}");
        } else {
            assert!(k.starts_with("out-of-memory"), "{k}");
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
