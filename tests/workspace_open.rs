//! Opening folders (auto-plug), open-import reasons, manual plugs, saving and loading.

mod compose_util;

use std::path::Path;

use compose_util::{chain, wasm};
use wirebench::compose::{encode_workspace, EncodeOptions};
use wirebench::workspace::{OpenReason, Plug, PlugError, Workspace};

const WIT: &str = "package root:root;
world unused {}
package neon:kv-store@1.0.0 {
  interface store { get: func(key: string) -> option<string>; }
  world kv { export store; }
}
package neon:processor@1.0.0 {
  interface transform { process: func(input: string) -> string; }
  world processor { import neon:kv-store/store@1.0.0; export transform; }
  world gateway { import transform; export serve: func(path: string) -> string; }
}
package wasi:cli@0.2.0 {
  interface environment { get-environment: func() -> list<tuple<string, string>>; }
  world envy { import environment; export run: func(); }
}
package t:cyc@1.0.0 {
  interface a { fa: func() -> u32; }
  interface b { fb: func() -> u32; }
  world pa { import b; export a; }
  world pb { import a; export b; }
}
";

/// `neon:kv-store/store@1.0.0` again, with `get` taking a `u32` key.
const BAD_KV: &str = "package neon:kv-store@1.0.0;
interface store { get: func(key: u32) -> option<string>; }
world bad-kv { export store; }
";

fn add(dir: &Path, name: &str, world: &str) {
    if world == "neon:kv-store/bad-kv@1.0.0" {
        wasm(dir, name, BAD_KV, world);
    } else {
        wasm(dir, name, WIT, world);
    }
}

fn open(dir: &Path) -> Workspace {
    Workspace::open(&[dir.to_path_buf()]).unwrap()
}

#[test]
fn folder_is_auto_plugged_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "gateway", "neon:processor/gateway@1.0.0");
    add(dir.path(), "kv", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    let ws = open(dir.path());
    assert_eq!(ws.root.as_deref(), Some(dir.path()));
    assert_eq!(ws.plugs.len(), 2);
    let report = ws.status();
    assert!(report.is_complete(), "{report:#?}");
    assert!(report.open.is_empty());
    // The default composition: everything, exporting what nothing consumes.
    let bytes = encode_workspace(&ws, &EncodeOptions::default()).unwrap();
    let (imports, exports) = compose_util::ports(&bytes);
    assert!(imports.is_empty(), "{imports:?}");
    assert_eq!(exports, ["serve"]);
}

#[test]
fn two_providers_are_ambiguous_with_checked_candidates() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv-a", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "kv-b", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "kv-bad", "neon:kv-store/bad-kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    let ws = open(dir.path());
    assert!(ws.plugs.is_empty());
    let report = ws.status();
    assert!(!report.is_complete());
    let open = &report.open[0];
    let OpenReason::Ambiguous { candidates } = &open.reason else {
        panic!("{open:?}");
    };
    let verdicts: Vec<(&str, bool)> = candidates
        .iter()
        .map(|c| (c.provider.as_str(), c.compatible))
        .collect();
    assert_eq!(
        verdicts,
        [("kv-a", true), ("kv-b", true), ("kv-bad", false)]
    );
    assert!(candidates[2]
        .problem
        .as_deref()
        .unwrap()
        .contains("function `get`"));
    assert_eq!(
        open.message(),
        "`processor` import `neon:kv-store/store@1.0.0` has 3 possible providers (`kv-a`, \
         `kv-b`, `kv-bad`) — plug one by hand"
    );
}

#[test]
fn missing_host_and_mismatch_reasons() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "envy", "wasi:cli/envy@0.2.0");
    add(dir.path(), "gateway", "neon:processor/gateway@1.0.0");
    let ws = open(dir.path());
    let report = ws.status();
    let reasons: Vec<(&str, &str)> = report
        .open
        .iter()
        .map(|o| {
            let r = match o.reason {
                OpenReason::Host => "host",
                OpenReason::Missing => "missing",
                _ => "other",
            };
            (o.component.as_str(), r)
        })
        .collect();
    assert_eq!(reasons, [("envy", "host"), ("gateway", "missing")]);
    assert!(!report.is_complete());
    assert!(report.open[1].message().contains("is not satisfied"));

    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv-bad", "neon:kv-store/bad-kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    let ws = open(dir.path());
    assert!(
        ws.plugs.is_empty(),
        "an incompatible provider is not auto-plugged"
    );
    let report = ws.status();
    let OpenReason::Mismatch { candidate } = &report.open[0].reason else {
        panic!("{:?}", report.open);
    };
    assert!(candidate.problem.as_deref().unwrap().contains(
        "expected `func(key: string) -> option<string>`, found `func(key: u32) -> option<string>` in `kv-bad`"
    ));
}

