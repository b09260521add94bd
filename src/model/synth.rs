//! Components synthesized from WIT alone (dummy core code), for tests, benches and fuzzing.
//!
//! The result is a real, valid component with exactly the world's imports and exports; calling
//! its exports traps (`unreachable`), so it is for decoding, type checks and composition only.

use anyhow::{Context, Result};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

/// Builds a component for `world` (or the package's only world) of the WIT source `wit`.
///
/// `deps` are extra WIT packages the main one refers to, parsed first.
pub fn component_from_wit(wit: &str, deps: &[&str], world: Option<&str>) -> Result<Vec<u8>> {
    let mut resolve = Resolve::default();
    for (i, dep) in deps.iter().enumerate() {
        resolve
            .push_str(format!("dep{i}.wit"), dep)
            .with_context(|| format!("failed to parse WIT dependency #{i}"))?;
    }
    let pkg = resolve
        .push_str("main.wit", wit)
        .context("failed to parse WIT")?;
    let world = resolve
        .select_world(&[pkg], world)
        .context("failed to select a world")?;
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let mut module = wit_component::dummy_module(&resolve, world, mangling);
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )?;
    ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
        .context("failed to encode the synthesized component")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Component, Kind};

    #[test]
    fn synthesizes_the_seed_kv_store() {
        let bytes = component_from_wit(
            "package neon:kv-store@1.0.0;
             interface store {
               /// Retrieve a value from the grid
               get: func(key: string) -> result<option<string>, string>;
               set: func(key: string, value: string) -> result<_, string>;
             }
             world component-world { export store; }",
            &[],
            None,
        )
        .unwrap();
        let c = Component::from_bytes("kv", bytes).unwrap();
        assert_eq!(c.kind, Kind::Component);
        let store = c.exported_interfaces().next().unwrap();
        assert_eq!(store.name, "neon:kv-store/store@1.0.0");
        assert_eq!(
            store.function("get").unwrap().signature,
            "get: func(key: string) -> result<option<string>, string>"
        );
    }
}
