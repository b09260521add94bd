//! Shared helpers of the build-loop tests: fake build configs, an event collector with
//! generous timeouts (a loaded 2-core box), and a copy of the sample sources in a temp folder.

#![allow(dead_code)]

pub mod e2e;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use wirebench::build::{BuildCommand, BuildConfig, BuildEvent};

/// How long to wait for an event that must come (a cold sample build takes about a minute).
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(240);
/// How long silence must last to count as "no event".
pub const QUIET: Duration = Duration::from_millis(1500);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A build of `id` running `command` in `dir`, component file `dir/<id>.wasm`.
pub fn fake(id: &str, dir: &Path, command: &str) -> BuildConfig {
    BuildConfig {
        id: id.into(),
        command: BuildCommand::Shell(command.into()),
        dir: dir.to_path_buf(),
        watch: Vec::new(),
        artifact: None,
        path: dir.join(format!("{id}.wasm")),
    }
}

/// Waits for the first event that `pick` accepts, failing after `timeout`; events passed over
/// are kept in `seen`.
pub fn wait_for(
    rx: &Receiver<BuildEvent>,
    seen: &mut Vec<BuildEvent>,
    timeout: Duration,
    what: &str,
    pick: impl Fn(&BuildEvent) -> bool,
) -> BuildEvent {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {what} in {timeout:?}; saw {seen:#?}"));
        seen.push(ev.clone());
        if pick(&ev) {
            return ev;
        }
    }
}

pub fn is_finished(ev: &BuildEvent) -> bool {
    matches!(ev, BuildEvent::Finished { .. })
}

/// Why the sample e2e cannot run here, if it cannot.
pub fn skip_reason() -> Option<String> {
    let out = std::process::Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match out {
        Ok(o) if String::from_utf8_lossy(&o.stdout).contains("wasm32-wasip2") => None,
        Ok(_) => Some(
            "the wasm32-wasip2 target is not installed (rustup target add wasm32-wasip2)".into(),
        ),
        Err(e) => Some(format!("rustup is not available ({e})")),
    }
}

/// Copies `sample-components/` (no `target/`) and `wit/` into `dest`, keeping the layout the
/// crates' `../../wit` paths need, and points cargo at the shared, gitignored target folder
/// `target/sample-loop` so runs after the first are incremental.
pub fn copy_samples(dest: &Path) -> PathBuf {
    copy_tree(
        &repo().join("sample-components"),
        &dest.join("sample-components"),
    );
    copy_tree(&repo().join("wit"), &dest.join("wit"));
    let ws = dest.join("sample-components");
    let config = ws.join(".cargo/config.toml");
    let mut text = fs::read_to_string(&config).unwrap();
    let target_dir = repo().join("target/sample-loop");
    text = text.replace(
        "[build]\n",
        &format!(
            "[build]\ntarget-dir = {:?}\n",
            target_dir.display().to_string()
        ),
    );
    assert!(text.contains("target-dir"), "{text}");
    fs::write(&config, text).unwrap();
    ws
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "target" || name == "py-processor" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(&name));
        } else {
            fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// Puts the prebuilt samples in place as the components' current versions, except `skip`.
pub fn seed_components(ws: &Path, skip: &[&str]) {
    let dir = ws.join("components");
    fs::create_dir_all(&dir).unwrap();
    for id in [
        "kv-store",
        "data-processor",
        "http-gateway",
        "type-zoo",
        "hostile",
    ] {
        if !skip.contains(&id) {
            fs::copy(
                repo().join("assets/samples").join(format!("{id}.wasm")),
                dir.join(format!("{id}.wasm")),
            )
            .unwrap();
        }
    }
}

/// Replaces what follows `const ACCESS_CODE: &str = ` in kv-store's source (`from`, e.g.
/// `"cyber_punk_2077";`) with `to`, as an editor saving the file would.
pub fn set_access_code(ws: &Path, from: &str, to: &str) {
    let src = ws.join("kv-store/src/lib.rs");
    let text = fs::read_to_string(&src).unwrap();
    let old = format!("const ACCESS_CODE: &str = {from}");
    assert!(text.contains(&old), "{old} not in {}", src.display());
    let new = text.replace(&old, &format!("const ACCESS_CODE: &str = {to}"));
    // Write a temp file and rename it over, as most editors save.
    let tmp = ws.join("kv-store/src/.lib.rs.tmp");
    fs::write(&tmp, new).unwrap();
    fs::rename(&tmp, &src).unwrap();
}

/// Serializes the sample e2e tests: they share cargo's target folder, and two builds of the
/// same crate from different copies would overwrite each other's artifact.
pub static SAMPLES: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
