//! Per-session guest limits (wall time, linear memory, stack, output, tables) and their parsing.
//!
//! Defaults follow DESIGN §4. The [`GuestLimiter`] sums every linear memory in a store, so a
//! linked workspace cannot dodge the cap by spreading allocations over several components.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Default wall-time budget of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on all linear memory of a session's store.
pub const DEFAULT_MAX_MEMORY: u64 = 256 * 1024 * 1024;
/// Default wasm stack cap (an engine setting: applies from the first session on).
pub const DEFAULT_MAX_STACK: usize = 1024 * 1024;
/// Default cap on captured stdout and on captured stderr, per call.
pub const DEFAULT_MAX_OUTPUT: usize = 1024 * 1024;

/// Resource limits applied to a session's guests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Limits {
    /// Wall-time budget of one call (`5s`, `500ms`).
    #[serde(serialize_with = "ser_duration", deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// Cap on the sum of all linear memories, in bytes (`256MiB`).
    #[serde(serialize_with = "ser_size", deserialize_with = "de_size")]
    pub max_memory: u64,
    /// Wasm stack cap in bytes; an engine-wide setting taken from the first session.
    #[serde(serialize_with = "ser_size_usize", deserialize_with = "de_size_usize")]
    pub max_stack: usize,
    /// Cap on captured stdout and stderr per call, in bytes; the rest is dropped and flagged.
    #[serde(serialize_with = "ser_size_usize", deserialize_with = "de_size_usize")]
    pub max_output: usize,
    /// Cap on core instances in one store.
    pub max_instances: usize,
    /// Cap on tables in one store.
    pub max_tables: usize,
    /// Cap on the elements of one table.
    pub max_table_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            max_memory: DEFAULT_MAX_MEMORY,
            max_stack: DEFAULT_MAX_STACK,
            max_output: DEFAULT_MAX_OUTPUT,
            max_instances: 1_000,
            max_tables: 1_000,
            max_table_elements: 1_000_000,
        }
    }
}

/// Error raised from inside the store when a guest's memory would pass [`Limits::max_memory`].
#[derive(Debug, thiserror::Error)]
#[error("linear memory would grow to {} (cap {})", fmt_size(*requested), fmt_size(*limit))]
pub(crate) struct MemoryCapExceeded {
    pub limit: u64,
    pub requested: u64,
}

/// Error raised from inside the store when a table would pass its element cap.
#[derive(Debug, thiserror::Error)]
#[error("table would grow to {requested} elements (cap {limit})")]
pub(crate) struct TableCapExceeded {
    pub limit: usize,
    pub requested: usize,
}

/// A `wasmtime::ResourceLimiter` that traps (instead of failing `memory.grow`) so the
/// user gets a clear "out of memory" error rather than a confusing guest abort.
pub(crate) struct GuestLimiter {
    limits: Limits,
    memory_in_use: u64,
}

impl GuestLimiter {
    pub fn new(limits: &Limits) -> Self {
        GuestLimiter {
            limits: limits.clone(),
            memory_in_use: 0,
        }
    }
}

impl wasmtime::ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self
            .memory_in_use
            .saturating_sub(current as u64)
            .saturating_add(desired as u64);
        if total > self.limits.max_memory {
            return Err(wasmtime::Error::new(MemoryCapExceeded {
                limit: self.limits.max_memory,
                requested: total,
            }));
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limits.max_table_elements {
            return Err(wasmtime::Error::new(TableCapExceeded {
                limit: self.limits.max_table_elements,
                requested: desired,
            }));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.limits.max_instances
    }

    fn tables(&self) -> usize {
        self.limits.max_tables
    }

    fn memories(&self) -> usize {
        // Components carry a few memories each (main module, adapter); the byte cap is what bounds.
        self.limits.max_instances
    }
}

/// Parses `5s`, `500ms`, `250us`, `2m`, `1.5s`; a bare number means seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration `{text}` — use e.g. `5s` or `500ms`"))?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "m" | "min" => value * 60.0,
        _ => {
            return Err(format!(
                "invalid duration unit in `{text}` — use ms, s or m"
            ))
        }
    };
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err(format!("duration `{text}` must be between 1µs and 24h"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses `256MiB`, `1GiB`, `64KiB`, `1MB`, `4096`; a bare number means bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("invalid size `{text}` — use e.g. `256MiB` or `64KiB`"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" | "kb" => 1024.0,
        "m" | "mib" | "mb" => 1024.0 * 1024.0,
        "g" | "gib" | "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "invalid size unit in `{text}` — use B, KiB, MiB or GiB"
            ))
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes < 1.0 || bytes > (1u64 << 48) as f64 {
        return Err(format!("size `{text}` is out of range"));
    }
    Ok(bytes as u64)
}

/// `5s`, `200ms`, `1.5s`, `12µs`.
pub fn fmt_duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        let ms = d.as_secs_f64() * 1e3;
        trim_float(format!("{ms:.3}")) + "ms"
    } else {
        trim_float(format!("{:.3}", d.as_secs_f64())) + "s"
    }
}

/// `256 MiB`, `1.5 KiB`, `12 B`.
pub fn fmt_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", trim_float(format!("{value:.1}")), UNITS[unit])
}

fn trim_float(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_duration(*d))
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match NumOrText::deserialize(d)? {
        NumOrText::Num(ms) => Ok(Duration::from_millis(ms)),
        NumOrText::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

fn ser_size<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fmt_size(*v).replace(' ', ""))
}

fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match NumOrText::deserialize(d)? {
        NumOrText::Num(n) => Ok(n),
        NumOrText::Text(t) => parse_size(&t).map_err(serde::de::Error::custom),
    }
}

fn ser_size_usize<S: Serializer>(v: &usize, s: S) -> Result<S::Ok, S::Error> {
    ser_size(&(*v as u64), s)
}

fn de_size_usize<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    de_size(d).map(|v| v as usize)
}

/// TOML lets users write `timeout = 500` (ms) or `timeout = "500ms"`.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(u64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(parse_duration("5s").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(fmt_duration(Duration::from_secs(5)), "5s");
        assert_eq!(fmt_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(fmt_duration(Duration::from_micros(12)), "12µs");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("64 KiB").unwrap(), 64 << 10);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(fmt_size(256 << 20), "256 MiB");
        assert_eq!(fmt_size(1536), "1.5 KiB");
    }

    #[test]
    fn limits_round_trip_through_toml() {
        let limits = Limits {
            timeout: Duration::from_millis(250),
            ..Limits::default()
        };
        let text = toml::to_string(&limits).unwrap();
        assert!(text.contains("timeout = \"250ms\""), "{text}");
        assert!(text.contains("max-memory = \"256MiB\""), "{text}");
        let back: Limits = toml::from_str(&text).unwrap();
        assert_eq!(back, limits);
        let partial: Limits = toml::from_str("timeout = 100\nmax-memory = \"1MiB\"").unwrap();
        assert_eq!(partial.timeout, Duration::from_millis(100));
        assert_eq!(partial.max_memory, 1 << 20);
        assert_eq!(partial.max_output, DEFAULT_MAX_OUTPUT);
    }

    #[test]
    fn limiter_sums_memories() {
        use wasmtime::ResourceLimiter;
        let mut l = GuestLimiter::new(&Limits {
            max_memory: 100,
            ..Limits::default()
        });
        assert!(l.memory_growing(0, 60, None).unwrap());
        assert!(l.memory_growing(0, 30, None).unwrap());
        let err = l.memory_growing(30, 50, None).unwrap_err();
        assert!(err.downcast_ref::<MemoryCapExceeded>().is_some());
    }
}
