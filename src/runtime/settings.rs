//! Grants and limits from a workspace's `wirebench.toml`: `[capabilities.<id>]` tables (the
//! shape of [`Grants`]) and the `[limits]` table (the shape of [`Limits`]).

use super::error::CallError;
use super::limits::Limits;
use super::wasi::Grants;
use crate::workspace::Workspace;

/// The grants of the given components, merged: a linked or composed workspace runs in one
/// WASI context, so every component of it sees the union (documented limitation).
pub fn workspace_grants<'a>(
    ws: &Workspace,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Grants, CallError> {
    let mut grants = Grants::default();
    for id in ids {
        let Some(table) = ws.settings.capabilities.get(id) else {
            continue;
        };
        let g: Grants = table
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| CallError::Load {
                message: format!(
                    "wirebench.toml: [capabilities.{id}]: {} — use dirs, env and allow-net",
                    crate::util::sanitize::one_line(e.message())
                ),
            })?;
        grants.merge(g);
    }
    Ok(grants)
}

/// The workspace's `[limits]`, over the defaults.
pub fn workspace_limits(ws: &Workspace) -> Result<Limits, CallError> {
    toml::Value::Table(ws.settings.limits.clone())
        .try_into()
        .map_err(|e: toml::de::Error| CallError::Load {
            message: format!(
                "wirebench.toml: [limits]: {} — use timeout, max-memory, max-stack, max-output",
                crate::util::sanitize::one_line(e.message())
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_merge_and_limits_default() {
        let mut ws = Workspace::default();
        ws.settings.capabilities = toml::from_str(
            "[a]\nenv = [\"X=1\"]\n[b]\nallow-net = true\nenv = [\"X=1\", \"Y\"]\n[c]\nallow-net = false",
        )
        .unwrap();
        let g = workspace_grants(&ws, ["a", "b"]).unwrap();
        assert_eq!(g.env.len(), 2);
        assert!(g.allow_net);
        assert!(!workspace_grants(&ws, ["c"]).unwrap().allow_net);
        assert_eq!(workspace_limits(&ws).unwrap(), Limits::default());
        ws.settings.limits = toml::from_str("timeout = \"1s\"").unwrap();
        assert_eq!(workspace_limits(&ws).unwrap().timeout.as_secs(), 1);
        ws.settings.capabilities = toml::from_str("[a]\ndirs = 3").unwrap();
        assert!(workspace_grants(&ws, ["a"]).is_err());
    }
}
