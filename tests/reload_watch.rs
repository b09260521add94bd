//! The watcher against real save patterns on real folders: write in place, temp + rename,
//! delete + create, chunked writes, touch, an event storm, garbage, truncation, new files and
//! the folder itself removed and re-created. Assertions are on counts, order and final state,
//! never on tight timings.

mod reload_util;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::thread::sleep;
use std::time::{Duration, SystemTime};

use reload_util::*;
use wirebench::reload::{Outcome, WatchState};

fn kv() -> Vec<u8> {
    sample("kv-store.wasm")
}

#[test]
fn write_in_place_reloads_once() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let v1 = variant(&kv(), 1);
    fs::write(h.path("kv.wasm"), &v1).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Reloaded);
    assert_eq!(ev.id, "kv");
    assert_eq!(ev.old_hash.as_deref(), Some(sha(&kv()).as_str()));
    assert_eq!(ev.new_hash.as_deref(), Some(sha(&v1).as_str()));
    assert!(ev.diff.is_empty(), "same WIT: {}", ev.diff.summary());
    assert!(
        ev.latency >= DEBOUNCE,
        "latency includes the debounce window: {:?}",
        ev.latency
    );
    assert_eq!(ev.component.as_ref().unwrap().sha256, sha(&v1));
    h.expect_quiet();
}

#[test]
fn temp_file_renamed_over_reloads_once_and_the_temp_file_is_never_reported() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let zoo = sample("type-zoo.wasm");
    fs::write(h.path(".tmp"), &zoo).unwrap();
    fs::rename(h.path(".tmp"), h.path("kv.wasm")).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Reloaded);
    assert_eq!(ev.path, h.path("kv.wasm"));
    assert_eq!(ev.new_hash.as_deref(), Some(sha(&zoo).as_str()));
    let summary = ev.diff.summary();
    assert!(
        summary.contains("+1 interface") && summary.contains("-1 interface"),
        "{summary}"
    );
    // Editors' other scratch names, renamed the same way.
    for scratch in ["kv.wasm~", ".kv.wasm.swp", "kv.wasm.part"] {
        fs::write(h.path(scratch), kv()).unwrap();
    }
    fs::rename(h.path("kv.wasm.part"), h.path("kv.wasm")).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Reloaded);
    assert_eq!(ev.new_hash.as_deref(), Some(sha(&kv()).as_str()));
    h.expect_quiet();
}

#[test]
fn delete_and_create_at_once_is_one_reload() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let v1 = variant(&kv(), 1);
    fs::remove_file(h.path("kv.wasm")).unwrap();
    fs::write(h.path("kv.wasm"), &v1).unwrap();
    let events = h.drain(QUIET);
    let last = events.last().expect("a reload");
    assert_outcome(last, Outcome::Reloaded);
    assert_eq!(last.new_hash.as_deref(), Some(sha(&v1).as_str()));
    assert!(events.len() <= 2, "{events:#?}");
}

#[test]
fn delete_is_reported_and_the_file_comes_back() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    fs::remove_file(h.path("kv.wasm")).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Removed);
    assert!(
        ev.summary_line().contains("keeping the last good version"),
        "{}",
        ev.summary_line()
    );
    // The same bytes again: the running version is back, nothing to re-instantiate.
    fs::write(h.path("kv.wasm"), kv()).unwrap();
    assert_outcome(&h.expect(), Outcome::Restored);
    fs::remove_file(h.path("kv.wasm")).unwrap();
    assert_outcome(&h.expect(), Outcome::Removed);
    fs::write(h.path("kv.wasm"), variant(&kv(), 7)).unwrap();
    assert_outcome(&h.expect(), Outcome::Reloaded);
}

#[test]
fn chunked_writes_reload_once_with_the_whole_file() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let v1 = variant(&sample("type-zoo.wasm"), 3);
    let mut f = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(h.path("kv.wasm"))
        .unwrap();
    // Pauses shorter than the debounce window: a compiler writing its output in pieces.
    for chunk in v1.chunks(v1.len() / 5 + 1) {
        f.write_all(chunk).unwrap();
        f.flush().unwrap();
        sleep(DEBOUNCE / 4);
    }
    drop(f);
    let events = h.drain(QUIET);
    assert_eq!(
        events.len(),
        1,
        "{:#?}",
        events.iter().map(|e| e.summary_line()).collect::<Vec<_>>()
    );
    assert_outcome(&events[0], Outcome::Reloaded);
    assert_eq!(events[0].new_hash.as_deref(), Some(sha(&v1).as_str()));
    assert!(
        events[0].fs_events >= 2,
        "events were coalesced: {}",
        events[0].fs_events
    );
}

#[test]
fn touch_without_change_is_ignored() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    fs::write(h.path("kv.wasm"), kv()).unwrap();
    let f = fs::File::options()
        .write(true)
        .open(h.path("kv.wasm"))
        .unwrap();
    f.set_modified(SystemTime::now()).unwrap();
    drop(f);
    h.expect_quiet();
    // Still watching.
    fs::write(h.path("kv.wasm"), variant(&kv(), 1)).unwrap();
    assert_outcome(&h.expect(), Outcome::Reloaded);
}

