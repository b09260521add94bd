//! `wirebench export`: the Spin manifest and the wasmCloud (wadm) manifest parse, reference
//! the composed component written beside them, and grant nothing the workspace did not.

mod serve_util;

use std::path::{Path, PathBuf};
use std::process::Command;

use serve_util::{sample, wirebench};
use wirebench::workspace::Workspace;

/// A saved workspace of the three samples with `grants` as the gateway's capabilities.
fn workspace(dir: &Path, grants: &str) -> PathBuf {
    let ws_dir = dir.join("svc");
    std::fs::create_dir_all(&ws_dir).unwrap();
    for n in ["http-gateway", "data-processor", "kv-store"] {
        std::fs::copy(sample(n), ws_dir.join(format!("{n}.wasm"))).unwrap();
    }
    let mut ws = Workspace::open(std::slice::from_ref(&ws_dir)).unwrap();
    assert_eq!(ws.plugs.len(), 2, "the samples auto-plug");
    ws.settings.capabilities = toml::from_str(grants).unwrap();
    ws.save_to(&ws_dir).unwrap();
    ws_dir
}

fn export(target: &Path, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let o = Command::new(wirebench())
        .arg("export")
        .arg(target)
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn assert_http_component(path: &Path) {
    let c = wirebench::model::Component::from_file(path).expect("component written");
    assert!(
        c.exports
            .iter()
            .any(|e| e.name().starts_with("wasi:http/incoming-handler@0.2")),
        "{path:?} must export the HTTP handler"
    );
    assert!(
        c.imports.iter().all(|i| i.name().starts_with("wasi:")),
        "fully composed"
    );
}

#[test]
fn spin_and_wadm_manifests_parse_and_reference_the_component() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let grants = format!(
        "[http-gateway]\nenv = [\"MODE=fast\", \"HOME\"]\ndirs = [\"{}::/data:rw\"]\n",
        data.display()
    );
    let ws = workspace(dir.path(), &grants);
    let spin_dir = dir.path().join("spin-app");
    let wadm = dir.path().join("cloud/wadm.yaml");
    let out = export(
        &ws,
        &[
            "--spin".as_ref(),
            spin_dir.as_os_str(),
            "--wadm".as_ref(),
            wadm.as_os_str(),
        ],
    );

    // Spin: manifest v2, one HTTP trigger, the component file beside it.
    let text = std::fs::read_to_string(spin_dir.join("spin.toml")).unwrap();
    let spin: toml::Table = toml::from_str(&text).expect("spin.toml parses");
    assert_eq!(spin["spin_manifest_version"].as_integer(), Some(2));
    let trigger = &spin["trigger"]["http"][0];
    assert_eq!(trigger["route"].as_str(), Some("/..."));
    let id = trigger["component"].as_str().unwrap();
    assert_eq!(id, "svc");
    let comp = &spin["component"][id];
    let source = comp["source"].as_str().unwrap();
    assert_eq!(source, "svc.wasm");
    assert_http_component(&spin_dir.join(source));
    assert_eq!(
        comp["allowed_outbound_hosts"].as_array().unwrap().len(),
        0,
        "no network granted"
    );
    assert_eq!(comp["environment"]["MODE"].as_str(), Some("fast"));
    assert!(
        comp["environment"].get("HOME").is_none(),
        "host values are never copied"
    );
    assert_eq!(comp["files"][0]["destination"].as_str(), Some("/data"));
    let notes = out[0]["notes"].to_string();
    assert!(
        notes.contains("HOME") && notes.contains("read-only"),
        "{notes}"
    );

    // wadm: an Application with the component and an HTTP server linked to it.
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&wadm).unwrap()).expect("wadm.yaml parses");
    assert_eq!(yaml["apiVersion"].as_str(), Some("core.oam.dev/v1beta1"));
    assert_eq!(yaml["kind"].as_str(), Some("Application"));
    let components = yaml["spec"]["components"].as_sequence().unwrap();
    let app = components
        .iter()
        .find(|c| c["type"].as_str() == Some("component"))
        .unwrap();
    let image = app["properties"]["image"].as_str().unwrap();
    let file = image.strip_prefix("file://./").expect("a local file image");
    assert_http_component(&wadm.parent().unwrap().join(file));
    let server = components
        .iter()
        .find(|c| c["type"].as_str() == Some("capability"))
        .unwrap();
    let link = &server["traits"][0]["properties"];
    assert_eq!(link["target"]["name"], app["name"]);
    assert_eq!(link["interfaces"][0].as_str(), Some("incoming-handler"));
    assert_eq!(
        components.len(),
        2,
        "no capability beyond the HTTP entry point"
    );
    let notes = out[1]["notes"].to_string();
    assert!(
        notes.contains("MODE") && notes.contains("left out"),
        "{notes}"
    );
}

#[test]
fn network_grant_stays_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let ws = workspace(dir.path(), "[kv-store]\nallow-net = true\n");
    let spin_dir = dir.path().join("spin");
    export(&ws, &["--spin".as_ref(), spin_dir.as_os_str()]);
    let spin: toml::Table =
        toml::from_str(&std::fs::read_to_string(spin_dir.join("spin.toml")).unwrap()).unwrap();
    let hosts: Vec<&str> = spin["component"]["svc"]["allowed_outbound_hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h.as_str())
        .collect();
    assert_eq!(hosts, ["http://127.0.0.1:*", "http://localhost:*"]);
}

#[test]
fn non_http_or_incomplete_targets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(wirebench())
        .args(["export"])
        .arg(sample("kv-store"))
        .arg("--spin")
        .arg(dir.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not export wasi:http/incoming-handler")
    );
    let o = Command::new(wirebench())
        .args(["export"])
        .arg(sample("http-gateway"))
        .arg("--wadm")
        .arg(dir.path().join("x.yaml"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("still imports `neon:processor/transform@1.0.0`"));
    let o = Command::new(wirebench())
        .args(["export"])
        .arg(sample("kv-store"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "--spin or --wadm is required");
}
