//! Makes untrusted text (guest output, names from a binary) inert before it reaches a terminal.
//!
//! Escape sequences (CSI, OSC, DCS, …), C0/C1 controls and bidi overrides are removed or shown
//! as visible escapes, so a guest can neither move the cursor, set the title nor reorder text.

use std::borrow::Cow;

/// Returns `text` with every terminal-active character made visible and harmless.
///
/// Newlines and tabs are kept; `ESC`-introduced sequences are dropped whole and replaced by `␛`;
/// other controls become `\u{..}` escapes.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\u{1b}' => {
                skip_escape_sequence(&mut chars);
                out.push('␛');
            }
            // C1 CSI/OSC/DCS introducers start sequences just like ESC [ and ESC ].
            '\u{9b}' | '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' | '\u{98}' => {
                skip_sequence_body(&mut chars, c == '\u{9b}');
                out.push('␛');
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`sanitize`] but also folds newlines and tabs into spaces, for one-line displays.
pub fn one_line(text: &str) -> String {
    sanitize(text)
        .chars()
        .map(|c| {
            if c == '\n' || c == '\t' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// Whether `c` may go into a one-line text field as typed: no controls at all (Enter and Tab
/// are keys, not characters there) and nothing that reorders or hides displayed text.
pub fn is_typeable(c: char) -> bool {
    !c.is_control() && !needs_escape(c)
}

fn needs_escape(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true, // C0, DEL and C1
        // Bidi embedding/override/isolate controls and marks that reorder displayed text.
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}' => {
            true
        }
        _ => false,
    }
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape_sequence(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_sequence_body(chars, true);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_sequence_body(chars, false);
        }
        // Two-character escapes (ESC c, ESC 7, ESC ( B …): drop the intermediate and final.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
            chars.next();
        }
        Some(c) if ('\u{30}'..='\u{7e}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips a CSI body (parameters up to a final byte) or a string body (up to BEL or ST).
fn skip_sequence_body(chars: &mut Chars<'_>, csi: bool) {
    // Bounded so a never-terminated sequence cannot swallow the rest of a large output.
    for _ in 0..4096 {
        let Some(c) = chars.next() else { return };
        if csi {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                return;
            }
            if !('\u{20}'..='\u{3f}').contains(&c) {
                return;
            }
        } else if c == '\u{7}' || c == '\u{9c}' {
            return;
        } else if c == '\u{1b}' {
            if chars.peek() == Some(&'\\') {
                chars.next();
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("hello\nworld"), Cow::Borrowed(_)));
    }

    #[test]
    fn strips_csi_osc_and_c1() {
        let s = sanitize("a\u{1b}[2Jb\u{1b}]0;pwned\u{7}c\u{9b}31md\u{1b}cé");
        assert_eq!(s, "a␛b␛c␛d␛é");
        assert!(!s.contains('\u{1b}'));
    }

    #[test]
    fn escapes_bidi_and_controls() {
        let s = sanitize("x\u{202e}y\r\u{0}z");
        assert_eq!(s, "x\\u{202e}y\\u{d}\\u{0}z");
    }

    #[test]
    fn unterminated_osc_is_bounded() {
        let long = format!("\u{1b}]0;{}", "a".repeat(10_000));
        let s = sanitize(&long);
        assert!(s.len() > 5000, "only the first 4096 chars are swallowed");
        assert!(!s.contains('\u{1b}'));
    }

    #[test]
    fn one_line_folds_newlines() {
        assert_eq!(one_line("a\nb\tc"), "a b c");
    }
}
