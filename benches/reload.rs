//! Reload latency: a new version renamed into place → the watcher's event with the decoded
//! component → a new instance ready, p50/p99 over many runs per sample, next to a baseline of
//! the pure decode time of the same bytes.
//!
//! `cargo bench --bench reload`; `RELOAD_BENCH_RUNS` (default 40) and
//! `RELOAD_BENCH_DEBOUNCE_MS` (default 100) tune it. Every run writes different bytes (same WIT,
//! a custom section changes), so each reload really decodes and compiles.

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wirebench::model::Component;
use wirebench::reload::{LiveSession, LiveTarget, WatchEvent, WatchOptions, WatchSet, Watcher};
use wirebench::runtime::SessionOptions;

const SAMPLES: &[&str] = &["kv-store", "data-processor", "type-zoo", "http-gateway"];

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The component with a custom section appended: same WIT, different bytes.
fn variant(bytes: &[u8], tag: u32) -> Vec<u8> {
    let name = b"wirebench-bench";
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(&tag.to_le_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    out.push(section.len() as u8);
    out.extend_from_slice(&section);
    out
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:7.1}", d.as_secs_f64() * 1000.0)
}

struct Stats(Vec<Duration>);

impl Stats {
    fn row(&mut self) -> String {
        self.0.sort();
        format!("{} {}", ms(pct(&self.0, 0.5)), ms(pct(&self.0, 0.99)))
    }
}

fn main() {
    let runs = env_u64("RELOAD_BENCH_RUNS", 40) as u32;
    // Every run is new code: measure real compiles, and leave the user's cache alone.
    wirebench::runtime::init_engine(wirebench::runtime::EngineOptions {
        cache: false,
        ..Default::default()
    })
    .expect("engine starts");
    let debounce = Duration::from_millis(env_u64("RELOAD_BENCH_DEBOUNCE_MS", 100));
    println!(
        "reload latency, {runs} runs per sample, debounce window {} ms (all times ms: p50 p99)",
        debounce.as_millis()
    );
    println!(
        "{:<15} {:>15} {:>15} {:>15} {:>15} {:>15}",
        "sample", "decode only", "rename→event", "beyond window", "instantiate", "rename→instance"
    );
    for name in SAMPLES {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
        let bytes = fs::read(root.join(format!("{name}.wasm"))).expect("sample exists");
        bench_sample(name, &bytes, runs, debounce);
    }
}

fn bench_sample(name: &str, bytes: &[u8], runs: u32, debounce: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(format!("{name}.wasm"));
    fs::write(&path, bytes).expect("write sample");
    let c = Arc::new(Component::from_file(&path).expect("sample decodes"));
    let options = SessionOptions {
        stub_missing: true,
        ..SessionOptions::default()
    };
    let target = LiveTarget::Component {
        id: c.name.clone(),
        component: Arc::clone(&c),
    };
    let mut live = LiveSession::load(target, options).ok();
    let set = WatchSet {
        components: vec![(c.name.clone(), c)],
        dirs: Vec::new(),
        files: Vec::new(),
    };
    let (tx, rx) = crossbeam_channel::unbounded();
    let opts = WatchOptions {
        debounce,
        ..WatchOptions::default()
    };
    let _watcher = Watcher::start(set, opts, tx).expect("watch starts");
    let (mut decode, mut to_event, mut beyond, mut inst, mut to_instance) = (
        Stats(Vec::new()),
        Stats(Vec::new()),
        Stats(Vec::new()),
        Stats(Vec::new()),
        Stats(Vec::new()),
    );
    let tmp = dir.path().join(".tmp");
    for run in 0..runs {
        let v = variant(bytes, run + 1);
        let t = Instant::now();
        let _ = Component::from_bytes(name, v.clone()).expect("variant decodes");
        decode.0.push(t.elapsed());
        fs::write(&tmp, &v).expect("write temp");
        let start = Instant::now();
        fs::rename(&tmp, &path).expect("rename into place");
        let mut ev = loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(WatchEvent::Reload(ev)) => break ev,
                Ok(WatchEvent::Status(_)) => continue,
                Err(e) => panic!("no reload event: {e}"),
            }
        };
        let got = start.elapsed();
        to_event.0.push(got);
        beyond.0.push(got.saturating_sub(debounce));
        if let Some(live) = live.as_mut() {
            let t = Instant::now();
            if live.apply(&mut ev) {
                inst.0.push(t.elapsed());
                to_instance.0.push(start.elapsed());
            }
        }
    }
    let na = || format!("{:>7} {:>7}", "-", "-");
    let (inst_row, total_row) = if inst.0.is_empty() {
        (na(), na())
    } else {
        (inst.row(), to_instance.row())
    };
    println!(
        "{name:<15} {} {} {} {} {}",
        decode.row(),
        to_event.row(),
        beyond.row(),
        inst_row,
        total_row
    );
}