#[test]
fn host_only_imports_are_complete() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "envy", "wasi:cli/envy@0.2.0");
    assert!(open(dir.path()).status().is_complete());
}

#[test]
fn manual_plug_checks_types_cycles_and_replaces() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv-a", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "kv-b", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "kv-bad", "neon:kv-store/bad-kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    let mut ws = open(dir.path());
    let plug = |provider: &str| Plug {
        consumer: "processor".into(),
        import: "neon:kv-store/store@1.0.0".into(),
        provider: provider.into(),
        export: "neon:kv-store/store@1.0.0".into(),
    };
    assert_eq!(ws.plug(plug("kv-a")).unwrap(), None);
    assert_eq!(ws.plug(plug("kv-b")).unwrap(), Some(plug("kv-a")));
    let err = ws.plug(plug("kv-bad")).unwrap_err();
    assert!(matches!(err, PlugError::Check(_)), "{err:?}");
    assert_eq!(
        ws.plugs,
        [plug("kv-b")],
        "a refused plug leaves the old one"
    );
    let err = ws.plug(plug("nope")).unwrap_err().to_string();
    assert!(
        err.starts_with("no component `nope` in the workspace (loaded: `kv-a`"),
        "{err}"
    );
    assert_eq!(
        ws.unplug("processor", "neon:kv-store/store@1.0.0"),
        Some(plug("kv-b"))
    );
    assert!(ws.plugs.is_empty());

    // A cycle: pa imports b from pb, pb imports a from pa.
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "pa", "t:cyc/pa@1.0.0");
    add(dir.path(), "pb", "t:cyc/pb@1.0.0");
    let mut ws = open(dir.path());
    assert_eq!(
        ws.plugs.len(),
        1,
        "auto-plug stops before closing the cycle"
    );
    let report = ws.status();
    assert!(
        matches!(report.open[0].reason, OpenReason::Cycle { .. }),
        "{report:?}"
    );
    let missing = &report.open[0];
    let err = ws
        .plug(Plug {
            consumer: missing.component.clone(),
            import: missing.import.clone(),
            provider: if missing.component == "pa" {
                "pb"
            } else {
                "pa"
            }
            .into(),
            export: missing.import.clone(),
        })
        .unwrap_err();
    assert!(matches!(err, PlugError::Cycle { .. }), "{err:?}");
}

#[test]
fn core_modules_and_broken_files_do_not_stop_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv", "neon:kv-store/kv@1.0.0");
    std::fs::write(
        dir.path().join("lone-wolf.wasm"),
        wat::parse_str("(module)").unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm\x0d\0\x01\0garbage").unwrap();
    let ws = open(dir.path());
    assert_eq!(ws.components.len(), 2);
    assert_eq!(ws.warnings.len(), 1);
    assert!(
        ws.warnings[0].message.starts_with("skipped: `broken`"),
        "{:?}",
        ws.warnings
    );
    assert_eq!(ws.status().not_composable, ["lone-wolf"]);
    assert!(ws.status().is_complete());
}

