//! File input and output that never blocks on odd files and never leaves a half-written file.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;

use crate::model::DecodeError;

/// The largest `.wasm` wirebench reads; real components are far smaller.
pub const MAX_WASM_SIZE: u64 = 256 * 1024 * 1024;

/// Reads a `.wasm` file, refusing directories, FIFOs, devices and files over [`MAX_WASM_SIZE`].
pub fn read_wasm_file(path: &Path) -> Result<Vec<u8>, DecodeError> {
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            DecodeError::NotFound { path: path.into() }
        } else {
            DecodeError::Io {
                path: path.into(),
                source,
            }
        }
    };
    // Check the type before opening: opening a FIFO for reading would block.
    let meta = fs::metadata(path).map_err(io)?;
    let file_type = meta.file_type();
    if !file_type.is_file() {
        return Err(DecodeError::NotAFile {
            path: path.into(),
            what: describe_file_type(&file_type),
        });
    }
    if meta.len() > MAX_WASM_SIZE {
        return Err(DecodeError::TooLarge {
            path: path.into(),
            size: meta.len(),
            limit: MAX_WASM_SIZE,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between stat and read; never read past the limit.
    File::open(path)
        .map_err(io)?
        .take(MAX_WASM_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_WASM_SIZE {
        return Err(DecodeError::TooLarge {
            path: path.into(),
            size: bytes.len() as u64,
            limit: MAX_WASM_SIZE,
        });
    }
    Ok(bytes)
}

fn describe_file_type(ft: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Writes `contents` to `path` atomically: a temp file in the same directory, fsync, rename,
/// then fsync of the directory. A crash at any point leaves the old file or the new one.
pub fn atomic_write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(
            ".{}.",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        // Durability of the rename itself; failure here does not undo the write.
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_directories_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_wasm_file(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = read_wasm_file(&dir.path().join("nope.wasm"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such file"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_fifo_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe.wasm");
        let status = std::process::Command::new("mkfifo").arg(&p).status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("skipping: mkfifo unavailable");
            return;
        }
        let e = read_wasm_file(&p).unwrap_err().to_string();
        assert!(e.contains("a FIFO"), "{e}");
    }
}
