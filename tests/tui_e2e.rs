//! End to end: the real binary in a tmux pseudo-terminal — open the demo, re-wire a plug,
//! call `set` then `get`, save, quit, and check the terminal was restored.
//! Skips (with a printed reason) when tmux is not installed.

use std::path::Path;

mod tmux_util;
use tmux_util::{assert_cooked, Tmux};

#[test]
fn demo_wire_call_save_quit_in_tmux() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let stty_after = dir.path().join("stty.after");
    let bin = env!("CARGO_BIN_EXE_wirebench");
    let Some(t) = Tmux::start(160, 48) else {
        return;
    };
    let line = format!(
        "stty sane; WIREBENCH_DEMO_DIR='{}' WIREBENCH_CACHE_DIR='{}' '{bin}'; echo EXITED:$?; stty -a > '{}'",
        demo.display(),
        dir.path().join("cache").display(),
        stty_after.display()
    );
    t.shell(&line);
    t.wait_for("kv-store", 30);
    t.wait_for("instantiated kv-store", 60);

    // Re-wire the processor's kv import by hand.
    t.command("unplug data-processor neon:kv-store/store");
    t.wait_for("unplugged `data-processor`", 10);
    t.command("plug data-processor neon:kv-store/store kv-store");
    t.wait_for("plugged `data-processor`", 10);
    t.wait_for("instantiated kv-store", 60);

    t.command("call kv-store.set(\"e2e\", \"works\")");
    t.command("call kv-store.get(\"e2e\")");
    t.wait_for("ok(some(\"works\"))", 20);

    t.command("save");
    t.wait_for("saved wirebench.toml", 10);
    let manifest = std::fs::read_to_string(demo.join("wirebench.toml")).unwrap();
    assert!(manifest.contains("data-processor"), "{manifest}");
    assert!(Path::new(&demo).join("workspace.wac").exists() || manifest.contains(".wac"));
    // The watcher sees the save itself: that is not a change made elsewhere to re-read.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let screen = t.screen();
    assert!(!screen.contains("changed on disk"), "{screen}");

    t.command("q");
    t.wait_for("EXITED:0", 10);
    assert_cooked(&stty_after);
}

#[test]
fn replacing_a_file_by_rename_reloads_it_in_the_running_tui() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir(&ws).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    std::fs::copy(samples.join("type-zoo.wasm"), ws.join("thing.wasm")).unwrap();
    let new_version = std::fs::read(samples.join("hostile.wasm")).unwrap();
    let new_hash = wirebench::model::sha256_hex(&new_version);
    let bin = env!("CARGO_BIN_EXE_wirebench");
    let Some(t) = Tmux::start(160, 48) else {
        return;
    };
    let line = format!(
        "cd '{}' && WIREBENCH_CACHE_DIR='{}' '{bin}' ws; echo EXITED:$?",
        dir.path().display(),
        dir.path().join("cache").display()
    );
    t.shell(&line);
    t.wait_for("instantiated thing", 60);
    t.command("call version()");
    t.wait_for("version() → ", 20);

    // A compiler's save pattern: write a temp file, rename it over the component.
    std::fs::write(ws.join(".thing.wasm.tmp"), &new_version).unwrap();
    std::fs::rename(ws.join(".thing.wasm.tmp"), ws.join("thing.wasm")).unwrap();
    // The inspector shows the new hash once the reload is applied; the console shows the diff.
    t.wait_for(&new_hash[..24], 30);
    t.command("call env-var(\"HOME\")");
    let screen = t.wait_for("env-var(\"HOME\") → none", 30);
    assert!(
        screen.contains("- "),
        "the WIT diff is in the console:\n{screen}"
    );
    t.command("q");
    t.wait_for("EXITED:0", 10);
}

#[test]
fn serve_from_the_tui_shows_each_request_as_a_call_tree() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bin = env!("CARGO_BIN_EXE_wirebench");
    let Some(t) = Tmux::start(160, 48) else {
        return;
    };
    let line = format!(
        "WIREBENCH_DEMO_DIR='{}' WIREBENCH_CACHE_DIR='{}' '{bin}'; echo EXITED:$?",
        dir.path().join("demo").display(),
        dir.path().join("cache").display()
    );
    t.shell(&line);
    t.wait_for("instantiated kv-store", 60);
    t.command(&format!("serve 127.0.0.1:{port}"));
    t.wait_for("serving the composition", 60);
    let body = "hello grid";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("HELLO GRID"), "{response}");
    let screen = t.wait_for("http POST / → 200", 20);
    assert!(
        screen.contains("↳ data-processor.process"),
        "call tree shown:\n{screen}"
    );
    t.command("serve stop");
    t.wait_for("server stopped", 20);
    t.command("q");
    t.wait_for("EXITED:0", 10);
}
