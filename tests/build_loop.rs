//! The source-to-screen loop: build settings, glob matching, first-error extraction, the
//! builder's newest-wins cancel and artifact install with fake build commands, `init` on a
//! synthetic Cargo workspace, and end to end on the bundled samples' sources (library API and
//! `wirebench watch --build --json`): a saved change to kv-store's access code is callable
//! ~2 s later, only kv-store is rebuilt, and a syntax error keeps the old version answering.

mod build_loop_util;
mod tmux_util;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use build_loop_util::*;
use wirebench::build::init::{init, EntryStatus, InitOptions};
use wirebench::build::{
    first_error, load_configs, BuildCommand, BuildEvent, Builder, BuilderOptions, Glob,
};

fn no_watch() -> BuilderOptions {
    BuilderOptions {
        watch_sources: false,
        ..BuilderOptions::default()
    }
}

#[test]
fn configs_come_from_wirebench_toml() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("wirebench.toml"),
        r#"
[components.kv]
path = "out/kv.wasm"
build = "cargo build -p kv"
dir = "src-ws"
watch = ["kv/src/**/*.rs"]
artifact = "target/kv.wasm"

[components.plain]
path = "plain.wasm"
"#,
    )
    .unwrap();
    let configs = load_configs(&dir.path().join("wirebench.toml")).unwrap();
    assert_eq!(configs.len(), 1, "only entries with `build`: {configs:?}");
    let kv = &configs[0];
    assert_eq!(kv.command, BuildCommand::Shell("cargo build -p kv".into()));
    assert_eq!(kv.path, dir.path().join("out/kv.wasm"));
    assert_eq!(kv.dir, dir.path().join("src-ws"));
    assert_eq!(kv.artifact, Some(dir.path().join("src-ws/target/kv.wasm")));
}

#[test]
fn globs_match_sources_only() {
    let g = Glob::new("kv/{src,tests}/**/*.rs", Path::new("/nowhere/ws")).unwrap();
    assert!(g.matches(Path::new("/nowhere/ws/kv/src/lib.rs")));
    assert!(g.matches(Path::new("/nowhere/ws/kv/tests/deep/a.rs")));
    assert!(!g.matches(Path::new("/nowhere/ws/kv/Cargo.toml")));
    assert!(!g.matches(Path::new("/nowhere/ws/kv/benches/a.rs")));
}

#[test]
fn first_error_is_rustc_style_one_line() {
    let out: Vec<String> = [
        "   Compiling kv-store v0.1.0",
        "error: expected `;`, found `}`",
        "  --> kv-store/src/lib.rs:16:40",
        "error: could not compile `kv-store` (lib) due to 1 previous error",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        first_error(&out).as_deref(),
        Some("kv-store/src/lib.rs:16:40: error: expected `;`, found `}`")
    );
}

