//! Unit tests of the WIT diff on components synthesized from WIT text.

use super::*;
use crate::model::synth::component_from_wit;
use crate::model::Component;

const KV: &str = "package neon:kv-store@1.0.0;
    interface store {
      /// Retrieve a value from the grid
      get: func(key: string) -> result<option<string>, string>;
      set: func(key: string, value: string) -> result<_, string>;
    }
    world component-world { export store; }";

fn comp(wit: &str) -> Component {
    let bytes = component_from_wit(wit, &[], None).unwrap();
    Component::from_bytes("c", bytes).unwrap()
}

fn diff(old: &str, new: &str) -> WitDiff {
    WitDiff::between(&comp(old), &comp(new))
}

#[test]
fn same_world_has_an_empty_diff() {
    let d = diff(KV, KV);
    assert!(d.is_empty());
    assert_eq!(d.summary(), "no WIT changes");
    assert_eq!(d.render(), "");
}

#[test]
fn doc_comment_edits_are_not_changes() {
    let d = diff(KV, &KV.replace("Retrieve a value", "Fetch a value"));
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn changed_added_and_removed_functions() {
    let new = KV
        .replace("get: func(key: string)", "get: func(key: u32)")
        .replace(
            "set: func(key: string, value: string) -> result<_, string>;",
            "del: func(key: string);",
        );
    let d = diff(KV, &new);
    assert_eq!(d.summary(), "+1 func, ~1 func, -1 func");
    assert_eq!(
        d.render(),
        "~ export neon:kv-store/store@1.0.0\n\
         \x20 - get: func(key: string) -> result<option<string>, string>;\n\
         \x20 + get: func(key: u32) -> result<option<string>, string>;\n\
         \x20 + del: func(key: string);\n\
         \x20 - set: func(key: string, value: string) -> result<_, string>;\n"
    );
    let item = &d.items[0];
    assert_eq!(item.direction, Direction::Export);
    assert_eq!(item.change, Change::Changed);
    let changes: Vec<_> = item
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.change))
        .collect();
    assert_eq!(
        changes,
        [
            ("get", Change::Changed),
            ("del", Change::Added),
            ("set", Change::Removed)
        ]
    );
}

#[test]
fn type_changes_show_definitions_and_do_not_repeat_on_functions() {
    let old = "package t:g;
        interface g {
          record point { x: s32, y: s32 }
          enum color { red, green }
          move: func(p: point) -> point;
        }
        world w { export g; }";
    let new = old
        .replace("y: s32", "y: f64")
        .replace("enum color { red, green }", "type meters = f64;");
    let d = diff(old, &new);
    assert_eq!(d.summary(), "+1 type, ~1 type, -1 type");
    let r = d.render();
    assert!(
        r.contains("  - record point {\n  -   x: s32,\n  -   y: s32,\n  - }\n"),
        "{r}"
    );
    assert!(
        r.contains("  + record point {\n  +   x: s32,\n  +   y: f64,\n"),
        "{r}"
    );
    assert!(r.contains("  + type meters = f64;\n"), "{r}");
    assert!(r.contains("  - enum color {"), "{r}");
    assert!(
        !r.contains("move"),
        "the function's text did not change: {r}"
    );
}

#[test]
fn interfaces_added_and_removed_on_both_sides() {
    let old = "package t:a;
        interface one { f: func(); }
        interface two { g: func() -> u8; }
        world w { import one; export two; }";
    let new = "package t:a;
        interface two { g: func() -> u8; }
        interface three { h: func(x: string); }
        world w { export two; export three; }";
    let d = diff(old, new);
    assert_eq!(d.summary(), "+1 interface, -1 interface");
    assert_eq!(
        d.render(),
        "- import t:a/one\n\
         \x20 - f: func();\n\
         + export t:a/three\n\
         \x20 + h: func(x: string);\n"
    );
    // Imports come first, so a consumer sees what it now needs before what it offers.
    assert_eq!(d.items[0].direction, Direction::Import);
}

#[test]
fn bare_functions_and_world_types() {
    let old = "package t:b;
        world w { export run: func(x: u32) -> string; export version: func() -> string; }";
    let new = "package t:b;
        world w { export run: func(x: u64) -> string; export stop: func(); }";
    let d = diff(old, new);
    assert_eq!(d.summary(), "+1 func, ~1 func, -1 func");
    assert_eq!(
        d.render(),
        "~ export function run\n\
         \x20 - run: func(x: u32) -> string;\n\
         \x20 + run: func(x: u64) -> string;\n\
         + export function stop\n\
         \x20 + stop: func();\n\
         - export function version\n\
         \x20 - version: func() -> string;\n"
    );
}

#[test]
fn version_bump_is_one_changed_interface() {
    let new = KV
        .replace("neon:kv-store@1.0.0", "neon:kv-store@1.1.0")
        .replace(
            "}\n    world",
            "  del: func(key: string);\n    }\n    world",
        );
    let d = diff(KV, &new);
    assert_eq!(d.items.len(), 1, "{d:#?}");
    let item = &d.items[0];
    assert_eq!(item.name, "neon:kv-store/store@1.1.0");
    assert_eq!(item.old_name.as_deref(), Some("neon:kv-store/store@1.0.0"));
    assert_eq!(d.summary(), "~1 interface, +1 func");
    assert!(d
        .render()
        .starts_with("~ export neon:kv-store/store@1.1.0 (was neon:kv-store/store@1.0.0)\n"));
}

#[test]
fn resource_methods_are_functions_with_their_resource_named() {
    let old = "package t:r;
        interface r {
          resource counter { constructor(start: s64); get: func() -> s64; }
        }
        world w { export r; }";
    let new = old.replace("get: func() -> s64;", "get: func() -> s32; reset: func();");
    let d = diff(old, &new);
    assert_eq!(d.summary(), "+1 func, ~1 func", "{d:#?}");
    let r = d.render();
    assert!(
        r.contains("  + get: func() -> s32;  // resource counter\n"),
        "{r}"
    );
    assert!(
        r.contains("  + reset: func();  // resource counter\n"),
        "{r}"
    );
}

#[test]
fn serializes_with_kebab_case_tags() {
    let new = KV.replace("get: func(key: string)", "get: func(key: u32)");
    let json = serde_json::to_value(diff(KV, &new)).unwrap();
    assert_eq!(json["items"][0]["direction"], "export");
    assert_eq!(json["items"][0]["kind"], "interface");
    assert_eq!(json["items"][0]["members"][0]["change"], "changed");
    assert_eq!(json["items"][0]["members"][0]["kind"], "function");
}

#[test]
fn samples_diff_against_each_other() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let kv = Component::from_file(&root.join("kv-store.wasm")).unwrap();
    let proc = Component::from_file(&root.join("data-processor.wasm")).unwrap();
    let d = WitDiff::between(&kv, &proc);
    // The processor imports the store the kv-store exports, and exports its own interface.
    assert_eq!(d.summary(), "+2 interfaces, -1 interface");
    assert!(
        d.render().contains("+ import neon:kv-store/store@1.0.0"),
        "{}",
        d.render()
    );
    assert!(
        d.render().contains("- export neon:kv-store/store@1.0.0"),
        "{}",
        d.render()
    );
    assert!(WitDiff::between(&proc, &proc).is_empty());
}
