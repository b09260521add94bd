//! A wasmCloud application manifest (wadm, `core.oam.dev/v1beta1`): the composed component
//! plus the HTTP server provider linked to its `wasi:http/incoming-handler`, deployed with
//! `wash app deploy FILE`.

use std::fmt::Write as _;
use std::path::Path;

use super::{write, ExportError, ExportInput, ExportReport};

/// The wasmCloud HTTP server provider the manifest links to the component.
pub const HTTP_SERVER_IMAGE: &str = "ghcr.io/wasmcloud/http-server:0.27.0";
/// Where that provider listens unless the user edits the manifest.
pub const HTTP_ADDRESS: &str = "0.0.0.0:8000";

/// Writes the manifest to `file` and the component beside it as `<name>.wasm`.
pub fn write_wadm_manifest(input: &ExportInput, file: &Path) -> Result<ExportReport, ExportError> {
    let wasm_name = format!("{}.wasm", input.name);
    let dir = file.parent().unwrap_or(Path::new(""));
    let component_path = dir.join(&wasm_name);
    let mut notes = Vec::new();
    // wasmCloud gives components neither preopened dirs nor host env, and outgoing HTTP
    // needs a provider link that cannot be narrowed to loopback: leave them out, say so.
    if input.grants.allow_net {
        notes.push("allow-net (loopback only) has no wasmCloud equivalent; link an http-client provider yourself if the service makes outgoing requests".into());
    }
    for d in &input.grants.dirs {
        notes.push(format!(
            "dir `{}` is not available to wasmCloud components; left out",
            d.host.display()
        ));
    }
    for e in &input.grants.env {
        notes.push(format!(
            "env `{}` is not available to wasmCloud components (use wasi:config); left out",
            e.name
        ));
    }
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let name = &input.name;
    let mut y = String::new();
    // JSON-quoted scalars are valid YAML and keep any name safe.
    let _ = writeln!(
        y,
        "# wasmCloud application exported by wirebench: `wash app deploy {}`",
        file.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let _ = writeln!(y, "apiVersion: core.oam.dev/v1beta1");
    let _ = writeln!(y, "kind: Application");
    let _ = writeln!(y, "metadata:");
    let _ = writeln!(y, "  name: {}", q(name));
    let _ = writeln!(y, "  annotations:");
    let _ = writeln!(y, "    version: \"v0.1.0\"");
    let _ = writeln!(
        y,
        "    description: \"exported by wirebench; capabilities are the workspace's grants\""
    );
    let _ = writeln!(y, "spec:");
    let _ = writeln!(y, "  components:");
    let _ = writeln!(y, "    - name: {}", q(name));
    let _ = writeln!(y, "      type: component");
    let _ = writeln!(y, "      properties:");
    let _ = writeln!(y, "        image: {}", q(&format!("file://./{wasm_name}")));
    let _ = writeln!(y, "      traits:");
    let _ = writeln!(y, "        - type: spreadscaler");
    let _ = writeln!(y, "          properties:");
    let _ = writeln!(y, "            instances: 1");
    let _ = writeln!(y, "    - name: \"httpserver\"");
    let _ = writeln!(y, "      type: capability");
    let _ = writeln!(y, "      properties:");
    let _ = writeln!(y, "        image: {}", q(HTTP_SERVER_IMAGE));
    let _ = writeln!(y, "      traits:");
    let _ = writeln!(y, "        - type: link");
    let _ = writeln!(y, "          properties:");
    let _ = writeln!(y, "            namespace: wasi");
    let _ = writeln!(y, "            package: http");
    let _ = writeln!(y, "            interfaces: [\"incoming-handler\"]");
    let _ = writeln!(y, "            target:");
    let _ = writeln!(y, "              name: {}", q(name));
    let _ = writeln!(y, "            source:");
    let _ = writeln!(y, "              config:");
    let _ = writeln!(y, "                - name: \"default-http\"");
    let _ = writeln!(y, "                  properties:");
    let _ = writeln!(y, "                    address: {}", q(HTTP_ADDRESS));
    write(&component_path, &input.bytes)?;
    write(file, y.as_bytes())?;
    Ok(ExportReport {
        manifest: file.to_path_buf(),
        component: component_path,
        notes,
    })
}
