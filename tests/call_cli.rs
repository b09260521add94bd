//! `wirebench call` through the built binary: the documented transcripts, `--stdin`, `--json`,
//! `--trace`, both workspace modes, limits, grants and bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/samples")
        .join(format!("{name}.wasm"))
        .display()
        .to_string()
}

fn wirebench_cmd(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirebench"));
    // Keep the compile cache out of the user's home, shared by the tests of this run.
    cmd.env(
        "WIREBENCH_CACHE_DIR",
        std::env::temp_dir().join("wirebench-test-cache"),
    );
    cmd.args(args);
    cmd
}

fn wirebench(args: &[&str]) -> Output {
    wirebench_cmd(args).output().expect("run wirebench")
}

fn with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = wirebench_cmd(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wirebench");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn demo_dir(with_gateway: bool) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut names = vec!["kv-store", "data-processor"];
    if with_gateway {
        names.push("http-gateway");
    }
    for n in names {
        std::fs::copy(sample(n), dir.path().join(format!("{n}.wasm"))).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn kv_store_transcript() {
    let out = wirebench(&[
        "call",
        &sample("kv-store"),
        r#"set("user", "neo")"#,
        r#"get("user")"#,
        r#"get("access_code")"#,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ok\nok(some(\"neo\"))\nok(some(\"cyber_punk_2077\"))\n"
    );
}

#[test]
fn stdin_session_survives_bad_calls() {
    let input =
        "get(\"nothing-here\")\nset(\"\", \"x\")\nnosuchfunc()\nget(42)\nget(\"after-errors\")\n";
    let out = with_stdin(&["call", &sample("kv-store"), "--stdin"], input);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stdout.lines().filter(|l| *l == "ok(none)").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout.contains("err(\"key must not be empty\")"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: unknown function `nosuchfunc`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error: get: argument 1 (key): expected string, found 42"),
        "{stdout}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed call makes the exit status 1"
    );
}

#[test]
fn stdin_understands_meta_commands() {
    let input = "counter.new(3)\n:handles\n# a comment\ncounter.value($1)\n:reset\ncounter.value($1)\n:quit\nnoop()\n";
    let out = with_stdin(&["call", &sample("type-zoo"), "--stdin"], input);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "$1");
    assert_eq!(lines[1], "$1 counter (from type-zoo)");
    assert_eq!(lines[2], "3");
    assert!(lines[3].starts_with("reset"), "{stdout}");
    assert!(
        lines[4].starts_with("error: counter.value: argument 1 (self): no handle `$1`"),
        "{stdout}"
    );
    assert_eq!(lines.len(), 5, "nothing runs after :quit: {stdout}");
}

#[test]
fn json_lines_describe_each_call() {
    let out = wirebench(&[
        "call",
        &sample("kv-store"),
        "--json",
        r#"get("user")"#,
        "get(1)",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["result"], "ok(none)");
    assert_eq!(lines[0]["function"], "neon:kv-store/store@1.0.0.get");
    assert!(lines[0]["duration_us"].is_u64());
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["error"]["kind"], "bad-argument");
    assert_eq!(lines[1]["state_reset"], false);
}

#[test]
fn traced_workspace_call_prints_the_tree() {
    let (_keep, dir) = demo_dir(true);
    let out = wirebench(&["call", dir.to_str().unwrap(), "--trace", r#"process("hi")"#]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], r#"ok("processed #1: HI")"#);
    assert!(
        lines[1]
            .starts_with(r#"  trace: data-processor.process("hi") → ok("processed #1: HI")  ("#),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with(r#"  trace:   ↳ kv-store.get("processed-count") → ok(none)  ("#),
        "{stdout}"
    );
    assert!(
        lines[2].ends_with("µs)") || lines[2].ends_with("ms)"),
        "{stdout}"
    );
    assert_eq!(lines.len(), 5, "{stdout}");
}

#[test]
fn linked_and_composed_print_the_same() {
    let (_keep, dir) = demo_dir(false);
    let calls = [
        r#"process("a")"#,
        r#"process("b")"#,
        "last-input()",
        r#"get("processed-count")"#,
    ];
    let run = |mode: &str| {
        let mut args = vec!["call", dir.to_str().unwrap(), "--mode", mode];
        args.extend(calls);
        let out = wirebench(&args);
        assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let linked = run("linked");
    assert_eq!(linked, run("composed"));
    assert!(linked.ends_with("ok(some(\"2\"))\n"), "{linked}");
}

#[test]
fn hostile_guests_are_stopped_and_output_is_sanitized() {
    let out = wirebench(&[
        "call",
        &sample("hostile"),
        "--timeout",
        "100ms",
        "--max-output",
        "2KiB",
        "spin()",
        "divide(8, 2)",
        "flood(1)",
        r#"env-var("HOME")"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "error: spin: timed out after 100ms — the guest was stopped; raise the limit with --timeout");
    assert!(
        lines[1].starts_with("  note: the instance was re-created"),
        "{stdout}"
    );
    assert_eq!(lines[2], "4");
    assert!(stdout.contains("  stdout: hostile flood"), "{stdout}");
    assert!(
        stdout.contains("  stdout: … (truncated at 2 KiB)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{9b}') && !stdout.contains('\u{202e}')
    );
    assert!(stdout.ends_with("none\n"), "{stdout}");
}

#[test]
fn grants_come_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), "hello").unwrap();
    let grant = format!("{}::/d", dir.path().display());
    let out = wirebench(&[
        "call",
        &sample("hostile"),
        "--dir",
        &grant,
        "--env",
        "A=1",
        r#"read-file("/d/f.txt")"#,
        "list-env()",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok(\"hello\")\n[(\"A\", \"1\")]\n");
}

#[test]
fn without_calls_the_functions_are_listed() {
    let out = wirebench(&["call", &sample("kv-store")]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout
            .contains(r#"get("")    // get: func(key: string) -> result<option<string>, string>"#),
        "{stdout}"
    );
}

#[test]
fn unrunnable_targets_fail_with_one_clear_line() {
    let out = wirebench(&["call", &sample("data-processor"), r#"process("x")"#]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("error: cannot run"), "{stderr}");
    assert!(
        stderr.contains("import `neon:kv-store/store@1.0.0` is not satisfied"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = wirebench(&[
        "call",
        &sample("data-processor"),
        "--stub",
        r#"analyze("x y")"#,
    ]);
    assert_eq!(text(&out.stdout), "{words: 2, chars: 3, lines: 1}\n");
    let out = wirebench(&["call", &sample("lone-wolf"), "run()"]);
    assert!(
        text(&out.stderr).contains("core module"),
        "{}",
        text(&out.stderr)
    );
    let out = wirebench(&[
        "call",
        &sample("kv-store"),
        "--timeout",
        "soon",
        "get(\"x\")",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
