//! Helpers shared by the fuzz targets: the bundled sample components, decoded once.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wirebench::model::Component;

/// `assets/samples` of the repository this crate lives in.
pub fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/samples")
}

/// The sample components (not the core module), decoded once per process.
pub fn samples() -> &'static [Arc<Component>] {
    static SAMPLES: OnceLock<Vec<Arc<Component>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        [
            "kv-store",
            "data-processor",
            "http-gateway",
            "type-zoo",
            "hostile",
        ]
        .iter()
        .map(|name| {
            let path = samples_dir().join(format!("{name}.wasm"));
            let bytes = std::fs::read(&path).expect("sample component exists");
            Arc::new(Component::from_bytes(name, bytes).expect("sample decodes"))
        })
        .collect()
    })
}