#[test]
fn save_keeps_settings_and_a_failed_save_keeps_the_old_files() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    std::fs::write(
        dir.path().join("wirebench.toml"),
        "[workspace]\ntheme = \"dark\"\n\n[components.kv]\npath = \"kv.wasm\"\nbuild = \"make kv\"\n\n\
         [components.processor]\npath = \"processor.wasm\"\n\n[limits]\ntimeout-ms = 500\n\n\
         [capabilities.kv]\nenv = [\"HOME\"]\n\n[future]\nx = 1\n",
    )
    .unwrap();
    let ws = open(dir.path());
    assert_eq!(ws.plugs.len(), 1, "no .wac yet: auto-plugged");
    ws.save().unwrap();
    let toml_text = std::fs::read_to_string(dir.path().join("wirebench.toml")).unwrap();
    for needle in [
        "theme = \"dark\"",
        "build = \"make kv\"",
        "timeout-ms = 500",
        "[capabilities.kv]",
        "[future]",
        "composition = \"workspace.wac\"",
        "package = \"local:kv\"",
    ] {
        assert!(
            toml_text.contains(needle),
            "missing {needle} in\n{toml_text}"
        );
    }
    let again = open(dir.path());
    assert_eq!(again.plugs, ws.plugs);
    assert_eq!(again.settings.composition.as_deref(), Some("workspace.wac"));
    assert_eq!(again.settings.limits, ws.settings.limits);
    assert_eq!(again.settings.capabilities, ws.settings.capabilities);
    assert_eq!(again.settings.component_extra, ws.settings.component_extra);
    assert_eq!(again.settings.workspace_extra, ws.settings.workspace_extra);
    assert_eq!(again.settings.extra, ws.settings.extra);

    // Make the `.wac` path unwritable (a directory): the save fails, nothing is damaged.
    let before = std::fs::read(dir.path().join("wirebench.toml")).unwrap();
    std::fs::remove_file(dir.path().join("workspace.wac")).unwrap();
    std::fs::create_dir(dir.path().join("workspace.wac")).unwrap();
    let err = again.save().unwrap_err().to_string();
    assert!(err.contains("(the previous file is unchanged)"), "{err}");
    assert_eq!(
        std::fs::read(dir.path().join("wirebench.toml")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_saved_workspace_knows_its_own_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    let ws = open(dir.path());
    let manifest = dir.path().join("wirebench.toml");
    let wac = dir.path().join("workspace.wac");
    assert!(!ws.is_saved_as(&manifest), "not saved yet");
    ws.save().unwrap();
    // The watcher sees the save: no change to re-read, whichever way the path is spelt.
    assert!(ws.is_saved_as(&manifest) && ws.is_saved_as(&wac));
    assert!(ws.is_saved_as(&dir.path().join(".").join("wirebench.toml")));
    // Edited by someone else: a change to re-read.
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("# edited\n");
    std::fs::write(&manifest, text).unwrap();
    assert!(!ws.is_saved_as(&manifest));
    assert!(ws.is_saved_as(&wac));
    assert!(!ws.is_saved_as(&dir.path().join("kv.wasm")));
    // The composition saved alone under another name (`:save other.wac`).
    let other = dir.path().join("other.wac");
    std::fs::write(&other, std::fs::read(&wac).unwrap()).unwrap();
    assert!(ws.is_saved_as(&other));
    std::fs::write(&other, "package edited:by-hand;\n").unwrap();
    assert!(!ws.is_saved_as(&other));
}

#[test]
fn saved_plug_that_no_longer_fits_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), "kv", "neon:kv-store/kv@1.0.0");
    add(dir.path(), "processor", "neon:processor/processor@1.0.0");
    open(dir.path()).save().unwrap();
    // "Rebuild" kv with an incompatible interface.
    add(dir.path(), "kv", "neon:kv-store/bad-kv@1.0.0");
    let ws = open(dir.path());
    assert_eq!(ws.plugs.len(), 1);
    let report = ws.status();
    assert!(!report.plugs[0].ok);
    assert!(!report.is_complete());
    assert!(report.plugs[0]
        .problem
        .as_deref()
        .unwrap()
        .contains("function `get`"));
    // Removing a component's file keeps the workspace loadable, with a warning.
    std::fs::remove_file(dir.path().join("kv.wasm")).unwrap();
    let ws = open(dir.path());
    assert_eq!(ws.components.len(), 1);
    assert!(ws.plugs.is_empty());
    assert!(
        ws.warnings
            .iter()
            .any(|w| w.message.contains("component `kv` skipped")),
        "{:?}",
        ws.warnings
    );
}

#[test]
fn replace_component_reports_broken_plugs() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["app", "scene", "geometry"] {
        std::fs::copy(chain(name), dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    let mut ws = open(dir.path());
    assert_eq!(ws.plugs.len(), 3);
    let candidates = ws.candidates("scene", "test:shapes/geometry@0.1.0");
    assert_eq!(candidates.len(), 1);
    assert!(candidates[0].compatible);
    // Swap geometry for scene's binary: every plug from geometry breaks.
    let wrong = wirebench::model::Component::from_file(&chain("scene")).unwrap();
    let broken = ws.replace_component("geometry", wrong);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0]
        .1
        .to_string()
        .contains("has no export `test:shapes/geometry@0.1.0`"));
}
