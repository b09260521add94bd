//! File input and output that never blocks on odd files and never leaves a half-written file.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use crate::model::DecodeError;

/// The largest `.wasm` wirebench reads; real components are far smaller.
pub const MAX_WASM_SIZE: u64 = 256 * 1024 * 1024;

/// Reads a `.wasm` file, refusing directories, FIFOs, devices and files over [`MAX_WASM_SIZE`].
pub fn read_wasm_file(path: &Path) -> Result<Vec<u8>, DecodeError> {
    let (file, len) = open_wasm_file(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // The file may grow between stat and read; never read past the limit.
    file.take(MAX_WASM_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > MAX_WASM_SIZE {
        return Err(DecodeError::TooLarge {
            path: path.into(),
            size: bytes.len() as u64,
            limit: MAX_WASM_SIZE,
        });
    }
    Ok(bytes)
}

/// [`read_wasm_file`] into shared bytes, read straight into their final place: turning a
/// `Vec` into an `Arc<[u8]>` would copy the whole file (for a 20 MB component, a second
/// 20 MB of page faults and copying).
pub fn read_wasm_file_shared(path: &Path) -> Result<Arc<[u8]>, DecodeError> {
    let (file, len) = open_wasm_file(path)?;
    read_opened(path, file, len)
}

/// [`read_wasm_file_shared`] of a file opened by [`open_wasm_file`], `len` bytes long.
fn read_opened(path: &Path, mut file: File, len: u64) -> Result<Arc<[u8]>, DecodeError> {
    let mut shared = shared_buffer(len);
    if let Some(buf) = Arc::get_mut(&mut shared) {
        if file.read_exact(buf).is_ok() && at_end(&mut file) {
            return Ok(shared);
        }
    }
    // The file changed length since it was measured (or could not be read): read it again the
    // general way, which also gives the precise error.
    read_wasm_file(path).map(Arc::from)
}

/// [`read_wasm_file_shared`] and the sha256 of the bytes. A large file is hashed while it is
/// read, each chunk on another thread as soon as it is in, so that hashing it costs little
/// more time than reading it.
pub fn read_wasm_file_hashed(path: &Path) -> Result<(Arc<[u8]>, String), DecodeError> {
    const CHUNK: usize = 1 << 20;
    let with_hash = |bytes: Arc<[u8]>| {
        let sha256 = crate::model::sha256_hex(&bytes);
        (bytes, sha256)
    };
    let (mut file, len) = open_wasm_file(path)?;
    if len < 2 * CHUNK as u64 {
        return read_opened(path, file, len).map(with_hash);
    }
    let mut shared = shared_buffer(len);
    let buf = Arc::get_mut(&mut shared).expect("a new buffer has no other owner");
    let hashed = std::thread::scope(|s| {
        let (chunks, hash_chunks) = std::sync::mpsc::channel::<&[u8]>();
        let hasher = std::thread::Builder::new().spawn_scoped(s, move || {
            use sha2::Digest;
            let mut sha256 = sha2::Sha256::new();
            hash_chunks.iter().for_each(|chunk| sha256.update(chunk));
            hex::encode(sha256.finalize())
        });
        let Ok(hasher) = hasher else {
            return None;
        };
        for chunk in buf.chunks_mut(CHUNK) {
            if file.read_exact(chunk).is_err() {
                return None;
            }
            let chunk: &[u8] = chunk;
            chunks.send(chunk).ok()?;
        }
        drop(chunks);
        let sha256 = hasher.join().ok()?;
        at_end(&mut file).then_some(sha256)
    });
    match hashed {
        Some(sha256) => Ok((shared, sha256)),
        // The file changed while read, could not be read, or no thread could be started.
        None => read_wasm_file(path).map(|bytes| with_hash(bytes.into())),
    }
}

/// A zeroed buffer of `len` bytes to read a file into, its pages mapped up front.
fn shared_buffer(len: u64) -> Arc<[u8]> {
    let mut zeroed = Arc::new_zeroed_slice(len as usize);
    if let Some(buf) = Arc::get_mut(&mut zeroed) {
        crate::util::mem::populate(buf);
    }
    // SAFETY: zeroed memory is a valid `[u8]`. Zeroed rather than filled: a large allocation
    // comes zeroed from the kernel, and filling it would cost another pass over the file.
    unsafe { zeroed.assume_init() }
}

/// Whether `file` has nothing left to read (it did not grow since it was measured).
fn at_end(file: &mut File) -> bool {
    matches!(file.read(&mut [0]), Ok(0))
}

/// Opens a regular file of at most [`MAX_WASM_SIZE`] bytes; returns it with its length.
fn open_wasm_file(path: &Path) -> Result<(File, u64), DecodeError> {
    // Check the type before opening: opening a FIFO for reading would block.
    let meta = fs::metadata(path).map_err(|e| io_error(path, e))?;
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
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    Ok((file, meta.len()))
}

fn io_error(path: &Path, source: std::io::Error) -> DecodeError {
    if source.kind() == std::io::ErrorKind::NotFound {
        DecodeError::NotFound { path: path.into() }
    } else {
        DecodeError::Io {
            path: path.into(),
            source,
        }
    }
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
/// For what the user authored or saved.
pub fn atomic_write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    refuse_directory(path)?;
    stage(path, contents, true)?
        .persist(path)
        .map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = File::open(parent_dir(path)) {
        // Durability of the rename itself; failure here does not undo the write.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes a build output (a composition, an adapted component) without ever showing a
/// half-written file, but without fsync, as compilers and linkers do: the output can be made
/// again should the machine lose power before the OS writes it. For the same reason the old
/// file is removed before the new one is renamed into place (ext4 flushes a file renamed over
/// another one at once); a reader may find no file for that instant, never a partial one.
pub fn write_output(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    refuse_directory(path)?;
    let staged = stage(path, contents, false)?;
    if fs::symlink_metadata(path).is_ok() {
        fs::remove_file(path)?;
    }
    staged.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A directory where a file is to be written is the caller's mistake, said as such (a rename
/// onto it would only say "Is a directory").
fn refuse_directory(path: &Path) -> std::io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "it is a directory — name a file (in it, or elsewhere)",
        ));
    }
    Ok(())
}

/// Why a temporary file beside the output could not be made, in terms of the directory the
/// user named (the temporary file's own name means nothing to them).
fn staging_failed(dir: &Path, e: std::io::Error) -> std::io::Error {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => format!("directory `{}` does not exist", dir.display()),
        std::io::ErrorKind::PermissionDenied => {
            format!("no permission to create files in `{}`", dir.display())
        }
        std::io::ErrorKind::ReadOnlyFilesystem => {
            format!("`{}` is on a read-only file system", dir.display())
        }
        _ => return e,
    };
    std::io::Error::new(e.kind(), what)
}

