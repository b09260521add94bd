//! Plug compatibility: wac-types' subtype checker decides, `model::compat` explains in WIT.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use thiserror::Error;
use wac_types::{ItemKind, Package, SubtypeChecker, Types, WorldId};

use crate::model::compat::{item_mismatches, world_item, Mismatch};
use crate::model::{Component, Kind};

/// Why a consumer's import cannot be plugged with a provider's export.
#[derive(Debug, Error)]
pub enum PlugCheckError {
    /// A plug names a component the workspace does not have.
    #[error("no component `{id}` in the workspace — load it first")]
    UnknownComponent { id: String },
    /// One side is a core module, which cannot take part in a composition.
    #[error(
        "`{component}` is a core module, not a component — turn it into a component first \
         (e.g. `wasm-tools component new {component}.wasm --adapt wasi_snapshot_preview1.wasm`)"
    )]
    CoreModule { component: String },
    /// The component was built from bytes that were not kept, so its types are unknown.
    #[error("`{component}` has no decoded binary — reload it from its file")]
    NoBinary { component: String },
    /// The consumer has no import by that name.
    #[error("`{component}` has no import `{import}` (its imports: {})", list(.available))]
    NoSuchImport {
        component: String,
        import: String,
        available: Vec<String>,
    },
    /// The provider has no export by that name.
    #[error("`{component}` has no export `{export}` (its exports: {})", list(.available))]
    NoSuchExport {
        component: String,
        export: String,
        available: Vec<String>,
    },
    /// The export's type does not satisfy the import's type.
    #[error("{0}")]
    Incompatible(Box<PlugMismatch>),
    /// wac-types could not read the component's types.
    #[error("cannot read the component types of `{component}`")]
    Unreadable {
        component: String,
        #[source]
        source: anyhow::Error,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "none".into();
    }
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("`{n}`")).collect();
    let more = names.len().saturating_sub(8);
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// A refused plug with every difference found, most specific first.
#[derive(Debug, Clone, Serialize)]
pub struct PlugMismatch {
    pub consumer: String,
    pub import: String,
    pub provider: String,
    pub export: String,
    /// The differences in WIT terms (never empty).
    pub mismatches: Vec<Mismatch>,
    /// wac-types' own account of the first failure, for the record.
    pub reason: String,
}

