//! `wac plug` semantics on synthesized components: chains, matching, and every refusal.

mod compose_util;

use compose_util::component;
use wirebench::compose::{
    encode_workspace, encode_workspace_once, plug_workspace, EncodeOptions, PlugSetError,
};
use wirebench::model::Component;

const KV: &str = "package neon:kv-store@1.0.0;
interface store {
  get: func(key: string) -> result<option<string>, string>;
  set: func(key: string, value: string) -> result<_, string>;
}
world kv { export store; }
";

const PROC: &str = "package neon:processor@1.0.0;
interface transform { process: func(input: string) -> string; }
world processor {
  import neon:kv-store/store@1.0.0;
  export transform;
}
world gateway {
  import transform;
  export serve: func(path: string) -> string;
}
world bad-processor {
  export transform;
}
";

fn deps_wit() -> String {
    // Both packages in one document, so `neon:processor` can import `neon:kv-store`.
    format!(
        "package root:root;\nworld unused {{}}\npackage {} {{ {} }}\npackage {} {{ {} }}",
        "neon:kv-store@1.0.0",
        KV.trim_start_matches("package neon:kv-store@1.0.0;"),
        "neon:processor@1.0.0",
        PROC.trim_start_matches("package neon:processor@1.0.0;")
    )
}

fn comp(name: &str, wit: &str, world: &str) -> Component {
    Component::from_bytes(name, component(wit, world)).expect("synthesized component decodes")
}

fn kv_wit(store_iface: &str) -> String {
    format!(
        "package neon:kv-store@1.0.0;\ninterface store {{ {store_iface} }}\nworld kv {{ export store; }}"
    )
}

/// gateway ← processor ← kv, plugged as `wac plug` would; with the root's id.
fn chain_of_three() -> (wirebench::workspace::Workspace, String) {
    let wit = deps_wit();
    let gateway = comp("gateway", &wit, "neon:processor/gateway@1.0.0");
    let processor = comp("processor", &wit, "neon:processor/processor@1.0.0");
    let kv = comp("kv", &wit, "neon:kv-store/kv@1.0.0");
    plug_workspace(gateway, vec![processor, kv]).unwrap()
}

#[test]
fn chain_of_three_plugs_every_level() {
    let (ws, root) = chain_of_three();
    assert_eq!(root, "gateway");
    let pairs: Vec<(&str, &str)> = ws
        .plugs
        .iter()
        .map(|p| (p.consumer.as_str(), p.provider.as_str()))
        .collect();
    assert_eq!(pairs, [("gateway", "processor"), ("processor", "kv")]);
    let bytes = encode_workspace(
        &ws,
        &EncodeOptions {
            root: Some(root),
            exports: None,
        },
    )
    .unwrap();
    let (imports, exports) = compose_util::ports(&bytes);
    assert!(imports.is_empty(), "{imports:?}");
    assert_eq!(exports, ["serve"]);
}

#[test]
fn composing_once_moves_packages_and_makes_the_same_bytes() {
    let (ws, root) = chain_of_three();
    let opts = EncodeOptions {
        root: Some(root),
        exports: None,
    };
    let copied = encode_workspace(&ws, &opts).unwrap();
    // A clone shares the type index: composing it once takes the packages out of the index,
    // and the workspace left behind parses them again when it composes next.
    let once = encode_workspace_once(ws.clone(), &opts).unwrap();
    assert_eq!(once, copied);
    assert_eq!(encode_workspace(&ws, &opts).unwrap(), copied);
}

