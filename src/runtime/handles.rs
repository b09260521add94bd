//! Session handles `$1`, `$2`, … for resources guests return, so later calls can pass them
//! back; numbers are never reused within a session, so a stale `$3` cannot alias a new object.

use std::collections::BTreeMap;

use serde::Serialize;
use wasmtime::component::{ResourceAny, ResourceType};

use super::convert::HandleLookup;

/// A live handle, as listed to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandleInfo {
    /// The number after `$`.
    pub id: u32,
    /// The resource's name (`counter`), or `resource` when unknown.
    pub resource: String,
    /// The component that created it.
    pub component: String,
}

struct Handle {
    res: ResourceAny,
    resource: String,
    component: String,
}

/// The session's handle table.
pub(crate) struct HandleTable {
    next: u32,
    live: BTreeMap<u32, Handle>,
    /// Known resource types by name, refreshed after every (re)instantiation.
    names: Vec<(ResourceType, String)>,
}

impl Default for HandleTable {
    fn default() -> Self {
        HandleTable {
            next: 1,
            live: BTreeMap::new(),
            names: Vec::new(),
        }
    }
}

impl HandleTable {
    /// Registers a resource a guest returned and gives it the next number.
    pub fn register(&mut self, res: ResourceAny, component: &str) -> u32 {
        let id = self.next;
        self.next += 1;
        let resource = self.name_of(&res.ty());
        self.live.insert(
            id,
            Handle {
                res,
                resource,
                component: component.to_string(),
            },
        );
        id
    }

    /// Forgets a handle (consumed by an `own` parameter or dropped); returns the resource.
    pub fn remove(&mut self, id: u32) -> Option<ResourceAny> {
        self.live.remove(&id).map(|h| h.res)
    }

    /// Forgets every handle (their store is gone), keeping the numbering.
    pub fn clear(&mut self) {
        self.live.clear();
    }

    /// Sets the resource names used for listing handles and in messages.
    pub fn set_names(&mut self, names: Vec<(ResourceType, String)>) {
        self.names = names;
    }

    /// Live handles in number order.
    pub fn list(&self) -> Vec<HandleInfo> {
        self.live
            .iter()
            .map(|(id, h)| HandleInfo {
                id: *id,
                resource: h.resource.clone(),
                component: h.component.clone(),
            })
            .collect()
    }

    fn name_of(&self, ty: &ResourceType) -> String {
        self.names
            .iter()
            .find(|(t, _)| t == ty)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "resource".to_string())
    }
}

impl HandleLookup for HandleTable {
    fn lookup(&self, id: u32, expected: &ResourceType, own: bool) -> Result<ResourceAny, String> {
        let Some(h) = self.live.get(&id) else {
            let live: Vec<String> = self.live.keys().map(|k| format!("${k}")).collect();
            let why = if id < self.next {
                "it was dropped, moved into an earlier call, or lost when the instance was reset"
            } else {
                "no call has returned it yet"
            };
            return Err(if live.is_empty() {
                format!("no handle `${id}`: {why}")
            } else {
                format!(
                    "no handle `${id}`: {why} — live handles: {}",
                    live.join(", ")
                )
            });
        };
        if h.res.ty() != *expected {
            return Err(format!(
                "`${id}` is a `{}`, but this parameter takes a `{}`",
                h.resource,
                self.name_of(expected)
            ));
        }
        if own && !h.res.owned() {
            return Err(format!("`${id}` is borrowed and cannot be given away"));
        }
        Ok(h.res)
    }
}
