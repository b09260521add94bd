//! `.wac` packages from local files only, and `wirebench compose` (full wac-parser resolution).
//!
//! A package `ns:name[@ver]` is looked up in order: `--dep` entries, `<dir>/deps/ns/name/ver.wasm`
//! and `<dir>/deps/ns/name.wasm` for each deps folder (the `.wac`'s own `deps/` first, as
//! `wac compose` does), then `<name>.wasm` next to the `.wac`.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use miette::Diagnostic;
use wac_parser::{
    Document, Expr, ImportType, InstantiationArgument, InterfaceItem, PrimaryExpr, Statement,
    TypeStatement, UsePath, WorldItem, WorldItemPath, WorldRef,
};
use wac_types::BorrowedPackageKey;

use super::error::{ComposeError, WacError};
use crate::model::{Component, Kind};

/// Where `.wac` packages come from besides the default places.
#[derive(Debug, Clone, Default)]
pub struct Deps {
    /// Package name (`ns:name` or `ns:name@1.0.0`) → component file (`--dep`).
    pub packages: IndexMap<String, PathBuf>,
    /// Extra folders laid out as `<dir>/<ns>/<name>.wasm` (`--deps-dir`).
    pub dirs: Vec<PathBuf>,
}

/// One package reference in a document.
pub(super) struct PackageRef<'a> {
    pub name: &'a str,
    pub version: Option<&'a semver::Version>,
    pub offset: usize,
}

/// Every package a document names (imports, `use`, worlds, `new`, `targets`), in order,
/// except the document's own package.
pub(super) fn referenced_packages<'a>(doc: &'a Document<'a>) -> Vec<PackageRef<'a>> {
    let mut out = Vec::new();
    let own = doc.directive.package.name;
    let mut add = |name: &'a str, version: Option<&'a semver::Version>, offset: usize| {
        if name != own
            && !out
                .iter()
                .any(|r: &PackageRef| r.name == name && r.version == version)
        {
            out.push(PackageRef {
                name,
                version,
                offset,
            });
        }
    };
    if let Some(t) = &doc.directive.targets {
        add(t.name, t.version.as_ref(), t.span.offset());
    }
    fn iface_items<'a>(
        items: &'a [InterfaceItem<'a>],
        add: &mut impl FnMut(&'a str, Option<&'a semver::Version>, usize),
    ) {
        for item in items {
            if let InterfaceItem::Use(u) = item {
                if let UsePath::Package(p) = &u.path {
                    add(p.name, p.version.as_ref(), p.span.offset());
                }
            }
        }
    }
    fn expr<'a>(
        e: &'a Expr<'a>,
        add: &mut impl FnMut(&'a str, Option<&'a semver::Version>, usize),
    ) {
        match &e.primary {
            PrimaryExpr::New(n) => {
                add(
                    n.package.name,
                    n.package.version.as_ref(),
                    n.package.span.offset(),
                );
                for arg in &n.arguments {
                    if let InstantiationArgument::Named(a) = arg {
                        expr(&a.expr, add);
                    }
                }
            }
            PrimaryExpr::Nested(n) => expr(&n.inner, add),
            PrimaryExpr::Ident(_) => {}
        }
    }
    for stmt in &doc.statements {
        match stmt {
            Statement::Import(i) => match &i.ty {
                ImportType::Package(p) => add(p.name, p.version.as_ref(), p.span.offset()),
                ImportType::Interface(inline) => iface_items(&inline.items, &mut add),
                ImportType::Func(_) | ImportType::Ident(_) => {}
            },
            Statement::Type(TypeStatement::Interface(decl)) => iface_items(&decl.items, &mut add),
            Statement::Type(TypeStatement::World(decl)) => {
                for item in &decl.items {
                    match item {
                        WorldItem::Use(u) => {
                            if let UsePath::Package(p) = &u.path {
                                add(p.name, p.version.as_ref(), p.span.offset());
                            }
                        }
                        WorldItem::Import(wi) => world_path(&wi.path, &mut add),
                        WorldItem::Export(we) => world_path(&we.path, &mut add),
                        WorldItem::Include(inc) => {
                            if let WorldRef::Package(p) = &inc.world {
                                add(p.name, p.version.as_ref(), p.span.offset());
                            }
                        }
                        WorldItem::Type(_) => {}
                    }
                }
            }
            Statement::Type(TypeStatement::Type(_)) => {}
            Statement::Let(l) => expr(&l.expr, &mut add),
            Statement::Export(e) => expr(&e.expr, &mut add),
        }
    }
    fn world_path<'a>(
        path: &'a WorldItemPath<'a>,
        add: &mut impl FnMut(&'a str, Option<&'a semver::Version>, usize),
    ) {
        match path {
            WorldItemPath::Package(p) => add(p.name, p.version.as_ref(), p.span.offset()),
            WorldItemPath::Named(n) => {
                if let wac_parser::ExternType::Interface(inline) = &n.ty {
                    iface_items(&inline.items, add);
                }
            }
            WorldItemPath::Ident(_) => {}
        }
    }
    out
}

