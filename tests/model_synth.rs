//! Decoding components synthesized from WIT that is not in this repo: every type kind, bare
//! functions, world-level types, keyword names, imports and exports on both sides.

use wirebench::model::synth::component_from_wit;
use wirebench::model::{Component, FunctionKind, Kind, WorldItemInfo};

const ZOO: &str = r#"
package test:everything@2.1.0;

interface kinds {
  record point { x: s32, y: s32 }
  record %flags { %type: u8, %list: list<u8> }
  variant shape { circle(f64), square(tuple<f32, f32>), nothing }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  type alias = list<option<point>>;
  type bytes = list<u8>;
  resource blob {
    constructor(init: list<u8>);
    read: func(n: u32) -> list<u8>;
    merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob;
  }
  ints: func(a: s8, b: s16, c: s32, d: s64, e: u8, f: u16, g: u32, h: u64) -> u64;
  floats: func(a: f32, b: f64) -> tuple<f32, f64>;
  texts: func(c: char, s: string) -> option<string>;
  results: func() -> tuple<result, result<u8>, result<_, string>, result<point, color>>;
  nested: func(v: list<list<option<result<shape, perms>>>>) -> alias;
  keyword-names: func(%type: %flags, %stream: bool) -> bytes;
  take: func(b: blob);
  peek: func(b: borrow<blob>) -> u64;
  nothing: func();
}

interface uses {
  use kinds.{point, color as colour};
  make: func(p: point) -> colour;
}

world all {
  import kinds;
  import host-log: func(msg: string);
  use kinds.{point};
  export uses;
  export kinds;
  export run: func(p: point) -> bool;
}
"#;

fn zoo() -> Component {
    let bytes = component_from_wit(ZOO, &[], None).unwrap();
    Component::from_bytes("zoo", bytes).unwrap()
}

fn func_sig(c: &Component, iface: &str, name: &str) -> String {
    c.exported_interfaces()
        .find(|i| i.name == iface)
        .and_then(|i| i.function(name))
        .unwrap_or_else(|| panic!("no {iface}.{name}"))
        .signature
        .clone()
}

#[test]
fn every_type_kind_renders_in_wit_syntax() {
    let c = zoo();
    assert_eq!(c.kind, Kind::Component);
    let k = "test:everything/kinds@2.1.0";
    let expect = [
        (
            "ints",
            "ints: func(a: s8, b: s16, c: s32, d: s64, e: u8, f: u16, g: u32, h: u64) -> u64",
        ),
        ("floats", "floats: func(a: f32, b: f64) -> tuple<f32, f64>"),
        ("texts", "texts: func(c: char, s: string) -> option<string>"),
        (
            "results",
            "results: func() -> tuple<result, result<u8>, result<_, string>, result<point, color>>",
        ),
        (
            "nested",
            "nested: func(v: list<list<option<result<shape, perms>>>>) -> alias",
        ),
        (
            "keyword-names",
            "keyword-names: func(%type: %flags, %stream: bool) -> bytes",
        ),
        ("take", "take: func(b: blob)"),
        ("peek", "peek: func(b: borrow<blob>) -> u64"),
        ("nothing", "nothing: func()"),
        ("[constructor]blob", "constructor(init: list<u8>)"),
        ("[method]blob.read", "read: func(n: u32) -> list<u8>"),
        (
            "[static]blob.merge",
            "merge: static func(a: borrow<blob>, b: borrow<blob>) -> blob",
        ),
    ];
    for (name, sig) in expect {
        assert_eq!(func_sig(&c, k, name), sig);
        assert!(c.wit.contains(sig), "WitPrinter output lacks `{sig}`");
    }
}

#[test]
fn type_definitions_and_uses() {
    let c = zoo();
    let kinds = c
        .exported_interfaces()
        .find(|i| i.short_name() == "kinds")
        .unwrap();
    let by_name = |n: &str| kinds.types.iter().find(|t| t.name == n).unwrap();
    assert_eq!(by_name("point").kind, "record");
    assert_eq!(by_name("shape").kind, "variant");
    assert_eq!(by_name("color").kind, "enum");
    assert_eq!(by_name("perms").kind, "flags");
    assert_eq!(by_name("blob").kind, "resource");
    assert_eq!(
        by_name("alias").definition,
        "type alias = list<option<point>>;"
    );
    assert_eq!(
        by_name("flags").definition,
        "record %flags {\n  %type: u8,\n  %list: list<u8>,\n}"
    );
    assert_eq!(
        by_name("shape").definition,
        "variant shape {\n  circle(f64),\n  square(tuple<f32, f32>),\n  nothing,\n}"
    );
    let uses = c
        .exported_interfaces()
        .find(|i| i.short_name() == "uses")
        .unwrap();
    let defs: Vec<_> = uses.types.iter().map(|t| t.definition.as_str()).collect();
    assert_eq!(defs, ["use kinds.{point};", "use kinds.{color as colour};"]);
    assert_eq!(
        uses.functions[0].signature,
        "make: func(p: point) -> colour"
    );
}

#[test]
fn world_level_functions_types_and_imports() {
    let c = zoo();
    let import_names: Vec<_> = c.imports.iter().map(WorldItemInfo::name).collect();
    assert!(
        import_names.contains(&"test:everything/kinds@2.1.0"),
        "{import_names:?}"
    );
    assert!(import_names.contains(&"host-log"), "{import_names:?}");
    let run = c
        .exports
        .iter()
        .find_map(|e| match e {
            WorldItemInfo::Function(f) if f.name == "run" => Some(f),
            _ => None,
        })
        .expect("bare export `run`");
    assert_eq!(run.signature, "run: func(p: point) -> bool");
    let blob_read = c
        .exported_interfaces()
        .flat_map(|i| &i.functions)
        .find(|f| f.name == "[method]blob.read")
        .unwrap();
    assert_eq!(blob_read.kind, FunctionKind::Method);
    assert_eq!(blob_read.resource.as_deref(), Some("blob"));
    assert_eq!(blob_read.call_name(), "blob.read");
    assert_eq!(blob_read.params.len(), 1, "self is not a user parameter");
}

#[test]
fn json_of_synthesized_component_round_trips_through_serde() {
    let c = zoo();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["world"], "root:component/root");
    assert!(v["wit"].as_str().unwrap().contains("interface kinds"));
    assert!(v.get("decoded").is_none());
}
