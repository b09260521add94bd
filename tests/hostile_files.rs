//! Hostile files: truncated, bit-flipped and wrong-magic binaries, huge declared sizes, deeply
//! nested and very wide types, instantiation bombs, FIFOs, devices, a 1 GiB file, symlink
//! loops, `.wac` documents with cycles, unknown packages and deep nesting, and hostile
//! `wirebench.toml`s — through the library (on a 2 MiB-stack thread, as the workbench's
//! background jobs run) and the binary. Each must give a clear error in bounded time: no
//! panic, no hang, no abort. Also: compiling happens off the UI thread and can be abandoned.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wirebench::compose::{compose_wac, load_wac, Deps};
use wirebench::model::Component;
use wirebench::runtime::{Limits, Session, SessionOptions, Target, Worker};
use wirebench::workspace::Workspace;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/samples/{name}.wasm"))
}

/// This binary compiles junk and an 8 MB module: keep all of it out of the user's on-disk
/// compile cache (and make "compiling" really compile). The engine is per process and the
/// first configuration wins, so every test that runs guests in-process calls this first.
fn no_cache() {
    let _ = wirebench::runtime::init_engine(wirebench::runtime::EngineOptions {
        cache: false,
        ..Default::default()
    });
}

/// Runs `f` on a thread with the 2 MiB stack of the workbench's background jobs; fails the
/// test if it panics or takes longer than `limit` (a hung thread is left behind).
fn bounded<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what}: hung for {limit:?}"),
        Err(_) => match handle.join() {
            Err(p) => panic!(
                "{what}: panicked: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ),
            Ok(()) => panic!("{what}: thread ended without a result"),
        },
    }
}

/// Runs the binary with a deadline; returns (exit code, stdout, stderr). Fails on a signal
/// (abort, stack overflow), a panic message, or a hang.
fn cli(args: &[&std::ffi::OsStr], limit: Duration) -> (i32, String, String) {
    let cache = std::env::temp_dir().join("wirebench-hostile-files-cache");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(args)
        .env("WIREBENCH_CACHE_DIR", cache)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wirebench");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("wirebench {args:?} hung for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let Some(code) = out.status.code() else {
        panic!(
            "wirebench {args:?} died of a signal: {:?}\n{stderr}",
            out.status
        )
    };
    assert!(
        !stderr.contains("panicked") && !stderr.contains("overflowed its stack"),
        "wirebench {args:?}: {stderr}"
    );
    (code, stdout, stderr)
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// A failed command says what failed in one `error:` line (plus optional `Caused by:`).
fn assert_clear_error(what: &str, (code, _, stderr): &(i32, String, String)) {
    assert_eq!(*code, 1, "{what}: exit status; stderr: {stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{what}: {stderr}");
    assert!(
        first.len() < 600,
        "{what}: an error line of {} bytes",
        first.len()
    );
}

/// Deterministic xorshift, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Truncations, bit flips, zeroed ranges and wrong magic numbers of `bytes`.
fn corruptions(bytes: &[u8], seed: u64, flips: usize) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let len = bytes.len();
    for cut in [0, 1, 4, 7, 8, 9, 12, 16, 100, len / 4, len / 2, len - 1] {
        out.push((format!("truncated at {cut}"), bytes[..cut].to_vec()));
    }
    for _ in 0..8 {
        let cut = rng.below(len);
        out.push((format!("truncated at {cut}"), bytes[..cut].to_vec()));
    }
    for i in 0..flips {
        let mut b = bytes.to_vec();
        let n = 1 + rng.below(8);
        for _ in 0..n {
            let at = rng.below(len);
            b[at] ^= 1 << rng.below(8);
        }
        out.push((format!("{n} bits flipped (#{i})"), b));
    }
    for _ in 0..10 {
        let mut b = bytes.to_vec();
        let at = rng.below(len);
        let end = (at + 1 + rng.below(256)).min(len);
        b[at..end].fill(0xff);
        out.push((format!("0xff over {at}..{end}"), b));
    }
    let body = &bytes[8..];
    for (name, magic) in [
        ("core-module magic on a component", &b"\0asm\x01\0\0\0"[..]),
        ("unknown version", b"\0asm\x0e\0\x01\0"),
        ("wrong magic", b"\0wsm\x0d\0\x01\0"),
        ("ELF header", b"\x7fELF\x02\x01\x01\0"),
        ("PNG header", b"\x89PNG\r\n\x1a\n"),
        ("shell script", b"#!/bin/sh"),
    ] {
        let mut b = magic.to_vec();
        b.extend_from_slice(body);
        out.push((name.to_string(), b));
    }
    out.push((
        "UTF-16 text".into(),
        "\u{feff}hello"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect(),
    ));
    out
}

