//! `wirebench inspect` through the built binary: samples, JSON, WIT agreement and bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wirebench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirebench"))
        .args(args)
        .output()
        .expect("run wirebench")
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(format!("{name}.wasm"))
        .display()
        .to_string()
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn kv_store_summary_shows_seed_interface() {
    let out = wirebench(&["inspect", &sample("kv-store")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("kind:    component"), "{s}");
    assert!(s.contains("neon:kv-store/store@1.0.0"), "{s}");
    assert!(
        s.contains("get: func(key: string) -> result<option<string>, string>"),
        "{s}"
    );
    assert!(
        s.contains("set: func(key: string, value: string) -> result<_, string>"),
        "{s}"
    );
}

#[test]
fn the_sha256_line_is_verbose_detail() {
    let path = sample("kv-store");
    let want = wirebench::model::sha256_hex(&std::fs::read(&path).unwrap());
    let plain = text(&wirebench(&["inspect", &path]).stdout);
    assert!(
        plain.contains("world:") && !plain.contains("sha256"),
        "{plain}"
    );
    let verbose = wirebench(&["inspect", "-v", &path]);
    assert!(verbose.status.success(), "{}", text(&verbose.stderr));
    let verbose = text(&verbose.stdout);
    assert!(
        verbose.contains(&format!("  sha256:  {want}\n")),
        "{verbose}"
    );
}

#[test]
fn json_has_documented_shape() {
    let out = wirebench(&["inspect", "--json", &sample("data-processor")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "component");
    assert_eq!(v["name"], "data-processor");
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
    let imports = v["imports"].as_array().unwrap();
    let kv = imports
        .iter()
        .find(|i| i["name"] == "neon:kv-store/store@1.0.0")
        .expect("imports the kv-store");
    assert_eq!(kv["item"], "interface");
    assert_eq!(kv["package"], "neon:kv-store@1.0.0");
    let get = &kv["functions"][0];
    assert_eq!(get["name"], "get");
    assert_eq!(get["params"][0]["type"], "string");
    assert_eq!(get["result"], "result<option<string>, string>");
    let exports = v["exports"].as_array().unwrap();
    let transform = &exports[0];
    assert_eq!(transform["name"], "neon:processor/transform@1.0.0");
    let stats = transform["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "stats")
        .unwrap();
    assert_eq!(stats["kind"], "record");
}

#[test]
fn json_for_several_files_is_an_array() {
    let out = wirebench(&[
        "inspect",
        "--json",
        &sample("kv-store"),
        &sample("type-zoo"),
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
}

#[test]
fn wit_flag_prints_what_wit_component_prints() {
    for name in [
        "kv-store",
        "data-processor",
        "http-gateway",
        "type-zoo",
        "hostile",
    ] {
        let path = sample(name);
        let out = wirebench(&["inspect", "--wit", &path]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let ours = text(&out.stdout);
        let bytes = std::fs::read(&path).unwrap();
        let decoded = wit_component::decode(&bytes).unwrap();
        let resolve = decoded.resolve();
        let pkg = decoded.package();
        let nested: Vec<_> = resolve
            .packages
            .iter()
            .map(|(id, _)| id)
            .filter(|id| *id != pkg)
            .collect();
        let mut printer = wit_component::WitPrinter::default();
        printer.print(resolve, pkg, &nested).unwrap();
        assert_eq!(ours, printer.output.to_string(), "{name}");
    }
}

#[test]
fn every_rendered_signature_appears_in_the_printed_wit() {
    for name in [
        "kv-store",
        "data-processor",
        "http-gateway",
        "type-zoo",
        "hostile",
    ] {
        let c = wirebench::model::Component::from_file(Path::new(&sample(name))).unwrap();
        for item in c.imports.iter().chain(&c.exports) {
            let wirebench::model::WorldItemInfo::Interface(i) = item else {
                continue;
            };
            for f in &i.functions {
                assert!(
                    c.wit.contains(&f.signature),
                    "{name}: `{}` not in the WIT text",
                    f.signature
                );
            }
            for t in &i.types {
                let first = t.definition.lines().next().unwrap();
                if t.kind == "use" {
                    // WitPrinter groups several `use`s of one interface into one line.
                    let (from, _) = first.split_once(".{").unwrap();
                    let found = c.wit.lines().any(|l| {
                        l.trim_start().starts_with(&format!("{from}.{{")) && l.contains(&t.name)
                    });
                    assert!(found, "{name}: `{first}` not in the WIT text");
                } else {
                    assert!(
                        c.wit.contains(first),
                        "{name}: `{first}` not in the WIT text"
                    );
                }
            }
        }
    }
}

#[test]
fn core_module_is_described_not_rejected() {
    let out = wirebench(&["inspect", &sample("lone-wolf")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("core module (WASI preview 1 command)"), "{s}");
    assert!(s.contains("wasi_snapshot_preview1.fd_write"), "{s}");
    assert!(s.contains("wirebench adapt"), "{s}");
}

#[test]
fn code_is_not_validated_to_describe_a_component_but_is_to_use_it() {
    // The structure and types are fine, the one function body is ill-typed: `wasm-tools
    // component wit` prints the WIT of such a file, and so does `inspect`; `graph` (which
    // loads components to wire and run them) refuses it, naming the fault.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.wasm");
    let wat = "(component (core module (func (result i32))))";
    std::fs::write(&bad, wat::parse_str(wat).unwrap()).unwrap();
    let bad = bad.display().to_string();
    for args in [vec!["inspect", &bad], vec!["inspect", "--wit", &bad]] {
        let out = wirebench(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    let out = wirebench(&["graph", &bad]);
    assert_one_line_error(&out, "type mismatch");
    // Bad structure is refused by `inspect` too.
    let kv = std::fs::read(sample("kv-store")).unwrap();
    let cut = dir.path().join("cut.wasm");
    std::fs::write(&cut, &kv[..kv.len() - 100]).unwrap();
    assert_one_line_error(
        &wirebench(&["inspect", "--wit", &cut.display().to_string()]),
        "truncated",
    );
}

#[test]
fn a_large_file_is_hashed_right_while_it_decodes() {
    // Over 1 MiB, the sha256 is computed on another thread beside the decoding.
    let data = (0..3 << 19)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect::<Vec<u8>>();
    let mut module = wasm_encoder::Module::new();
    let mut segments = wasm_encoder::DataSection::new();
    segments.passive(data);
    module.section(&wasm_encoder::DataCountSection { count: 1 });
    module.section(&segments);
    let bytes = module.finish();
    assert!(bytes.len() > 1 << 20);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.wasm");
    std::fs::write(&file, &bytes).unwrap();
    let want = wirebench::model::sha256_hex(&bytes);
    let out = wirebench(&["inspect", "--json", &file.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["sha256"], want.as_str());
    let c = wirebench::model::Component::from_bytes("big", bytes).unwrap();
    assert_eq!(c.sha256, want);
}

fn assert_one_line_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, bytes: &[u8]| -> PathBuf {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let empty = write("empty.wasm", b"");
    let text_file = write("notes.wasm", b"hello world, not wasm");
    let kv = std::fs::read(sample("kv-store")).unwrap();
    let truncated = write("trunc.wasm", &kv[..kv.len() / 2]);
    let header_only = write("hdr.wasm", &kv[..6]);
    let cases: Vec<(String, &str)> = vec![
        (d.join("missing.wasm").display().to_string(), "no such file"),
        (d.display().to_string(), "is a directory"),
        (empty.display().to_string(), "file is empty"),
        (text_file.display().to_string(), "not a WebAssembly binary"),
        (truncated.display().to_string(), "truncated"),
        (header_only.display().to_string(), "truncated"),
    ];
    for (path, needle) in cases {
        let out = wirebench(&["inspect", &path]);
        assert_one_line_error(&out, needle);
    }
}

#[test]
fn hundreds_of_corrupt_variants_never_panic() {
    // Deterministic xorshift so a failure is reproducible from the printed index.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut checked = 0;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("variant.wasm");
    for name in [
        "kv-store",
        "data-processor",
        "http-gateway",
        "type-zoo",
        "hostile",
        "lone-wolf",
    ] {
        let original = std::fs::read(sample(name)).unwrap();
        for i in 0..60 {
            let mut bytes = original.clone();
            match i % 3 {
                0 => bytes.truncate(next() as usize % bytes.len()),
                1 => {
                    let at = 8 + next() as usize % (bytes.len() - 8);
                    bytes[at] ^= 1 << (next() % 8);
                }
                _ => {
                    for _ in 0..8 {
                        let at = next() as usize % bytes.len();
                        bytes[at] = next() as u8;
                    }
                }
            }
            // In-process: the same decoders the binary uses (full validation, and what
            // `inspect` checks); errors are fine, panics are not.
            std::fs::write(&file, &bytes).unwrap();
            let results = std::panic::catch_unwind(|| {
                [
                    wirebench::model::Component::from_bytes("variant", bytes.clone()).err(),
                    wirebench::model::Component::describe_file(&file).err(),
                    wirebench::model::Component::wit_document_of_file(&file).err(),
                ]
            });
            let results = results.unwrap_or_else(|_| panic!("{name} variant {i} panicked"));
            for e in results.into_iter().flatten() {
                let msg = e.to_string();
                assert!(
                    !msg.contains('\n'),
                    "{name} variant {i}: multi-line error {msg}"
                );
                assert!(msg.starts_with("`variant`"), "{name} variant {i}: {msg}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 360);
}

#[test]
fn a_reader_that_stops_early_gets_no_error_line() {
    // More JSON than a pipe holds, to a reader that has gone (as with `| head -1`).
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirebench"));
    cmd.arg("inspect").arg("--json");
    for _ in 0..20 {
        cmd.arg(samples.join("type-zoo.wasm"));
    }
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