/// Finds package files for one `.wac`.
pub(super) struct PackageFinder<'d> {
    pub deps: &'d Deps,
    /// The folder holding the `.wac`.
    pub base: PathBuf,
}

impl PackageFinder<'_> {
    /// The file for a package, or every place looked at.
    pub fn find(
        &self,
        name: &str,
        version: Option<&semver::Version>,
    ) -> Result<PathBuf, Vec<PathBuf>> {
        let versioned = version.map(|v| format!("{name}@{v}"));
        let listed = versioned
            .as_ref()
            .and_then(|k| self.deps.packages.get(k))
            .or_else(|| self.deps.packages.get(name));
        if let Some(p) = listed {
            return Ok(p.clone());
        }
        let mut looked = Vec::new();
        let (ns, pkg) = name.split_once(':').unwrap_or(("", name));
        let dirs = std::iter::once(self.base.join("deps")).chain(self.deps.dirs.iter().cloned());
        for dir in dirs {
            let stem = dir.join(ns).join(pkg);
            if let Some(v) = version {
                looked.push(stem.join(format!("{v}.wasm")));
            }
            looked.push(stem.with_extension("wasm"));
        }
        looked.push(self.base.join(format!("{pkg}.wasm")));
        match looked.iter().find(|p| p.is_file()) {
            Some(p) => Ok(p.clone()),
            None => Err(looked),
        }
    }
}

/// 1-based line and column of a byte offset.
pub(super) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The offset of a diagnostic's first label, if it has one.
pub(super) fn diagnostic_offset(d: &dyn Diagnostic) -> Option<usize> {
    d.labels()?.next().map(|l| l.offset())
}

/// Reads a `.wac` (size-limited) as text.
pub(super) fn read_source(path: &Path) -> Result<String, WacError> {
    const MAX_WAC_SIZE: u64 = 16 * 1024 * 1024;
    let io = |source| WacError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() || meta.len() > MAX_WAC_SIZE {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file of at most 16 MiB",
        )));
    }
    std::fs::read_to_string(path).map_err(io)
}

/// Deepest bracket nesting a `.wac` may have. wac-parser descends recursively, so a hostile
/// document of a few thousand nested `(`/`{` overflows the stack and aborts the process (in
/// the workbench: on the 2 MiB stack of a background thread, with the terminal still raw).
/// Real documents nest a handful of levels.
const MAX_WAC_NESTING: usize = 100;