#[test]
fn corrupt_binaries_are_clear_errors_on_every_path() {
    no_cache();
    let dir = tempfile::tempdir().unwrap();
    let mut decoded = Vec::new();
    let mut total = 0;
    for (name, seed) in [("kv-store", 1u64), ("hostile", 2), ("lone-wolf", 3)] {
        let bytes = std::fs::read(sample(name)).unwrap();
        for (what, b) in corruptions(&bytes, seed, 150) {
            total += 1;
            let label = format!("{name}: {what}");
            let b2 = b.clone();
            let t = Instant::now();
            let r = bounded(&label, Duration::from_secs(10), move || {
                Component::from_bytes("x", b2).map(|c| c.wit.len())
            });
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{label}: decoding took {:?}",
                t.elapsed()
            );
            match r {
                Ok(_) => decoded.push((label, b)),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(!msg.is_empty() && msg.len() < 2000, "{label}: {msg}");
                }
            }
        }
    }
    eprintln!("{total} variants, {} still decode", decoded.len());
    // Those that still decode are compiled and instantiated: errors, never a panic.
    for (label, b) in decoded.iter().take(12) {
        let b = b.clone();
        bounded(label, Duration::from_secs(60), move || {
            let c = Component::from_bytes("x", b).unwrap();
            let opts = SessionOptions {
                limits: Limits {
                    timeout: Duration::from_millis(300),
                    ..Limits::default()
                },
                ..SessionOptions::default()
            };
            Session::load(Target::Component(Arc::new(c)), opts)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .ok();
    }
    // Through the binary: a few of each kind as files, inspected, called and served.
    let bytes = std::fs::read(sample("kv-store")).unwrap();
    for (i, (what, b)) in corruptions(&bytes, 7, 4).into_iter().step_by(5).enumerate() {
        if Component::from_bytes("x", b.clone()).is_ok() {
            continue;
        }
        let path = dir.path().join(format!("bad{i}.wasm"));
        std::fs::write(&path, &b).unwrap();
        // `inspect` validates no function body (as `wasm-tools component wit`): a fault there
        // leaves the interface readable; any other fault is a clear error.
        let inspected = cli(&[os("inspect"), os(&path)], Duration::from_secs(20));
        if inspected.0 != 0 {
            assert_clear_error(&what, &inspected);
        }
        assert_clear_error(
            &what,
            &cli(
                &[os("call"), os(&path), os("get(\"k\")")],
                Duration::from_secs(20),
            ),
        );
        assert_clear_error(
            &what,
            &cli(
                &[os("serve"), os(&path), os("--addr"), os("127.0.0.1:0")],
                Duration::from_secs(20),
            ),
        );
    }
    // A folder of broken files next to a good one still opens, with one warning per file.
    std::fs::copy(sample("kv-store"), dir.path().join("good.wasm")).unwrap();
    let p = dir.path().to_path_buf();
    let ws = bounded("folder", Duration::from_secs(30), move || {
        Workspace::open(&[p]).map_err(|e| e.to_string())
    })
    .expect("the folder opens");
    assert_eq!(ws.components.len(), 1);
    assert!(ws
        .warnings
        .iter()
        .all(|w| w.message.starts_with("skipped: ")));
    let (code, stdout, _) = cli(
        &[os("call"), os(dir.path()), os("get(\"k\")")],
        Duration::from_secs(30),
    );
    assert_eq!((code, stdout.trim()), (0, "ok(none)"));
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn odd_files_are_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut odd: Vec<(String, PathBuf)> = Vec::new();
    if mkfifo(&d.join("fifo.wasm")) {
        odd.push(("a FIFO".into(), d.join("fifo.wasm")));
        std::os::unix::fs::symlink(d.join("fifo.wasm"), d.join("to-fifo.wasm")).unwrap();
        odd.push(("a symlink to a FIFO".into(), d.join("to-fifo.wasm")));
    } else {
        eprintln!("note: mkfifo unavailable, FIFO cases skipped");
    }
    for dev in ["/dev/zero", "/dev/urandom", "/dev/null"] {
        if Path::new(dev).exists() {
            odd.push((format!("the device {dev}"), PathBuf::from(dev)));
        }
    }
    std::fs::create_dir(d.join("dir.wasm")).unwrap();
    odd.push(("a directory".into(), d.join("dir.wasm")));
    let _socket = std::os::unix::net::UnixListener::bind(d.join("sock.wasm")).unwrap();
    odd.push(("a socket".into(), d.join("sock.wasm")));
    let big = std::fs::File::create(d.join("huge.wasm")).unwrap();
    big.set_len(1 << 30).unwrap();
    odd.push(("a 1 GiB file".into(), d.join("huge.wasm")));
    std::os::unix::fs::symlink(d.join("loop-b.wasm"), d.join("loop-a.wasm")).unwrap();
    std::os::unix::fs::symlink(d.join("loop-a.wasm"), d.join("loop-b.wasm")).unwrap();
    odd.push(("a symlink loop".into(), d.join("loop-a.wasm")));
    std::os::unix::fs::symlink(d.join("nowhere.wasm"), d.join("dangling.wasm")).unwrap();
    odd.push(("a dangling symlink".into(), d.join("dangling.wasm")));
    std::fs::write(d.join("empty.wasm"), b"").unwrap();
    odd.push(("an empty file".into(), d.join("empty.wasm")));

    for (what, path) in &odd {
        let p = path.clone();
        let t = Instant::now();
        let r = bounded(what, Duration::from_secs(10), move || {
            Component::from_file(&p)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        let msg = r.expect_err(what);
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{what}: {:?}",
            t.elapsed()
        );
        assert!(msg.len() < 500 && !msg.is_empty(), "{what}: {msg}");
        assert_clear_error(
            what,
            &cli(&[os("inspect"), os(path)], Duration::from_secs(10)),
        );
        assert_clear_error(
            what,
            &cli(&[os("call"), os(path), os("f()")], Duration::from_secs(10)),
        );
    }
    // The folder holding all of them opens (nothing to load, one clear error) without blocking.
    let p = d.to_path_buf();
    let r = bounded("folder of odd files", Duration::from_secs(10), move || {
        Workspace::open(&[p])
            .map(|ws| ws.warnings.len())
            .map_err(|e| e.to_string())
    });
    assert!(r.is_err(), "{r:?}");
    // A symlinked folder loop inside a workspace folder is not followed forever.
    std::fs::copy(sample("kv-store"), d.join("kv.wasm")).unwrap();
    std::os::unix::fs::symlink(d, d.join("self")).unwrap();
    let p = d.to_path_buf();
    let ws = bounded("folder with a loop", Duration::from_secs(10), move || {
        Workspace::open(&[p]).map_err(|e| e.to_string())
    })
    .expect("opens");
    assert_eq!(ws.components.len(), 1);
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("test WAT parses")
}

#[test]
fn huge_declared_sizes_and_nested_types_are_refused() {
    let header = b"\0asm\x0d\0\x01\0".to_vec();
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut b = header.clone();
    b.extend_from_slice(&[0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, b'x']);
    cases.push(("a custom section claiming 4 GiB", b));
    let mut b = header.clone();
    b.extend_from_slice(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61, 0x73, 0x6d]);
    cases.push(("a core module section claiming 4 GiB", b));
    let mut b = header.clone();
    b.extend_from_slice(&[0x07, 0x06, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x40]);
    cases.push(("a type section claiming 4 billion types", b));
    let mut deep = String::from("(component (type $t0 (list u8))");
    for i in 1..100_000 {
        deep.push_str(&format!(" (type $t{i} (list $t{}))", i - 1));
    }
    deep.push_str(" (import \"f\" (func (param \"x\" $t99999))))");
    cases.push(("types nested 100000 deep", wat(&deep)));
    let tuple: String = "u8 ".repeat(5000);
    cases.push((
        "a 5000-element tuple",
        wat(&format!(
            "(component (import \"f\" (func (param \"x\" (tuple {tuple})))))"
        )),
    ));
    let params: String = (0..2000).map(|i| format!("(param \"p{i}\" u8)")).collect();
    cases.push((
        "2000 parameters",
        wat(&format!("(component (import \"f\" (func {params})))")),
    ));
    let imports: String = (0..20_000)
        .map(|i| format!("(import \"f{i}\" (func))"))
        .collect();
    cases.push(("20000 imports", wat(&format!("(component {imports})"))));
    let mut long = header.clone();
    // An import whose name claims 100 MB.
    long.extend_from_slice(&[
        0x0a, 0x0a, 0x01, 0x00, 0x80, 0x80, 0x80, 0x30, b'a', b'b', b'c', b'd',
    ]);
    cases.push(("a name claiming 100 MB", long));
    for (what, bytes) in cases {
        let t = Instant::now();
        let r = bounded(what, Duration::from_secs(20), move || {
            Component::from_bytes("x", bytes)
                .map(|c| c.wit.len())
                .map_err(|e| e.to_string())
        });
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{what}: {:?}",
            t.elapsed()
        );
        if let Err(e) = r {
            assert!(e.len() < 1000, "{what}: {e}");
        }
    }
}

