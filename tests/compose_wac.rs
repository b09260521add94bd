//! `.wac` write and read: saved compositions round-trip, `wac compose` accepts them, and bad
//! documents get one clear error each.

mod compose_util;

use std::path::{Path, PathBuf};

use compose_util::{call_string_fn, chain, ports, run_wac, wac, wasm};
use wirebench::compose::{compose_wac, load_wac, package_names, Deps, WacError};
use wirebench::workspace::Workspace;

const INPUT: &str = "circle 1; rect 2 3; poly 0,0 4,0 4,3";
const EXPECTED: &str =
    "demo: 3 shapes, area 15.142, centroid (2.0, 0.0); overlay: 3 shapes, area 15.142";

/// A temp folder holding copies of the chain guests.
fn chain_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["app", "scene", "geometry"] {
        std::fs::copy(chain(name), dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    dir
}

fn plug_set(ws: &Workspace) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = ws
        .plugs
        .iter()
        .map(|p| (p.consumer.clone(), p.import.clone(), p.provider.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn saved_workspace_round_trips() {
    let dir = chain_dir();
    let mut ws = Workspace::open(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(ws.plugs.len(), 3, "{:?}", ws.plugs);
    ws.layout
        .insert("app".into(), wirebench::workspace::Position { x: 40, y: 2 });
    ws.save().unwrap();
    let wac_text = std::fs::read_to_string(dir.path().join("workspace.wac")).unwrap();
    assert!(
        wac_text.contains("let scene = new local:scene {"),
        "{wac_text}"
    );
    assert!(
        wac_text.contains("export app[\"test:shapes/app@0.1.0\"];"),
        "{wac_text}"
    );

    let again = Workspace::open(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(plug_set(&again), plug_set(&ws));
    assert_eq!(again.layout["app"].x, 40);
    assert_eq!(
        again.components.keys().collect::<Vec<_>>(),
        ws.components.keys().collect::<Vec<_>>()
    );
    assert!(again.warnings.is_empty(), "{:?}", again.warnings);

    // The saved `.wac` composes (wirebench) and runs.
    let bytes = compose_wac(&dir.path().join("workspace.wac"), &Deps::default()).unwrap();
    let out = call_string_fn(&bytes, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(out.as_deref(), Ok(EXPECTED));
}

#[test]
fn wac_compose_accepts_the_saved_file() {
    let Some(wac) = wac() else { return };
    let dir = chain_dir();
    let ws = Workspace::open(&[dir.path().to_path_buf()]).unwrap();
    ws.save().unwrap();
    let mut args: Vec<String> = vec!["compose".into(), "workspace.wac".into()];
    for (id, pkg) in package_names(&ws) {
        args.push("--dep".into());
        args.push(format!("{pkg}={id}.wasm"));
    }
    args.extend(["-o".into(), "wac.wasm".into()]);
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    run_wac(&wac, &refs, dir.path()).unwrap();
    let theirs = std::fs::read(dir.path().join("wac.wasm")).unwrap();
    let out = call_string_fn(&theirs, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(out.as_deref(), Ok(EXPECTED));
    let ours = compose_wac(&dir.path().join("workspace.wac"), &Deps::default()).unwrap();
    assert_eq!(ports(&theirs), ports(&ours));
}

#[test]
fn hand_written_wac_with_spread_and_dotted_access_loads_as_plugs() {
    let dir = chain_dir();
    let wac_path = dir.path().join("app.wac");
    std::fs::write(
        &wac_path,
        "package my:app;\n\
         let geo = new local:geometry { ... };\n\
         let sc = new local:scene { geometry: geo.geometry, ... };\n\
         let top = new local:app { ...sc, ...geo, ... };\n\
         export top.app;\n",
    )
    .unwrap();
    let ws = load_wac(&wac_path, &Deps::default()).unwrap();
    assert_eq!(
        plug_set(&ws),
        [
            (
                "sc".into(),
                "test:shapes/geometry@0.1.0".into(),
                "geo".into()
            ),
            (
                "top".into(),
                "test:shapes/geometry@0.1.0".into(),
                "geo".into()
            ),
            ("top".into(), "test:shapes/scene@0.1.0".into(), "sc".into()),
        ]
    );
    assert_eq!(ws.exports[0].export, "test:shapes/app@0.1.0");
    // Still composes the way `wac compose` would.
    let bytes = compose_wac(&wac_path, &Deps::default()).unwrap();
    let out = call_string_fn(&bytes, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(out.as_deref(), Ok(EXPECTED));
}

fn err_text(e: WacError) -> String {
    let mut out = e.to_string();
    let mut cur = std::error::Error::source(&e);
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

fn write_wac(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("bad.wac");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn unreadable_wac_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = err_text(compose_wac(&dir.path().join("nope.wac"), &Deps::default()).unwrap_err());
    assert!(
        e.starts_with("failed to read `") && e.contains("nope.wac"),
        "{e}"
    );
    let e = err_text(compose_wac(dir.path(), &Deps::default()).unwrap_err());
    assert!(e.contains("not a regular file"), "{e}");
}

#[test]
fn syntax_error_has_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_wac(dir.path(), "package my:app;\n\nlet x = new ;\n");
    let e = err_text(compose_wac(&p, &Deps::default()).unwrap_err());
    assert!(e.contains("bad.wac`:3:13:"), "{e}");
    assert!(e.contains("fix the WAC syntax"), "{e}");
}

#[test]
fn missing_package_names_it_and_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let p = write_wac(
        dir.path(),
        "package my:app;\nlet kv = new local:kv-store { ... };\n",
    );
    let e = err_text(compose_wac(&p, &Deps::default()).unwrap_err());
    assert!(
        e.contains("bad.wac`:2:14: package `local:kv-store` not found"),
        "{e}"
    );
    assert!(e.contains("deps/local/kv-store.wasm"), "{e}");
    assert!(e.contains("--dep local:kv-store=PATH"), "{e}");
    let e = err_text(load_wac(&p, &Deps::default()).unwrap_err());
    assert!(e.contains("package `local:kv-store` not found"), "{e}");
}

#[test]
fn dep_flag_and_deps_dir_resolve_packages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("deps/test")).unwrap();
    std::fs::copy(chain("geometry"), d.join("deps/test/geo.wasm")).unwrap();
    let p = write_wac(
        d,
        "package my:app;\nlet g = new test:geo { ... };\nlet s = new x:scene { ...g, ... };\nexport s[\"test:shapes/scene@0.1.0\"];\n",
    );
    let deps = Deps {
        packages: [("x:scene".to_string(), chain("scene"))]
            .into_iter()
            .collect(),
        dirs: Vec::new(),
    };
    // Like `wac compose`, the export of `scene` needs the `geometry` types it uses exported.
    let e = err_text(compose_wac(&p, &deps).unwrap_err());
    assert!(
        e.contains("export the interface whose types it uses too"),
        "{e}"
    );
    let p = write_wac(
        d,
        "package my:app;\nlet g = new test:geo { ... };\nlet s = new x:scene { ...g, ... };\nexport g[\"test:shapes/geometry@0.1.0\"];\nexport s[\"test:shapes/scene@0.1.0\"];\n",
    );
    let bytes = compose_wac(&p, &deps).unwrap();
    let (_, exports) = ports(&bytes);
    assert_eq!(
        exports,
        ["test:shapes/geometry@0.1.0", "test:shapes/scene@0.1.0"]
    );
}

#[test]
fn type_mismatch_in_wac_is_explained_in_wit_terms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wit = |ty: &str| {
        format!(
            "package neon:kv-store@1.0.0;
             interface store {{ get: func(key: {ty}) -> option<string>; }}
             world kv {{ export store; }}
             world user {{ import store; export run: func(); }}"
        )
    };
    wasm(d, "bad-kv", &wit("u32"), "neon:kv-store/kv@1.0.0");
    wasm(d, "user", &wit("string"), "neon:kv-store/user@1.0.0");
    let p = write_wac(
        d,
        "package my:app;\nlet kv = new local:bad-kv {};\nlet u = new local:user { \"neon:kv-store/store@1.0.0\": kv[\"neon:kv-store/store@1.0.0\"] };\nexport u.run;\n",
    );
    let e = err_text(compose_wac(&p, &Deps::default()).unwrap_err());
    assert!(e.contains("bad.wac`:3:"), "{e}");
    assert!(
        e.contains("`u` import `neon:kv-store/store@1.0.0` function `get`: expected `func(key: string) -> option<string>`, found `func(key: u32) -> option<string>` in `kv`"),
        "{e}"
    );
}

#[test]
fn core_module_package_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("lone-wolf.wasm"),
        wat::parse_str("(module)").unwrap(),
    )
    .unwrap();
    let p = write_wac(d, "package my:app;\nlet w = new local:lone-wolf { ... };\n");
    let e = err_text(compose_wac(&p, &Deps::default()).unwrap_err());
    assert!(e.contains("package `local:lone-wolf`"), "{e}");
    assert!(e.contains("is a core module, not a component"), "{e}");
}

#[test]
fn unsupported_wac_for_workspace_points_to_compose() {
    let dir = chain_dir();
    let p = write_wac(
        dir.path(),
        "package my:app;\nimport geometry: test:shapes/geometry;\nlet s = new local:scene { ... };\n",
    );
    let e = err_text(load_wac(&p, &Deps::default()).unwrap_err());
    assert!(e.contains("bad.wac`:2:8: `import geometry`"), "{e}");
    assert!(e.contains("wirebench compose"), "{e}");
}

#[test]
fn samples_workspace_saves_a_wac_that_wac_compose_accepts() {
    let Some(gateway) = compose_util::sample("http-gateway") else {
        return;
    };
    let Some(wac) = wac() else { return };
    let samples = gateway.parent().unwrap().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&samples).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "wasm") {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let ws = Workspace::open(&[dir.path().to_path_buf()]).unwrap();
    ws.save().unwrap();
    let text = std::fs::read_to_string(dir.path().join("workspace.wac")).unwrap();
    assert!(
        text.contains("is a core module and is not part of the composition"),
        "{text}"
    );
    let mut args: Vec<String> = vec!["compose".into(), "workspace.wac".into()];
    for (id, pkg) in package_names(&ws) {
        args.push("--dep".into());
        args.push(format!("{pkg}={id}.wasm"));
    }
    args.extend(["-o".into(), "wac.wasm".into()]);
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    run_wac(&wac, &refs, dir.path()).unwrap();
    let theirs = std::fs::read(dir.path().join("wac.wasm")).unwrap();
    let ours = compose_wac(&dir.path().join("workspace.wac"), &Deps::default()).unwrap();
    assert_eq!(ports(&theirs), ports(&ours));
    let (imports, _) = ports(&ours);
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:?}"
    );
}
