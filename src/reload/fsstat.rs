//! Small file-system facts the watcher compares: a file's size/mtime/inode, a folder's
//! identity, and which notify events can mean new content.

use std::path::Path;

use notify::EventKind;

/// What "the file did not change" compares: size, mtime and inode.
pub(super) type Stat = (u64, Option<std::time::SystemTime>, u64);

pub(super) fn stat(path: &Path) -> Option<Stat> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok(), inode(&m)))
}

#[cfg(unix)]
fn inode(m: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(m)
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

/// Identity of a folder (device, inode), to notice one removed and re-created.
pub(super) fn dir_ident(dir: &Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(dir).ok().filter(|m| m.is_dir())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        Some((0, 0))
    }
}

/// Events that may mean new content; opening or reading a file (ours included) does not.
pub(super) fn is_change(kind: &EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
    }
}