#[test]
fn instantiation_bombs_fail_with_a_reason() {
    no_cache();
    let limits = Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let cases = [
        ("a 4 GiB initial memory", wat("(component (core module $m (memory 65536)) (core instance (instantiate $m)))"), "out of memory"),
        ("a 10M-element table", wat("(component (core module $m (table 10000000 funcref)) (core instance (instantiate $m)))"), "table"),
        ("1001 tables", wat(&format!("(component (core module $m {}) (core instance (instantiate $m)))", "(table 1 funcref)".repeat(1001))), "tables"),
        ("2000 core instances", wat(&format!("(component (core module $m) {})", "(core instance (instantiate $m))".repeat(2000))), "instances"),
        ("a data segment out of bounds", wat("(component (core module $m (memory 1) (data (i32.const 70000) \"x\")) (core instance (instantiate $m)))"), "out of bounds"),
        ("a start function that loops", wat("(component (core module $m (func $s (loop $l (br $l))) (start $s)) (core instance (instantiate $m)))"), "timed out"),
        ("64-bit memory", wat("(component (core module $m (memory i64 1)) (core instance (instantiate $m)))"), "memory64"),
    ];
    for (what, bytes, reason) in cases {
        let limits = limits.clone();
        let t = Instant::now();
        let r = bounded(what, Duration::from_secs(30), move || {
            let c = Component::from_bytes("x", bytes).map_err(|e| e.to_string())?;
            let opts = SessionOptions {
                limits,
                ..SessionOptions::default()
            };
            Session::load(Target::Component(Arc::new(c)), opts)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
        let e = r.expect_err(what);
        assert!(e.contains(reason), "{what}: {e}");
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{what}: {:?}",
            t.elapsed()
        );
    }
}

/// A folder with the sample kv-store and data-processor, where `.wac` documents can name them.
fn wac_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let deps = dir.path().join("deps/neon");
    std::fs::create_dir_all(&deps).unwrap();
    std::fs::copy(sample("kv-store"), deps.join("kv-store.wasm")).unwrap();
    std::fs::copy(sample("data-processor"), deps.join("processor.wasm")).unwrap();
    dir
}

