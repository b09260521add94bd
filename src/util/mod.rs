//! Small shared helpers: careful file reads and atomic writes, text sanitizing, wasm validation.

pub mod fsio;
pub mod sanitize;
pub mod validate;
