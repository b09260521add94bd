//! `--stub` stubs only the imports nothing provides: WASI interfaces the host satisfies by
//! semver (a component importing `@0.2.12` against a host at `@0.2.6`) keep working.

use std::path::Path;
use std::process::Command;

#[test]
fn stub_leaves_semver_matched_wasi_alone_and_traps_only_missing_imports() {
    let dir = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    for f in ["http-gateway.wasm", "hostile.wasm", "data-processor.wasm"] {
        std::fs::copy(samples.join(f), dir.path().join(f)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args([
            "call",
            dir.path().to_str().unwrap(),
            "--stub",
            "now()",
            "process(\"x\")",
            "now()",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(
        lines.len(),
        3,
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(lines[0].parse::<u64>().is_ok(), "{stdout}");
    assert!(
        lines[1].contains("`neon:kv-store/store@1.0.0.get` is not plugged"),
        "{stdout}"
    );
    assert!(
        lines[2].parse::<u64>().is_ok(),
        "the next call works: {stdout}"
    );
}
