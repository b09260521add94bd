//! The blog's "lone wolf": a plain WASI Preview 1 command module (a core module, not a
//! component). Greets, then echoes every stdin line uppercased.

use std::io::{BufRead, Write};

/// Greeting used when the `GREETING` environment variable is unset.
const DEFAULT_GREETING: &str = "Hello";

fn main() {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| DEFAULT_GREETING.to_string());
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    // Writes fail only when the host closed stdout; there is nobody left to tell then.
    let _ = writeln!(stdout, "{greeting} from the lone wolf (a WASI Preview 1 core module)");
    let mut count = 0u64;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        count += 1;
        let _ = writeln!(stdout, "{greeting}, {}!", line.to_uppercase());
    }
    let _ = writeln!(stdout, "read {count} line(s); the lone wolf howls and exits");
}
