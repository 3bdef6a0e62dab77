//! Secret handling: re-exported `secrecy` types, sensitive header values and header redaction.
//!
//! Every credential in the fintra crates is held as a [`SecretString`]; its `Debug` prints
//! `[REDACTED]`. Headers are only ever logged or stored in errors after [`sanitize_headers`],
//! which keeps the values of an allow-list and replaces every other value with `[REDACTED]`.

use http::{HeaderMap, HeaderValue};
pub use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, InvalidRequest};

/// The text that stands in for a secret in `Debug` output, logs and errors.
pub const REDACTED: &str = "[REDACTED]";

/// Header names whose values may be logged and kept in errors.
///
/// Everything else (authorization, provider tokens, signatures, cookies, idempotency keys...)
/// is replaced by [`REDACTED`].
pub const DEFAULT_ALLOWED_HEADERS: &[&str] = &[
    "accept",
    "cache-control",
    "content-length",
    "content-type",
    "date",
    "location",
    "request-id",
    "retry-after",
    "server",
    "user-agent",
    "x-request-id",
    "x-correlation-id",
    "svix-req-id",
];

/// Returns a copy of `headers` in which every value whose name is not in `allowed`
/// (case-insensitive) is replaced by [`REDACTED`].
///
/// ```
/// use http::{HeaderMap, HeaderValue};
/// use fintra_core::secret::{sanitize_headers, DEFAULT_ALLOWED_HEADERS};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("content-type", HeaderValue::from_static("application/json"));
/// headers.insert("finicity-app-token", HeaderValue::from_static("s3cr3t"));
/// let clean = sanitize_headers(&headers, DEFAULT_ALLOWED_HEADERS);
/// assert_eq!(clean["content-type"], "application/json");
/// assert_eq!(clean["finicity-app-token"], "[REDACTED]");
/// ```
pub fn sanitize_headers(headers: &HeaderMap, allowed: &[&str]) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let keep = allowed
            .iter()
            .any(|a| name.as_str().eq_ignore_ascii_case(a));
        let value = if keep && !value.is_sensitive() {
            value.clone()
        } else {
            HeaderValue::from_static(REDACTED)
        };
        out.append(name.clone(), value);
    }
    out
}

/// Builds a header value from a secret and marks it sensitive, so that `http`'s own `Debug`
/// and any sanitizer hide it.
///
/// Returns [`Error::InvalidRequest`] (without echoing the value) when the secret contains bytes
/// that are not allowed in a header.
///
/// ```
/// use fintra_core::secret::{sensitive_header_value, SecretString};
/// let v = sensitive_header_value("Finicity-App-Key", &SecretString::from("key")).unwrap();
/// assert!(v.is_sensitive());
/// assert_eq!(format!("{v:?}"), "Sensitive");
/// ```
pub fn sensitive_header_value(name: &str, secret: &SecretString) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(secret.expose_secret()).map_err(|_| {
        InvalidRequest::new(
            name.to_owned(),
            "contains characters that are not allowed in an HTTP header",
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Same as [`sensitive_header_value`] with a scheme prefix, e.g. `Bearer <token>`.
pub fn sensitive_header_value_with_prefix(
    name: &str,
    prefix: &str,
    secret: &SecretString,
) -> Result<HeaderValue, Error> {
    let joined = SecretString::from(format!("{prefix}{}", secret.expose_secret()));
    sensitive_header_value(name, &joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_redacted_even_when_allow_listed() {
        let mut headers = HeaderMap::new();
        let mut v = HeaderValue::from_static("secret");
        v.set_sensitive(true);
        headers.insert("user-agent", v);
        let clean = sanitize_headers(&headers, DEFAULT_ALLOWED_HEADERS);
        assert_eq!(clean["user-agent"], REDACTED);
    }

    #[test]
    fn invalid_secret_header_does_not_echo_value() {
        let err =
            sensitive_header_value("X-Key", &SecretString::from("bad\nvalue-xyz")).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("value-xyz"), "{text}");
        assert!(text.contains("X-Key"));
    }
}
