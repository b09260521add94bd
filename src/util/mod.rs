//! Small shared helpers: careful file reads and atomic writes, text sanitizing.

pub mod fsio;
pub mod sanitize;
