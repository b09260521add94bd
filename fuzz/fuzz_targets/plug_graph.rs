//! Random wiring of random component sets — the samples plus synthesized misfits (a
//! mismatched kv-store, another version of it, two components importing each other) — then
//! the plug report, diagrams, `.wac` text and the composition encoder: never a panic; an
//! encoded composition always decodes again.
#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use wirebench::compose::{encode_workspace, to_wac, EncodeOptions};
use wirebench::model::synth::component_from_wit;
use wirebench::model::Component;
use wirebench::workspace::diagram::Diagram;
use wirebench::workspace::{Plug, Workspace};

#[derive(Arbitrary, Debug)]
enum Op {
    Add(u8),
    Remove(u8),
    Plug {
        consumer: u8,
        import: u8,
        provider: u8,
        export: u8,
    },
    Unplug {
        consumer: u8,
        import: u8,
    },
    AutoPlug,
}

fn synth(name: &str, wit: &str) -> Arc<Component> {
    let bytes = component_from_wit(wit, &[], None).expect("synthesized WIT builds");
    Arc::new(Component::from_bytes(name, bytes).expect("synthesized component decodes"))
}

fn pool() -> &'static [Arc<Component>] {
    static POOL: OnceLock<Vec<Arc<Component>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut all = wirebench_fuzz::samples().to_vec();
        all.push(synth(
            "bad-kv",
            "package neon:kv-store@1.0.0;
             interface store { get: func(key: u32) -> string; }
             world w { export store; }",
        ));
        all.push(synth(
            "kv-two",
            "package neon:kv-store@2.0.0;
             interface store {
               get: func(key: string) -> result<option<string>, string>;
               set: func(key: string, value: string) -> result<_, string>;
             }
             world w { export store; }",
        ));
        all.push(synth(
            "ping",
            "package loop:a@1.0.0;
             interface ping { ping: func(n: u32) -> u32; }
             interface pong { pong: func(n: u32) -> u32; }
             world a { import pong; export ping; }",
        ));
        all.push(synth(
            "pong",
            "package loop:a@1.0.0;
             interface ping { ping: func(n: u32) -> u32; }
             interface pong { pong: func(n: u32) -> u32; }
             world b { import ping; export pong; }",
        ));
        all
    })
}

fn pick<T: Clone>(items: &[T], i: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(i) % items.len()].clone())
}

fn names(items: &[wirebench::model::WorldItemInfo]) -> Vec<String> {
    items.iter().map(|i| i.name().to_string()).collect()
}

fuzz_target!(|ops: Vec<Op>| {
    let pool = pool();
    let mut ws = Workspace::new();
    for op in ops.into_iter().take(32) {
        let ids: Vec<String> = ws.components.keys().cloned().collect();
        match op {
            Op::Add(i) => {
                if let Some(c) = pick(pool, i) {
                    ws.add_component(c);
                }
            }
            Op::Remove(i) => {
                if let Some(id) = pick(&ids, i) {
                    ws.remove_component(&id);
                }
            }
            Op::Plug {
                consumer,
                import,
                provider,
                export,
            } => {
                let (Some(consumer), Some(provider)) = (pick(&ids, consumer), pick(&ids, provider))
                else {
                    continue;
                };
                let imports = names(&ws.components[&consumer].imports);
                let exports = names(&ws.components[&provider].exports);
                let import = pick(&imports, import).unwrap_or_else(|| "nope:x/y".into());
                let export = pick(&exports, export).unwrap_or_else(|| "nope:x/y".into());
                let plug = Plug {
                    consumer,
                    import,
                    provider,
                    export,
                };
                let _ = ws.check_plug(&plug);
                let _ = ws.plug(plug);
            }
            Op::Unplug { consumer, import } => {
                if let Some(consumer) = pick(&ids, consumer) {
                    let imports = names(&ws.components[&consumer].imports);
                    if let Some(import) = pick(&imports, import) {
                        ws.unplug(&consumer, &import);
                    }
                }
            }
            Op::AutoPlug => {
                ws.auto_plug();
            }
        }
    }
    let _ = ws.status();
    let _ = ws.instantiation_order();
    let diagram = Diagram::of(&ws);
    let _ = (diagram.to_dot(), diagram.to_mermaid());
    let _ = to_wac(&ws);
    if let Ok(bytes) = encode_workspace(&ws, &EncodeOptions::default()) {
        Component::from_bytes("composed", bytes).expect("an encoded composition decodes");
    }
});
