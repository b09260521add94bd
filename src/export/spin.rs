//! A Spin application (manifest version 2): `spin.toml` with one HTTP trigger on `/...` and
//! the composed component beside it, run with `spin up` from that folder.

use std::path::Path;

use serde::Serialize;

use super::{write, ExportError, ExportInput, ExportReport};

#[derive(Serialize)]
struct Manifest {
    spin_manifest_version: u32,
    application: Application,
    trigger: Triggers,
    component: toml::Table,
}

#[derive(Serialize)]
struct Application {
    name: String,
    version: String,
    description: String,
}

#[derive(Serialize)]
struct Triggers {
    http: Vec<HttpTrigger>,
}

#[derive(Serialize)]
struct HttpTrigger {
    route: String,
    component: String,
}

/// Writes `DIR/spin.toml` and `DIR/<name>.wasm`.
pub fn write_spin_app(input: &ExportInput, dir: &Path) -> Result<ExportReport, ExportError> {
    let wasm_name = format!("{}.wasm", input.name);
    let mut notes = Vec::new();
    let mut component = toml::Table::new();
    component.insert("source".into(), wasm_name.clone().into());
    component.insert(
        "description".into(),
        "composed by wirebench; capabilities are the workspace's grants".into(),
    );
    // Spin denies outbound network unless listed; the workspace grant is loopback only.
    let outbound: Vec<toml::Value> = if input.grants.allow_net {
        vec!["http://127.0.0.1:*".into(), "http://localhost:*".into()]
    } else {
        Vec::new()
    };
    component.insert("allowed_outbound_hosts".into(), outbound.into());
    let mut env = toml::Table::new();
    for e in &input.grants.env {
        match &e.value {
            Some(v) => {
                env.insert(e.name.clone(), v.clone().into());
            }
            // Copying the host's value into a file could leak a secret; the user decides.
            None => notes.push(format!(
                "env `{}` passes the host's value through; set it under [component.{}] environment yourself",
                e.name, input.name
            )),
        }
    }
    if !env.is_empty() {
        component.insert("environment".into(), env.into());
    }
    let mut files = Vec::new();
    for d in &input.grants.dirs {
        if d.writable {
            notes.push(format!(
                "dir `{}` is writable in the workspace; Spin mounts files read-only",
                d.host.display()
            ));
        }
        let mut f = toml::Table::new();
        f.insert("source".into(), d.host.display().to_string().into());
        f.insert("destination".into(), d.guest.clone().into());
        files.push(toml::Value::Table(f));
    }
    if !files.is_empty() {
        component.insert("files".into(), files.into());
    }
    let mut components = toml::Table::new();
    components.insert(input.name.clone(), component.into());
    let manifest = Manifest {
        spin_manifest_version: 2,
        application: Application {
            name: input.name.clone(),
            version: "0.1.0".into(),
            description: "exported by wirebench".into(),
        },
        trigger: Triggers {
            http: vec![HttpTrigger {
                route: "/...".into(),
                component: input.name.clone(),
            }],
        },
        component: components,
    };
    let text = toml::to_string(&manifest).map_err(|e| ExportError::Io {
        path: dir.join("spin.toml"),
        source: std::io::Error::other(e.to_string()),
    })?;
    let manifest_path = dir.join("spin.toml");
    let component_path = dir.join(&wasm_name);
    write(&component_path, &input.bytes)?;
    let header = "# Spin application exported by wirebench: `spin up` in this folder serves it.\n";
    write(&manifest_path, format!("{header}{text}").as_bytes())?;
    Ok(ExportReport {
        manifest: manifest_path,
        component: component_path,
        notes,
    })
}