/// The directory `path` is in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `contents` in a new temporary file beside `path`, with the mode `path` will have.
fn stage(path: &Path, contents: &[u8], durable: bool) -> std::io::Result<tempfile::NamedTempFile> {
    let prefix = format!(
        ".{}.",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temp files are private (0600); the result keeps the mode of the file it replaces, else
    // gets what a plain write would (0666 less the umask).
    #[cfg(unix)]
    let existing = {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
        fs::metadata(path).ok().map(|m| m.permissions())
    };
    let dir = parent_dir(path);
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| staging_failed(dir, e))?;
    #[cfg(unix)]
    if let Some(permissions) = existing {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.write_all(contents)?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_reads_give_the_bytes_and_their_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let mib = 1 << 20;
        // Below the chunked path, at it, at a chunk boundary, and with a partial last chunk.
        for len in [0, 10, 2 * mib - 1, 2 * mib, 3 * mib, 3 * mib + 12345] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 255) as u8).collect();
            let p = dir.path().join(format!("{len}.wasm"));
            fs::write(&p, &bytes).unwrap();
            let (read, sha256) = read_wasm_file_hashed(&p).unwrap();
            assert_eq!(&read[..], &bytes[..], "{len}");
            assert_eq!(sha256, crate::model::sha256_hex(&bytes), "{len}");
        }
        assert!(matches!(
            read_wasm_file_hashed(&dir.path().join("missing.wasm")),
            Err(DecodeError::NotFound { .. })
        ));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_readable_and_keep_the_mode_they_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain");
        fs::write(&plain, b"").unwrap();
        let out = dir.path().join("out.wasm");
        write_output(&out, b"one").unwrap();
        assert_eq!(mode(&out), mode(&plain));
        fs::set_permissions(&out, fs::Permissions::from_mode(0o755)).unwrap();
        write_output(&out, b"two").unwrap();
        assert_eq!(
            (mode(&out), fs::read(&out).unwrap()),
            (0o755, b"two".to_vec())
        );
        let saved = dir.path().join("a.wac");
        atomic_write(&saved, b"x").unwrap();
        assert_eq!(mode(&saved), mode(&plain));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temp file left"
        );
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

    #[test]
    fn writes_name_the_directory_at_fault_not_a_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir");
        for write in [write_output, atomic_write] {
            let e = write(&missing.join("out.wasm"), b"x").unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("directory `{}` does not exist", missing.display())
            );
            let e = write(dir.path(), b"x").unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::IsADirectory);
            assert!(e.to_string().starts_with("it is a directory"), "{e}");
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing left behind"
        );
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
