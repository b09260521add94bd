//! The record of validated files in the cache directory: what passes full validation is
//! remembered by content, what fails never is, changed bytes are validated again, and
//! `WIREBENCH_NO_CACHE` keeps no record at all. `inspect` validates no function body (as
//! `wasm-tools component wit`), so it neither needs nor writes the record.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wirebench(cache: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(args)
        .env("WIREBENCH_CACHE_DIR", cache)
        .env_remove("WIREBENCH_NO_CACHE")
        .output()
        .expect("wirebench runs")
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("assets/samples/{name}.wasm"))
}

fn sha_of(path: &Path) -> String {
    wirebench::model::sha256_hex(&fs::read(path).unwrap())
}

/// The hashes recorded under `cache`, sorted.
fn recorded(cache: &Path) -> Vec<String> {
    let Ok(dirs) = fs::read_dir(cache) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in dirs.flatten() {
        if d.file_name().to_string_lossy().starts_with("validated-") {
            let log = fs::read_to_string(d.path()).unwrap();
            out.extend(log.lines().map(str::to_string));
        }
    }
    out.sort();
    out
}

/// A component whose structure is fine but whose one function body is ill-typed.
fn ill_typed_component() -> Vec<u8> {
    wat::parse_str("(component (core module (func (result i32))))").unwrap()
}

#[test]
fn passing_files_are_remembered_and_failing_ones_never() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let bad = work.path().join("bad.wasm");
    fs::write(&bad, ill_typed_component()).unwrap();
    for _ in 0..2 {
        let out = wirebench(cache.path(), &[&"graph", &bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("bad") && err.lines().count() == 1, "{err}");
    }
    assert!(recorded(cache.path()).is_empty());

    let kv = sample("kv-store");
    assert!(wirebench(cache.path(), &[&"inspect", &kv]).status.success());
    assert!(
        recorded(cache.path()).is_empty(),
        "inspect validates no code"
    );
    let first = wirebench(cache.path(), &[&"graph", &kv]);
    assert!(first.status.success());
    assert_eq!(recorded(cache.path()), vec![sha_of(&kv)]);
    let second = wirebench(cache.path(), &[&"graph", &kv]);
    assert_eq!(
        first.stdout, second.stdout,
        "the record changes nothing but time"
    );

    // The same path with other bytes is judged afresh.
    let copy = work.path().join("kv.wasm");
    fs::copy(&kv, &copy).unwrap();
    assert!(wirebench(cache.path(), &[&"graph", &copy]).status.success());
    fs::write(&copy, ill_typed_component()).unwrap();
    let out = wirebench(cache.path(), &[&"graph", &copy]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(recorded(cache.path()), vec![sha_of(&kv)]);
}

#[test]
fn compositions_are_remembered_with_their_inputs_and_no_cache_keeps_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (socket, plug) = (sample("data-processor"), sample("kv-store"));
    let out = work.path().join("out.wasm");
    let run = |cache: &Path| {
        let o = wirebench(cache, &[&"plug", &socket, &"--plug", &plug, &"-o", &out]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read(&out).unwrap()
    };
    let composed = run(cache.path());
    let mut want = vec![sha_of(&socket), sha_of(&plug), sha_of(&out)];
    want.sort();
    assert_eq!(recorded(cache.path()), want);
    assert_eq!(run(cache.path()), composed, "same inputs, same bytes");

    let none = work.path().join("no-cache");
    let graph: [&dyn AsRef<std::ffi::OsStr>; 2] = [&"graph", &socket];
    let plug: [&dyn AsRef<std::ffi::OsStr>; 6] = [&"plug", &socket, &"--plug", &plug, &"-o", &out];
    for args in [&graph[..], &plug[..]] {
        let o = Command::new(env!("CARGO_BIN_EXE_wirebench"))
            .args(args)
            .env("WIREBENCH_CACHE_DIR", &none)
            .env("WIREBENCH_NO_CACHE", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!none.exists(), "WIREBENCH_NO_CACHE=1 writes no cache");
    }
}
