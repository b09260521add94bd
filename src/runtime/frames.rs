//! What a failed guest leaves behind, made readable: its backtrace as a few demangled frames,
//! and the message a Rust guest prints on stderr when it panics.

use wasmtime::WasmBacktrace;

/// Up to five distinct guest frames, innermost first (`hostile::descend ×64`).
pub(crate) fn backtrace_frames(err: &wasmtime::Error) -> Vec<String> {
    let Some(bt) = err.downcast_ref::<WasmBacktrace>() else {
        return Vec::new();
    };
    let mut frames: Vec<(String, usize)> = Vec::new();
    for f in bt.frames() {
        let name = f
            .func_name()
            .map(demangle)
            .unwrap_or_else(|| format!("func[{}]", f.func_index()));
        if let Some((last, n)) = frames.last_mut() {
            if *last == name {
                *n += 1;
                continue;
            }
        }
        if frames.len() == 5 {
            break;
        }
        frames.push((name, 1));
    }
    frames
        .into_iter()
        .map(|(name, n)| {
            let name = crate::util::sanitize::one_line(&name);
            if n > 1 {
                format!("{name} ×{n}")
            } else {
                name
            }
        })
        .collect()
}

/// Demangles legacy Rust symbols (`_ZN7hostile7descend17h…E` → `hostile::descend`).
pub(crate) fn demangle(name: &str) -> String {
    let Some(body) = name.strip_prefix("_ZN").and_then(|b| b.strip_suffix('E')) else {
        return name.to_string();
    };
    let mut parts = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Ok(len) = rest[..digits].parse::<usize>() else {
            return name.to_string();
        };
        let Some(part) = rest.get(digits..digits + len) else {
            return name.to_string();
        };
        parts.push(part);
        rest = &rest[digits + len..];
    }
    if parts.last().is_some_and(|p| {
        p.len() == 17 && p.starts_with('h') && p[1..].bytes().all(|b| b.is_ascii_hexdigit())
    }) {
        parts.pop();
    }
    let joined = parts.join("::");
    [
        ("$LT$", "<"),
        ("$GT$", ">"),
        ("$u20$", " "),
        ("$C$", ","),
        ("$RF$", "&"),
        ("$BP$", "*"),
        ("..", "::"),
    ]
    .iter()
    .fold(joined, |s, (from, to)| s.replace(from, to))
}

/// Extracts `panicked at src/lib.rs:3:5: boom` from a Rust guest's stderr.
pub(crate) fn panic_message(stderr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let start = text.find("panicked at ")?;
    let rest = &text[start..];
    let mut parts = Vec::new();
    for (i, line) in rest.lines().enumerate() {
        if i > 0 && (line.starts_with("note:") || line.starts_with("stack backtrace")) {
            break;
        }
        if !line.trim().is_empty() {
            parts.push(line.trim());
        }
        if i >= 6 {
            break;
        }
    }
    let msg = parts.join(" ");
    Some(crate::util::sanitize::one_line(&truncate(&msg, 300)))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_symbols_are_demangled() {
        assert_eq!(
            demangle("_ZN7hostile7descend17hd77716ca0236e670E"),
            "hostile::descend"
        );
        assert_eq!(
            demangle(
                "_ZN4core3ptr42drop_in_place$LT$alloc..string..String$GT$17h0123456789abcdefE"
            ),
            "core::ptr::drop_in_place<alloc::string::String>"
        );
        assert_eq!(
            demangle("neon:hostile/hazards#spin"),
            "neon:hostile/hazards#spin"
        );
        assert_eq!(demangle("_ZN99brokenE"), "_ZN99brokenE");
    }
}
