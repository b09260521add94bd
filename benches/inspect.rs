//! Decode + inspect of the bundled samples, against `wit_component::decode` alone (the floor).

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    ["kv-store", "data-processor", "http-gateway", "type-zoo"]
        .into_iter()
        .map(|n| (n, std::fs::read(dir.join(format!("{n}.wasm"))).unwrap()))
        .collect()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for (name, bytes) in samples() {
        group.bench_with_input(
            BenchmarkId::new("wit_component_decode", name),
            &bytes,
            |b, bytes| b.iter(|| wit_component::decode(bytes).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("wirebench_model", name),
            &bytes,
            |b, bytes| {
                b.iter(|| wirebench::model::Component::from_bytes(name, bytes.clone()).unwrap())
            },
        );
        let c = wirebench::model::Component::from_bytes(name, bytes.clone()).unwrap();
        group.bench_with_input(BenchmarkId::new("summary_text", name), &c, |b, c| {
            b.iter(|| wirebench::cli::inspect_summary(c))
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
