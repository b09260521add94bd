//! Where wirebench keeps what it can recompute: compiled code (wasmtime's cache) and the
//! record of files already validated (`model::validated`).

use std::path::PathBuf;

/// Whether on-disk caches may be used: `WIREBENCH_NO_CACHE` (any value) turns them all off.
pub fn enabled() -> bool {
    std::env::var_os("WIREBENCH_NO_CACHE").is_none()
}

/// `$WIREBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/wirebench`, else `~/.cache/wirebench`.
pub fn cache_dir() -> Option<PathBuf> {
    let absolute = |p: PathBuf| {
        if p.is_absolute() {
            Some(p)
        } else {
            std::env::current_dir().ok().map(|cwd| cwd.join(p))
        }
    };
    if let Some(dir) = std::env::var_os("WIREBENCH_CACHE_DIR").filter(|d| !d.is_empty()) {
        return absolute(PathBuf::from(dir));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return absolute(PathBuf::from(xdg).join("wirebench"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("wirebench"))
}
