//! The `plug`, `compose`, `graph` and `check` subcommands: output, errors and exit codes.

mod compose_util;

use std::path::Path;
use std::process::{Command, Output};

use compose_util::{chain, sample, wasm};

fn wirebench(args: &[&dyn AsRef<std::ffi::OsStr>], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(args.iter().map(|a| a.as_ref()))
        .current_dir(cwd)
        .output()
        .expect("wirebench runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn chain_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["app", "scene", "geometry"] {
        std::fs::copy(chain(name), dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    dir
}

#[test]
fn seed_scenario_plugs_and_inspect_shows_only_wasi_imports() {
    let (Some(gw), Some(dp), Some(kv)) = (
        sample("http-gateway"),
        sample("data-processor"),
        sample("kv-store"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = wirebench(
        &[
            &"plug",
            &gw,
            &"--plug",
            &dp,
            &"--plug",
            &kv,
            &"-o",
            &"final-service.wasm",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("plugged `http-gateway` ← `data-processor`"),
        "{text}"
    );
    assert!(
        text.contains("plugged `data-processor` ← `kv-store`"),
        "{text}"
    );
    let inspect = wirebench(&[&"inspect", &"--json", &"final-service.wasm"], dir.path());
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let v: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let imports: Vec<&str> = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(!imports.is_empty());
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:?}"
    );
    assert_eq!(
        v["exports"][0]["name"].as_str().unwrap().split('@').next(),
        Some("wasi:http/incoming-handler")
    );
}

#[test]
fn incompatible_plug_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wit = |ty: &str| {
        format!(
            "package neon:kv-store@1.0.0;
             interface store {{ get: func(key: {ty}) -> result<option<string>, string>; }}
             world kv {{ export store; }}
             world user {{ import store; export run: func(); }}"
        )
    };
    let user = wasm(
        d,
        "data-processor",
        &wit("string"),
        "neon:kv-store/user@1.0.0",
    );
    let bad = wasm(d, "bad-kv", &wit("u32"), "neon:kv-store/kv@1.0.0");
    let out = wirebench(&[&"plug", &user, &"--plug", &bad, &"-o", &"out.wasm"], d);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("error: cannot plug these components: `data-processor` import `neon:kv-store/store@1.0.0` function `get`: expected `func(key: string) -> result<option<string>, string>`, found `func(key: u32) -> result<option<string>, string>` in `bad-kv`"), "{err}");
    assert!(!d.join("out.wasm").exists());
}

/// kv-store with one byte of a function body turned into an illegal opcode: its structure and
/// interface are intact, so only validating its code (here, the composition's) finds it.
fn kv_store_with_broken_code() -> Vec<u8> {
    let mut bytes = std::fs::read(sample("kv-store").expect("kv-store sample")).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    assert!(wirebench::util::validate::check_structure(&bytes).is_ok());
    assert!(wirebench::util::validate::validate_all(&bytes).is_err());
    bytes
}

#[test]
fn an_input_with_broken_code_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cache = d.join("cache");
    let socket = sample("data-processor").expect("data-processor sample");
    let kv = d.join("kv.wasm");
    std::fs::write(&kv, kv_store_with_broken_code()).unwrap();
    // Plugs and type-checks like the good kv-store; the composition fails validation, and the
    // error names the input at fault as reading it whole would.
    let out = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args([
            &"plug" as &dyn AsRef<std::ffi::OsStr>,
            &socket,
            &"--plug",
            &kv,
            &"-o",
            &"out.wasm",
        ])
        .current_dir(d)
        .env("WIREBENCH_CACHE_DIR", &cache)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: failed to read plug component `{}`: `kv`: invalid component: ",
            kv.display()
        )),
        "{err}"
    );
    assert!(!d.join("out.wasm").exists());
    // A file that exports nothing the socket imports is named too (a refusal, not a plug).
    let bad = d.join("bad.wasm");
    std::fs::write(
        &bad,
        wat::parse_str("(component (core module (func (result i32))))").unwrap(),
    )
    .unwrap();
    let out = wirebench(&[&"plug", &socket, &"--plug", &bad, &"-o", &"out.wasm"], d);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: failed to read plug component `{}`: `bad`: invalid component: type mismatch",
            bad.display()
        )),
        "{err}"
    );
}