impl fmt::Display for PlugMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` import `{}` ", self.consumer, self.import)?;
        match self.mismatches.first() {
            Some(m) => {
                match &m.found {
                    Some(found) => write!(
                        f,
                        "{}: expected `{}`, found `{found}` in `{}`",
                        m.item, m.expected, self.provider
                    )?,
                    None => write!(
                        f,
                        "{}: expected `{}`, found nothing in `{}`",
                        m.item, m.expected, self.provider
                    )?,
                }
                if let Some(d) = &m.detail {
                    write!(f, " ({d})")?;
                }
            }
            None => write!(
                f,
                "does not accept export `{}` of `{}`: {}",
                self.export, self.provider, self.reason
            )?,
        }
        if self.mismatches.len() > 1 {
            write!(f, "; and {} more difference(s)", self.mismatches.len() - 1)?;
        }
        write!(
            f,
            " — rebuild `{}` against the WIT `{}` imports, or plug another provider",
            self.provider, self.consumer
        )
    }
}

/// Component types of every component checked so far, in one wac-types arena, with the
/// packages they came from so a composition can reuse them instead of parsing again.
///
/// wac-types compares type ids before structure, so both sides of a check must live in the same
/// arena. The arena only grows and is keyed by content hash, so sharing it between clones of a
/// workspace is safe.
#[derive(Default)]
pub struct TypeIndex {
    types: Types,
    worlds: HashMap<String, WorldId>,
    /// Recent packages by content hash, oldest first; their bytes are bounded by
    /// [`KEEP_PACKAGE_BYTES`] (a reloading component leaves a trail of versions).
    packages: IndexMap<String, Package>,
    package_bytes: usize,
    cache: HashSet<(ItemKind, ItemKind)>,
}

/// The wac package name of a component: named after its content, so that components with the
/// same bytes share one package in a composition.
pub fn package_name(c: &Component) -> String {
    format!("wirebench:c{}", &c.sha256[..c.sha256.len().min(16)])
}

/// How many bytes of component binaries the index keeps parsed for compositions.
const KEEP_PACKAGE_BYTES: usize = 64 << 20;

impl TypeIndex {
    fn world(&mut self, c: &Component) -> Result<WorldId, PlugCheckError> {
        match self.worlds.get(&c.sha256) {
            Some(w) => Ok(*w),
            None => self.package(c).map(|p| p.ty()),
        }
    }

    /// The wac-types package of a component, parsed into the index's arena on first use.
    /// It is named after its content: one package per distinct binary, whatever it is called.
    pub fn package(&mut self, c: &Component) -> Result<&Package, PlugCheckError> {
        if !self.packages.contains_key(&c.sha256) {
            let pkg = self.parse(c)?;
            self.package_bytes += pkg.bytes().len();
            while self.package_bytes > KEEP_PACKAGE_BYTES && !self.packages.is_empty() {
                if let Some((_, old)) = self.packages.shift_remove_index(0) {
                    self.package_bytes -= old.bytes().len();
                }
            }
            self.packages.insert(c.sha256.clone(), pkg);
        }
        Ok(&self.packages[&c.sha256])
    }

    /// [`TypeIndex::package`], moved out of the index (or parsed, not kept): for a
    /// composition made once, which then needs no copy of the binary. The component's types
    /// stay; a later use parses the package again.
    pub fn take_package(&mut self, c: &Component) -> Result<Package, PlugCheckError> {
        match self.packages.shift_remove(&c.sha256) {
            Some(pkg) => {
                self.package_bytes -= pkg.bytes().len();
                Ok(pkg)
            }
            None => self.parse(c),
        }
    }

    /// Parses a component's package into the arena and remembers its world type.
    fn parse(&mut self, c: &Component) -> Result<Package, PlugCheckError> {
        if c.kind == Kind::CoreModule {
            return Err(PlugCheckError::CoreModule {
                component: c.name.clone(),
            });
        }
        let bytes = c.bytes().ok_or_else(|| PlugCheckError::NoBinary {
            component: c.name.clone(),
        })?;
        let owned = crate::util::mem::copy_large(bytes);
        let pkg = Package::from_bytes(&package_name(c), None, owned, &mut self.types).map_err(
            |source| PlugCheckError::Unreadable {
                component: c.name.clone(),
                source,
            },
        )?;
        self.worlds.insert(c.sha256.clone(), pkg.ty());
        Ok(pkg)
    }

    /// The arena every package of the index lives in.
    pub fn types(&self) -> &Types {
        &self.types
    }

    /// The interfaces (by name) whose types the interface `c` exports as `export` uses.
    pub fn used_interfaces(
        &mut self,
        c: &Component,
        export: &str,
    ) -> Result<Vec<String>, PlugCheckError> {
        let world = self.world(c)?;
        let Some(ItemKind::Instance(iface)) = self.types[world].exports.get(export) else {
            return Ok(Vec::new());
        };
        let mut names = Vec::new();
        for used in self.types[*iface].uses.values() {
            if used.interface != *iface {
                if let Some(name) = &self.types[used.interface].id {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
        }
        Ok(names)
    }

    /// Decides whether `provider`'s `export` satisfies `consumer`'s `import`.
    pub fn check(
        &mut self,
        (consumer_id, consumer): (&str, &Component),
        import: &str,
        (provider_id, provider): (&str, &Component),
        export: &str,
    ) -> Result<(), PlugCheckError> {
        let cw = self.world(consumer)?;
        let pw = self.world(provider)?;
        let want =
            *self.types[cw]
                .imports
                .get(import)
                .ok_or_else(|| PlugCheckError::NoSuchImport {
                    component: consumer_id.into(),
                    import: import.into(),
                    available: self.types[cw].imports.keys().cloned().collect(),
                })?;
        let have =
            *self.types[pw]
                .exports
                .get(export)
                .ok_or_else(|| PlugCheckError::NoSuchExport {
                    component: provider_id.into(),
                    export: export.into(),
                    available: self.types[pw].exports.keys().cloned().collect(),
                })?;
        let mut checker = SubtypeChecker::new(&mut self.cache);
        let Err(reason) = checker.is_subtype(have, &self.types, want, &self.types) else {
            return Ok(());
        };
        let reason = format!("{reason:#}");
        let mut mismatches = explain(consumer, import, provider, export);
        if mismatches.is_empty() {
            mismatches.push(Mismatch {
                item: "the item".into(),
                expected: import.into(),
                found: Some(export.into()),
                detail: Some(reason.clone()),
            });
        }
        Err(PlugCheckError::Incompatible(Box::new(PlugMismatch {
            consumer: consumer_id.into(),
            import: import.into(),
            provider: provider_id.into(),
            export: export.into(),
            mismatches,
            reason,
        })))
    }
}

fn explain(
    consumer: &Component,
    import: &str,
    provider: &Component,
    export: &str,
) -> Vec<Mismatch> {
    let (Some(c), Some(p)) = (
        consumer.decoded.as_ref().and_then(|d| d.wit()),
        provider.decoded.as_ref().and_then(|d| d.wit()),
    ) else {
        return Vec::new();
    };
    let (Some(want), Some(have)) = (
        world_item(&c.resolve, c.world, import, false),
        world_item(&p.resolve, p.world, export, true),
    ) else {
        return Vec::new();
    };
    item_mismatches((&c.resolve, want), (&p.resolve, have))
}

/// A [`TypeIndex`] shared by clones of a workspace.
#[derive(Clone, Default)]
pub struct SharedTypeIndex(Arc<Mutex<TypeIndex>>);

impl SharedTypeIndex {
    /// Runs `f` with the index locked; a poisoned lock is recovered (the index only grows).
    pub fn with<R>(&self, f: impl FnOnce(&mut TypeIndex) -> R) -> R {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl fmt::Debug for SharedTypeIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.with(|i| i.worlds.len());
        write!(f, "SharedTypeIndex({n} components)")
    }
}
