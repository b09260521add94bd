//! Full wasm validation (every proposal wirebench decodes) with function bodies checked on
//! several threads: bodies are most of the work, independent of each other once the module
//! structure is validated, and `inspect`/`plug` validate every binary they read or write.

use wasmparser::{
    BinaryReaderError, FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures,
};

/// Below this many bytes of code, threads cost more than they save.
const PARALLEL_MIN_CODE: u64 = 16 * 1024;

/// Validates `bytes` like `Validator::validate_all`; on invalid input the error is the one at
/// the lowest offset among the structure and the bodies, as a sequential pass would report.
pub fn validate_all(bytes: &[u8]) -> Result<(), BinaryReaderError> {
    let (bodies, code) = validate_structure(bytes)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || code < PARALLEL_MIN_CODE {
        return check_bodies(bodies);
    }
    check_bodies_on(bodies, threads)
}

/// [`validate_all`] on the calling thread only, for callers that are already running beside
/// other work.
pub fn validate_all_here(bytes: &[u8]) -> Result<(), BinaryReaderError> {
    let (bodies, _) = validate_structure(bytes)?;
    check_bodies(bodies)
}

/// Validates `bodies` split over `threads` threads (one: on the calling thread).
fn check_bodies_on(bodies: Vec<Body<'_>>, threads: usize) -> Result<(), BinaryReaderError> {
    if threads < 2 {
        return check_bodies(bodies);
    }
    // Round-robin so each thread gets a similar share of large and small functions.
    let mut shares: Vec<Vec<_>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, b) in bodies.into_iter().enumerate() {
        shares[i % threads].push(b);
    }
    let errors: Vec<BinaryReaderError> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| s.spawn(move || check_bodies(share)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| {
                h.join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p))
                    .err()
            })
            .collect()
    });
    match errors.into_iter().min_by_key(|e| e.offset()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Validates everything but function bodies, which it returns (with their total size) for
/// checking. Enough on its own for bytes whose every function body was validated before —
/// a composition embeds its components' modules verbatim.
pub fn validate_structure(bytes: &[u8]) -> Result<(Vec<Body<'_>>, u64), BinaryReaderError> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut bodies = Vec::new();
    let mut code = 0u64;
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    for payload in parser.parse_all(bytes) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            let range = body.range();
            code += range.end.saturating_sub(range.start);
            bodies.push((func, body));
        }
    }
    Ok((bodies, code))
}

/// A function body found by [`validate_structure`], with what is needed to validate it.
pub type Body<'a> = (
    wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
    wasmparser::FunctionBody<'a>,
);

fn check_bodies(bodies: Vec<Body<'_>>) -> Result<(), BinaryReaderError> {
    let mut allocs = FuncValidatorAllocations::default();
    for (func, body) in bodies {
        let mut v = func.into_validator(allocs);
        v.validate(&body)?;
        allocs = v.into_allocations();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/assets/samples/{name}.wasm",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn sequential(bytes: &[u8]) -> Result<(), BinaryReaderError> {
        Validator::new_with_features(WasmFeatures::all())
            .validate_all(bytes)
            .map(|_| ())
    }

    #[test]
    fn agrees_with_the_sequential_validator() {
        for name in ["kv-store", "http-gateway", "hostile", "lone-wolf"] {
            let bytes = sample(name);
            assert!(validate_all(&bytes).is_ok(), "{name}");
            // Corrupt bytes inside the code: both report the same first error.
            for at in (bytes.len() / 3..bytes.len()).step_by(bytes.len() / 7) {
                let mut bad = bytes.clone();
                bad[at] ^= 0xff;
                let (a, b) = (validate_all(&bad), sequential(&bad));
                assert_eq!(a.is_ok(), b.is_ok(), "{name} flipped at {at}");
                if let (Err(a), Err(b)) = (a, b) {
                    assert_eq!(
                        (a.offset(), a.message()),
                        (b.offset(), b.message()),
                        "{name}@{at}"
                    );
                }
            }
        }
    }
}
