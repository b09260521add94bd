//! [`Glob`]: the `watch` patterns of a build — `*` and `?` within one path part, `**` for any
//! number of folders, `{a,b}` alternatives (not nested). Small on purpose: patterns are
//! matched against absolute paths under a literal base folder, which is also what to watch.

use std::path::{Component as PathPart, Path, PathBuf};

use thiserror::Error;

/// A malformed `watch` pattern.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum GlobError {
    /// The pattern is empty.
    #[error("empty `watch` pattern — remove it or name files such as `src/**/*.rs`")]
    Empty,
    /// A `{` without `}`, a `}` without `{`, or `{` inside `{…}`.
    #[error("`watch` pattern `{pattern}`: unbalanced or nested `{{…}}` — write `{{a,b}}` once per pattern")]
    Braces { pattern: String },
}

/// One source pattern, resolved against the build's folder.
#[derive(Debug, Clone)]
pub struct Glob {
    pattern: String,
    alternatives: Vec<Alternative>,
}

#[derive(Debug, Clone)]
struct Alternative {
    /// The longest literal folder the pattern starts with.
    base: PathBuf,
    /// What follows `base`, one entry per path part.
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// `**`: any number of folders, including none.
    AnyDepth,
    /// One path part with `*` and `?` wildcards.
    Name(Vec<char>),
}

impl Glob {
    /// Parses `pattern` relative to `dir`. The literal base is canonicalized when it exists,
    /// so it compares equal to the paths the file watcher reports.
    pub fn new(pattern: &str, dir: &Path) -> Result<Glob, GlobError> {
        if pattern.trim().is_empty() {
            return Err(GlobError::Empty);
        }
        let alternatives = expand_braces(pattern)?
            .iter()
            .map(|p| Alternative::new(&normalize(&dir.join(p))))
            .collect();
        Ok(Glob {
            pattern: pattern.to_string(),
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Folders to watch for this pattern, each with whether its sub-folders matter too.
    pub fn roots(&self) -> Vec<(PathBuf, bool)> {
        self.alternatives
            .iter()
            .map(|a| {
                let deep = a.parts.len() > 1 || a.parts.contains(&Part::AnyDepth);
                (a.base.clone(), deep)
            })
            .collect()
    }

    /// True when `path` (absolute, as the watcher reports it) matches.
    pub fn matches(&self, path: &Path) -> bool {
        self.alternatives.iter().any(|a| a.matches(path))
    }

    /// The part of `path` below the base folder that matches it, if any (for ignoring
    /// `target/` and hidden folders under the base but not above it).
    pub fn relative<'a>(&self, path: &'a Path) -> Option<&'a Path> {
        self.alternatives
            .iter()
            .find_map(|a| path.strip_prefix(&a.base).ok())
    }
}

impl Alternative {
    fn new(abs: &Path) -> Alternative {
        let all: Vec<String> = abs
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let literal = all.iter().take_while(|p| !has_meta(p)).count();
        // A pattern without wildcards names one file: its folder is the base.
        let literal = literal.min(all.len().saturating_sub(1));
        let mut base: PathBuf = abs.components().take(literal).collect();
        if let Ok(canon) = std::fs::canonicalize(&base) {
            base = canon;
        }
        let parts = all[literal..]
            .iter()
            .map(|p| {
                if p == "**" {
                    Part::AnyDepth
                } else {
                    Part::Name(p.chars().collect())
                }
            })
            .collect();
        Alternative { base, parts }
    }

