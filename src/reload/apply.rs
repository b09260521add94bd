//! Taking a reload into the workspace: swap the new version in, re-check every plug that
//! touches it, and name the components that must be instantiated again.

use std::collections::HashSet;

use super::event::{Outcome, ReloadError, ReloadEvent};
use super::filter::FileKind;
use crate::workspace::{Plug, PlugCheckError, Workspace};

/// Puts the event's new version into `ws` (replacing the old one, or adding a new file's
/// component) and records the plugs it breaks in `ev.broken_plugs`; an event whose version
/// breaks plugs becomes [`Outcome::Incompatible`]. Returns true when `ws` changed.
///
/// The workspace keeps the new version even when it breaks plugs, so a graph shows them
/// red; the runtime keeps running the last good set (see [`super::LiveSession`]).
pub fn apply_to_workspace(ws: &mut Workspace, ev: &mut ReloadEvent) -> bool {
    if ev.kind != FileKind::Component {
        return false;
    }
    let Some(new) = ev.component.clone() else {
        return false;
    };
    if !matches!(
        ev.outcome,
        Outcome::Added | Outcome::Reloaded | Outcome::Restored
    ) {
        return false;
    }
    let same = ws
        .components
        .get(&ev.id)
        .is_some_and(|c| c.sha256 == new.sha256);
    let broken = if same {
        // Restored after a failure the workspace never took: only re-check.
        touching_plugs(ws, &ev.id)
            .into_iter()
            .filter_map(|p| ws.check_plug(&p).err().map(|e| (p, e)))
            .collect()
    } else if ws.components.contains_key(&ev.id) {
        ws.replace_component(&ev.id, new)
    } else {
        ws.insert_component(&ev.id, new);
        Vec::new()
    };
    ev.broken_plugs = broken.iter().map(|(p, e)| plug_reason(p, e)).collect();
    if !ev.broken_plugs.is_empty() {
        ev.outcome = Outcome::Incompatible;
        ev.error = Some(ReloadError::BreaksPlugs {
            id: ev.id.clone(),
            count: ev.broken_plugs.len(),
        });
    }
    !same
}

fn touching_plugs(ws: &Workspace, id: &str) -> Vec<Plug> {
    ws.plugs
        .iter()
        .filter(|p| p.consumer == id || p.provider == id)
        .cloned()
        .collect()
}

/// One line naming the plug and why it no longer holds.
pub fn plug_reason(plug: &Plug, err: &PlugCheckError) -> String {
    match err {
        // The mismatch text already names consumer, import and provider.
        PlugCheckError::Incompatible(_) => err.to_string(),
        _ => format!(
            "`{}` import `{}` ← `{}`: {err}",
            plug.consumer, plug.import, plug.provider
        ),
    }
}

/// Every plug of the workspace that fails its check now, with the reason.
pub fn broken_plugs(ws: &Workspace) -> Vec<String> {
    ws.plugs
        .iter()
        .filter_map(|p| ws.check_plug(p).err().map(|e| plug_reason(p, &e)))
        .collect()
}

/// The component and every component that depends on it through plugs, transitively, in
/// workspace order: what linked mode must instantiate again when `id` changes.
pub fn dependents(ws: &Workspace, id: &str) -> Vec<String> {
    let mut hit: HashSet<&str> = HashSet::from([id]);
    loop {
        let before = hit.len();
        for p in &ws.plugs {
            if hit.contains(p.provider.as_str()) {
                hit.insert(p.consumer.as_str());
            }
        }
        if hit.len() == before {
            break;
        }
    }
    ws.components
        .keys()
        .filter(|k| hit.contains(k.as_str()))
        .cloned()
        .collect()
}