#[test]
fn newest_request_wins_and_kills_the_running_build() {
    let dir = tempfile::tempdir().unwrap();
    // Each run appends a line only if it lives for the whole 2 s.
    let config = fake("slow", dir.path(), "sleep 2; echo run >> runs.log");
    let (tx, rx) = crossbeam_channel::unbounded();
    let builder = Builder::start_with(vec![config], no_watch(), tx).unwrap();
    let started = Instant::now();
    builder.rebuild("slow").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    builder.rebuild("slow").unwrap();
    let mut seen = Vec::new();
    let first = wait_for(
        &rx,
        &mut seen,
        Duration::from_secs(10),
        "first end",
        is_finished,
    );
    assert!(
        matches!(
            first,
            BuildEvent::Finished {
                cancelled: true,
                ok: false,
                ..
            }
        ),
        "{first:?}"
    );
    let second = wait_for(
        &rx,
        &mut seen,
        Duration::from_secs(10),
        "second end",
        is_finished,
    );
    assert!(
        matches!(second, BuildEvent::Finished { ok: true, .. }),
        "{second:?}"
    );
    let starts = seen
        .iter()
        .filter(|e| matches!(e, BuildEvent::Started { .. }))
        .count();
    assert_eq!(starts, 2, "{seen:#?}");
    // The killed run never wrote: its whole process group died, `sleep` included.
    assert_eq!(
        fs::read_to_string(dir.path().join("runs.log")).unwrap(),
        "run\n"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(builder.rebuild("nope").is_err());
}

#[test]
fn good_builds_install_the_artifact_and_failures_name_the_first_error() {
    let dir = tempfile::tempdir().unwrap();
    let kv = repo().join("assets/samples/kv-store.wasm");
    let mut ok = fake(
        "kv",
        dir.path(),
        &format!("mkdir -p out && cp {kv:?} out/kv.wasm"),
    );
    ok.artifact = Some(dir.path().join("out/kv.wasm"));
    ok.path = dir.path().join("components/kv.wasm");
    let bad = fake(
        "bad",
        dir.path(),
        "echo 'warning: meh' >&2; echo 'error[E0425]: cannot find value `x`' >&2; \
         echo '  --> src/lib.rs:3:5' >&2; exit 101",
    );
    let (tx, rx) = crossbeam_channel::unbounded();
    let builder = Builder::start_with(vec![ok.clone(), bad], no_watch(), tx).unwrap();
    let mut seen = Vec::new();
    let finished_for =
        |id: &'static str| move |e: &BuildEvent| is_finished(e) && e.id() == Some(id);
    for (round, installed) in [(1, true), (2, false)] {
        builder.rebuild("kv").unwrap();
        let ev = wait_for(
            &rx,
            &mut seen,
            Duration::from_secs(10),
            "kv end",
            finished_for("kv"),
        );
        assert!(
            matches!(ev, BuildEvent::Finished { ok: true, installed: i, .. } if i == installed),
            "round {round}: {ev:?}"
        );
    }
    assert_eq!(fs::read(&ok.path).unwrap(), fs::read(&kv).unwrap());
    builder.rebuild("bad").unwrap();
    let ev = wait_for(
        &rx,
        &mut seen,
        Duration::from_secs(10),
        "bad end",
        finished_for("bad"),
    );
    let BuildEvent::Finished {
        ok, first_error, ..
    } = ev
    else {
        unreachable!()
    };
    assert!(!ok);
    assert_eq!(
        first_error.as_deref(),
        Some("src/lib.rs:3:5: error[E0425]: cannot find value `x`")
    );
    assert!(seen.iter().any(
        |e| matches!(e, BuildEvent::Output { id, line, .. } if id == "bad" && line == "warning: meh")
    ));
}

#[test]
fn source_changes_debounce_into_one_build_and_target_never_triggers() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::create_dir_all(dir.path().join("target/debug")).unwrap();
    let mut config = fake("c", dir.path(), "echo built");
    config.watch = vec!["**/*.rs".into()];
    let (tx, rx) = crossbeam_channel::unbounded();
    let builder = Builder::start(vec![config], tx).unwrap();
    for i in 0..3 {
        fs::write(dir.path().join("src/lib.rs"), format!("// {i}")).unwrap();
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut seen = Vec::new();
    let ev = wait_for(&rx, &mut seen, Duration::from_secs(10), "build", |e| {
        matches!(e, BuildEvent::Started { .. })
    });
    let BuildEvent::Started { files, .. } = ev else {
        unreachable!()
    };
    assert_eq!(
        files,
        vec![dir.path().canonicalize().unwrap().join("src/lib.rs")]
    );
    wait_for(&rx, &mut seen, Duration::from_secs(10), "end", is_finished);
    // Build output, scratch files and new folders under target/ are not sources.
    fs::write(dir.path().join("target/debug/gen.rs"), "x").unwrap();
    fs::write(dir.path().join("src/.lib.rs.swp"), "x").unwrap();
    fs::write(dir.path().join("src/lib.rs~"), "x").unwrap();
    fs::create_dir_all(dir.path().join("target/new")).unwrap();
    fs::write(dir.path().join("target/new/x.rs"), "x").unwrap();
    std::thread::sleep(QUIET);
    let late: Vec<_> = rx.try_iter().collect();
    assert!(late.is_empty(), "unexpected: {late:#?}");
    // A folder created later under `**` is watched.
    fs::create_dir_all(dir.path().join("src/new")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    fs::write(dir.path().join("src/new/mod.rs"), "x").unwrap();
    wait_for(
        &rx,
        &mut seen,
        Duration::from_secs(10),
        "build of new folder",
        |e| matches!(e, BuildEvent::Started { .. }),
    );
    drop(builder);
}

#[test]
fn init_writes_entries_for_component_crates_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\", \"b\", \"tool\"]\nresolver = \"2\"\n",
    );
    let lib = "[lib]\ncrate-type = [\"cdylib\"]\n";
    write(
        "a/Cargo.toml",
        &format!("[package]\nname = \"a-comp\"\nversion = \"0.1.0\"\n{lib}[dependencies]\nwit-bindgen = \"0.46\"\n"),
    );
    write(
        "a/src/lib.rs",
        "wit_bindgen::generate!({ path: \"../wit\", world: \"w\" });",
    );
    write("wit/w.wit", "package a:b; world w {}");
    write(
        "b/Cargo.toml",
        &format!("[package]\nname = \"b\"\nversion = \"0.1.0\"\n{lib}[package.metadata.component]\npackage = \"a:b\"\n"),
    );
    write("b/src/lib.rs", "");
    write(
        "tool/Cargo.toml",
        "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n",
    );
    write("tool/src/main.rs", "fn main() {}");
    write(
        "wirebench.toml",
        "# mine\n[limits]\ncall_timeout_ms = 100\n\n[components.b]\npath = \"prebuilt/b.wasm\" # keep\n",
    );
    let report = init(root, InitOptions::default()).unwrap();
    assert!(report.written);
    let ids: Vec<_> = report
        .entries
        .iter()
        .map(|e| (e.id.as_str(), e.status))
        .collect();
    assert_eq!(
        ids,
        [("a-comp", EntryStatus::Added), ("b", EntryStatus::Updated)]
    );
    let a = &report.entries[0];
    assert_eq!(
        a.build,
        "cargo build --release --target wasm32-wasip2 -p a-comp"
    );
    assert_eq!(a.watch, ["a/src/**/*.rs", "a/Cargo.toml", "wit/**/*.wit"]);
    // Where cargo puts it: `target/` unless the environment moved cargo's target dir.
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    assert_eq!(
        a.artifact,
        format!("{target}/wasm32-wasip2/release/a_comp.wasm")
    );
    assert_eq!(a.path, "components/a-comp.wasm");
    let b = &report.entries[1];
    assert!(b.build.starts_with("cargo component build"), "{}", b.build);
    assert_eq!(b.path, "prebuilt/b.wasm");
    let text = fs::read_to_string(root.join("wirebench.toml")).unwrap();
    for kept in ["# mine", "call_timeout_ms = 100", "# keep"] {
        assert!(text.contains(kept), "{kept} lost:\n{text}");
    }
    let configs = load_configs(&root.join("wirebench.toml")).unwrap();
    assert_eq!(configs.len(), 2);
    let again = init(root, InitOptions::default()).unwrap();
    assert!(!again.written);
    assert!(again
        .entries
        .iter()
        .all(|e| e.status == EntryStatus::Unchanged));
}