    fn matches(&self, path: &Path) -> bool {
        let Ok(rest) = path.strip_prefix(&self.base) else {
            return false;
        };
        let names: Vec<String> = rest
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        match_parts(&self.parts, &names)
    }
}

fn has_meta(part: &str) -> bool {
    part.contains(['*', '?'])
}

fn match_parts(parts: &[Part], names: &[String]) -> bool {
    match parts.split_first() {
        None => names.is_empty(),
        Some((Part::AnyDepth, rest)) => (0..=names.len()).any(|i| match_parts(rest, &names[i..])),
        Some((Part::Name(p), rest)) => match names.split_first() {
            Some((name, tail)) => {
                let name: Vec<char> = name.chars().collect();
                match_name(p, &name) && match_parts(rest, tail)
            }
            None => false,
        },
    }
}

/// `*` and `?` wildcard match of one path part (iterative, with one backtrack point).
fn match_name(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `a/{x,y}/*.rs` → `a/x/*.rs`, `a/y/*.rs` (one level of braces, any number of groups).
fn expand_braces(pattern: &str) -> Result<Vec<String>, GlobError> {
    let bad = || GlobError::Braces {
        pattern: pattern.to_string(),
    };
    let Some(open) = pattern.find('{') else {
        return if pattern.contains('}') {
            Err(bad())
        } else {
            Ok(vec![pattern.to_string()])
        };
    };
    let close = pattern[open..]
        .find('}')
        .map(|i| open + i)
        .ok_or_else(bad)?;
    let inner = &pattern[open + 1..close];
    if inner.contains('{') || pattern[..open].contains('}') {
        return Err(bad());
    }
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    let mut out = Vec::new();
    for choice in inner.split(',') {
        for rest in expand_braces(tail)? {
            out.push(format!("{head}{choice}{rest}"));
        }
    }
    Ok(out)
}

/// Removes `.` and folds `..` lexically (no file system access).
pub(super) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in p.components() {
        match part {
            PathPart::CurDir => {}
            PathPart::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> Glob {
        Glob::new(p, Path::new("/nonexistent/ws")).unwrap()
    }

    #[test]
    fn stars_and_depth() {
        let g = glob("kv/src/**/*.rs");
        assert!(g.matches(Path::new("/nonexistent/ws/kv/src/lib.rs")));
        assert!(g.matches(Path::new("/nonexistent/ws/kv/src/a/b/c.rs")));
        assert!(!g.matches(Path::new("/nonexistent/ws/kv/src/lib.rsx")));
        assert!(!g.matches(Path::new("/nonexistent/ws/kv/Cargo.toml")));
        assert!(!g.matches(Path::new("/nonexistent/ws/other/src/lib.rs")));
        assert_eq!(
            g.roots(),
            vec![(PathBuf::from("/nonexistent/ws/kv/src"), true)]
        );
    }

    #[test]
    fn literal_files_parents_and_braces() {
        let g = glob("kv/Cargo.toml");
        assert!(g.matches(Path::new("/nonexistent/ws/kv/Cargo.toml")));
        assert_eq!(
            g.roots(),
            vec![(PathBuf::from("/nonexistent/ws/kv"), false)]
        );
        let g = glob("../wit/kv-store/*.wit");
        assert!(g.matches(Path::new("/nonexistent/wit/kv-store/world.wit")));
        let g = glob("{src,tests}/*.r?");
        assert!(g.matches(Path::new("/nonexistent/ws/tests/a.rs")));
        assert!(g.matches(Path::new("/nonexistent/ws/src/a.rx")));
        assert!(!g.matches(Path::new("/nonexistent/ws/benches/a.rs")));
        assert_eq!(g.roots().len(), 2);
    }

    #[test]
    fn wildcards_within_a_part() {
        let m = |p: &str, s: &str| {
            match_name(
                &p.chars().collect::<Vec<_>>(),
                &s.chars().collect::<Vec<_>>(),
            )
        };
        assert!(m("*.rs", "lib.rs"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("*", ""));
        assert!(!m("?", ""));
    }

    #[test]
    fn malformed_patterns() {
        assert_eq!(
            Glob::new(" ", Path::new("/")).unwrap_err(),
            GlobError::Empty
        );
        for p in ["{a,b", "a}", "{a,{b}}"] {
            assert!(matches!(
                Glob::new(p, Path::new("/")),
                Err(GlobError::Braces { .. })
            ));
        }
    }
}
