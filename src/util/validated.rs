//! The files already validated in full, remembered by content hash in the cache directory.
//!
//! Checking every function body is most of what decoding a component costs, and the answer
//! for given bytes never changes under a given validator, so a file decoded before skips it —
//! as wasmtime's compile cache skips compiling. Entries are empty files named by sha256;
//! only bytes that passed are recorded, so changed or corrupt bytes are always validated.
//! Compositions are recorded too: their structure was validated and their code is their
//! components' code, validated before, so they are valid in full.

use std::path::{Path, PathBuf};

/// The validator whose verdicts the entries hold: a new wasmparser may judge differently.
/// (A test keeps it in step with the `wasmparser` requirement in Cargo.toml.)
const VALIDATOR: &str = "wasmparser-0.263";

/// Where verdicts are kept; `None` when caching is off or there is no cache directory.
fn dir() -> Option<PathBuf> {
    if !crate::util::cache::enabled() {
        return None;
    }
    let base = crate::util::cache::cache_dir()?;
    Some(base.join(format!("validated-{VALIDATOR}-all-features")))
}

/// Whether bytes with this sha256 (lowercase hex) were validated in full before.
pub fn known(sha256: &str) -> bool {
    dir().is_some_and(|d| known_in(&d, sha256))
}

/// Records that bytes with this sha256 passed full validation. Best effort: a cache that
/// cannot be written only costs the next decode its validation.
pub fn record(sha256: &str) {
    if let Some(dir) = dir() {
        record_in(&dir, sha256);
    }
}

fn known_in(dir: &Path, sha256: &str) -> bool {
    is_hash(sha256) && dir.join(sha256).is_file()
}

fn record_in(dir: &Path, sha256: &str) {
    let entry = dir.join(sha256);
    if !is_hash(sha256) || entry.is_file() {
        return;
    }
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::File::create(&entry)) {
        tracing::debug!("cannot record validated bytes in {}: {e}", dir.display());
    }
}

/// Entries are file names: only a sha256 in lowercase hex may become one.
fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_only_what_was_recorded() {
        let cache = tempfile::tempdir().unwrap();
        let dir = cache.path().join("validated");
        let (a, b) = (
            crate::model::sha256_hex(b"a"),
            crate::model::sha256_hex(b"b"),
        );
        assert!(!known_in(&dir, &a));
        record_in(&dir, &a);
        assert!(known_in(&dir, &a) && !known_in(&dir, &b));
        // Recording again is harmless; names that are not hashes are never entries.
        record_in(&dir, &a);
        for bad in ["../escape", "", "A".repeat(64).as_str(), &a[..63]] {
            record_in(&dir, bad);
            assert!(!known_in(&dir, bad), "{bad}");
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn an_unwritable_cache_costs_nothing_but_time() {
        let cache = tempfile::tempdir().unwrap();
        let file = cache.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let a = crate::model::sha256_hex(b"a");
        record_in(&file.join("validated"), &a);
        assert!(!known_in(&file.join("validated"), &a));
    }

    #[test]
    fn the_key_names_the_wasmparser_in_use() {
        let manifest = include_str!("../../Cargo.toml");
        let requirement = manifest
            .lines()
            .find_map(|l| l.strip_prefix("wasmparser = "))
            .expect("Cargo.toml requires wasmparser");
        let version = requirement.trim().trim_matches('"');
        assert_eq!(
            VALIDATOR,
            format!("wasmparser-{version}"),
            "bump VALIDATOR with the wasmparser requirement"
        );
    }
}