#[test]
fn incompatible_plug_names_function_and_both_types() {
    let good = "get: func(key: string) -> result<option<string>, string>;
                set: func(key: string, value: string) -> result<_, string>;";
    let bad = good.replace("get: func(key: string)", "get: func(key: u32)");
    let user = comp(
        "data-processor",
        &format!(
            "{}\nworld user {{ import store; export run: func() -> string; }}",
            kv_wit(good)
        ),
        "neon:kv-store/user@1.0.0",
    );
    let bad_kv = comp("bad-kv", &kv_wit(&bad), "neon:kv-store/kv@1.0.0");
    let err = plug_workspace(user, vec![bad_kv]).unwrap_err();
    assert!(matches!(err, PlugSetError::Mismatch(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`data-processor` import `neon:kv-store/store@1.0.0` function `get`: expected \
         `func(key: string) -> result<option<string>, string>`, found \
         `func(key: u32) -> result<option<string>, string>` in `bad-kv` (parameter `key`: \
         expected `string`, found `u32`) — rebuild `bad-kv` against the WIT `data-processor` \
         imports, or plug another provider"
    );
}

#[test]
fn missing_function_in_provider_is_named() {
    let full = "get: func(key: string) -> result<option<string>, string>;
                set: func(key: string, value: string) -> result<_, string>;";
    let user_wit = format!(
        "{}\nworld user {{ import store; export run: func() -> string; }}",
        kv_wit(full)
    );
    let user = comp("user", &user_wit, "neon:kv-store/user@1.0.0");
    let partial = comp(
        "partial",
        &kv_wit("get: func(key: string) -> result<option<string>, string>;"),
        "neon:kv-store/kv@1.0.0",
    );
    let err = plug_workspace(user, vec![partial]).unwrap_err().to_string();
    assert!(
        err.contains("function `set`: expected `set: func(key: string, value: string) -> result<_, string>`, found nothing in `partial`"),
        "{err}"
    );
}

#[test]
fn record_field_difference_is_explained() {
    let wit = |y: &str| {
        format!(
            "package t:geo@1.0.0;
             interface g {{ record point {{ x: s32, y: {y} }} norm: func(p: point) -> f64; }}
             world provider {{ export g; }}
             world consumer {{ import g; export run: func(); }}"
        )
    };
    let consumer = comp("consumer", &wit("s32"), "t:geo/consumer@1.0.0");
    let provider = comp("provider", &wit("f64"), "t:geo/provider@1.0.0");
    let err = plug_workspace(consumer, vec![provider])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("(parameter `p`: record `point`: field `y`: expected `s32`, found `f64`)"),
        "{err}"
    );
    assert!(err.contains("function `norm`"), "{err}");
}

#[test]
fn two_providers_for_one_import_are_ambiguous() {
    let wit = deps_wit();
    let processor = comp("processor", &wit, "neon:processor/processor@1.0.0");
    let kv1 = comp("kv-a", &wit, "neon:kv-store/kv@1.0.0");
    let kv2 = comp("kv-b", &wit, "neon:kv-store/kv@1.0.0");
    let err = plug_workspace(processor, vec![kv1, kv2]).unwrap_err();
    assert!(matches!(err, PlugSetError::Ambiguous { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`processor` import `neon:kv-store/store@1.0.0` is exported by several plugs (`kv-a`, \
         `kv-b`) — pass only one of them"
    );
}

#[test]
fn plug_that_plugs_nothing_is_refused() {
    let wit = deps_wit();
    let processor = comp("processor", &wit, "neon:processor/processor@1.0.0");
    let kv = comp("kv", &wit, "neon:kv-store/kv@1.0.0");
    let stray = comp("stray", &wit, "neon:processor/bad-processor@1.0.0");
    let err = plug_workspace(processor, vec![kv, stray]).unwrap_err();
    assert!(matches!(err, PlugSetError::UnusedPlug { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("plug `stray` plugs nothing"), "{msg}");
    assert!(msg.contains("`neon:processor/transform@1.0.0`"), "{msg}");
}

#[test]
fn no_matching_import_at_all() {
    let wit = deps_wit();
    let kv = comp("kv", &wit, "neon:kv-store/kv@1.0.0");
    let other = comp("other", &wit, "neon:kv-store/kv@1.0.0");
    let err = plug_workspace(kv, vec![other]).unwrap_err();
    assert!(
        matches!(err, PlugSetError::NoPlugHappened { .. }),
        "{err:?}"
    );
}

#[test]
fn cycle_between_plugs_is_refused() {
    let wit = "package t:cyc@1.0.0;
        interface a { fa: func() -> u32; }
        interface b { fb: func() -> u32; }
        world socket { import a; export run: func(); }
        world pa { import b; export a; }
        world pb { import a; export b; }";
    let socket = comp("socket", wit, "t:cyc/socket@1.0.0");
    let pa = comp("pa", wit, "t:cyc/pa@1.0.0");
    let pb = comp("pb", wit, "t:cyc/pb@1.0.0");
    let err = plug_workspace(socket, vec![pa, pb]).unwrap_err();
    assert!(matches!(err, PlugSetError::Cycle { .. }), "{err:?}");
    assert!(err.to_string().contains("`pb` → `pa` → `pb`"), "{err}");
}

#[test]
fn core_module_is_refused() {
    let wit = deps_wit();
    let kv = comp("kv", &wit, "neon:kv-store/kv@1.0.0");
    let core = Component::from_bytes("lone-wolf", wat::parse_str("(module)").unwrap()).unwrap();
    let err = plug_workspace(core, vec![kv]).unwrap_err().to_string();
    assert!(
        err.starts_with("socket `lone-wolf` is a core module"),
        "{err}"
    );
    assert!(err.contains("wasm-tools component new"), "{err}");
}

#[test]
fn semver_compatible_export_satisfies_import() {
    let consumer_wit = "package t:v@1.0.0;
        interface api { f: func() -> u32; }
        world consumer { import api; export run: func(); }";
    let provider_wit = "package t:v@1.2.0;
        interface api { f: func() -> u32; }
        world provider { export api; }";
    let consumer = comp("consumer", consumer_wit, "t:v/consumer@1.0.0");
    let provider = comp("provider", provider_wit, "t:v/provider@1.2.0");
    let (ws, root) = plug_workspace(consumer, vec![provider]).unwrap();
    assert_eq!(ws.plugs[0].import, "t:v/api@1.0.0");
    assert_eq!(ws.plugs[0].export, "t:v/api@1.2.0");
    let opts = EncodeOptions {
        root: Some(root),
        exports: None,
    };
    encode_workspace(&ws, &opts).unwrap();
}
