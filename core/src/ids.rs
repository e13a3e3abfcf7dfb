//! Identifiers. Documents, events and devices use UUIDv7 strings: unique
//! without coordination, roughly time-ordered, readable in logs.

/// A new random, time-ordered identifier (UUIDv7, hyphenated).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that `s` is a well-formed identifier as produced by [`new_id`]
/// (any UUID is accepted). Used where ids arrive from outside.
pub fn is_valid_id(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::parse_str(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_valid() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert!(is_valid_id(&a));
        assert!(!is_valid_id("../etc/passwd"));
        assert!(!is_valid_id(""));
    }
}
