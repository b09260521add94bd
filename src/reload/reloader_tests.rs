//! Unit tests of [`Reloader::check`], driven directly (no watcher, no waiting).

use std::fs;
use std::path::Path;

use super::*;
use crate::model::synth::component_from_wit;

const KV: &str = "package neon:kv-store@1.0.0;
    interface store { get: func(key: string) -> option<string>; }
    world w { export store; }";

fn kv_v2() -> Vec<u8> {
    let wit = KV.replace("get: func", "del: func(key: string); get: func");
    component_from_wit(&wit, &[], None).unwrap()
}

fn setup() -> (tempfile::TempDir, PathBuf, Reloader) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kv.wasm");
    fs::write(&path, component_from_wit(KV, &[], None).unwrap()).unwrap();
    let c = Arc::new(Component::from_file(&path).unwrap());
    let set = WatchSet {
        components: vec![("kv".into(), c)],
        dirs: vec![dir.path().to_path_buf()],
        files: Vec::new(),
    };
    let r = Reloader::new(&set).unwrap();
    let key = fs::canonicalize(dir.path()).unwrap().join("kv.wasm");
    (dir, key, r)
}

fn check(r: &mut Reloader, key: &Path) -> Check {
    r.check(key, Instant::now(), 1, 0)
}

fn event(c: Check) -> ReloadEvent {
    match c {
        Check::Event(ev) => *ev,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn same_content_is_quiet_and_new_content_reloads_with_a_diff() {
    let (_dir, key, mut r) = setup();
    assert!(matches!(check(&mut r, &key), Check::Quiet));
    fs::write(&key, kv_v2()).unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(ev.outcome, Outcome::Reloaded);
    assert_eq!(ev.id, "kv");
    assert_eq!(ev.diff.summary(), "+1 func");
    assert_ne!(ev.old_hash, ev.new_hash);
    assert_eq!(
        ev.component.as_ref().unwrap().sha256,
        *ev.new_hash.as_ref().unwrap()
    );
    assert!(
        matches!(check(&mut r, &key), Check::Quiet),
        "second look is a touch"
    );
    assert_eq!(
        r.current("kv").unwrap().sha256,
        *ev.new_hash.as_ref().unwrap()
    );
}

#[test]
fn garbage_keeps_the_last_good_version_until_it_is_restored() {
    let (_dir, key, mut r) = setup();
    let good = fs::read(&key).unwrap();
    fs::write(&key, b"hello, not wasm").unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(ev.outcome, Outcome::Failed);
    assert!(
        ev.summary_line().contains("not a WebAssembly binary"),
        "{}",
        ev.summary_line()
    );
    assert!(ev
        .summary_line()
        .ends_with("— keeping the last good version"));
    assert_eq!(r.current("kv").unwrap().sha256, sha256_hex(&good));
    // Writing the same garbage again says nothing new.
    fs::write(&key, b"hello, not wasm").unwrap();
    assert!(matches!(check(&mut r, &key), Check::Quiet));
    fs::write(&key, &good).unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(ev.outcome, Outcome::Restored);
    assert_eq!(ev.new_hash, ev.old_hash);
}

#[test]
fn truncated_file_is_retried_before_it_is_reported() {
    let (_dir, key, mut r) = setup();
    let v2 = kv_v2();
    fs::write(&key, &v2[..v2.len() / 2]).unwrap();
    for attempt in 0..HALF_WRITTEN_RETRIES {
        assert!(matches!(
            r.check(&key, Instant::now(), 1, attempt),
            Check::Retry
        ));
    }
    let ev = event(r.check(&key, Instant::now(), 1, HALF_WRITTEN_RETRIES));
    assert_eq!(ev.outcome, Outcome::Failed);
    assert!(
        ev.summary_line().contains("truncated"),
        "{}",
        ev.summary_line()
    );
    // The writer finishes: now it reloads.
    fs::write(&key, &v2).unwrap();
    assert_eq!(event(check(&mut r, &key)).outcome, Outcome::Reloaded);
}

#[test]
fn delete_then_recreate() {
    let (_dir, key, mut r) = setup();
    let good = fs::read(&key).unwrap();
    fs::remove_file(&key).unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(ev.outcome, Outcome::Removed);
    assert_eq!(
        ev.summary_line(),
        "warning: kv.wasm was deleted — keeping the last good version until it comes back"
    );
    assert!(
        matches!(check(&mut r, &key), Check::Quiet),
        "still gone: said once"
    );
    fs::write(&key, &good).unwrap();
    assert_eq!(event(check(&mut r, &key)).outcome, Outcome::Restored);
    fs::remove_file(&key).unwrap();
    let _ = check(&mut r, &key);
    fs::write(&key, kv_v2()).unwrap();
    assert_eq!(event(check(&mut r, &key)).outcome, Outcome::Reloaded);
}

#[test]
fn new_files_in_a_watched_folder_are_adopted() {
    let (dir, _key, mut r) = setup();
    let canon = fs::canonicalize(dir.path()).unwrap();
    let new = canon.join("store2.wasm");
    fs::write(&new, kv_v2()).unwrap();
    let key = r.target_key(&new).unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(ev.outcome, Outcome::Added);
    assert_eq!(ev.id, "store2");
    assert_eq!(ev.path, dir.path().join("store2.wasm"));
    // Scratch files and other extensions are not adopted.
    assert!(r.target_key(&canon.join(".tmp")).is_none());
    assert!(r.target_key(&canon.join("notes.txt")).is_none());
    assert!(r.target_key(&canon.join("kv.wasm.swp")).is_none());
    // A file that came and went before it settled is forgotten silently.
    let brief = canon.join("brief.wasm");
    let key = r.target_key(&brief).unwrap();
    assert!(matches!(check(&mut r, &key), Check::Quiet));
    assert!(!r.keys().contains(&key));
}

#[test]
fn workspace_files_report_changes_by_hash() {
    let (dir, _key, mut r) = setup();
    let canon = fs::canonicalize(dir.path()).unwrap();
    let manifest = canon.join("wirebench.toml");
    fs::write(&manifest, "[workspace]\n").unwrap();
    let key = r.target_key(&manifest).unwrap();
    let ev = event(check(&mut r, &key));
    assert_eq!(
        (ev.outcome, ev.kind),
        (Outcome::Changed, FileKind::Manifest)
    );
    assert!(matches!(check(&mut r, &key), Check::Quiet));
    fs::write(&manifest, "[workspace]\ncomposition = \"a.wac\"\n").unwrap();
    let again = event(check(&mut r, &key));
    assert_eq!(again.outcome, Outcome::Changed);
    assert_eq!(again.old_hash, ev.new_hash);
    assert_ne!(again.old_hash, again.new_hash);
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let set = WatchSet {
        dirs: vec![PathBuf::from("/definitely/not/here")],
        ..WatchSet::default()
    };
    let e = Reloader::new(&set).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("`/definitely/not/here`: no such folder"),
        "{e}"
    );
}