#[test]
fn core_module_and_usage_errors_have_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("lone-wolf.wasm"),
        wat::parse_str("(module)").unwrap(),
    )
    .unwrap();
    let out = wirebench(
        &[
            &"plug",
            &"lone-wolf.wasm",
            &"--plug",
            &chain("geometry"),
            &"-o",
            &"x.wasm",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("socket `lone-wolf` is a core module"),
        "{}",
        stderr(&out)
    );
    let out = wirebench(&[&"plug", &"lone-wolf.wasm"], d);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing --plug and -o is a usage error"
    );
    let out = wirebench(
        &[
            &"plug",
            &"nope.wasm",
            &"--plug",
            &"x.wasm",
            &"-o",
            &"y.wasm",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("failed to read socket component `nope.wasm`"),
        "{}",
        stderr(&out)
    );
    // An output nowhere to go names the directory, not a temporary file.
    let chain = chain_dir();
    let out = wirebench(
        &[
            &"plug",
            &"app.wasm",
            &"--plug",
            &"scene.wasm",
            &"--plug",
            &"geometry.wasm",
            &"-o",
            &"gone/out.wasm",
        ],
        chain.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: failed to write output file `gone/out.wasm`: directory `gone` does not exist\n"
    );
}

#[test]
fn check_exits_zero_when_complete_and_three_when_not() {
    let dir = chain_dir();
    let out = wirebench(&[&"check", &"."], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        text.contains("ok        `scene` ← `geometry`  test:shapes/geometry@0.1.0"),
        "{text}"
    );
    assert!(text.contains("complete: 3 components, 3 plugs"), "{text}");

    std::fs::remove_file(dir.path().join("geometry.wasm")).unwrap();
    let out = wirebench(&[&"check", &"--json", &"."], dir.path());
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["complete"], false);
    let open = v["open"].as_array().unwrap();
    let missing: Vec<(&str, &str)> = open
        .iter()
        .filter(|o| o["reason"] == "missing")
        .map(|o| {
            (
                o["component"].as_str().unwrap(),
                o["import"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        missing,
        [
            ("app", "test:shapes/geometry@0.1.0"),
            ("scene", "test:shapes/geometry@0.1.0")
        ]
    );
    let out = wirebench(&[&"check", &"."], dir.path());
    assert!(
        stdout(&out)
            .contains("missing   `scene` import `test:shapes/geometry@0.1.0` is not satisfied"),
        "{}",
        stdout(&out)
    );

    let out = wirebench(&[&"check", &"does-not-exist"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .starts_with("error: failed to open the workspace: cannot open `does-not-exist`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn graph_formats() {
    let dir = chain_dir();
    let out = wirebench(&[&"graph", &".", &"--format", &"json"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["app", "geometry", "scene", "host"]);
    assert_eq!(v["plugs"].as_array().unwrap().len(), 3);
    assert_eq!(v["complete"], true);

    let dot = stdout(&wirebench(&[&"graph", &"."], dir.path()));
    assert!(dot.starts_with("digraph wirebench {"), "{dot}");
    assert!(
        dot.contains("\"geometry\":e0:e -> \"scene\":i0:w [color=\"black\"];"),
        "{dot}"
    );
    assert!(dot.contains("\"host\" -> \"app\":wasi:w"), "{dot}");

    let mermaid = stdout(&wirebench(
        &[&"graph", &".", &"--format", &"mermaid"],
        dir.path(),
    ));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(
        mermaid.contains("n1 -->|\"test:shapes/geometry@0.1.0\"| n2"),
        "{mermaid}"
    );
}

#[test]
fn compose_writes_only_valid_output() {
    let dir = chain_dir();
    let d = dir.path();
    std::fs::write(
        d.join("app.wac"),
        "package my:app;\nlet g = new local:geometry { ... };\nlet s = new local:scene { ...g, ... };\nlet a = new local:app { ...s, ...g, ... };\nexport a[\"test:shapes/app@0.1.0\"];\n",
    )
    .unwrap();
    let out = wirebench(&[&"compose", &"app.wac", &"-o", &"app-composed.wasm"], d);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("exports: test:shapes/app@0.1.0"),
        "{}",
        stdout(&out)
    );

    // An export whose types come from an unexported instance does not validate: not written.
    std::fs::write(
        d.join("bad.wac"),
        "package my:app;\nlet g = new local:geometry { ... };\nlet s = new local:scene { ...g, ... };\nexport s[\"test:shapes/scene@0.1.0\"];\n",
    )
    .unwrap();
    let out = wirebench(&[&"compose", &"bad.wac", &"-o", &"bad.wasm"], d);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not validate"),
        "{}",
        stderr(&out)
    );
    assert!(!d.join("bad.wasm").exists());

    let out = wirebench(
        &[
            &"compose",
            &"app.wac",
            &"--dep",
            &"local:geometry=gone.wasm",
            &"-o",
            &"x.wasm",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("gone.wasm"), "{}", stderr(&out));
    let out = wirebench(
        &[
            &"compose",
            &"app.wac",
            &"--dep",
            &"nonsense",
            &"-o",
            &"x.wasm",
        ],
        d,
    );
    assert_eq!(out.status.code(), Some(2));
}
