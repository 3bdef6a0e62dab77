//! Field rules the providers' specs state, written from the specs and notes (not from the
//! client crates): Svix identifiers (`svix-current.md` §1.3) and the Finicity partner-secret
//! policy (`finicity.md` §3.2).

/// Svix `app_id`/`endpoint_id` and feature flags: 1 to 256 characters matching
/// `^[a-zA-Z0-9\-_.]+$`.
pub(crate) fn is_svix_id(s: &str) -> bool {
    (1..=256).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Svix `stream_id`/`sink_id`: 1 to 60 characters, no pattern.
pub(crate) fn is_svix_stream_id(s: &str) -> bool {
    (1..=60).contains(&s.chars().count())
}

/// Svix `sessionId`: 1 to 64 characters matching `^[a-zA-Z0-9@_-]+$`.
pub(crate) fn is_svix_session_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'_' | b'-'))
}

/// The characters besides letters and digits a Finicity partner secret may contain.
pub(crate) const PARTNER_SECRET_SPECIALS: &str = "!@#$%&*_-+";

/// Finicity's partner-secret policy: "upper and lowercase characters, numbers, and the
/// characters !, @, #, $, %, &, *, _, -, +. It must include at least one number and at least
/// one letter, and its length should be between 12 and 255 characters."
pub(crate) fn is_valid_partner_secret(s: &str) -> bool {
    (12..=255).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || PARTNER_SECRET_SPECIALS.contains(c))
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && s.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svix_ids() {
        // The spec's example value and edge lengths.
        assert!(is_svix_id("unique-identifier"));
        assert!(is_svix_id("app_1srOrx2ZWZBpBUvZwXKQmoEYga2"));
        assert!(is_svix_id("a.b-c_d"));
        assert!(is_svix_id(&"a".repeat(256)));
        assert!(!is_svix_id(&"a".repeat(257)));
        assert!(!is_svix_id(""));
        assert!(!is_svix_id("a/b"));
        assert!(!is_svix_id("é"));
        assert!(is_svix_stream_id("any thing/é"));
        assert!(!is_svix_stream_id(&"a".repeat(61)));
        assert!(!is_svix_stream_id(""));
        assert!(is_svix_session_id("user_1FB8"));
        assert!(is_svix_session_id("a@b-c"));
        assert!(!is_svix_session_id("user.1"));
        assert!(!is_svix_session_id(&"a".repeat(65)));
    }

    #[test]
    fn partner_secret_policy() {
        // The spec's examples are valid.
        assert!(is_valid_partner_secret("aqJ5Ic4SEVx2IgDQ6oR4"));
        assert!(is_valid_partner_secret("OrU7tjiA3tIspCgb85xV"));
        assert!(is_valid_partner_secret("abc!@#$%&*_-+1"));
        assert!(!is_valid_partner_secret("short1a"));
        assert!(!is_valid_partner_secret(&format!("a1{}", "b".repeat(254))));
        assert!(!is_valid_partner_secret("onlyletterslong"));
        assert!(!is_valid_partner_secret("123456789012"));
        assert!(!is_valid_partner_secret("has space 1234"));
        assert!(!is_valid_partner_secret("paren(s)12345"));
    }
}
