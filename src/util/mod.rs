//! Small shared helpers: careful file reads and atomic writes, text sanitizing, wasm validation
//! and the memory of what passed it, the cache directory.

pub mod cache;
pub mod fsio;
pub mod mem;
pub mod sanitize;
pub mod validate;
pub mod validated;
pub mod words;
