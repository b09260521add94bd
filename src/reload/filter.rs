//! Which file names in a watched folder matter: components, `wirebench.toml` and `.wac`
//! documents; editors' and compilers' temp, swap and backup files never do.

use std::path::Path;

use serde::Serialize;

use crate::workspace::MANIFEST_FILE;

/// What a watched file is to the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A `.wasm` component or module.
    Component,
    /// The workspace's `wirebench.toml`.
    Manifest,
    /// A `.wac` composition document.
    Composition,
}

/// True for names that editors and build tools use for scratch files: hidden files (`.tmp`,
/// `.kv.wasm.swp`), backups (`kv.wasm~`), swap, partial downloads, vim's `4913` probe.
///
/// They are never watched themselves, but a rename of one onto a watched name still counts,
/// because the rename event names the destination too.
pub fn is_scratch_name(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "~",
        ".swp",
        ".swx",
        ".swo",
        ".tmp",
        ".temp",
        ".part",
        ".partial",
        ".crdownload",
        ".bak",
        ".orig",
        ".download",
    ];
    name.is_empty()
        || name.starts_with('.')
        || name.starts_with('#')
        || name == "4913"
        || SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The kind of a file found in a watched folder, or `None` when it is not a workspace file.
pub fn classify(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    if is_scratch_name(name) {
        return None;
    }
    if name == MANIFEST_FILE {
        return Some(FileKind::Manifest);
    }
    match path.extension()?.to_str()? {
        "wasm" => Some(FileKind::Component),
        "wac" => Some(FileKind::Composition),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names_are_ignored() {
        for name in [
            ".tmp",
            ".kv.wasm.swp",
            "kv.wasm~",
            "kv.wasm.tmp",
            "#kv.wasm#",
            "4913",
            "kv.wasm.part",
            ".wirebench.toml.tmp123",
        ] {
            assert_eq!(classify(Path::new(name)), None, "{name}");
        }
    }

    #[test]
    fn workspace_files_are_classified() {
        assert_eq!(classify(Path::new("d/kv.wasm")), Some(FileKind::Component));
        assert_eq!(
            classify(Path::new("wirebench.toml")),
            Some(FileKind::Manifest)
        );
        assert_eq!(classify(Path::new("app.wac")), Some(FileKind::Composition));
        assert_eq!(classify(Path::new("notes.txt")), None);
        assert_eq!(classify(Path::new("other.toml")), None);
    }
}