/// Where `source` first nests brackets (`(`, `{`, `[`, `<`) deeper than [`MAX_WAC_NESTING`],
/// ignoring comments and string literals.
fn too_deep(source: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = source[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'{' | b'[' | b'<' => {
                depth += 1;
                if depth > MAX_WAC_NESTING {
                    return Some(i);
                }
            }
            // `->` in function types is not a closing bracket.
            b'>' if i > 0 && bytes[i - 1] == b'-' => {}
            b')' | b'}' | b']' | b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Parses WAC source, turning a syntax error into a positioned [`WacError::Parse`].
pub(super) fn parse<'a>(path: &Path, source: &'a str) -> Result<Document<'a>, WacError> {
    if let Some(offset) = too_deep(source) {
        let (line, col) = line_col(source, offset);
        return Err(WacError::Parse {
            path: path.to_path_buf(),
            line,
            col,
            message: format!("brackets nested more than {MAX_WAC_NESTING} deep"),
        });
    }
    Document::parse(source).map_err(|e| {
        let (line, col) = line_col(source, diagnostic_offset(&e).unwrap_or(0));
        WacError::Parse {
            path: path.to_path_buf(),
            line,
            col,
            message: e.to_string(),
        }
    })
}

/// Loads the component behind a package reference, refusing core modules.
pub(super) fn load_package(path: &Path, package: &str, file: &Path) -> Result<Component, WacError> {
    let c = Component::from_file(file).map_err(|source| WacError::Package {
        path: path.to_path_buf(),
        package: package.to_string(),
        file: file.to_path_buf(),
        source: Box::new(source),
    })?;
    if c.kind == Kind::CoreModule {
        return Err(WacError::CoreModule {
            path: path.to_path_buf(),
            package: package.to_string(),
            file: file.to_path_buf(),
        });
    }
    Ok(c)
}

/// Composes a `.wac` like `wac compose`: every package from local files, the result encoded
/// with components defined inline and validated.
pub fn compose_wac(path: &Path, deps: &Deps) -> Result<Vec<u8>, WacError> {
    let source = read_source(path)?;
    let doc = parse(path, &source)?;
    let finder = PackageFinder {
        deps,
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let mut packages = IndexMap::new();
    for r in referenced_packages(&doc) {
        let file = finder.find(r.name, r.version).map_err(|looked| {
            let (line, col) = line_col(&source, r.offset);
            WacError::MissingPackage {
                path: path.to_path_buf(),
                line,
                col,
                package: r.name.to_string(),
                looked,
            }
        })?;
        let c = load_package(path, r.name, &file)?;
        let bytes = c.bytes().map(|b| b.to_vec()).unwrap_or_default();
        packages.insert(
            BorrowedPackageKey::from_name_and_version(r.name, r.version),
            bytes,
        );
    }
    let resolution = doc.resolve(packages).map_err(|e| {
        let (line, col) = line_col(&source, diagnostic_offset(&e).unwrap_or(0));
        WacError::Resolve {
            path: path.to_path_buf(),
            line,
            col,
            message: error_chain(&e),
            hint: plug_problem(path, deps).or_else(|| e.help().map(|h| h.to_string())),
        }
    })?;
    let graph = resolution.into_graph();
    super::encode::encode_graph(&graph).map_err(|source: ComposeError| WacError::Compose {
        path: path.to_path_buf(),
        source,
    })
}

/// The first broken plug of the document read as workspace plugs, explained in WIT terms;
/// wac-parser's own message only names the argument.
fn plug_problem(path: &Path, deps: &Deps) -> Option<String> {
    let ws = super::wac_read::load_wac(path, deps).ok()?;
    ws.status().plugs.into_iter().find_map(|p| p.problem)
}

/// `outer: cause: root` for an error and its sources.
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "package x:y;\nlet a = {}new a:b {{}}{};",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        let e = parse(Path::new("deep.wac"), &deep).unwrap_err().to_string();
        assert!(
            e.contains("nested more than 100 deep") && e.contains(":2:"),
            "{e}"
        );
        // Brackets inside comments and strings, and `->`, do not count.
        let fine = format!(
            "// {open}\n/* {open} */\npackage x:y;\nlet a = new a:b {{ \"{open}\": b }};\ntype f = func() -> u32;\n",
            open = "(".repeat(500)
        );
        assert_eq!(too_deep(&fine), None);
        let nested = format!("{}{}", "{".repeat(100), "}".repeat(100));
        assert_eq!(too_deep(&nested), None);
        assert_eq!(too_deep(&format!("{nested}{{{{")), None);
        assert!(too_deep(&"{".repeat(101)).is_some());
    }
}