#[test]
fn a_storm_of_writes_coalesces_and_ends_on_the_last_version() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let versions: Vec<Vec<u8>> = (0..100).map(|i| variant(&kv(), i)).collect();
    for v in &versions {
        fs::write(h.path("kv.wasm"), v).unwrap();
        sleep(Duration::from_millis(10));
    }
    let events = h.drain(Duration::from_millis(1500));
    let lines: Vec<String> = events.iter().map(|e| e.summary_line()).collect();
    assert!(!events.is_empty() && events.len() <= 10, "{lines:#?}");
    assert!(
        events.iter().all(|e| e.outcome == Outcome::Reloaded),
        "{lines:#?}"
    );
    let last = events.last().unwrap();
    assert_eq!(
        last.new_hash.as_deref(),
        Some(sha(&versions[99]).as_str()),
        "{lines:#?}"
    );
    let coalesced: usize = events.iter().map(|e| e.fs_events).sum();
    assert!(coalesced >= 100, "{coalesced} fs events for 100 writes");
}

#[test]
fn garbage_and_other_files_keep_the_last_good_version() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    fs::write(h.path("notes.txt"), "not a component").unwrap();
    fs::write(h.path("README"), "hello").unwrap();
    h.expect_quiet();
    fs::write(h.path("kv.wasm"), "<html>oops</html>").unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Failed);
    let line = ev.summary_line();
    assert!(
        line.starts_with("error: kv.wasm: not a WebAssembly binary"),
        "{line}"
    );
    assert!(line.ends_with("— keeping the last good version"), "{line}");
    assert_eq!(ev.old_hash.as_deref(), Some(sha(&kv()).as_str()));
    assert!(ev.component.is_none());
    // Back to the running bytes.
    fs::write(h.path("kv.wasm"), kv()).unwrap();
    assert_outcome(&h.expect(), Outcome::Restored);
}

#[test]
fn a_half_written_file_is_not_reported_as_reloaded() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let v1 = variant(&kv(), 1);
    fs::write(h.path("kv.wasm"), &v1[..v1.len() * 2 / 3]).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Failed);
    assert!(
        ev.summary_line().contains("truncated"),
        "{}",
        ev.summary_line()
    );
    // It was retried before being reported: latency spans the retries.
    assert!(ev.latency >= DEBOUNCE * 2, "{:?}", ev.latency);
    fs::write(h.path("kv.wasm"), &v1).unwrap();
    assert_outcome(&h.expect(), Outcome::Reloaded);
}

#[test]
fn new_component_in_the_folder_is_added() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let zoo = sample("type-zoo.wasm");
    fs::write(h.path(".zoo.tmp"), &zoo).unwrap();
    fs::rename(h.path(".zoo.tmp"), h.path("zoo.wasm")).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Added);
    assert_eq!(ev.id, "zoo");
    assert_eq!(ev.component.as_ref().unwrap().name, "zoo");
    fs::write(h.path("broken.wasm"), b"\0asm\x0d\0\x01\0garbage").unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Failed);
    assert!(
        ev.summary_line().contains("nothing loaded from it"),
        "{}",
        ev.summary_line()
    );
}

#[test]
fn folder_removed_and_recreated_is_watched_again() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let dir = h.dir.path().to_path_buf();
    fs::remove_dir_all(&dir).unwrap();
    let removed = h.wait_status(|s| s.state == WatchState::DirMissing);
    let mut removed = removed;
    removed.extend(h.drain(QUIET));
    assert!(
        removed.iter().any(|e| e.outcome == Outcome::Removed),
        "{:#?}",
        removed.iter().map(|e| e.summary_line()).collect::<Vec<_>>()
    );
    fs::create_dir(&dir).unwrap();
    let v1 = variant(&kv(), 1);
    fs::write(dir.join("kv.wasm"), &v1).unwrap();
    let mut events = h.wait_status(|s| s.state == WatchState::DirBack);
    events.extend(h.drain(QUIET));
    let last = events.last().expect("the new file is picked up");
    assert_outcome(last, Outcome::Reloaded);
    assert_eq!(last.new_hash.as_deref(), Some(sha(&v1).as_str()));
    // And the new folder is really watched, not just scanned once.
    let v2 = variant(&kv(), 2);
    fs::write(dir.join("kv.wasm"), &v2).unwrap();
    let ev = h.expect();
    assert_eq!(ev.new_hash.as_deref(), Some(sha(&v2).as_str()));
}

#[test]
fn stopping_the_watcher_ends_its_thread() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    h.watcher.take().unwrap().stop();
    fs::write(h.path("kv.wasm"), variant(&kv(), 1)).unwrap();
    assert!(h.next(QUIET).is_none());
}

#[test]
fn extending_the_watch_adds_a_folder() {
    let mut h = Harness::start(&[("kv.wasm", &kv())]);
    let other = tempfile::tempdir().unwrap();
    let zoo_path = other.path().join("zoo.wasm");
    fs::write(&zoo_path, sample("type-zoo.wasm")).unwrap();
    let zoo = wirebench::model::Component::from_file(&zoo_path).unwrap();
    let set = wirebench::reload::WatchSet {
        components: vec![("zoo".into(), std::sync::Arc::new(zoo))],
        ..Default::default()
    };
    h.watcher.as_ref().unwrap().extend(set).unwrap();
    let v1 = variant(&sample("type-zoo.wasm"), 1);
    fs::write(&zoo_path, &v1).unwrap();
    let ev = h.expect();
    assert_outcome(&ev, Outcome::Reloaded);
    assert_eq!(ev.id, "zoo");
    // The folder was not given as a folder: other new files there are not adopted.
    fs::write(other.path().join("new.wasm"), kv()).unwrap();
    h.expect_quiet();
}
