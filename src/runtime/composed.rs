//! Composed mode: encode a workspace with the compose module (wac-graph) and run the single
//! resulting component — exactly what ships.

use std::sync::Arc;

use super::error::CallError;
use super::session::Target;
use crate::compose::EncodeOptions;
use crate::model::Component;
use crate::workspace::{port_names, ExportChoice, Workspace};

/// Composes `ws` into one component. Unless the workspace saved its own export choice, the
/// composition exports every component's exports (the first provider of a name wins), so the
/// same calls work in linked and composed mode.
pub fn composed_target(ws: &Workspace, name: &str) -> Result<Target, CallError> {
    let bytes = crate::compose::encode_workspace(ws, &composed_exports(ws)).map_err(|e| {
        CallError::Load {
            message: format!(
                "cannot compose `{name}`: {}",
                crate::util::sanitize::one_line(&e.to_string())
            ),
        }
    })?;
    composed_bytes(bytes, name)
}

/// Wraps bytes the composer produced (`compose::encode_workspace` or `compose::compose_wac`,
/// which validate what they encode) as a composed target.
pub fn composed_bytes(bytes: Vec<u8>, name: &str) -> Result<Target, CallError> {
    let c = Component::from_validated_bytes(&format!("{name} (composed)"), bytes).map_err(|e| {
        CallError::Load {
            message: format!("the composition of `{name}` could not be decoded: {e}"),
        }
    })?;
    Ok(Target::Composed(Arc::new(c)))
}

fn composed_exports(ws: &Workspace) -> EncodeOptions {
    if !ws.exports.is_empty() {
        return EncodeOptions::default();
    }
    let mut exports: Vec<ExportChoice> = Vec::new();
    for (id, c) in ws.components.iter().filter(|(id, _)| ws.is_composable(id)) {
        for name in port_names(&c.exports) {
            if !exports.iter().any(|e| e.export == name) {
                exports.push(ExportChoice {
                    component: id.clone(),
                    export: name.to_string(),
                    rename: None,
                });
            }
        }
    }
    EncodeOptions {
        root: None,
        exports: Some(exports),
    }
}
