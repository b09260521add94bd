//! The WIT difference between two versions of a component: world items, functions and types
//! added, removed or changed, each shown in WIT syntax.
//!
//! Functions compare by their signature text and types by their definition text, so a change
//! to `record point` shows once, as a changed type, not again on every function that takes a
//! `point`. Doc comments are not part of the comparison: editing a comment is not a change.

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::{
    unversioned_interface_name, Component, FunctionInfo, FunctionKind, InterfaceInfo, TypeInfo,
    WorldItemInfo,
};

/// Which side of the world an item is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Import,
    Export,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Import => "import",
            Direction::Export => "export",
        })
    }
}

/// What happened to an item between the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    /// The diff marker: `+`, `-` or `~`.
    pub fn marker(self) -> char {
        match self {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        }
    }
}

/// What kind of thing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    Interface,
    Function,
    Type,
}

impl ItemKind {
    fn noun(self, n: usize) -> &'static str {
        match (self, n) {
            (ItemKind::Interface, 1) => "interface",
            (ItemKind::Interface, _) => "interfaces",
            (ItemKind::Function, 1) => "func",
            (ItemKind::Function, _) => "funcs",
            (ItemKind::Type, 1) => "type",
            (ItemKind::Type, _) => "types",
        }
    }
}

/// A function or type inside an interface that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberChange {
    pub kind: ItemKind,
    /// The component-level name (`get`, `[method]counter.increment`, `point`).
    pub name: String,
    pub change: Change,
    /// The old WIT text (signature or definition); absent when added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new WIT text; absent when removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// One import or export of the world that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub direction: Direction,
    pub kind: ItemKind,
    /// The item's name in the new version (the old one when removed).
    pub name: String,
    pub change: Change,
    /// The old name when only the version changed (`neon:kv-store/store@1.0.0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    /// Bare functions and world-level types: the old WIT text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// Bare functions and world-level types: the new WIT text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Interfaces: the functions and types that differ (for added/removed ones, all of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberChange>,
}

/// Everything that differs between two versions' worlds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WitDiff {
    /// Changed world items, imports first, each side in the new version's order.
    pub items: Vec<ItemChange>,
}

impl WitDiff {
    /// Compares the worlds of an old and a new version of a component.
    pub fn between(old: &Component, new: &Component) -> WitDiff {
        let mut items = diff_side(Direction::Import, &old.imports, &new.imports);
        items.extend(diff_side(Direction::Export, &old.exports, &new.exports));
        WitDiff { items }
    }

    /// True when the two worlds are the same (ignoring doc comments).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Counts per kind and change: `+1 func, ~1 func, -1 type`; `no WIT changes` when empty.
    ///
    /// Inside changed interfaces the members count; an added or removed interface counts
    /// once, as an interface.
    pub fn summary(&self) -> String {
        let mut counts = [[0usize; 3]; 3];
        let slot = |k: ItemKind| match k {
            ItemKind::Interface => 0,
            ItemKind::Function => 1,
            ItemKind::Type => 2,
        };
        let change = |c: Change| match c {
            Change::Added => 0,
            Change::Changed => 1,
            Change::Removed => 2,
        };
        for item in &self.items {
            if item.kind == ItemKind::Interface && item.change == Change::Changed {
                for m in &item.members {
                    counts[slot(m.kind)][change(m.change)] += 1;
                }
                if item.old_name.is_some() {
                    counts[0][1] += 1;
                }
            } else {
                counts[slot(item.kind)][change(item.change)] += 1;
            }
        }
        let mut parts = Vec::new();
        let kinds = [ItemKind::Interface, ItemKind::Function, ItemKind::Type];
        for (k, kind) in kinds.iter().enumerate() {
            for (c, marker) in ['+', '~', '-'].iter().enumerate() {
                let n = counts[k][c];
                if n > 0 {
                    parts.push(format!("{marker}{n} {}", kind.noun(n)));
                }
            }
        }
        if parts.is_empty() {
            "no WIT changes".into()
        } else {
            parts.join(", ")
        }
    }

    /// The diff in WIT syntax, one block per world item, `-`/`+` before old/new lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for item in &self.items {
            render_item(&mut out, item);
        }
        out
    }
}

impl fmt::Display for WitDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

fn kind_of(item: &WorldItemInfo) -> ItemKind {
    match item {
        WorldItemInfo::Interface(_) => ItemKind::Interface,
        WorldItemInfo::Function(_) => ItemKind::Function,
        WorldItemInfo::Type(_) => ItemKind::Type,
    }
}

fn diff_side(dir: Direction, old: &[WorldItemInfo], new: &[WorldItemInfo]) -> Vec<ItemChange> {
    let same_item =
        |a: &WorldItemInfo, b: &WorldItemInfo| a.name() == b.name() && kind_of(a) == kind_of(b);
    let mut removed: Vec<&WorldItemInfo> = old
        .iter()
        .filter(|o| !new.iter().any(|n| same_item(o, n)))
        .collect();
    let mut out = Vec::new();
    for n in new {
        if let Some(o) = old.iter().find(|o| same_item(o, n)) {
            out.extend(changed_item(dir, o, n, None));
            continue;
        }
        // A version bump (`@1.0.0` → `@1.1.0`) reads better as a change than as -1 +1.
        let bumped = removed.iter().position(|o| {
            matches!((o, n), (WorldItemInfo::Interface(a), WorldItemInfo::Interface(b))
                if unversioned_interface_name(&a.name) == unversioned_interface_name(&b.name))
        });
        match bumped {
            Some(at) => {
                let o = removed.remove(at);
                out.extend(changed_item(dir, o, n, Some(o.name().to_string())));
            }
            None => out.push(whole_item(dir, n, Change::Added)),
        }
    }
    out.extend(
        removed
            .into_iter()
            .map(|o| whole_item(dir, o, Change::Removed)),
    );
    out
}

