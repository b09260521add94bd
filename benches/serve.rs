//! Placeholder while the serve bench is written.
fn main() {}
