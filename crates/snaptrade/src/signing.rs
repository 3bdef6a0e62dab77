//! SnapTrade request signing.
//!
//! Every request carries `clientId` and `timestamp` (Unix seconds) as the first query
//! parameters and a `Signature` header:
//!
//! ```text
//! Signature = base64(HMAC-SHA256(consumerKey, canonical_json({
//!     "content": <JSON body, or null when there is none or it is {}>,
//!     "path":    <request path exactly as sent, e.g. /api/v1/snapTrade/login>,
//!     "query":   <raw query exactly as sent, without the leading ?>,
//! })))
//! ```
//!
//! The canonical JSON is byte-for-byte what the official Python SDK signs
//! (`json.dumps(..., separators=(",", ":"), sort_keys=True)`): keys sorted at every level, no
//! whitespace, non-ASCII characters escaped as `\uXXXX`. The functions are public so that a
//! server-side verifier (or a test double) can compute the same value.
//!
//! **HMAC key.** The key is the consumer key's bytes, as the Python SDK and the signing
//! documentation use it. The TypeScript SDK keys the HMAC with `encodeURI(consumerKey)`;
//! the two agree for every key made of letters, digits and the characters
//! `;,/?:@&=+$-_.!~*'()#` (SnapTrade's keys are alphanumeric), and differ only for keys with
//! spaces, `%` or non-ASCII characters.
//!
//! ```
//! use fintra_core::secret::SecretString;
//! use fintra_snaptrade::signing::signature;
//!
//! let key = SecretString::from("UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU");
//! let sig = signature(
//!     &key,
//!     "/api/v1/snapTrade/registerUser",
//!     "clientId=PASSIVTEST&timestamp=1635790389",
//!     Some(br#"{"userId":"snaptrade-user-123"}"#),
//! )
//! .unwrap();
//! assert_eq!(sig, "l/1ZJwb8JBbuVuYPj8YZ+F5NI4RrgfGV7R6mgruToHs=");
//! ```

use std::fmt;
use std::time::UNIX_EPOCH;

use base64::Engine as _;
use bytes::Bytes;
use fintra_core::auth::{RequestSigner, SignContext};
use fintra_core::secret::{ExposeSecret, REDACTED, SecretString, sensitive_header_value};
use fintra_core::{AuthError, AuthErrorKind, BoxFuture, Error};
use hmac::{Hmac, Mac};
use http::HeaderName;
use http::uri::PathAndQuery;
use serde_json::Value;

use crate::canonical::write_str;
use sha2::Sha256;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Signature";

pub use crate::canonical::{
    CanonicalJsonError, CanonicalJsonErrorKind, MAX_DEPTH, MAX_INTEGER_DIGITS, canonicalize,
    canonicalize_into,
};

/// Serializes `value` as canonical JSON, exactly like Python's
/// `json.dumps(value, separators=(",", ":"), sort_keys=True)`; see [`canonicalize`] for the
/// rules. A `Value` holds numbers as `i64`, `u64` or `f64`; to keep larger integers exact,
/// canonicalize the body's bytes with [`canonicalize`] instead.
///
/// ```
/// use fintra_snaptrade::signing::canonical_json;
/// let v = serde_json::json!({"b": [1, {"d": null, "c": true}], "a": "é"});
/// assert_eq!(canonical_json(&v), r#"{"a":"\u00e9","b":[1,{"c":true,"d":null}]}"#);
/// ```
pub fn canonical_json(value: &Value) -> String {
    // serde_json writes every Value as valid JSON (floats as round-trip digits), so this
    // cannot fail; the fallback is unreachable but keeps this function total.
    serde_json::to_vec(value)
        .ok()
        .and_then(|bytes| canonicalize(&bytes).ok())
        .unwrap_or_else(|| "null".to_owned())
}

fn signing_error(message: &'static str) -> Error {
    Error::Auth(AuthError::new(AuthErrorKind::Signing, message))
}

