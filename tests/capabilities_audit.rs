//! Capabilities audit: hostile.wasm's `probe` reports what a guest can observe — preopened
//! directories, environment, args, stdin, terminals, filesystem root, DNS, TCP, UDP — and
//! this test runs it through every run path (`call` on a component, on a linked and a
//! composed workspace, the workbench's runtime worker, `serve` on a component and on a
//! workspace, the library `Session`). It prints the effective grants per path and fails if
//! any path hands the guest host stdio, environment, network or filesystem without an
//! explicit grant — then grants each explicitly and checks exactly that appears.

mod adversarial_util;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adversarial_util::*;
use wirebench::model::Component;
use wirebench::runtime::{
    DirGrant, EnvGrant, Event, Grants, Session, SessionOptions, Target, Worker,
};
use wirebench::serve::{ServeOptions, ServeTarget, Server};
use wirebench::tui::action::{Action, Effect};
use wirebench::tui::app::App;

/// A variable set in every child's environment that no guest may see unless granted.
const SECRET: (&str, &str) = ("WIREBENCH_AUDIT_SECRET", "hunter2");

/// `key=value;…` → map.
fn parse_probe(text: &str) -> BTreeMap<String, String> {
    let text = text.trim().trim_matches('"');
    text.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What nothing-granted must look like, field by field.
fn assert_nothing_granted(path: &str, p: &BTreeMap<String, String>) {
    let want = [
        ("preopens", "[]"),
        ("env", "[]"),
        ("args", "[]"),
        ("stdin", "closed"),
        ("tty-stdin", "no"),
        ("tty-stdout", "no"),
        ("tty-stderr", "no"),
    ];
    for (k, v) in want {
        assert_eq!(p.get(k).map(String::as_str), Some(v), "{path}: {k} — {p:?}");
    }
    for k in ["fs-root", "dns", "tcp", "udp"] {
        let got = p.get(k).map(String::as_str).unwrap_or("missing");
        assert!(
            got.starts_with("denied"),
            "{path}: {k} is `{got}` without a grant"
        );
    }
}

/// What the explicit grant (`/data` read-only, `GREETING=hi`, loopback network) must give.
fn assert_exactly_granted(path: &str, p: &BTreeMap<String, String>) {
    assert_eq!(p["preopens"], "[/data(ro)]", "{path}: {p:?}");
    assert_eq!(p["env"], "[GREETING]", "{path}: {p:?}");
    assert_eq!(p["args"], "[]", "{path}");
    assert_eq!(p["stdin"], "closed", "{path}");
    assert_eq!(p["tty-stdout"], "no", "{path}");
    assert_eq!(p["tcp"], "connected", "{path}: {p:?}");
    assert_eq!(p["udp"], "bound", "{path}: {p:?}");
    // Name lookup stays off even with --allow-net (loopback addresses only).
    assert!(p["dns"].starts_with("denied"), "{path}: {p:?}");
}

struct Audit {
    listener: TcpListener,
    data: tempfile::TempDir,
    cache: tempfile::TempDir,
}

impl Audit {
    fn new() -> Audit {
        let data = tempfile::tempdir().unwrap();
        std::fs::write(data.path().join("note.txt"), "granted").unwrap();
        Audit {
            listener: TcpListener::bind("127.0.0.1:0").unwrap(),
            data,
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn tcp(&self) -> String {
        self.listener.local_addr().unwrap().to_string()
    }

    fn probe_call(&self) -> String {
        format!("probe(\"{}\")", self.tcp())
    }

    fn grants(&self) -> Grants {
        Grants {
            dirs: vec![DirGrant {
                host: self.data.path().to_path_buf(),
                guest: "/data".into(),
                writable: false,
            }],
            env: vec![EnvGrant::parse("GREETING=hi").unwrap()],
            allow_net: true,
        }
    }

    /// `[capabilities.hostile]` granting the same as [`grants`](Self::grants).
    fn capabilities_toml(&self) -> String {
        format!(
            "[capabilities.hostile]\ndirs = [\"{}::/data:ro\"]\nenv = [\"GREETING=hi\"]\nallow-net = true\n",
            self.data.path().display()
        )
    }

    /// A workspace folder with hostile.wasm and a manifest (optionally with the grants).
    fn workspace(&self, granted: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(hostile_wasm(), dir.path().join("hostile.wasm")).unwrap();
        let caps = if granted {
            self.capabilities_toml()
        } else {
            String::new()
        };
        std::fs::write(
            dir.path().join("wirebench.toml"),
            format!("[components.hostile]\npath = \"hostile.wasm\"\n\n{caps}"),
        )
        .unwrap();
        dir
    }

    /// `wirebench call TARGET probe(…) ARGS`, stdin full of data, a secret in the environment.
    fn cli(&self, target: &Path, args: &[&str]) -> String {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wirebench"))
            .arg("call")
            .arg(target)
            .arg(self.probe_call())
            .args(args)
            .env(SECRET.0, SECRET.1)
            .env("WIREBENCH_CACHE_DIR", self.cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wirebench call");
        // Data waiting on the host's stdin must not reach the guest.
        let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"host stdin data\n");
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout.lines().next().unwrap_or_default().to_string()
    }

    fn session(&self, grants: Grants) -> String {
        let c = Component::from_file(&hostile_wasm()).unwrap();
        let opts = SessionOptions {
            grants,
            ..SessionOptions::default()
        };
        let mut s = Session::load(Target::Component(Arc::new(c)), opts).unwrap();
        s.call(&self.probe_call()).result.unwrap()
    }

    /// The workbench: `App` + runtime worker on a workspace folder, `:call probe(…)`.
    fn workbench(&self, dir: &Path) -> String {
        let (ws, label) = wirebench::tui::open_workspace(&[dir.to_path_buf()]).unwrap();
        let mut app = App::new(ws, label);
        let worker = Worker::spawn().unwrap();
        let mut effects = app.start();
        effects.extend(app.update(Action::Command(format!("call {}", self.probe_call()))));
        let mut waiting = 0;
        for e in effects {
            if let Effect::Runtime(cmd) = e {
                worker.send(*cmd);
                waiting += 1;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while waiting > 0 && Instant::now() < deadline {
            let Ok(ev) = worker.events().recv_timeout(Duration::from_millis(200)) else {
                continue;
            };
            if let Event::CallFinished { outcome, .. } = &ev {
                return outcome.result.clone().expect("probe answers");
            }
            if matches!(ev, Event::Loaded { .. } | Event::LoadFailed { .. }) {
                waiting -= 1;
            }
            app.update(Action::runtime(ev));
        }
        panic!("the workbench never answered the probe");
    }

    fn serve(&self, target: ServeTarget, options: ServeOptions) -> String {
        let options = ServeOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            worker_threads: 1,
            max_concurrency: 2,
            ..options
        };
        let h = Server::start(&target, "hostile", options).expect("serve starts");
        let r = http(
            h.addr(),
            "GET",
            &format!("/probe?tcp={}", self.tcp()),
            0,
            Duration::from_secs(30),
        )
        .expect("probe over HTTP");
        h.stop();
        assert_eq!(r.status, 200);
        String::from_utf8_lossy(&r.body).into_owned()
    }
}

fn hostile_target() -> ServeTarget {
    ServeTarget::single(Arc::new(Component::from_file(&hostile_wasm()).unwrap())).unwrap()
}

fn serve_workspace(a: &Audit, dir: &Path) -> String {
    let (ws, _) = wirebench::tui::open_workspace(&[dir.to_path_buf()]).unwrap();
    let options = ServeOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        worker_threads: 1,
        max_concurrency: 2,
        ..ServeOptions::for_workspace(&ws).unwrap()
    };
    let (h, _) = Server::start_workspace(&ws, "hostile", options).expect("serve workspace");
    let r = http(
        h.addr(),
        "GET",
        &format!("/probe?tcp={}", a.tcp()),
        0,
        Duration::from_secs(30),
    )
    .expect("probe over HTTP");
    h.stop();
    String::from_utf8_lossy(&r.body).into_owned()
}

fn report(rows: &[(&str, BTreeMap<String, String>)]) {
    eprintln!("effective WASI grants per run path:");
    for (path, p) in rows {
        let line: Vec<String> = p
            .iter()
            .map(|(k, v)| format!("{k}={}", v.chars().take(40).collect::<String>()))
            .collect();
        eprintln!("  {path:<28} {}", line.join(" "));
    }
}

#[test]
fn no_path_grants_anything_by_default() {
    // In-process paths see this process's environment (HOME, PATH, CARGO_*) on the host side;
    // children also get SECRET. None of it may reach a guest.
    let a = Audit::new();
    let ws = a.workspace(false);
    let rows = vec![
        ("call component", parse_probe(&a.cli(&hostile_wasm(), &[]))),
        (
            "call workspace (linked)",
            parse_probe(&a.cli(ws.path(), &[])),
        ),
        (
            "call workspace (composed)",
            parse_probe(&a.cli(ws.path(), &["--mode", "composed"])),
        ),
        (
            "library Session",
            parse_probe(&a.session(Grants::default())),
        ),
        (
            "workbench (runtime worker)",
            parse_probe(&a.workbench(ws.path())),
        ),
        (
            "serve component",
            parse_probe(&a.serve(hostile_target(), ServeOptions::default())),
        ),
        (
            "serve workspace",
            parse_probe(&serve_workspace(&a, ws.path())),
        ),
    ];
    report(&rows);
    for (path, p) in &rows {
        assert_nothing_granted(path, p);
    }
}

#[test]
fn explicit_grants_give_exactly_what_was_granted() {
    let a = Audit::new();
    let ws = a.workspace(true);
    let dir_flag = format!("{}::/data:ro", a.data.path().display());
    let flags = ["--dir", &dir_flag, "--env", "GREETING=hi", "--allow-net"];
    let rows = vec![
        (
            "call component + flags",
            parse_probe(&a.cli(&hostile_wasm(), &flags)),
        ),
        (
            "call workspace (linked)",
            parse_probe(&a.cli(ws.path(), &[])),
        ),
        (
            "call workspace (composed)",
            parse_probe(&a.cli(ws.path(), &["--mode", "composed"])),
        ),
        ("library Session", parse_probe(&a.session(a.grants()))),
        (
            "workbench (runtime worker)",
            parse_probe(&a.workbench(ws.path())),
        ),
        (
            "serve component + grants",
            parse_probe(&a.serve(
                hostile_target(),
                ServeOptions {
                    grants: a.grants(),
                    ..ServeOptions::default()
                },
            )),
        ),
        (
            "serve workspace",
            parse_probe(&serve_workspace(&a, ws.path())),
        ),
    ];
    report(&rows);
    for (path, p) in &rows {
        assert_exactly_granted(path, p);
    }
}

#[test]
fn a_terminal_on_the_host_is_not_a_terminal_for_the_guest() {
    // `script` gives `wirebench call` a pseudo-terminal as stdin/stdout/stderr.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipping: `script` (util-linux) is not installed");
        return;
    }
    let a = Audit::new();
    let line = format!(
        "WIREBENCH_CACHE_DIR='{}' '{}' call '{}' '{}'",
        a.cache.path().display(),
        env!("CARGO_BIN_EXE_wirebench"),
        hostile_wasm().display(),
        a.probe_call()
    );
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout);
    let p = parse_probe(
        text.lines()
            .find(|l| l.contains("preopens="))
            .unwrap_or_default(),
    );
    assert_nothing_granted("call under a pty", &p);
}

#[test]
fn granted_files_stay_inside_the_grant() {
    let a = Audit::new();
    let mut grants = a.grants();
    grants.allow_net = false;
    let c = Component::from_file(&hostile_wasm()).unwrap();
    let opts = SessionOptions {
        grants,
        ..SessionOptions::default()
    };
    let mut s = Session::load(Target::Component(Arc::new(c)), opts).unwrap();
    let mut read = |p: &str| s.call(&format!("read-file(\"{p}\")")).result.unwrap();
    assert_eq!(read("/data/note.txt"), "ok(\"granted\")");
    for escape in [
        "/data/../etc/passwd",
        "/data/../../../../etc/passwd",
        "/etc/passwd",
        "../note.txt",
    ] {
        assert!(
            read(escape).starts_with("err("),
            "{escape}: {}",
            read(escape)
        );
    }
    // A symlink inside the grant that points outside it is not followed out.
    std::os::unix::fs::symlink("/etc/passwd", a.data.path().join("link")).unwrap();
    assert!(
        read("/data/link").starts_with("err("),
        "{}",
        read("/data/link")
    );
}
