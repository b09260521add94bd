//! Regenerates `docs/reliability.md`: every hazard of `adversarial_util/hazards.txt` through
//! each run path — `call` (the binary, one process, `--stdin`), the workbench's runtime path
//! (`App` + `runtime::Worker`, in a child process of this binary) and `serve` (the binary,
//! over HTTP) — several times in a row, recording what happened, the slowest repetition and
//! the peak memory of the process. Run by `scripts/reliability.sh` (release build); ignored
//! in the normal test run.

mod adversarial_util;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adversarial_util::*;

/// Repetitions of each hazard per path.
const REPEAT: usize = 5;

/// One cell group of the table: a hazard on a path.
struct Row {
    hazard: String,
    path: &'static str,
    outcome: String,
    ok: bool,
    slowest: Duration,
    peak: Option<u64>,
    next_ok: bool,
}

/// A child process whose peak RSS is sampled every few milliseconds by a helper thread until
/// it ends (`VmHWM` only grows, so the last sample is the peak, give or take the final few
/// milliseconds of the process).
struct Measured {
    child: Child,
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    sampler: Option<std::thread::JoinHandle<()>>,
}

impl Measured {
    fn spawn(cmd: &mut Command) -> Measured {
        let child = cmd.spawn().expect("spawn");
        let (pid, peak, stop) = (
            child.id(),
            Arc::new(AtomicU64::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (p, s) = (Arc::clone(&peak), Arc::clone(&stop));
        let sampler = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                if let Some(v) = peak_rss(pid) {
                    p.fetch_max(v, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(3));
            }
        });
        Measured {
            child,
            peak,
            stop,
            sampler: Some(sampler),
        }
    }

    fn wait(mut self, limit: Duration) -> (Option<i32>, u64) {
        let started = Instant::now();
        let code = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status.code();
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.sampler.take() {
            let _ = t.join();
        }
        (code, self.peak.load(Ordering::SeqCst))
    }
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_wirebench"))
}

fn cache() -> PathBuf {
    std::env::temp_dir().join("wirebench-reliability-cache")
}

fn limit_args() -> Vec<String> {
    vec![
        "--timeout".into(),
        format!("{TIMEOUT_MS}ms"),
        "--max-memory".into(),
        format!("{MAX_MEMORY_MIB}MiB"),
        "--max-output".into(),
        format!("{MAX_OUTPUT_KIB}KiB"),
    ]
}