/// The exact text that is signed: canonical JSON of `{content, path, query}`.
///
/// `body` is the request body as sent; `None`, an empty body and `{}` all sign as
/// `"content":null`. Fails when the body is not JSON.
///
/// ```
/// use fintra_snaptrade::signing::signed_content;
/// assert_eq!(
///     signed_content("/api/v1/symbols", "clientId=YOUR_CLIENT_ID&timestamp=1715123456", Some(br#"{"substring":"AAPL"}"#)).unwrap(),
///     r#"{"content":{"substring":"AAPL"},"path":"/api/v1/symbols","query":"clientId=YOUR_CLIENT_ID&timestamp=1715123456"}"#
/// );
/// ```
pub fn signed_content(path: &str, query: &str, body: Option<&[u8]>) -> Result<String, Error> {
    let mut out =
        String::with_capacity(64 + path.len() + query.len() + body.map_or(0, <[u8]>::len));
    write_signed_content(&mut out, path, query, body)?;
    Ok(out)
}

/// [`signed_content`], appended to `out`.
fn write_signed_content(
    out: &mut String,
    path: &str,
    query: &str,
    body: Option<&[u8]>,
) -> Result<(), Error> {
    // The three keys are already in sorted order: write them directly.
    out.push_str("{\"content\":");
    match body {
        Some(b) if !b.iter().all(u8::is_ascii_whitespace) => {
            let at = out.len();
            canonicalize_into(b, out).map_err(|e| {
                Error::Auth(AuthError::new(
                    AuthErrorKind::Signing,
                    format!("cannot sign the request: {e}"),
                ))
            })?;
            if &out[at..] == "{}" {
                out.truncate(at);
                out.push_str("null");
            }
        }
        _ => out.push_str("null"),
    }
    out.push_str(",\"path\":");
    write_str(out, path);
    out.push_str(",\"query\":");
    write_str(out, query);
    out.push('}');
    Ok(())
}

/// An HMAC-SHA256 keyed by the consumer key (the key schedule is computed once).
fn keyed_mac(consumer_key: &SecretString) -> Result<Hmac<Sha256>, Error> {
    Hmac::<Sha256>::new_from_slice(consumer_key.expose_secret().as_bytes())
        .map_err(|_| signing_error("the consumer key cannot key an HMAC"))
}