/// An item present only on one side, with all its members listed for interfaces.
fn whole_item(dir: Direction, item: &WorldItemInfo, change: Change) -> ItemChange {
    let text = item_text(item);
    let (old, new) = match change {
        Change::Removed => (text, None),
        _ => (None, text),
    };
    let members = match item {
        WorldItemInfo::Interface(i) => interface_members(i)
            .map(|(kind, name, text)| MemberChange {
                kind,
                name,
                change,
                old: (change == Change::Removed).then(|| text.clone()),
                new: (change != Change::Removed).then_some(text),
            })
            .collect(),
        _ => Vec::new(),
    };
    ItemChange {
        direction: dir,
        kind: kind_of(item),
        name: item.name().to_string(),
        change,
        old_name: None,
        old,
        new,
        members,
    }
}

fn item_text(item: &WorldItemInfo) -> Option<String> {
    match item {
        WorldItemInfo::Interface(_) => None,
        WorldItemInfo::Function(f) => Some(function_text(f)),
        WorldItemInfo::Type(t) => Some(type_text(t)),
    }
}

fn changed_item(
    dir: Direction,
    old: &WorldItemInfo,
    new: &WorldItemInfo,
    old_name: Option<String>,
) -> Option<ItemChange> {
    let members = match (old, new) {
        (WorldItemInfo::Interface(a), WorldItemInfo::Interface(b)) => member_changes(a, b),
        _ => Vec::new(),
    };
    let (old_text, new_text) = (item_text(old), item_text(new));
    if members.is_empty() && old_text == new_text && old_name.is_none() {
        return None;
    }
    let leaf = !matches!(new, WorldItemInfo::Interface(_));
    Some(ItemChange {
        direction: dir,
        kind: kind_of(new),
        name: new.name().to_string(),
        change: Change::Changed,
        old_name,
        old: old_text.filter(|_| leaf),
        new: new_text.filter(|_| leaf),
        members,
    })
}

/// Every function and type of an interface as (kind, name, WIT text).
fn interface_members(i: &InterfaceInfo) -> impl Iterator<Item = (ItemKind, String, String)> + '_ {
    let funcs = i
        .functions
        .iter()
        .map(|f| (ItemKind::Function, f.name.clone(), function_text(f)));
    let types = i
        .types
        .iter()
        .map(|t| (ItemKind::Type, t.name.clone(), type_text(t)));
    types.chain(funcs)
}

fn member_changes(old: &InterfaceInfo, new: &InterfaceInfo) -> Vec<MemberChange> {
    let old_members: Vec<_> = interface_members(old).collect();
    let new_members: Vec<_> = interface_members(new).collect();
    let mut out = Vec::new();
    for (kind, name, text) in &new_members {
        match old_members.iter().find(|(k, n, _)| k == kind && n == name) {
            Some((_, _, old_text)) if old_text == text => {}
            Some((_, _, old_text)) => out.push(MemberChange {
                kind: *kind,
                name: name.clone(),
                change: Change::Changed,
                old: Some(old_text.clone()),
                new: Some(text.clone()),
            }),
            None => out.push(MemberChange {
                kind: *kind,
                name: name.clone(),
                change: Change::Added,
                old: None,
                new: Some(text.clone()),
            }),
        }
    }
    for (kind, name, text) in old_members {
        if !new_members.iter().any(|(k, n, _)| *k == kind && *n == name) {
            out.push(MemberChange {
                kind,
                name,
                change: Change::Removed,
                old: Some(text),
                new: None,
            });
        }
    }
    out
}

/// A function as a WIT line; resource members say which resource in a trailing comment.
fn function_text(f: &FunctionInfo) -> String {
    match (&f.kind, &f.resource) {
        (FunctionKind::Freestanding, _) | (_, None) => format!("{};", f.signature),
        (_, Some(r)) => format!("{};  // resource {r}", f.signature),
    }
}

/// A type definition as WIT text. A resource's methods are compared as functions, so only its
/// existence counts here.
fn type_text(t: &TypeInfo) -> String {
    if t.kind == "resource" {
        format!("resource {};", super::wit::ident(&t.name))
    } else {
        t.definition.clone()
    }
}

fn render_item(out: &mut String, item: &ItemChange) {
    let what = match item.kind {
        ItemKind::Interface => "",
        ItemKind::Function => "function ",
        ItemKind::Type => "type ",
    };
    let _ = write!(
        out,
        "{} {} {what}{}",
        item.change.marker(),
        item.direction,
        item.name
    );
    if let Some(old_name) = &item.old_name {
        let _ = write!(out, " (was {old_name})");
    }
    out.push('\n');
    push_lines(out, '-', item.old.as_deref());
    push_lines(out, '+', item.new.as_deref());
    for m in &item.members {
        push_lines(out, '-', m.old.as_deref());
        push_lines(out, '+', m.new.as_deref());
    }
}

fn push_lines(out: &mut String, marker: char, text: Option<&str>) {
    for line in text.into_iter().flat_map(str::lines) {
        let _ = writeln!(out, "  {marker} {line}");
    }
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
