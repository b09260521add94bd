//! [`first_error`]: the first error of a failed build as one line, the way `cargo build
//! --message-format short` prints it (`kv-store/src/lib.rs:16:33: error: expected `;``), so
//! the console and a node's badge show what to fix, not cargo's closing summary.

/// The longest first-error line kept; compiler messages rarely come close.
const MAX_LEN: usize = 300;
/// How far below an error line its `-->` location may be.
const LOCATION_WINDOW: usize = 6;

/// The first error among a build's output lines (stdout and stderr, in order), or `None` when
/// no line looks like one. Prefers rustc's `error[E…]: …` / `error: …` plus its `-->`
/// location; cargo's summaries (`could not compile`, `aborting due to`) only when nothing else
/// is there; then any line that starts with `error` in any case (`Error: …` of other tools).
pub fn first_error(lines: &[String]) -> Option<String> {
    let diagnostic = lines
        .iter()
        .enumerate()
        .find(|(_, l)| rustc_error(l).is_some_and(|m| !is_summary(m)));
    if let Some((i, line)) = diagnostic {
        let message = line.trim();
        let location = lines
            .iter()
            .skip(i + 1)
            .take(LOCATION_WINDOW)
            .find_map(|l| l.trim_start().strip_prefix("--> "))
            .map(str::trim);
        let text = match location {
            Some(at) => format!("{at}: {message}"),
            None => message.to_string(),
        };
        return Some(clip(&text));
    }
    lines
        .iter()
        .map(|l| l.trim())
        .find(|l| rustc_error(l).is_some())
        .or_else(|| {
            lines
                .iter()
                .map(|l| l.trim())
                .find(|l| l.to_ascii_lowercase().starts_with("error"))
        })
        .map(clip)
}

/// The message of a rustc/cargo error line (`error: x`, `error[E0308]: x`), if it is one.
fn rustc_error(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix("error")?;
    let rest = match rest.strip_prefix('[') {
        Some(code) => &code[code.find(']')? + 1..],
        None => rest,
    };
    rest.strip_prefix(": ").map(str::trim)
}

fn is_summary(message: &str) -> bool {
    message.starts_with("could not compile")
        || message.starts_with("aborting due to")
        || message.starts_with("failed to compile")
}

fn clip(text: &str) -> String {
    let one = crate::util::sanitize::one_line(text);
    if one.chars().count() <= MAX_LEN {
        return one;
    }
    let mut cut: String = one.chars().take(MAX_LEN - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn rustc_error_with_location() {
        let out = lines(
            "   Compiling kv-store v0.1.0 (/w/kv-store)
warning: unused variable: `x`
  --> kv-store/src/lib.rs:3:9
error[E0308]: mismatched types
  --> kv-store/src/lib.rs:16:33
   |
16 | const X: u8 = \"a\";
error: could not compile `kv-store` (lib) due to 1 previous error",
        );
        assert_eq!(
            first_error(&out).as_deref(),
            Some("kv-store/src/lib.rs:16:33: error[E0308]: mismatched types")
        );
    }

    #[test]
    fn summary_only_and_other_tools() {
        let out = lines("error: could not compile `a`\nerror: aborting due to 1 previous error");
        assert_eq!(
            first_error(&out).as_deref(),
            Some("error: could not compile `a`")
        );
        let out = lines("Traceback …\nError: componentize-py: no module named app");
        assert_eq!(
            first_error(&out).as_deref(),
            Some("Error: componentize-py: no module named app")
        );
        assert_eq!(first_error(&lines("all fine\nwarning: x")), None);
    }

    #[test]
    fn long_lines_are_clipped_and_made_inert() {
        let long = format!("error: {}\u{1b}", "x".repeat(500));
        let got = first_error(&[long]).unwrap();
        assert_eq!(got.chars().count(), MAX_LEN);
        assert!(!got.contains('\u{1b}'));
    }
}
