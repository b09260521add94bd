//! Criterion bench: encode a synthesized chain of 50 components (each imports the previous
//! one's interface, which carries a record and a variant) with wac-graph, plus validation.

use criterion::{criterion_group, criterion_main, Criterion};
use wirebench::compose::{encode_workspace, plug_workspace, EncodeOptions};
use wirebench::model::Component;
use wirebench::workspace::Workspace;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{ManglingAndAbi, Resolve};

const LENGTH: usize = 50;

fn chain_wit(n: usize) -> String {
    let mut wit = String::from("package bench:chain@1.0.0;\n");
    for i in 0..n {
        wit.push_str(&format!(
            "interface i{i} {{
               record item {{ id: u64, name: string, tags: list<string> }}
               variant outcome {{ done(item), skipped(string), failed }}
               step: func(input: item) -> outcome;
             }}
             world c{i} {{ {import} export i{i}; }}\n",
            import = if i == 0 {
                String::new()
            } else {
                format!("import i{};", i - 1)
            }
        ));
    }
    wit
}

fn synthesize(resolve: &Resolve, world: &str) -> Vec<u8> {
    let pkg = resolve
        .packages
        .iter()
        .next()
        .map(|(id, _)| id)
        .expect("one package");
    let world = resolve.select_world(&[pkg], Some(world)).expect("world");
    let mut module = wit_component::dummy_module(resolve, world, ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .expect("metadata");
    ComponentEncoder::default()
        .module(&module)
        .expect("module")
        .validate(true)
        .encode()
        .expect("component")
}

fn chain_components(n: usize) -> Vec<Component> {
    let mut resolve = Resolve::default();
    resolve
        .push_str("chain.wit", &chain_wit(n))
        .expect("WIT parses");
    (0..n)
        .map(|i| {
            let bytes = synthesize(&resolve, &format!("c{i}"));
            Component::from_bytes(&format!("c{i}"), bytes).expect("decodes")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    // Compositions that validated are remembered by content in the cache directory; the main
    // figures are for validating every time, the last one for bytes validated before.
    std::env::set_var("WIREBENCH_NO_CACHE", "1");
    let mut components = chain_components(LENGTH);
    let socket = components.pop().expect("non-empty chain");
    let (ws, root): (Workspace, String) =
        plug_workspace(socket.clone(), components.clone()).expect("chain plugs");
    assert_eq!(ws.plugs.len(), LENGTH - 1);
    let opts = EncodeOptions {
        root: Some(root),
        exports: None,
    };
    let bytes = encode_workspace(&ws, &opts).expect("encodes");
    eprintln!(
        "chain of {LENGTH}: composed component is {} bytes",
        bytes.len()
    );

    let mut group = c.benchmark_group("compose");
    group.sample_size(20);
    group.bench_function("encode_chain_50", |b| {
        b.iter(|| encode_workspace(&ws, &opts).expect("encodes"))
    });
    group.bench_function("plug_and_encode_chain_50", |b| {
        b.iter(|| {
            let (ws, root) = plug_workspace(socket.clone(), components.clone()).expect("plugs");
            let opts = EncodeOptions {
                root: Some(root),
                exports: None,
            };
            encode_workspace(&ws, &opts).expect("encodes")
        })
    });
    let cache = tempfile::tempdir().expect("temp dir");
    std::env::remove_var("WIREBENCH_NO_CACHE");
    std::env::set_var("WIREBENCH_CACHE_DIR", cache.path());
    group.bench_function("encode_chain_50_validated_before", |b| {
        b.iter(|| encode_workspace(&ws, &opts).expect("encodes"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
