//! The guest-text sanitizer: whatever the bytes, nothing terminal-active survives, plain text
//! is left alone, and sanitizing twice changes nothing more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wirebench::util::sanitize::{one_line, sanitize};

fn active(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let clean = sanitize(&text);
    assert!(
        !clean.chars().any(active),
        "active character survived: {clean:?}"
    );
    if !text.chars().any(active) {
        assert_eq!(clean, text, "plain text must pass unchanged");
    }
    assert_eq!(sanitize(&clean), clean, "sanitize is idempotent");
    let line = one_line(&text);
    assert!(!line.contains('\n') && !line.contains('\t') && !line.chars().any(active));
});
