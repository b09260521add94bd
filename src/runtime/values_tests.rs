//! Unit tests for call parsing, handle rewriting and WAVE formatting.

use super::*;
use crate::runtime::format::write_val;
use wasmtime::component::Val;

#[test]
fn handles_become_labels_outside_literals_only() {
    assert_eq!(
        rewrite_handles("($1, \"$2\", '$', $34)"),
        "(r1, \"$2\", '$', r34)"
    );
    assert_eq!(rewrite_handles(r#"("a\"$1", $2)"#), r#"("a\"$1", r2)"#);
    assert_eq!(
        rewrite_handles("(\"\"\"\n$1\n\"\"\", $5)"),
        "(\"\"\"\n$1\n\"\"\", r5)"
    );
    assert_eq!(rewrite_handles("(\"é\", $1)"), "(\"é\", r1)");
    // A `$` not followed by digits is left for the parser to reject.
    assert_eq!(rewrite_handles("($x)"), "($x)");
}

#[test]
fn calls_split_into_name_and_arguments() {
    let c = parse_call("  set(\"user\", \"neo\") ").unwrap();
    assert_eq!(c.name, "set");
    assert_eq!(c.args_text(), "\"user\", \"neo\"");
    let c = parse_call("noop( )").unwrap();
    assert!(c.args.is_none());
    let c = parse_call("neon:kv-store/store@1.0.0.get(\"k\")").unwrap();
    assert_eq!(c.name, "neon:kv-store/store@1.0.0.get");
    let c = parse_call("counter.increment($1, 2)").unwrap();
    assert_eq!(c.handle_args(), vec![Some(1), None]);
}

#[test]
fn malformed_calls_are_syntax_errors() {
    for bad in [
        "get",
        "(\"x\")",
        "get(\"x\"",
        "get(\"x\") trailing",
        "get(1,,2)",
        "ge t(1)",
        "get($x)",
    ] {
        let err = parse_call(bad)
            .err()
            .unwrap_or_else(|| panic!("`{bad}` parsed"));
        assert_eq!(err.kind(), "syntax", "{bad}: {err}");
        assert!(!err.to_string().contains('\n'));
    }
}

#[test]
fn formatting_matches_wave_for_plain_values() {
    let vals = vec![
        Val::Result(Ok(Some(Box::new(Val::Option(Some(Box::new(
            Val::String("neo".into()),
        ))))))),
        Val::Result(Ok(None)),
        Val::Result(Err(Some(Box::new(Val::String(
            "tab\there \"q\" \u{202e} \u{1b}".into(),
        ))))),
        Val::Record(vec![
            ("x".into(), Val::S32(-1)),
            ("origin".into(), Val::Option(None)),
            ("f".into(), Val::Float64(1.5)),
        ]),
        Val::Record(vec![]),
        Val::List(vec![
            Val::Float32(f32::NAN),
            Val::Float32(f32::INFINITY),
            Val::Float32(-0.0),
        ]),
        Val::Tuple(vec![Val::U8(1), Val::Char('\''), Val::Bool(true)]),
        Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.0)))),
        Val::Variant("none".into(), None),
        Val::Enum("red".into()),
        Val::Flags(vec!["read".into(), "write".into()]),
        Val::Flags(vec![]),
        Val::U64(u64::MAX),
        Val::S64(i64::MIN),
    ];
    for v in vals {
        let mut ours = String::new();
        write_val(&mut ours, &v, &mut |_| unreachable!());
        assert_eq!(ours, v.to_wave().unwrap(), "{v:?}");
    }
}

#[test]
fn clip_shortens_and_sanitizes() {
    assert_eq!(clip("a\u{1b}[2Jb"), "a␛b");
    assert_eq!(clip(&"x".repeat(50)).chars().count(), 41);
}
