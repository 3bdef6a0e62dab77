//! Verification of SnapTrade `Signature` headers. The expected value comes from the client
//! crate's public signer ([`fintra_snaptrade::signing::signature`]), so client and sandbox
//! share one definition of the canonical signed content.

use fintra_core::secret::SecretString;

use crate::credentials::SNAPTRADE_CONSUMER_KEY;

/// The outcome of checking a `Signature` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Valid,
    Invalid,
    /// The body is not JSON, so no signature can be computed.
    BodyNotJson,
}

/// Checks `provided` against the signature of (`path`, `query`, `body`) under the demo
/// consumer key. The comparison does not stop at the first differing byte.
pub(crate) fn verify(path: &str, query: &str, body: Option<&[u8]>, provided: &str) -> Verdict {
    let key = SecretString::from(SNAPTRADE_CONSUMER_KEY);
    match fintra_snaptrade::signing::signature(&key, path, query, body) {
        Ok(expected) if constant_time_eq(expected.as_bytes(), provided.trim().as_bytes()) => {
            Verdict::Valid
        }
        Ok(_) => Verdict::Invalid,
        Err(_) => Verdict::BodyNotJson,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors from the provider notes (official Python SDK), checked through
    /// the verifier the server uses.
    #[test]
    fn known_answers() {
        let q = "clientId=PASSIVTEST&timestamp=1635790389";
        assert_eq!(
            verify(
                "/api/v1/snapTrade/listUsers",
                q,
                None,
                "LpDgQvjp69xeCBmzWhAElkZBwkpi1XF+On+cHkiXGrE="
            ),
            Verdict::Valid
        );
        assert_eq!(
            verify(
                "/api/v1/snapTrade/registerUser",
                q,
                Some(br#"{"userId":"snaptrade-user-123"}"#),
                "l/1ZJwb8JBbuVuYPj8YZ+F5NI4RrgfGV7R6mgruToHs="
            ),
            Verdict::Valid
        );
        let login_q = format!("{q}&userId=snaptrade-user-123&userSecret=USERSECRET123");
        let sig = "eGf1bg+QtcPrGVIvY/YIm8MxS0OaMuFRgVJ9ZMFyM8g=";
        assert_eq!(
            verify("/api/v1/snapTrade/login", &login_q, Some(b"{}"), sig),
            Verdict::Valid
        );
        assert_eq!(
            verify("/api/v1/snapTrade/login", q, Some(b"{}"), sig),
            Verdict::Invalid
        );
        assert_eq!(
            verify("/api/v1/snapTrade/login", q, Some(b"nope"), sig),
            Verdict::BodyNotJson
        );
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
