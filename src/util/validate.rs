//! Wasm validation with every proposal wirebench decodes, whole or without function bodies:
//! a composition embeds its components' modules verbatim, so once those were validated only
//! the composition's structure needs checking.

use wasmparser::{
    BinaryReaderError, FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures,
};

/// Code below this many bytes is validated on the calling thread: starting a thread costs a
/// short-lived process more than it saves on small components.
const PARALLEL_FROM: usize = 1 << 20;

/// Validates `bytes` like `Validator::validate_all`: the structure, then every function body.
/// Bodies are independent once the structure is known, so a large component's are split in
/// runs of about equal size, one per core; the error reported is the first in file order,
/// as with the sequential validator.
pub fn validate_all(bytes: &[u8]) -> Result<(), BinaryReaderError> {
    // Asked only for large code: it reads cgroup files, a cost a small component would feel.
    let threads = || std::thread::available_parallelism().map_or(1, usize::from);
    validate_all_split(bytes, PARALLEL_FROM, threads)
}

fn validate_all_split(
    bytes: &[u8],
    parallel_from: usize,
    threads: impl FnOnce() -> usize,
) -> Result<(), BinaryReaderError> {
    let bodies = validate_structure(bytes)?;
    let code: usize = bodies.iter().map(|(_, body)| code_size(body)).sum();
    if code < parallel_from {
        return validate_bodies(bodies);
    }
    let threads = threads();
    if threads < 2 {
        return validate_bodies(bodies);
    }
    let runs = split_by_size(bodies, code.div_ceil(threads));
    std::thread::scope(|s| {
        let pending: Vec<_> = runs
            .into_iter()
            .map(|run| s.spawn(move || validate_bodies(run)))
            .collect();
        // Joined in order, so the first failing run's error is reported.
        pending
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
}

fn validate_bodies(bodies: Vec<Body<'_>>) -> Result<(), BinaryReaderError> {
    let mut allocs = FuncValidatorAllocations::default();
    for (func, body) in bodies {
        let mut v = func.into_validator(allocs);
        v.validate(&body)?;
        allocs = v.into_allocations();
    }
    Ok(())
}

fn code_size(body: &wasmparser::FunctionBody<'_>) -> usize {
    let range = body.range();
    usize::try_from(range.end - range.start).unwrap_or(usize::MAX)
}

/// Consecutive runs of `bodies`, each of at least `size` bytes of code but the last.
fn split_by_size(bodies: Vec<Body<'_>>, size: usize) -> Vec<Vec<Body<'_>>> {
    let mut runs = vec![Vec::new()];
    let mut filled = 0;
    for body in bodies {
        if filled >= size {
            runs.push(Vec::new());
            filled = 0;
        }
        filled += code_size(&body.1);
        if let Some(run) = runs.last_mut() {
            run.push(body);
        }
    }
    runs
}

/// Validates everything but function bodies, which it returns for checking. Enough on its own
/// for bytes whose every function body was validated before.
pub fn validate_structure(bytes: &[u8]) -> Result<Vec<Body<'_>>, BinaryReaderError> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut bodies = Vec::new();
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    for payload in parser.parse_all(bytes) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            bodies.push((func, body));
        }
    }
    Ok(bodies)
}

/// [`validate_structure`] for bytes whose function bodies need no checking at all.
pub fn check_structure(bytes: &[u8]) -> Result<(), BinaryReaderError> {
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut parser = Parser::new(0);
    parser.set_features(WasmFeatures::all());
    for payload in parser.parse_all(bytes) {
        validator.payload(&payload?)?;
    }
    Ok(())
}

/// A function body found by [`validate_structure`], with what is needed to validate it.
pub type Body<'a> = (
    wasmparser::FuncToValidate<wasmparser::ValidatorResources>,
    wasmparser::FunctionBody<'a>,
);

#[cfg(test)]
mod tests {
    #[test]
    fn runs_are_consecutive_and_about_equal() {
        let wat = (0..40)
            .map(|i| {
                format!(
                    "(func (result i32) {})",
                    "i32.const 1 drop ".repeat(i % 5) + "i32.const 0"
                )
            })
            .collect::<String>();
        let bytes = wat::parse_str(format!("(module {wat})")).unwrap();
        let bodies = validate_structure(&bytes).unwrap();
        let sizes: Vec<usize> = bodies.iter().map(|(_, b)| code_size(b)).collect();
        let offsets: Vec<u64> = bodies.iter().map(|(_, b)| b.range().start).collect();
        let total: usize = sizes.iter().sum();
        let runs = split_by_size(bodies, total.div_ceil(3));
        assert_eq!(runs.len(), 3);
        let flat: Vec<u64> = runs
            .iter()
            .flatten()
            .map(|(_, b)| b.range().start)
            .collect();
        assert_eq!(flat, offsets, "every body once, in order");
        for run in &runs[..2] {
            let size: usize = run.iter().map(|(_, b)| code_size(b)).sum();
            assert!(size >= total / 3 && size < total / 3 + sizes.iter().max().unwrap());
        }
    }

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
                if let Err(s) = validate_structure(&bad) {
                    let all = validate_all(&bad).expect_err("a structure error fails the whole");
                    assert_eq!(all.offset(), s.offset(), "{name}@{at}");
                }
                // Whole or split in runs on several threads, the first error in file order.
                let b = sequential(&bad);
                for threads in [1, 2, 3, 7] {
                    let a = validate_all_split(&bad, 0, || threads);
                    assert_eq!(a.is_ok(), b.is_ok(), "{name} flipped at {at} ({threads})");
                    if let (Err(a), Err(b)) = (a, &b) {
                        assert_eq!(
                            (a.offset(), a.message()),
                            (b.offset(), b.message()),
                            "{name}@{at} ({threads})"
                        );
                    }
                }
            }
        }
    }
}
