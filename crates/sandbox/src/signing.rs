//! SnapTrade signatures, written from the provider notes (`snaptrade.md` §1/§4,
//! `snaptrade-current.md` §4/§7) rather than taken from the client crate, so that a mistake
//! in the client's signer shows up as a failing end-to-end test.
//!
//! A request signature is `base64(HMAC-SHA256(consumerKey, canonical))` where `canonical` is
//! Python's `json.dumps({"content": body-or-null, "path": path, "query": query},
//! separators=(",", ":"), sort_keys=True)`; `content` is `null` for no body, an empty body or
//! `{}`. A SnapTrade webhook signature is the same HMAC over the canonical JSON of the body.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::canonical_json::canonical;
use crate::credentials::SNAPTRADE_CONSUMER_KEY;

/// The outcome of checking a `Signature` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Valid,
    Invalid,
    /// The body is not JSON, so no signature can be computed.
    BodyNotJson,
}

/// `base64(HMAC-SHA256(key, message))`, standard alphabet with padding.
pub(crate) fn hmac_sha256_b64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The signed `content`: `null` for no body, a blank body or `{}`; `None` if not JSON.
fn content(body: Option<&[u8]>) -> Option<Value> {
    let Some(body) = body.filter(|b| !b.iter().all(u8::is_ascii_whitespace)) else {
        return Some(Value::Null);
    };
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(m) if m.is_empty() => Some(Value::Null),
        v => Some(v),
    }
}

/// The signature of a request under the demo consumer key; `None` if the body is not JSON.
pub(crate) fn request_signature(path: &str, query: &str, body: Option<&[u8]>) -> Option<String> {
    let object = serde_json::json!({ "content": content(body)?, "path": path, "query": query });
    Some(hmac_sha256_b64(
        SNAPTRADE_CONSUMER_KEY.as_bytes(),
        canonical(&object).as_bytes(),
    ))
}

/// Checks `provided` against the signature over any of `paths` (the path relative to the
/// API root and, for legacy requests, the full path as sent). The comparison does not stop
/// at the first differing byte.
pub(crate) fn verify(paths: &[&str], query: &str, body: Option<&[u8]>, provided: &str) -> Verdict {
    let mut valid = false;
    for path in paths {
        match request_signature(path, query, body) {
            Some(expected) => {
                valid |= constant_time_eq(expected.as_bytes(), provided.trim().as_bytes())
            }
            None => return Verdict::BodyNotJson,
        }
    }
    if valid {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// The SnapTrade webhook `Signature` of a JSON body: HMAC over its canonical JSON.
pub(crate) fn webhook_signature(body: &Value) -> String {
    hmac_sha256_b64(
        SNAPTRADE_CONSUMER_KEY.as_bytes(),
        canonical(body).as_bytes(),
    )
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors from `snaptrade.md` §4 (official Python SDK, full `/api/v1` path).
    #[test]
    fn known_answers() {
        let q = "clientId=PASSIVTEST&timestamp=1635790389";
        let check = |path: &str, query: &str, body: Option<&[u8]>, sig: &str| {
            verify(&[path], query, body, sig)
        };
        assert_eq!(
            check(
                "/api/v1/snapTrade/listUsers",
                q,
                None,
                "LpDgQvjp69xeCBmzWhAElkZBwkpi1XF+On+cHkiXGrE="
            ),
            Verdict::Valid
        );
        assert_eq!(
            check(
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
            check("/api/v1/snapTrade/login", &login_q, Some(b"{}"), sig),
            Verdict::Valid
        );
        // `{}` and no body are both signed as `null`.
        assert_eq!(
            check("/api/v1/snapTrade/login", &login_q, None, sig),
            Verdict::Valid
        );
        assert_eq!(
            check("/api/v1/snapTrade/login", q, Some(b"{}"), sig),
            Verdict::Invalid
        );
        assert_eq!(
            check("/api/v1/snapTrade/login", q, Some(b"nope"), sig),
            Verdict::BodyNotJson
        );
        // Either accepted path is enough.
        assert_eq!(
            verify(
                &["/snapTrade/listUsers", "/api/v1/snapTrade/listUsers"],
                q,
                None,
                "LpDgQvjp69xeCBmzWhAElkZBwkpi1XF+On+cHkiXGrE="
            ),
            Verdict::Valid
        );
    }

    /// RFC 4231 test case 2, base64 of the expected HMAC-SHA256.
    #[test]
    fn hmac_rfc4231() {
        assert_eq!(
            hmac_sha256_b64(b"Jefe", b"what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
        );
    }

    #[test]
    fn comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
