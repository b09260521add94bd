//! `.wac` documents: loading one as a workspace and composing it never panic or hang, with
//! packages from the bundled samples (`neon:kv-store`, `neon:processor`, …) and anything else
//! unknown, cyclic or malformed that the fuzzer writes.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wirebench::compose::{compose_wac, load_wac, Deps};

struct Env {
    _dir: tempfile::TempDir,
    file: PathBuf,
    deps: Deps,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("fuzz.wac");
        let mut deps = Deps::default();
        let samples = wirebench_fuzz::samples_dir();
        for file in [
            "kv-store",
            "data-processor",
            "http-gateway",
            "type-zoo",
            "hostile",
        ] {
            // `local:<name>` is what wirebench writes; `neon:<name>` what people often type.
            for ns in ["local", "neon"] {
                deps.packages
                    .insert(format!("{ns}:{file}"), samples.join(format!("{file}.wasm")));
            }
        }
        Env {
            _dir: dir,
            file,
            deps,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let env = env();
    if std::fs::write(&env.file, data).is_err() {
        return;
    }
    if let Ok(ws) = load_wac(&env.file, &env.deps) {
        let _ = ws.status();
        let _ = wirebench::compose::to_wac(&ws);
    }
    let _ = compose_wac(&env.file, &env.deps);
});
