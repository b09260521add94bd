//! The files already validated in full, remembered by content hash in the cache directory.
//!
//! Checking every function body is most of what decoding a component costs, and the answer
//! for given bytes never changes under a given validator, so a file decoded before skips it —
//! as wasmtime's compile cache skips compiling. Only bytes that passed are recorded, so changed
//! or corrupt bytes are always validated. Compositions are recorded too: their structure was
//! validated and their code is their components' code, validated before, so they are valid in
//! full.
//!
//! The record is one file of sha256 lines, appended to: a file per entry cost a command that
//! records three (`plug`) ~1 ms of directory and inode creation, a fifth of the whole command.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::util::fsio::parent_dir;

/// The validator whose verdicts the entries hold: a new wasmparser may judge differently.
/// (A test keeps it in step with the `wasmparser` requirement in Cargo.toml.)
const VALIDATOR: &str = "wasmparser-0.263";

/// Entries kept: past this many the record is rewritten with the newest half.
const KEEP: usize = 2048;

/// Bytes of one entry: the hash and its newline.
const ENTRY: usize = 65;

/// Where verdicts are kept; `None` when caching is off or there is no cache directory.
fn log() -> Option<PathBuf> {
    if !crate::util::cache::enabled() {
        return None;
    }
    let base = crate::util::cache::cache_dir()?;
    Some(base.join(format!("validated-{VALIDATOR}-all-features.log")))
}

/// Whether bytes with this sha256 (lowercase hex) were validated in full before.
pub fn known(sha256: &str) -> bool {
    log().is_some_and(|l| known_in(&l, sha256))
}

/// Records that bytes with this sha256 passed full validation. Best effort: a cache that
/// cannot be written only costs the next decode its validation.
pub fn record(sha256: &str) {
    if let Some(log) = log() {
        if let Err(e) = record_in(&log, sha256) {
            tracing::debug!("cannot record validated bytes in {}: {e}", log.display());
        }
    }
}

fn known_in(log: &Path, sha256: &str) -> bool {
    is_hash(sha256) && fs::read(log).is_ok_and(|entries| holds(&entries, sha256))
}

/// Whether `entries` has `sha256` as a whole line (a torn line never matches).
fn holds(entries: &[u8], sha256: &str) -> bool {
    entries
        .split(|b| *b == b'\n')
        .any(|line| line == sha256.as_bytes())
}

fn record_in(log: &Path, sha256: &str) -> std::io::Result<()> {
    if !is_hash(sha256) || known_in(log, sha256) {
        return Ok(());
    }
    let cache = parent_dir(log);
    let open = || OpenOptions::new().create(true).append(true).open(log);
    let mut file = match open() {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            fs::create_dir_all(cache)?;
            open()?
        }
        opened => opened?,
    };
    // One write per entry: appends from concurrent processes do not interleave within it.
    file.write_all(format!("{sha256}\n").as_bytes())?;
    let len = file.metadata()?.len();
    if len == ENTRY as u64 {
        remove_directory_records(cache);
    }
    if len > (KEEP * ENTRY) as u64 {
        keep_newest(log)?;
    }
    Ok(())
}

/// Removes the records of earlier versions, a directory with an empty file per hash
/// (`validated-<validator>-all-features/`), once this record starts: never read again.
fn remove_directory_records(cache: &Path) {
    let Ok(entries) = fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .file_name()
            .to_string_lossy()
            .starts_with("validated-")
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if old {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Rewrites the record with its newest half (replaced whole: a reader sees old or new).
fn keep_newest(log: &Path) -> std::io::Result<()> {
    let entries = fs::read(log)?;
    let lines: Vec<&[u8]> = entries
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let newest = &lines[lines.len().saturating_sub(KEEP / 2)..];
    let mut kept = Vec::with_capacity(newest.len() * ENTRY);
    for line in newest {
        kept.extend_from_slice(line);
        kept.push(b'\n');
    }
    crate::util::fsio::write_output(log, &kept)
}

/// Entries are whole lines: only a sha256 in lowercase hex may become one.
fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: usize) -> String {
        crate::model::sha256_hex(n.to_string().as_bytes())
    }

    #[test]
    fn remembers_only_what_was_recorded() {
        let cache = tempfile::tempdir().unwrap();
        let log = cache.path().join("new-dir").join("validated.log");
        let (a, b) = (hash(1), hash(2));
        assert!(!known_in(&log, &a));
        record_in(&log, &a).unwrap();
        assert!(known_in(&log, &a) && !known_in(&log, &b));
        // Recording again adds nothing; what is not a hash is never an entry.
        record_in(&log, &a).unwrap();
        for bad in ["../escape", "", "A".repeat(64).as_str(), &a[..63]] {
            record_in(&log, bad).unwrap();
            assert!(!known_in(&log, bad), "{bad}");
        }
        assert_eq!(fs::read(&log).unwrap(), format!("{a}\n").as_bytes());
    }

    #[test]
    fn a_new_record_removes_the_directories_of_earlier_versions() {
        let cache = tempfile::tempdir().unwrap();
        let old = cache.path().join("validated-wasmparser-0.263-all-features");
        fs::create_dir(&old).unwrap();
        fs::write(old.join(hash(1)), b"").unwrap();
        let unrelated = cache.path().join("compiled");
        fs::create_dir(&unrelated).unwrap();
        let log = cache.path().join("validated-x.log");
        record_in(&log, &hash(2)).unwrap();
        assert!(!old.exists() && unrelated.exists() && log.exists());
        // Only a record's start looks: a directory made later is left alone.
        fs::create_dir(&old).unwrap();
        record_in(&log, &hash(3)).unwrap();
        assert!(old.exists());
    }

    #[test]
    fn torn_or_foreign_lines_never_match() {
        let cache = tempfile::tempdir().unwrap();
        let log = cache.path().join("validated.log");
        let (a, b) = (hash(1), hash(2));
        // Half of one entry glued to half of another, and one without its newline.
        fs::write(
            &log,
            format!("{}{}\nnoise\n{}", &a[..32], &b[32..], &b[..40]),
        )
        .unwrap();
        assert!(!known_in(&log, &a) && !known_in(&log, &b));
        record_in(&log, &b).unwrap();
        assert!(
            !known_in(&log, &b),
            "appended to an unterminated line: not whole"
        );
        record_in(&log, &a).unwrap();
        assert!(known_in(&log, &a));
    }

    #[test]
    fn keeps_the_newest_entries_within_a_bound() {
        let cache = tempfile::tempdir().unwrap();
        let log = cache.path().join("validated.log");
        for n in 0..=KEEP {
            record_in(&log, &hash(n)).unwrap();
        }
        let size = fs::metadata(&log).unwrap().len() as usize;
        assert!(size <= KEEP * ENTRY, "{size}");
        assert!(known_in(&log, &hash(KEEP)) && known_in(&log, &hash(KEEP - 10)));
        assert!(!known_in(&log, &hash(0)));
    }

    #[test]
    fn an_unwritable_cache_costs_nothing_but_time() {
        let cache = tempfile::tempdir().unwrap();
        let file = cache.path().join("not-a-dir");
        fs::write(&file, b"").unwrap();
        let log = file.join("validated.log");
        assert!(record_in(&log, &hash(1)).is_err());
        assert!(!known_in(&log, &hash(1)));
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