#[test]
fn hostile_wac_documents_are_clear_errors() {
    let dir = wac_dir();
    let deep_parens = format!(
        "package x:y;\nlet a = {}new neon:kv-store {{}}{};\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let deep_new = format!(
        "package x:y;\nlet a = {}new neon:kv-store {{}}{};\n",
        "new neon:processor { store: ".repeat(5_000),
        " }".repeat(5_000)
    );
    let docs: Vec<(&str, Vec<u8>)> = vec![
        ("a self-reference", b"package x:y;\nlet a = new neon:processor { store: a.store };\n".to_vec()),
        (
            "a use before definition (a cycle)",
            b"package x:y;\nlet a = new neon:processor { store: b.store };\nlet b = new neon:processor { store: a.store };\n".to_vec(),
        ),
        ("an unknown package", b"package x:y;\nlet a = new nope:missing {};\n".to_vec()),
        ("an unknown version", b"package x:y;\nlet a = new neon:kv-store@9.9.9 {};\n".to_vec()),
        ("an unknown import", b"package x:y;\nimport f: nope:x/y;\nlet a = new neon:kv-store {};\n".to_vec()),
        ("an unknown argument", b"package x:y;\nlet a = new neon:kv-store { nothing: 1 };\n".to_vec()),
        ("brackets nested 20000 deep", deep_parens.into_bytes()),
        ("`new` nested 5000 deep", deep_new.into_bytes()),
        ("binary garbage", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect()),
        ("invalid UTF-8", b"package x:y;\nlet \xff\xfe = new neon:kv-store {};\n".to_vec()),
        ("an empty file", Vec::new()),
    ];
    let mut deps = Deps::default();
    deps.dirs.push(dir.path().join("deps"));
    for (what, text) in docs {
        let path = dir.path().join("doc.wac");
        std::fs::write(&path, &text).unwrap();
        let (p, d) = (path.clone(), deps.clone());
        let loaded = bounded(what, Duration::from_secs(20), move || {
            load_wac(&p, &d).map(|_| ()).map_err(|e| e.to_string())
        });
        let (p, d) = (path.clone(), deps.clone());
        let composed = bounded(what, Duration::from_secs(20), move || {
            compose_wac(&p, &d).map(|_| ()).map_err(|e| e.to_string())
        });
        assert!(composed.is_err(), "{what}: composed");
        let out = dir.path().join("out.wasm");
        assert_clear_error(
            what,
            &cli(
                &[os("compose"), os(&path), os("-o"), os(&out)],
                Duration::from_secs(20),
            ),
        );
        // Loading as plugs is lenient about versions (plugs are checked later, in the report).
        if what != "an unknown version" {
            assert!(loaded.is_err(), "{what}: loaded");
            assert_clear_error(
                what,
                &cli(
                    &[os("call"), os(&path), os("get(\"k\")")],
                    Duration::from_secs(20),
                ),
            );
        }
        assert!(!out.exists(), "{what}: an output was written");
    }
    // The document opened as part of its folder in the workbench (background thread).
    let d = dir.path().to_path_buf();
    std::fs::write(
        d.join("doc.wac"),
        format!(
            "package x:y;\nlet a = {}1{};",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
    )
    .unwrap();
    std::fs::copy(sample("kv-store"), d.join("kv-store.wasm")).unwrap();
    let r = bounded(
        "folder with a deep .wac",
        Duration::from_secs(20),
        move || {
            wirebench::tui::open_workspace(&[d])
                .map(|_| ())
                .map_err(|e| format!("{e:#}"))
        },
    );
    assert!(
        r.is_err_and(|e| e.contains("nested more than")),
        "deep .wac in a folder"
    );
    // A FIFO where the document should be.
    let fifo = dir.path().join("fifo.wac");
    if mkfifo(&fifo) {
        let d = deps.clone();
        let r = bounded("a FIFO .wac", Duration::from_secs(10), move || {
            load_wac(&fifo, &d).map(|_| ()).map_err(|e| e.to_string())
        });
        assert!(r.is_err());
    }
}

#[test]
fn hostile_manifests_are_clear_errors_or_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(sample("kv-store"), d.join("kv-store.wasm")).unwrap();
    let fifo_ok = mkfifo(&d.join("fifo.wasm"));
    let manifests = [
        (
            "a device as a component",
            "[components.z]\npath = \"/dev/zero\"\n".to_string(),
        ),
        (
            "a FIFO as a component",
            "[components.f]\npath = \"fifo.wasm\"\n".to_string(),
        ),
        (
            "the manifest as a component",
            "[components.m]\npath = \"wirebench.toml\"\n".to_string(),
        ),
        (
            "a folder as a component",
            "[components.d]\npath = \".\"\n".to_string(),
        ),
        (
            "a path outside",
            "[components.p]\npath = \"../../../../../../etc/passwd\"\n".to_string(),
        ),
        (
            "arrays nested 100000 deep",
            format!(
                "[limits]\nx = {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            ),
        ),
        ("a wrong type", "[workspace]\ncomposition = 3\n".to_string()),
        (
            "bad limits",
            "[limits]\ntimeout = \"forever\"\nmax-memory = -1\n".to_string(),
        ),
        (
            "bad capabilities",
            "[capabilities.kv-store]\ndirs = [\"::\"]\nallow-net = \"yes\"\n".to_string(),
        ),
        (
            "10000 components naming one file",
            (0..10_000)
                .map(|i| format!("[components.c{i}]\npath = \"kv-store.wasm\"\n"))
                .collect(),
        ),
    ];
    for (what, text) in manifests {
        if what.contains("FIFO") && !fifo_ok {
            continue;
        }
        let text = format!("[components.kv-store]\npath = \"kv-store.wasm\"\n{text}");
        std::fs::write(d.join("wirebench.toml"), &text).unwrap();
        let p = d.to_path_buf();
        let t = Instant::now();
        let r = bounded(what, Duration::from_secs(60), move || {
            Workspace::open(&[p])
                .map(|ws| (ws.components.len(), ws.warnings.len()))
                .map_err(|e| e.to_string())
        });
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{what}: {:?}",
            t.elapsed()
        );
        match &r {
            Ok((n, _)) => assert!(*n >= 1, "{what}: the good component was lost"),
            Err(e) => assert!(!e.is_empty() && e.len() < 1000, "{what}: {e}"),
        }
        if what.starts_with("10000") {
            // Regression: auto-plugging is quadratic in the component count; thousands of
            // entries kept `open` busy for many minutes. Now refused before decoding.
            let e = r.expect_err(what);
            assert!(e.contains("at most 256"), "{e}");
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "{what}: {:?}",
                t.elapsed()
            );
        }
        let (code, _, stderr) = cli(
            &[os("call"), os(d), os("get(\"k\")")],
            Duration::from_secs(60),
        );
        assert!(code == 0 || code == 1, "{what}: {code} {stderr}");
    }
    // A FIFO, a device or a huge file as the manifest itself.
    std::fs::remove_file(d.join("wirebench.toml")).unwrap();
    let big = std::fs::File::create(d.join("wirebench.toml")).unwrap();
    big.set_len(1 << 30).unwrap();
    assert_clear_error(
        "1 GiB manifest",
        &cli(
            &[os("call"), os(&d.join("wirebench.toml")), os("get(\"k\")")],
            Duration::from_secs(20),
        ),
    );
    std::fs::remove_file(d.join("wirebench.toml")).unwrap();
    if mkfifo(&d.join("wirebench.toml")) {
        // Named explicitly: refused without opening it (opening a FIFO would block).
        assert_clear_error(
            "FIFO manifest",
            &cli(
                &[os("call"), os(&d.join("wirebench.toml")), os("get(\"k\")")],
                Duration::from_secs(20),
            ),
        );
        // Inside the folder: not a regular file, so not a manifest — the folder opens as a
        // plain folder of components (the FIFO `fifo.wasm` skipped with a warning).
        let (code, stdout, stderr) = cli(
            &[os("call"), os(d), os("get(\"k\")")],
            Duration::from_secs(20),
        );
        assert_eq!((code, stdout.trim()), (0, "ok(none)"), "{stderr}");
        assert!(stderr.contains("is a FIFO"), "{stderr}");
    }
}

