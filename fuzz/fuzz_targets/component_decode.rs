//! Component decoding and model building from arbitrary bytes: never panics, and whatever
//! decodes can be summarized, serialized (the `--json` shape), diffed against a sample and
//! put into a workspace whose plug report can be computed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirebench::model::diff::WitDiff;
use wirebench::model::Component;
use wirebench::workspace::Workspace;

fuzz_target!(|data: &[u8]| {
    let Ok(c) = Component::from_bytes("fuzz", data.to_vec()) else {
        return;
    };
    let _ = wirebench::cli::inspect_summary(&c);
    let _ = serde_json::to_string(&c).expect("a decoded model serializes");
    let samples = wirebench_fuzz::samples();
    let _ = WitDiff::between(&samples[0], &c).render();
    let mut ws = Workspace::new();
    for s in samples.iter().take(2) {
        ws.add_component(s.clone());
    }
    ws.add_component(c);
    ws.auto_plug();
    let _ = ws.status();
});
