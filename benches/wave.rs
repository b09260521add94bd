//! WAVE parse and format of type-zoo values through the runtime's own code (what every call
//! pays before and after the guest runs), each next to `wasm_wave`'s `from_str` / `to_string`
//! on the same type and text (the floor: wasmtime's reference implementation).
//!
//! The wirebench side parses the whole call text (`echo-path([...])`: name split, handle
//! rewrite check, typed conversion with error positions); the floor parses only the argument.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{wasm_wave, Component, Type, Val};
use wirebench::runtime::bench_api::{format_val, parse_call_args};
use wirebench::runtime::shared_engine;

/// Parameter types of every function the zoo interface exports, by function name.
fn zoo_params(engine: &wasmtime::Engine) -> Vec<(String, Vec<(String, Type)>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples/type-zoo.wasm");
    let bytes = std::fs::read(path).expect("assets/samples/type-zoo.wasm");
    let component = Component::new(engine, &bytes).expect("compile type-zoo");
    let mut out = Vec::new();
    for (name, item) in component.component_type().exports(engine) {
        let ComponentItem::ComponentInstance(inst) = item.ty else {
            continue;
        };
        if !name.starts_with("neon:type-zoo/zoo") {
            continue;
        }
        for (fname, fitem) in inst.exports(engine) {
            if let ComponentItem::ComponentFunc(f) = fitem.ty {
                let params = f.params().map(|(n, t)| (n.to_string(), t)).collect();
                out.push((fname.to_string(), params));
            }
        }
    }
    out
}

/// A polygon of `n` points: the biggest value a user is likely to type or get back.
fn path_text(n: usize) -> String {
    let points: Vec<String> = (0..n).map(|i| format!("{{x: {i}, y: -{i}}}")).collect();
    format!("[{}]", points.join(", "))
}

/// (label, function, argument text): scalars, nesting, every primitive, and a large list.
fn cases() -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("string", "echo-string", r#""the quick brown fox \u{1f98a}""#.to_string()),
        ("record", "echo-record", "{x: 1, y: -2}".to_string()),
        (
            "variant",
            "echo-variant",
            "polygon([{x: 0, y: 0}, {x: 4, y: 0}, {x: 4, y: 3}])".to_string(),
        ),
        (
            "everything",
            "echo-everything",
            r#"{flag: true, tiny: -8, short: -16, int: -32, long: -64, byte: 8, word: 16, dword: 32, qword: 64, single: 1.5, double: -2.25, letter: 'λ', text: "zoo", bytes: [1, 2, 3, 255], color: green, perms: {read, write}, shape: rectangle((2.0, 3.5)), origin: some({x: 1, y: 2})}"#
                .to_string(),
        ),
        (
            "nested-list",
            "echo-nested-list",
            r#"[["a", "b"], [], ["c", "d", "e"], ["\n\t"]]"#.to_string(),
        ),
        ("path-100", "echo-path", path_text(100)),
    ]
}

fn wave(c: &mut Criterion) {
    let engine = shared_engine().expect("engine").engine().clone();
    let params = zoo_params(&engine);
    let mut parse = c.benchmark_group("wave parse");
    let mut prepared = Vec::new();
    for (label, func, arg) in cases() {
        let ps = &params
            .iter()
            .find(|(n, _)| n == func)
            .unwrap_or_else(|| panic!("type-zoo exports {func}"))
            .1;
        let ty = ps[0].1.clone();
        let call = format!("{func}({arg})");
        // Both sides must agree before their times mean anything.
        let ours = parse_call_args(&call, ps).expect("wirebench parses");
        let floor: Val = wasm_wave::from_str(&ty, &arg).expect("wasm_wave parses");
        assert_eq!(ours[0], floor, "{label}: same value both ways");
        parse.bench_with_input(
            BenchmarkId::new("wasm_wave::from_str (floor)", label),
            &arg,
            |b, arg| b.iter(|| wasm_wave::from_str::<Val>(&ty, arg).expect("parses")),
        );
        parse.bench_with_input(
            BenchmarkId::new("wirebench call text", label),
            &call,
            |b, call| b.iter(|| parse_call_args(call, ps).expect("parses")),
        );
        prepared.push((label, floor));
    }
    parse.finish();

    let mut format = c.benchmark_group("wave format");
    for (label, val) in &prepared {
        let floor = wasm_wave::to_string(val).expect("wasm_wave writes");
        assert_eq!(format_val(val), floor, "{label}: same text both ways");
        format.bench_with_input(
            BenchmarkId::new("wasm_wave::to_string (floor)", label),
            val,
            |b, val| b.iter(|| wasm_wave::to_string(val).expect("writes")),
        );
        format.bench_with_input(
            BenchmarkId::new("wirebench writer", label),
            val,
            |b, val| b.iter(|| format_val(val)),
        );
    }
    format.finish();
}

criterion_group!(benches, wave);
criterion_main!(benches);
