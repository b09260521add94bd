//! Wasm validation with every proposal wirebench decodes, whole or without function bodies:
//! a composition embeds its components' modules verbatim, so once those were validated only
//! the composition's structure needs checking.

use wasmparser::{
    BinaryReaderError, FuncValidatorAllocations, Parser, ValidPayload, Validator, WasmFeatures,
};

/// Validates `bytes` like `Validator::validate_all`: the structure, then every function body.
pub fn validate_all(bytes: &[u8]) -> Result<(), BinaryReaderError> {
    let mut allocs = FuncValidatorAllocations::default();
    for (func, body) in validate_structure(bytes)? {
        let mut v = func.into_validator(allocs);
        v.validate(&body)?;
        allocs = v.into_allocations();
    }
    Ok(())
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
