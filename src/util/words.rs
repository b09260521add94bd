//! Counted nouns in messages: `1 plug`, `2 plugs`.

/// `1 plug`, `3 plugs` (regular plurals only).
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", plural_s(n))
}

/// The `s` a count of `n` takes on a regular noun.
pub fn plural_s(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(super::count(1, "plug"), "1 plug");
        assert_eq!(super::count(0, "plug"), "0 plugs");
        assert_eq!(super::count(2, "component"), "2 components");
    }
}