/// A component whose compilation takes seconds in a debug build (8 MB of straight-line code).
fn slow_to_compile() -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, Function, FunctionSection, Instruction, Module, ModuleSection, TypeSection,
        ValType,
    };
    let mut m = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([], []);
    m.section(&types);
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    for i in 0..1000 {
        funcs.function(0);
        let mut f = Function::new([(1, ValType::I32)]);
        for j in 0..1000 {
            f.instruction(&Instruction::LocalGet(0));
            f.instruction(&Instruction::I32Const(i * j));
            f.instruction(&Instruction::I32Add);
            f.instruction(&Instruction::LocalSet(0));
        }
        f.instruction(&Instruction::End);
        code.function(&f);
    }
    m.section(&funcs);
    m.section(&code);
    let mut c = wasm_encoder::Component::new();
    c.section(&ModuleSection(&m));
    c.finish()
}

/// Thread ids of this process named like the runtime worker (`wirebench-runtime`, cut to
/// the kernel's 15 characters).
fn worker_threads() -> HashSet<u64> {
    std::fs::read_dir("/proc/self/task")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| {
                    std::fs::read_to_string(e.path().join("comm"))
                        .is_ok_and(|c| c.trim() == "wirebench-runti")
                })
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn compiling_is_off_the_ui_thread_and_can_be_abandoned() {
    no_cache();
    // Regression: dropping a worker joined its thread, so quitting the workbench waited for a
    // queue of runaway calls (each to its deadline) or for a whole compile.
    let hostile = Arc::new(Component::from_file(&sample("hostile")).unwrap());
    let before = worker_threads();
    let w = Worker::spawn().unwrap();
    // The new worker thread, identified now: threads it spawns later (wasmtime's cache
    // worker) inherit its name but are not it.
    // (The new thread names itself once it runs: wait for that.)
    let named = Instant::now();
    let mut ours: HashSet<u64> = HashSet::new();
    while ours.is_empty() && named.elapsed() < Duration::from_secs(5) {
        ours = worker_threads().difference(&before).copied().collect();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ours.len(), 1, "exactly one new worker thread");
    let options = SessionOptions {
        limits: Limits {
            timeout: Duration::from_secs(30),
            ..Limits::default()
        },
        ..SessionOptions::default()
    };
    w.send(wirebench::runtime::Command::Load {
        target: Target::Component(hostile),
        options,
    });
    for id in 0..3 {
        w.send(wirebench::runtime::Command::Call {
            id,
            text: "spin()".into(),
        });
    }
    // Wait until the first runaway call runs; two more are queued behind it.
    loop {
        match w.events().recv_timeout(Duration::from_secs(60)) {
            Ok(wirebench::runtime::Event::CallStarted { .. }) => break,
            Ok(_) => {}
            Err(e) => panic!("the worker never started the call: {e}"),
        }
    }
    let t = Instant::now();
    drop(w);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "drop took {:?}",
        t.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !worker_threads().is_disjoint(&ours) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<u64> = worker_threads().intersection(&ours).copied().collect();
    assert!(
        left.is_empty(),
        "the worker thread {left:?} kept running queued calls"
    );

    // The workbench never compiles on its own thread: opening a slow-to-compile component
    // returns at once, and the UI stays responsive while the worker compiles.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slow.wasm"), slow_to_compile()).unwrap();
    let (ws, label) = wirebench::tui::open_workspace(&[dir.path().join("slow.wasm")]).unwrap();
    let mut app = wirebench::tui::app::App::new(ws, label);
    let t = Instant::now();
    let effects = app.start();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "start took {:?}",
        t.elapsed()
    );
    let w = Worker::spawn().unwrap();
    for e in effects {
        if let wirebench::tui::action::Effect::Runtime(cmd) = e {
            w.send(*cmd);
        }
    }
    for _ in 0..5 {
        let t = Instant::now();
        app.update(wirebench::tui::action::Action::Tick);
        app.update(wirebench::tui::action::Action::Down);
        assert!(t.elapsed() < Duration::from_millis(200));
        std::thread::sleep(Duration::from_millis(50));
    }
    // Quitting mid-compile: the drop returns without waiting for the compile.
    let t = Instant::now();
    drop(w);
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "drop mid-compile took {:?}",
        t.elapsed()
    );
}

