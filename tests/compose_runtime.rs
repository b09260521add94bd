//! Composed results run: a chain three deep (records, variants, resources) instantiated by
//! wasmtime, the seed scenario on the bundled samples, and equivalence with `wac plug`.

mod compose_util;

use compose_util::{call_string_fn, chain, ports, run_wac, sample, wac};
use wirebench::compose::{encode_workspace, plug_workspace, EncodeOptions};
use wirebench::model::Component;

const INPUT: &str = "circle 1; rect 2 3; poly 0,0 4,0 4,3";
const EXPECTED: &str =
    "demo: 3 shapes, area 15.142, centroid (2.0, 0.0); overlay: 3 shapes, area 15.142";

fn load(p: &std::path::Path) -> Component {
    Component::from_file(p).unwrap()
}

fn plug_chain() -> Vec<u8> {
    let (ws, root) = plug_workspace(
        load(&chain("app")),
        vec![load(&chain("scene")), load(&chain("geometry"))],
    )
    .unwrap();
    encode_workspace(
        &ws,
        &EncodeOptions {
            root: Some(root),
            exports: None,
        },
    )
    .unwrap()
}

#[test]
fn chain_three_deep_runs_in_wasmtime() {
    let bytes = plug_chain();
    let (imports, exports) = ports(&bytes);
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:?}"
    );
    assert_eq!(exports, ["test:shapes/app@0.1.0"]);
    let out = call_string_fn(&bytes, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(out.as_deref(), Ok(EXPECTED));
    // Errors (variants) cross both component boundaries too.
    let err = call_string_fn(&bytes, "test:shapes/app@0.1.0", "run", "hexagon 2");
    assert_eq!(err, Err("unknown shape `hexagon 2`".to_string()));
}

#[test]
fn chain_matches_wac_plug_nested() {
    let Some(wac) = wac() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `wac plug` has no chains, and plugging the middle first fails in wac (its export would
    // use types of an internal instance), so plug the top first and satisfy what is left
    // (scene's `geometry` import) in a second step.
    let step = d.join("app-scene-geo.wasm");
    let result = d.join("wac.wasm");
    let (app, scene, geometry) = (chain("app"), chain("scene"), chain("geometry"));
    run_wac(
        &wac,
        &[
            &"plug", &app, &"--plug", &scene, &"--plug", &geometry, &"-o", &step,
        ],
        d,
    )
    .unwrap();
    let (step_imports, _) = ports(&std::fs::read(&step).unwrap());
    assert!(step_imports.contains(&"test:shapes/geometry@0.1.0".to_string()));
    run_wac(
        &wac,
        &[&"plug", &step, &"--plug", &geometry, &"-o", &result],
        d,
    )
    .unwrap();
    let theirs = std::fs::read(&result).unwrap();
    let ours = plug_chain();
    let (mut ti, te) = ports(&theirs);
    let (mut oi, oe) = ports(&ours);
    ti.sort();
    oi.sort();
    assert_eq!(ti, oi, "imports differ");
    assert_eq!(te, oe, "exports differ");
    let theirs_out = call_string_fn(&theirs, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(theirs_out.as_deref(), Ok(EXPECTED));
}

#[test]
fn seed_scenario_leaves_only_wasi_imports() {
    let (Some(gw), Some(dp), Some(kv)) = (
        sample("http-gateway"),
        sample("data-processor"),
        sample("kv-store"),
    ) else {
        return;
    };
    let (ws, root) = plug_workspace(load(&gw), vec![load(&dp), load(&kv)]).unwrap();
    let bytes = encode_workspace(
        &ws,
        &EncodeOptions {
            root: Some(root),
            exports: None,
        },
    )
    .unwrap();
    let (imports, exports) = ports(&bytes);
    assert!(!imports.is_empty());
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:?}"
    );
    assert_eq!(exports.len(), 1);
    assert!(
        exports[0].starts_with("wasi:http/incoming-handler@"),
        "{exports:?}"
    );

    // Same imports and exports as `wac plug`, done in two steps since it has no chains.
    let Some(wac) = wac() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let step = d.join("dp-kv.wasm");
    let result = d.join("wac.wasm");
    run_wac(&wac, &[&"plug", &dp, &"--plug", &kv, &"-o", &step], d).unwrap();
    run_wac(&wac, &[&"plug", &gw, &"--plug", &step, &"-o", &result], d).unwrap();
    let (mut ti, te) = ports(&std::fs::read(&result).unwrap());
    let mut oi = imports;
    ti.sort();
    oi.sort();
    assert_eq!(ti, oi);
    assert_eq!(te, exports);
}

#[test]
fn single_level_matches_wac_plug_exactly() {
    let (Some(dp), Some(kv)) = (sample("data-processor"), sample("kv-store")) else {
        return;
    };
    let (ws, root) = plug_workspace(load(&dp), vec![load(&kv)]).unwrap();
    let ours = encode_workspace(
        &ws,
        &EncodeOptions {
            root: Some(root),
            exports: None,
        },
    )
    .unwrap();
    let Some(wac) = wac() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("wac.wasm");
    run_wac(
        &wac,
        &[&"plug", &dp, &"--plug", &kv, &"-o", &out],
        dir.path(),
    )
    .unwrap();
    let theirs = std::fs::read(&out).unwrap();
    assert_eq!(ports(&theirs), ports(&ours));
}

#[test]
fn exported_interface_using_plugged_types_exports_their_source() {
    // `wac plug scene --plug geometry` fails validation (scene's export uses geometry types);
    // wirebench exports geometry's interface first, so the middle composes on its own.
    let (ws, root) = plug_workspace(load(&chain("scene")), vec![load(&chain("geometry"))]).unwrap();
    let middle = encode_workspace(
        &ws,
        &EncodeOptions {
            root: Some(root),
            exports: None,
        },
    )
    .unwrap();
    let (_, exports) = ports(&middle);
    assert_eq!(
        exports,
        ["test:shapes/geometry@0.1.0", "test:shapes/scene@0.1.0"]
    );
    // And the pre-composed middle plugs into the top like any component.
    let dir = tempfile::tempdir().unwrap();
    let mid = compose_util::write(dir.path(), "middle.wasm", &middle);
    let (ws, root) = plug_workspace(load(&chain("app")), vec![load(&mid)]).unwrap();
    let opts = EncodeOptions {
        root: Some(root),
        exports: None,
    };
    let bytes = encode_workspace(&ws, &opts).unwrap();
    let out = call_string_fn(&bytes, "test:shapes/app@0.1.0", "run", INPUT);
    assert_eq!(out.as_deref(), Ok(EXPECTED));
}
