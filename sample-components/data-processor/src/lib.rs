//! `neon:processor`: uppercases text and keeps a call counter in an imported kv-store.

wit_bindgen::generate!({
    // Parsed in dependency order: `neon:processor` imports `neon:kv-store`.
    path: ["../../wit/kv-store", "../../wit/processor"],
    world: "neon:processor/processor@1.0.0",
    // The kv-store import comes from another package; generate its bindings here too.
    generate_all,
});

use exports::neon::processor::transform::{Guest, Stats};
use neon::kv_store::store;

/// kv-store key holding the number of successful `process` calls.
const COUNT_KEY: &str = "processed-count";
/// kv-store key holding the input of the last successful `process` call.
const LAST_INPUT_KEY: &str = "last-input";

struct Processor;

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Guest for Processor {
    fn process(input: String) -> Result<String, String> {
        if input.is_empty() {
            return Err("input is empty".to_string());
        }
        let previous = match store::get(COUNT_KEY).map_err(|e| format!("kv-store get `{COUNT_KEY}` failed: {e}"))? {
            // A value someone else wrote that is not a number restarts the count.
            Some(text) => text.trim().parse::<u64>().unwrap_or(0),
            None => 0,
        };
        let count = previous.saturating_add(1);
        store::set(LAST_INPUT_KEY, &input)
            .map_err(|e| format!("kv-store set `{LAST_INPUT_KEY}` failed: {e}"))?;
        store::set(COUNT_KEY, &count.to_string())
            .map_err(|e| format!("kv-store set `{COUNT_KEY}` failed: {e}"))?;
        Ok(format!("processed #{count}: {}", input.to_uppercase()))
    }

    fn analyze(input: String) -> Stats {
        Stats {
            words: saturating_u32(input.split_whitespace().count()),
            chars: saturating_u32(input.chars().count()),
            lines: saturating_u32(input.lines().count()),
        }
    }

    fn last_input() -> Option<String> {
        // The WIT signature has no error channel; a failing store reads as "nothing yet".
        store::get(LAST_INPUT_KEY).ok().flatten()
    }
}

export!(Processor);