/// The loop on the real samples through the library, as the TUI runs it: a Builder, the reload
/// watcher and a live linked session of all five components.
#[test]
fn saved_source_change_is_callable_in_the_running_session() {
    if let Some(why) = skip_reason() {
        eprintln!("skipping the sample build loop: {why}");
        return;
    }
    let _serial = SAMPLES.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let ws_dir = copy_samples(tmp.path());
    init(&ws_dir, InitOptions::default()).unwrap();
    seed_components(&ws_dir, &[]);
    let mut run = e2e::Running::start(&ws_dir);
    assert_eq!(run.call(), r#"ok(some("cyber_punk_2077"))"#);
    // Session state, which must survive each reload (replayed into the new instances).
    run.call_text(r#"set("pilot", "motoko")"#);
    let mut times = Vec::new();
    let mut from = "\"cyber_punk_2077\";".to_string();
    for n in 1..=3 {
        let to = format!("\"neon_{n}\";");
        let save = Instant::now();
        set_access_code(&ws_dir, &from, &to);
        let build = run.expect_build_ok();
        let (reload, instantiate) = run.expect_reload();
        let value = run.call();
        times.push(save.elapsed());
        eprintln!(
            "save → callable {:?}: build {build:?}, reload {reload:?}, instantiate {instantiate:?}",
            save.elapsed()
        );
        assert_eq!(value, format!("ok(some(\"neon_{n}\"))"));
        assert_eq!(run.call_text(r#"get("pilot")"#), r#"ok(some("motoko"))"#);
        from = to;
    }
    eprintln!(
        "save → callable: {:?} (p50 {:?})",
        times,
        median(times.clone())
    );
    // A syntax error: the first error is reported, nothing reloads, the old version answers.
    set_access_code(&ws_dir, &from, "\"broken\"");
    let error = run.expect_build_failed();
    assert!(
        error.contains("kv-store/src/lib.rs:") && error.contains("error"),
        "{error}"
    );
    run.expect_no_reload();
    assert_eq!(run.call(), r#"ok(some("neon_3"))"#);
    run.assert_only_kv_store_built();
}

/// The headless twin: `wirebench init`, then `wirebench watch --build --json`, then
/// `wirebench call` on the component file.
#[test]
fn watch_build_cli_rebuilds_and_reports() {
    if let Some(why) = skip_reason() {
        eprintln!("skipping the sample build loop: {why}");
        return;
    }
    let _serial = SAMPLES.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let ws_dir = copy_samples(tmp.path());
    let out = e2e::wirebench(&["init", ws_dir.to_str().unwrap(), "--json"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["entries"].as_array().unwrap().len(), 5, "{report}");
    // kv-store is not built yet: `watch --build` builds it before it reports ready.
    seed_components(&ws_dir, &["kv-store"]);
    let w = e2e::Watch::spawn(&ws_dir);
    let mut events = w.until("ready", |_| true);
    let kv: PathBuf = ws_dir.join("components/kv-store.wasm");
    let call = || e2e::wirebench(&["call", kv.to_str().unwrap(), r#"get("access_code")"#]);
    assert_eq!(call().trim(), r#"ok(some("cyber_punk_2077"))"#);
    set_access_code(&ws_dir, "\"cyber_punk_2077\";", "\"blade_runner\";");
    events.extend(w.until("reload", |e| e["id"] == "kv-store"));
    assert_eq!(call().trim(), r#"ok(some("blade_runner"))"#);
    set_access_code(&ws_dir, "\"blade_runner\";", "\"oops\"");
    let failed = w.until("build-finished", |_| true);
    let end = failed.last().unwrap();
    assert_eq!(end["ok"], false, "{end}");
    assert!(
        end["first_error"].as_str().unwrap().contains("error"),
        "{end}"
    );
    events.extend(failed);
    let after = w.quiet(QUIET);
    assert!(!after.iter().any(|e| e["event"] == "reload"), "{after:#?}");
    events.extend(after);
    assert_eq!(call().trim(), r#"ok(some("blade_runner"))"#);
    let built: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "build-started")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(built, ["kv-store", "kv-store", "kv-store"], "{events:#?}");
    w.terminate();
}

/// The issue's own scenario in the running TUI (tmux): save a new access code in kv-store's
/// source, and the next `get("access_code")` typed into the workbench returns it; a syntax
/// error shows the compiler's error and the old version keeps answering.
#[test]
fn tui_rebuilds_on_save_and_the_next_call_sees_the_new_value() {
    if let Some(why) = skip_reason() {
        eprintln!("skipping the TUI build loop: {why}");
        return;
    }
    if let Some(why) = tmux_util::unavailable() {
        eprintln!("skipping the TUI build loop: {why}");
        return;
    }
    let _serial = SAMPLES.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let ws_dir = copy_samples(tmp.path());
    init(&ws_dir, InitOptions::default()).unwrap();
    seed_components(&ws_dir, &[]);
    let Some(t) = tmux_util::Tmux::start(160, 48) else {
        return;
    };
    let line = format!(
        "cd '{}' && WIREBENCH_CACHE_DIR='{}' '{}' .; echo EXITED:$?",
        ws_dir.display(),
        tmp.path().join("cache").display(),
        env!("CARGO_BIN_EXE_wirebench")
    );
    t.shell(&line);
    t.wait_for("instantiated", 120);
    t.command(r#"call kv-store.get("access_code")"#);
    t.wait_for("cyber_punk_2077", 30);

    let save = Instant::now();
    set_access_code(&ws_dir, "\"cyber_punk_2077\";", "\"ghost_in_the_shell\";");
    t.wait_for("built `kv-store`", EVENT_TIMEOUT.as_secs());
    // The reload follows the build; call until the new version answers.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        t.command(r#"call kv-store.get("access_code")"#);
        std::thread::sleep(Duration::from_millis(500));
        if t.screen().contains("ghost_in_the_shell") {
            break;
        }
        assert!(Instant::now() < deadline, "the new value never answered");
    }
    eprintln!("TUI: save → new value on screen in {:?}", save.elapsed());

    set_access_code(&ws_dir, "\"ghost_in_the_shell\";", "\"broken\"");
    t.wait_for("build of `kv-store` failed", EVENT_TIMEOUT.as_secs());
    t.command(r#"call kv-store.get("access_code")"#);
    std::thread::sleep(Duration::from_millis(800));
    let screen = t.screen();
    assert!(
        screen.contains("keeps running its last good version"),
        "{screen}"
    );
    assert!(
        !screen.contains("building `data-processor`"),
        "only kv-store is rebuilt:\n{screen}"
    );
    t.command("q");
    t.wait_for("EXITED:0", 10);
}
