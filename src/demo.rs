//! The bundled demo workspace: the sample components, written to a writable place on first use.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The samples the demo holds, embedded so an installed binary needs no source tree.
pub const DEMO_COMPONENTS: &[(&str, &[u8])] = &[
    (
        "kv-store.wasm",
        include_bytes!("../assets/samples/kv-store.wasm"),
    ),
    (
        "data-processor.wasm",
        include_bytes!("../assets/samples/data-processor.wasm"),
    ),
    (
        "http-gateway.wasm",
        include_bytes!("../assets/samples/http-gateway.wasm"),
    ),
    (
        "type-zoo.wasm",
        include_bytes!("../assets/samples/type-zoo.wasm"),
    ),
];

/// Where the demo lives: `$WIREBENCH_DEMO_DIR`, else `$XDG_DATA_HOME/wirebench/demo`,
/// else `~/.local/share/wirebench/demo`, else a folder in the temp dir.
pub fn demo_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WIREBENCH_DEMO_DIR") {
        return PathBuf::from(dir);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    match data {
        Some(d) => d.join("wirebench").join("demo"),
        None => std::env::temp_dir().join("wirebench-demo"),
    }
}

/// Writes any missing demo component into `dir` and returns the directory.
///
/// Existing files are left alone: the user may be editing or reloading them.
pub fn ensure_demo(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create the demo folder `{}`", dir.display()))?;
    for (name, bytes) in DEMO_COMPONENTS {
        let path = dir.join(name);
        if !path.exists() {
            crate::util::fsio::atomic_write(&path, bytes)
                .with_context(|| format!("failed to write `{}`", path.display()))?;
        }
    }
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_missing_files_and_keeps_existing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let kv = dir.path().join("kv-store.wasm");
        std::fs::write(&kv, b"user's own").unwrap();
        ensure_demo(dir.path()).unwrap();
        assert_eq!(std::fs::read(&kv).unwrap(), b"user's own");
        for (name, bytes) in DEMO_COMPONENTS.iter().skip(1) {
            assert_eq!(&std::fs::read(dir.path().join(name)).unwrap(), bytes);
        }
    }
}