/// `wirebench call hostile.wasm --stdin --json`: the hazard REPEAT times, each followed by
/// `divide(7, 2)`.
fn via_call(h: &Hazard) -> Row {
    let text = h.call.clone().unwrap_or_default();
    let expect = h.expect_call.clone().unwrap();
    let mut m = Measured::spawn(
        Command::new(bin())
            .arg("call")
            .arg(hostile_wasm())
            .args(limit_args())
            .args(["--stdin", "--json"])
            .env("WIREBENCH_CACHE_DIR", cache())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut stdin = m.child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || {
        // A warm-up call first, so load time does not count as the first repetition's.
        let _ = writeln!(stdin, "divide(7, 2)");
        for _ in 0..REPEAT {
            if writeln!(stdin, "{text}\ndivide(7, 2)").is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(m.child.stdout.take().unwrap());
    let (mut outcome, mut ok, mut next_ok, mut slowest) =
        (String::new(), true, true, Duration::ZERO);
    let mut warm_up = String::new();
    let _ = out.read_line(&mut warm_up);
    let mut last = Instant::now();
    for i in 0..REPEAT * 2 {
        let mut line = String::new();
        let got = out.read_line(&mut line).unwrap_or(0);
        if got == 0 {
            ok = false;
            outcome = "process ended early".into();
            break;
        }
        let took = last.elapsed();
        last = Instant::now();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let result = if v["ok"].as_bool() == Some(true) {
            Ok(v["result"].as_str().unwrap_or_default().to_string())
        } else {
            Err(v["error"]["kind"].as_str().unwrap_or("?").to_string())
        };
        if i % 2 == 0 {
            slowest = slowest.max(took);
            ok &= expect.accepts(result.as_deref().map_err(String::as_str));
            if i == 0 {
                outcome = describe(
                    &result,
                    v["stdout_truncated"] == true || v["stderr_truncated"] == true,
                );
            }
        } else {
            next_ok &= result.as_deref() == Ok("3");
        }
    }
    drop(out);
    let _ = feed.join();
    let (_, peak) = m.wait(Duration::from_secs(60));
    Row {
        hazard: h.id.clone(),
        path: "call",
        outcome,
        ok,
        slowest,
        peak: Some(peak),
        next_ok,
    }
}

fn describe(result: &Result<String, String>, truncated: bool) -> String {
    match result {
        Err(kind) => format!("error `{kind}`"),
        Ok(v) => {
            let shown: String = v.chars().take(24).collect();
            let more = if v.chars().count() > 24 {
                format!("… ({})", mib_or_bytes(v.len()))
            } else {
                String::new()
            };
            let cut = if truncated {
                ", output cut at the cap"
            } else {
                ""
            };
            format!(
                "ok `{}`{more}{cut}",
                shown.replace('|', "\\|").replace('`', "'")
            )
        }
    }
}

fn mib_or_bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{n} B")
    }
}

/// The workbench path, in a child process (so its memory is its own): this binary again,
/// running `workbench_driver` for one hazard.
fn via_workbench(h: &Hazard) -> Row {
    let mut m = Measured::spawn(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "workbench_driver",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WIREBENCH_HAZARD", &h.id)
            .env("WIREBENCH_CACHE_DIR", cache())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    );
    let mut stdout = m.child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let (_, peak) = m.wait(Duration::from_secs(300));
    let text = reader.join().unwrap_or_default();
    let line = text
        .lines()
        .find_map(|l| l.split_once("DRIVER-RESULT "))
        .map(|(_, r)| r.to_string());
    let v: serde_json::Value = line
        .and_then(|l| serde_json::from_str(&l).ok())
        .unwrap_or_default();
    Row {
        hazard: h.id.clone(),
        path: "workbench",
        outcome: v["outcome"].as_str().unwrap_or("driver failed").to_string(),
        ok: v["ok"] == true,
        slowest: Duration::from_micros(v["slowest_us"].as_u64().unwrap_or(0)),
        peak: Some(peak),
        next_ok: v["next_ok"] == true,
    }
}

/// Runs in the child: one hazard through `App::update` + a runtime worker, REPEAT times.
#[test]
#[ignore = "run by regenerate_reliability_table as a child process"]
fn workbench_driver() {
    use wirebench::runtime::{Event, Worker};
    use wirebench::tui::action::{Action, Effect};
    let Ok(id) = std::env::var("WIREBENCH_HAZARD") else {
        return;
    };
    let h = hazards()
        .into_iter()
        .find(|h| h.id == id)
        .expect("known hazard");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(hostile_wasm(), dir.path().join("hostile.wasm")).unwrap();
    std::fs::write(
        dir.path().join("wirebench.toml"),
        format!(
            "[components.hostile]\npath = \"hostile.wasm\"\n\n{}",
            limits_toml()
        ),
    )
    .unwrap();
    let (ws, label) = wirebench::tui::open_workspace(&[dir.path().to_path_buf()]).unwrap();
    let mut app = wirebench::tui::app::App::new(ws, label);
    let worker = Worker::spawn().unwrap();
    // Sends effects, feeds events back until every command answered; returns call results.
    let pump = |app: &mut wirebench::tui::app::App, effects: Vec<Effect>| {
        let mut waiting = 0;
        let mut results = Vec::new();
        for e in effects {
            if let Effect::Runtime(cmd) = e {
                worker.send(*cmd);
                waiting += 1;
            }
        }
        while waiting > 0 {
            let ev = worker
                .events()
                .recv_timeout(Duration::from_secs(120))
                .expect("the worker answers");
            if let Event::CallFinished { outcome, .. } = &ev {
                results.push((
                    outcome.result.clone().map_err(|e| e.kind().to_string()),
                    outcome.stdout_truncated || outcome.stderr_truncated,
                ));
            }
            let done = matches!(
                ev,
                Event::Loaded { .. } | Event::LoadFailed { .. } | Event::CallFinished { .. }
            );
            for e in app.update(Action::runtime(ev)) {
                if let Effect::Runtime(cmd) = e {
                    worker.send(*cmd);
                    waiting += 1;
                }
            }
            if done {
                waiting -= 1;
            }
        }
        results
    };
    let start = app.start();
    pump(&mut app, start);
    let text = h.call.clone().expect("a call hazard");
    let expect = h.expect_call.clone().unwrap();
    let (mut ok, mut next_ok, mut slowest, mut outcome) =
        (true, true, Duration::ZERO, String::new());
    for i in 0..REPEAT {
        let t = Instant::now();
        let e = app.update(Action::Command(format!("call {text}")));
        let r = pump(&mut app, e);
        slowest = slowest.max(t.elapsed());
        let (result, cut) = r.into_iter().next().expect("one outcome");
        ok &= expect.accepts(result.as_deref().map_err(String::as_str));
        if i == 0 {
            outcome = describe(&result, cut);
        }
        let e = app.update(Action::Command("call divide(7, 2)".into()));
        next_ok &= pump(&mut app, e)
            .first()
            .is_some_and(|(r, _)| r.as_deref() == Ok("3"));
    }
    println!(
        "DRIVER-RESULT {}",
        serde_json::json!({"outcome": outcome, "ok": ok, "next_ok": next_ok, "slowest_us": slowest.as_micros() as u64})
    );
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// `wirebench serve hostile.wasm`: the request REPEAT times, each followed by `/divide`.
fn via_serve(h: &Hazard) -> Row {
    let req = h.http.clone().unwrap();
    let expect = h.expect_http.clone().unwrap();
    let addr = free_addr();
    let m = Measured::spawn(
        Command::new(bin())
            .arg("serve")
            .arg(hostile_wasm())
            .args(["--addr", &addr.to_string()])
            .args(limit_args())
            .env("WIREBENCH_CACHE_DIR", cache())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let up = Instant::now();
    while http(addr, "GET", "/now", 0, Duration::from_secs(2)).is_none()
        && up.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (mut ok, mut next_ok, mut slowest, mut outcome) =
        (true, true, Duration::ZERO, String::new());
    for i in 0..REPEAT {
        let t = Instant::now();
        let r = http(
            addr,
            &req.method,
            &req.path,
            req.body,
            Duration::from_secs(60),
        );
        slowest = slowest.max(t.elapsed());
        match r {
            Some(r) => {
                ok &= expect.accepts(r.status, &r.body);
                if i == 0 {
                    let cut = if r.cut { ", body cut short" } else { "" };
                    outcome = format!("HTTP {} ({}{cut})", r.status, mib_or_bytes(r.body.len()));
                }
            }
            None => {
                ok = false;
                outcome = "no response".into();
            }
        }
        next_ok &= http(addr, "GET", "/divide?a=7&b=2", 0, Duration::from_secs(10))
            .is_some_and(|r| r.status == 200 && r.body == b"3");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &m.child.id().to_string()])
        .status();
    let (code, peak) = m.wait(Duration::from_secs(30));
    if code != Some(0) {
        ok = false;
        outcome.push_str(&format!("; server exit {code:?}"));
    }
    Row {
        hazard: h.id.clone(),
        path: "serve",
        outcome,
        ok,
        slowest,
        peak: Some(peak),
        next_ok,
    }
}

fn render(rows: &[Row], started: Instant) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Reliability: hostile guests on every run path\n\n\
         Generated by `scripts/reliability.sh` ({} build of `wirebench`, {} cores) — do not edit by\n\
         hand. Each hazard of [`tests/adversarial_util/hazards.txt`](../tests/adversarial_util/hazards.txt)\n\
         (guest: `assets/samples/hostile.wasm`, source `sample-components/hostile/`) runs {REPEAT} times in a\n\
         row on each path, every time followed by a normal call (`divide(7, 2)`, HTTP `/divide`) that\n\
         must answer `3`. Limits: {TIMEOUT_MS} ms per call or request, {MAX_MEMORY_MIB} MiB of linear\n\
         memory, {MAX_OUTPUT_KIB} KiB of captured output.\n\n\
         - **call**: `wirebench call hostile.wasm --stdin --json`, one process for all {REPEAT} repetitions.\n\
         - **workbench**: the TUI's runtime path — `App::update(:call …)` with a real `runtime::Worker`\n  \
           (what the terminal UI runs), in a process of its own.\n\
         - **serve**: `wirebench serve hostile.wasm`, one request per repetition over HTTP/1.1, then SIGTERM.\n\n\
         *slowest* is the longest of the {REPEAT} repetitions (wall time, including formatting and\n\
         transport); *peak RSS* is the peak resident memory of the whole process over all of them\n\
         (the workbench rows include the test harness that drives `App`, about 90 MiB). ✓ = the\n\
         expected outcome (`hazards.txt`) every time; *next* = the normal call after each\n\
         repetition answered.\n",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let _ = writeln!(
        md,
        "| hazard | path | what happened | ✓ | slowest | peak RSS | next |"
    );
    let _ = writeln!(md, "|---|---|---|---|---:|---:|---|");
    for r in rows {
        let _ = writeln!(
            md,
            "| `{}` | {} | {} | {} | {} ms | {} | {} |",
            r.hazard,
            r.path,
            r.outcome,
            if r.ok { "✓" } else { "✗" },
            r.slowest.as_millis(),
            r.peak.map_or("?".into(), |p| format!(
                "{:.0} MiB",
                p as f64 / (1 << 20) as f64
            )),
            if r.next_ok { "ok" } else { "FAILED" },
        );
    }
    let _ = writeln!(md, "\nWhat each hazard does:\n");
    for h in hazards() {
        let mut how = Vec::new();
        if h.call.is_some() {
            how.push(format!("`{}`", h.call_label.replace('|', "\\|")));
        }
        if let Some(r) = &h.http {
            how.push(format!("HTTP `{}`", r.label));
        }
        let _ = writeln!(md, "- `{}` — {} ({})", h.id, h.what, how.join("; "));
    }
    let _ = writeln!(
        md,
        "\nNot in this table (each its own test, run by `scripts/test.sh`):\n\n\
         - `tests/adversarial_call.rs`, `adversarial_tui.rs`, `adversarial_serve.rs` — the same\n  \
           hazards in the debug test run, with bounds on time, memory and output, a kept instance\n  \
           (`serve --keep-state`) re-created after each failure, Ctrl-C cancelling a runaway call,\n  \
           `table.grow`/`memory.grow` loops straight from wasm, and no raw escape in any output.\n\
         - `tests/hostile_files.rs` — truncated, bit-flipped and wrong-magic binaries; huge declared\n  \
           sizes; types nested 100000 deep; instantiation bombs (4 GiB memory, 10M-element table,\n  \
           2000 instances, a looping start function); FIFOs, devices, sockets, a 1 GiB file,\n  \
           symlink loops; `.wac` documents with cycles, unknown packages and 20000-deep nesting;\n  \
           hostile `wirebench.toml`s; thousands of components; compiling off the UI thread and\n  \
           abandoning it.\n\
         - `tests/capabilities_audit.rs` — the effective WASI grants on every run path, with and\n  \
           without explicit grants; a host terminal is never the guest's.\n\
         - `tests/crash_safe_save.rs` — SIGKILL in the middle of saves, 30 times: every file is\n  \
           the old or the new version.\n\
         - `tests/terminal_safety.rs` — panic, SIGTERM and SIGHUP in a tmux pty restore the\n  \
           terminal; guest escape sequences never reach it.\n\
         - `fuzz/` — six cargo-fuzz targets ([fuzzing.md](fuzzing.md)).\n"
    );
    let failed = rows.iter().filter(|r| !r.ok || !r.next_ok).count();
    let _ = writeln!(
        md,
        "\n{} rows, {failed} not as expected; generated in {} s.",
        rows.len(),
        started.elapsed().as_secs()
    );
    md
}

#[test]
#[ignore = "slow: regenerates docs/reliability.md (scripts/reliability.sh)"]
fn regenerate_reliability_table() {
    let started = Instant::now();
    let mut rows = Vec::new();
    let only = std::env::var("WIREBENCH_HAZARDS").ok();
    for h in hazards() {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|id| id == h.id))
        {
            continue;
        }
        eprintln!("{} …", h.id);
        if h.expect_call.is_some() {
            rows.push(via_call(&h));
            rows.push(via_workbench(&h));
        }
        if h.expect_http.is_some() {
            rows.push(via_serve(&h));
        }
    }
    let md = render(&rows, started);
    let out = std::env::var_os("WIREBENCH_RELIABILITY_OUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/reliability.md"));
    std::fs::write(&out, &md).unwrap();
    eprintln!(
        "wrote {} ({} rows) in {:?}",
        out.display(),
        rows.len(),
        started.elapsed()
    );
    let bad: Vec<String> = rows
        .iter()
        .filter(|r| !r.ok || !r.next_ok)
        .map(|r| format!("{} via {}: {}", r.hazard, r.path, r.outcome))
        .collect();
    assert!(bad.is_empty(), "not as expected:\n{}", bad.join("\n"));
}