#[test]
fn thousands_of_components_are_refused_at_once() {
    // Regression (see MAX_COMPONENTS): a folder of 300 components and a `.wac` of 300
    // instances are refused before anything is decoded.
    let dir = tempfile::tempdir().unwrap();
    let kv = sample("kv-store");
    for i in 0..300 {
        std::os::unix::fs::symlink(&kv, dir.path().join(format!("c{i}.wasm"))).unwrap();
    }
    let p = dir.path().to_path_buf();
    let t = Instant::now();
    let e = bounded("300 files", Duration::from_secs(20), move || {
        Workspace::open(&[p]).map(|_| ()).map_err(|e| e.to_string())
    })
    .expect_err("refused");
    assert!(
        e.contains("300 components") && e.contains("at most 256"),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());

    let wac_dir = wac_dir();
    let lets: String = (0..300)
        .map(|i| format!("let c{i} = new neon:kv-store {{}};\n"))
        .collect();
    let path = wac_dir.path().join("many.wac");
    std::fs::write(&path, format!("package x:y;\n{lets}")).unwrap();
    let mut deps = Deps::default();
    deps.dirs.push(wac_dir.path().join("deps"));
    let t = Instant::now();
    let e = bounded("300 lets", Duration::from_secs(20), move || {
        load_wac(&path, &deps)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .expect_err("refused");
    assert!(e.contains("300 instances"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}
