//! The watcher loop driven by hand: a rescan from the OS re-checks files whose own events
//! were lost, and events that cannot mean new content are ignored.

use std::fs;
use std::sync::Arc;

use notify::event::{AccessKind, AccessMode, Flag};
use notify::{Event, EventKind};

use super::*;
use crate::model::synth::component_from_wit;
use crate::model::Component;
use crate::reload::Outcome;

const WIT: &str = "package t:k; interface i { f: func(); } world w { export i; }";

/// A loop whose notify watches nothing: only the events fed by hand reach it.
fn loop_over(dir: &std::path::Path) -> (Loop, Receiver<WatchEvent>, PathBuf) {
    let path = dir.join("c.wasm");
    fs::write(&path, component_from_wit(WIT, &[], None).unwrap()).unwrap();
    let c = Arc::new(Component::from_file(&path).unwrap());
    let set = WatchSet {
        components: vec![("c".into(), c)],
        dirs: vec![dir.to_path_buf()],
        files: Vec::new(),
    };
    let reloader = Reloader::new(&set).unwrap();
    let notify = new_debouncer(Duration::from_millis(10), None, |_| {}).unwrap();
    let (events, rx) = crossbeam_channel::unbounded();
    let canonical = fs::canonicalize(dir).unwrap();
    let options = WatchOptions {
        debounce: Duration::from_millis(20),
        ..WatchOptions::default()
    };
    let state = Loop {
        notify,
        reloader,
        pending: HashMap::new(),
        dirs: HashMap::from([(canonical.clone(), dir_ident(&canonical))]),
        options,
        events,
        next_health: Instant::now() + Duration::from_secs(60),
    };
    (state, rx, canonical.join("c.wasm"))
}

fn settle(state: &mut Loop) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !state.pending.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        state.run_due();
    }
}

fn debounced(event: Event) -> DebouncedEvent {
    DebouncedEvent::new(event, Instant::now())
}

#[test]
fn rescan_rechecks_every_watched_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut state, rx, _key) = loop_over(dir.path());
    let wit2 = WIT.replace("f: func();", "f: func(); g: func();");
    fs::write(
        dir.path().join("c.wasm"),
        component_from_wit(&wit2, &[], None).unwrap(),
    )
    .unwrap();
    // A new file nobody told us about either.
    fs::write(
        dir.path().join("d.wasm"),
        component_from_wit(WIT, &[], None).unwrap(),
    )
    .unwrap();
    let rescan = Event::new(EventKind::Other).set_flag(Flag::Rescan);
    state.on_fs(vec![debounced(rescan)]);
    settle(&mut state);
    let mut outcomes = Vec::new();
    let mut rescans = 0;
    for ev in rx.try_iter() {
        match ev {
            WatchEvent::Reload(ev) => outcomes.push((ev.id.clone(), ev.outcome, ev.diff.summary())),
            WatchEvent::Status(s) if s.state == WatchState::Rescan => rescans += 1,
            WatchEvent::Status(_) => {}
        }
    }
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(rescans, 1);
    assert_eq!(
        outcomes,
        [
            ("c".to_string(), Outcome::Reloaded, "+1 func".to_string()),
            (
                "d".to_string(),
                Outcome::Added,
                "no WIT changes".to_string()
            )
        ]
    );
}

#[test]
fn opening_and_reading_are_not_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut state, rx, key) = loop_over(dir.path());
    for kind in [
        EventKind::Access(AccessKind::Open(AccessMode::Any)),
        EventKind::Access(AccessKind::Close(AccessMode::Read)),
        EventKind::Other,
    ] {
        state.on_fs(vec![debounced(Event::new(kind).add_path(key.clone()))]);
    }
    assert!(state.pending.is_empty());
    let close_write = EventKind::Access(AccessKind::Close(AccessMode::Write));
    state.on_fs(vec![debounced(
        Event::new(close_write).add_path(key.clone()),
    )]);
    assert_eq!(state.pending.len(), 1);
    settle(&mut state);
    // Same bytes: a touch, nothing to say.
    assert!(rx.try_iter().next().is_none());
}