fn sign_with(
    mac: &Hmac<Sha256>,
    path: &str,
    query: &str,
    body: Option<&[u8]>,
) -> Result<String, Error> {
    let content = signed_content(path, query, body)?;
    let mut mac = mac.clone();
    mac.update(content.as_bytes());
    Ok(base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `Signature` header value for a request: base64 (standard, padded) of
/// HMAC-SHA256 keyed by the consumer key over [`signed_content`].
pub fn signature(
    consumer_key: &SecretString,
    path: &str,
    query: &str,
    body: Option<&[u8]>,
) -> Result<String, Error> {
    sign_with(&keyed_mac(consumer_key)?, path, query, body)
}

/// Builds the query SnapTrade expects: `clientId`, `timestamp`, then the operation's own
/// parameters in their original (already encoded) form. Any `clientId`/`timestamp` already
/// present is replaced.
///
/// ```
/// use fintra_snaptrade::signing::signed_query;
/// assert_eq!(
///     signed_query("PASSIVTEST", 1635790389, Some("userId=u1&userSecret=s%2F1")),
///     "clientId=PASSIVTEST&timestamp=1635790389&userId=u1&userSecret=s%2F1"
/// );
/// ```
pub fn signed_query(client_id: &str, timestamp: u64, existing: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("clientId", client_id)
        .append_pair("timestamp", &timestamp.to_string())
        .finish();
    for pair in existing.unwrap_or_default().split('&') {
        let name = pair.split_once('=').map_or(pair, |(n, _)| n);
        if pair.is_empty() || name == "clientId" || name == "timestamp" {
            continue;
        }
        query.push('&');
        query.push_str(pair);
    }
    query
}

/// Signs every attempt of every request: fresh `timestamp` from the client's clock,
/// `clientId`, and the `Signature` header (marked sensitive).
#[derive(Clone)]
pub struct Signer {
    client_id: String,
    /// Keyed with the consumer key; never printed.
    mac: Result<Hmac<Sha256>, &'static str>,
}

impl Signer {
    /// A signer for the partner `client_id` with its consumer key.
    pub fn new(client_id: impl Into<String>, consumer_key: SecretString) -> Self {
        Signer {
            client_id: client_id.into(),
            mac: keyed_mac(&consumer_key).map_err(|_| "the consumer key cannot key an HMAC"),
        }
    }

    fn sign_request(
        &self,
        request: &mut http::Request<Bytes>,
        cx: SignContext,
    ) -> Result<(), Error> {
        let timestamp = cx
            .now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| signing_error("the clock is before 1970"))?
            .as_secs();
        let query = signed_query(&self.client_id, timestamp, request.uri().query());
        let path = request.uri().path().to_owned();
        let mut parts = request.uri().clone().into_parts();
        parts.path_and_query = Some(
            PathAndQuery::try_from(format!("{path}?{query}"))
                .map_err(|_| signing_error("the signed URI is invalid"))?,
        );
        *request.uri_mut() =
            http::Uri::from_parts(parts).map_err(|_| signing_error("the signed URI is invalid"))?;
        let body = request.body();
        let body = (!body.is_empty()).then_some(&body[..]);
        let mac = self.mac.as_ref().map_err(|m| signing_error(m))?;
        let sig = SecretString::from(sign_with(mac, &path, &query, body)?);
        let value = sensitive_header_value(SIGNATURE_HEADER, &sig)?;
        request
            .headers_mut()
            .insert(HeaderName::from_static("signature"), value);
        Ok(())
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("client_id", &self.client_id)
            .field("consumer_key", &REDACTED)
            .finish()
    }
}

impl RequestSigner for Signer {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(std::future::ready(self.sign_request(request, cx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const KEY: &str = "UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU";

    fn sig(path: &str, query: &str, body: Option<&str>) -> String {
        signature(
            &SecretString::from(KEY),
            path,
            query,
            body.map(str::as_bytes),
        )
        .unwrap()
    }

    /// The note's vectors, computed with the official Python SDK's
    /// `compute_request_signature`.
    #[test]
    fn known_answer_vectors() {
        assert_eq!(
            sig(
                "/api/v1/snapTrade/listUsers",
                "clientId=PASSIVTEST&timestamp=1635790389",
                None
            ),
            "LpDgQvjp69xeCBmzWhAElkZBwkpi1XF+On+cHkiXGrE="
        );
        assert_eq!(
            sig(
                "/api/v1/snapTrade/registerUser",
                "clientId=PASSIVTEST&timestamp=1635790389",
                Some(r#"{"userId":"snaptrade-user-123"}"#)
            ),
            "l/1ZJwb8JBbuVuYPj8YZ+F5NI4RrgfGV7R6mgruToHs="
        );
        let login = (
            "/api/v1/snapTrade/login",
            "clientId=PASSIVTEST&timestamp=1635790389&userId=snaptrade-user-123&userSecret=USERSECRET123",
        );
        for body in [Some("{}"), Some(" { } "), Some(""), None] {
            assert_eq!(
                sig(login.0, login.1, body),
                "eGf1bg+QtcPrGVIvY/YIm8MxS0OaMuFRgVJ9ZMFyM8g=",
                "{body:?}"
            );
        }
        // The old spec's SignedContent example, run through the Python signer (the spec's own
        // `Signature` example does not match its inputs).
        assert_eq!(
            sig(
                "/api/v1/snapTrade/mockSignature",
                "clientId=PASSIVTEST&timestamp=1635790389",
                Some(r#"{"userSecret":"CHRIS.P.BACON","userId":"snaptrade-user-123"}"#)
            ),
            "JdFggd9rcZx/+5lvX+8npbU8vIaeShtpY0CRSF5lMm4="
        );
        // A nested, non-ASCII login body, checked against Python.
        assert_eq!(
            sig(
                "/api/v1/snapTrade/login",
                "clientId=PASSIVTEST&timestamp=1635790389&userId=u%C3%A9+1&userSecret=s%2Fx",
                Some(
                    r#"{"broker":"ALPACA","immediateRedirect":true,"customRedirect":"https://example.com/cb?x=1&y=é","reconnect":"4d4b5b28-1a76-4ef4-9c3a-0e1a2b3c4d5e","connectionType":"trade"}"#
                )
            ),
            "cldhFA/8ip2Gz7TMxKwBRvSodmINGh/vubRxMBBr+ys="
        );
    }

    #[test]
    fn canonical_json_matches_python_byte_for_byte() {
        let v: Value = serde_json::from_str(
            r#"{"z":[1,2.5,1e16,1.5e-05,-0.0,100.0,0.0001,123456789012345680000.0,{"b":null,"a":true}],"é":"naïve \"q\" \\ \n\t\u0001 😀 ü","A":-3,"big":18446744073709551615}"#,
        )
        .unwrap();
        // json.dumps(v, separators=(",", ":"), sort_keys=True)
        assert_eq!(
            canonical_json(&v),
            r#"{"A":-3,"big":18446744073709551615,"z":[1,2.5,1e+16,1.5e-05,-0.0,100.0,0.0001,1.2345678901234568e+20,{"a":true,"b":null}],"\u00e9":"na\u00efve \"q\" \\ \n\t\u0001 \ud83d\ude00 \u00fc"}"#
        );
        assert_eq!(
            canonical_json(&Value::String("\u{7f}".into())),
            r#""\u007f""#
        );
        assert_eq!(canonical_json(&serde_json::json!(0.1)), "0.1");
        assert_eq!(canonical_json(&serde_json::json!(1e-5)), "1e-05");
        assert_eq!(canonical_json(&serde_json::json!(-2.5e300)), "-2.5e+300");
        assert_eq!(canonical_json(&serde_json::json!(1234.5)), "1234.5");
    }

    #[test]
    fn non_json_body_is_a_signing_error_without_content() {
        let err =
            signature(&SecretString::from(KEY), "/p", "q", Some(b"userSecret=abc")).unwrap_err();
        assert!(matches!(&err, Error::Auth(e) if e.kind() == AuthErrorKind::Signing));
        assert!(!format!("{err} {err:?}").contains("abc"));
    }

    #[test]
    fn signer_rewrites_the_query_and_signs_what_is_sent() {
        let signer = Signer::new("PASSIVTEST", SecretString::from(KEY));
        let mut request = http::Request::new(Bytes::new());
        *request.uri_mut() =
            "https://api.snaptrade.com/api/v1/snapTrade/login?userId=snaptrade-user-123&userSecret=USERSECRET123"
                .parse()
                .unwrap();
        let cx = SignContext {
            operation: "login",
            attempt: 1,
            now: UNIX_EPOCH + Duration::from_secs(1_635_790_389),
        };
        signer.sign_request(&mut request, cx).unwrap();
        assert_eq!(
            request.uri(),
            "https://api.snaptrade.com/api/v1/snapTrade/login?clientId=PASSIVTEST&timestamp=1635790389&userId=snaptrade-user-123&userSecret=USERSECRET123"
        );
        let value = &request.headers()["signature"];
        assert!(value.is_sensitive());
        assert_eq!(value, "eGf1bg+QtcPrGVIvY/YIm8MxS0OaMuFRgVJ9ZMFyM8g=");
        // Signing again (a retry) replaces the old clientId/timestamp instead of adding more.
        let cx = SignContext {
            now: cx.now + Duration::from_secs(2),
            ..cx
        };
        signer.sign_request(&mut request, cx).unwrap();
        assert_eq!(
            request.uri().query(),
            Some(
                "clientId=PASSIVTEST&timestamp=1635790391&userId=snaptrade-user-123&userSecret=USERSECRET123"
            )
        );
        assert!(!format!("{signer:?}").contains(KEY));
    }
}
