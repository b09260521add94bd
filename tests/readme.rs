//! The README's keys and commands tables list exactly what the keymap (and so the `?` help)
//! binds, and its set-up section names the two commands a newcomer runs.

use wirebench::tui::keymap::{BINDINGS, COMMANDS};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn every_key_and_command_is_in_the_readme() {
    let text = readme();
    for b in BINDINGS.iter().chain(COMMANDS) {
        // Pipes inside a Markdown table cell must be escaped.
        let row = format!("| `{}` | {} |", b.keys.replace('|', "\\|"), b.what);
        assert!(text.contains(&row), "README lacks the row {row}");
    }
}

#[test]
fn setup_names_the_two_commands() {
    let text = readme();
    assert!(text.contains("cargo run --release"));
    assert!(text.contains("./scripts/test.sh"));
    assert!(text.contains("cargo test"));
}
