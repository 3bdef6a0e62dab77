//! Operations as small values: what a provider crate hands to [`crate::Client::execute`].
//!
//! A provider crate describes *what* to send (id, method, percent-encoded path, query, JSON
//! body, expected statuses, idempotency); core decides *how* (URL, headers, signing, retries,
//! timeouts, decoding). Provider crates never touch the HTTP library.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;

use crate::error::{Error, InvalidRequest};
use crate::retry::RetryPolicy;
use crate::secret::{ExposeSecret, REDACTED, SecretString};

/// Whether an operation may be sent more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating the request has no extra effect (GET, DELETE, token issuance...).
    Safe,
    /// The request carries this idempotency key; the server deduplicates repeats.
    Key(IdempotencyKey),
    /// Repeating could duplicate a side effect: only retried when it certainly never left.
    Unsafe,
}

impl Idempotency {
    /// Whether the request may be repeated after it may have reached the server.
    pub fn is_replay_safe(&self) -> bool {
        !matches!(self, Idempotency::Unsafe)
    }
}

/// A validated idempotency key: 1 to 255 visible ASCII characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(HeaderValue);

impl IdempotencyKey {
    /// The longest key accepted.
    pub const MAX_LEN: usize = 255;

    /// Validates a caller-provided key.
    ///
    /// ```
    /// use fintra_core::IdempotencyKey;
    /// assert!(IdempotencyKey::new("order-42").is_ok());
    /// assert!(IdempotencyKey::new("").is_err());
    /// assert!(IdempotencyKey::new("a b").is_err());
    /// ```
    pub fn new(key: impl AsRef<str>) -> Result<Self, InvalidRequest> {
        let key = key.as_ref();
        if key.is_empty() || key.len() > Self::MAX_LEN {
            return Err(InvalidRequest::new(
                "idempotency_key",
                format!("must be 1 to {} characters long", Self::MAX_LEN),
            ));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidRequest::new(
                "idempotency_key",
                "must contain only visible ASCII characters",
            ));
        }
        HeaderValue::from_str(key)
            .map(IdempotencyKey)
            .map_err(|_| InvalidRequest::new("idempotency_key", "is not a valid header value"))
    }

    /// A fresh random key, `auto_` followed by a UUID v4 (the convention of the Svix clients).
    ///
    /// The 122 random bits come from a fast thread-local generator seeded from the OS
    /// (`fastrand`), not from a system call per key: a key must be unique, not secret (it
    /// only deduplicates requests that carry the caller's credentials anyway).
    pub fn generate() -> Self {
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&fastrand::u64(..).to_le_bytes());
        random[8..].copy_from_slice(&fastrand::u64(..).to_le_bytes());
        let uuid = uuid::Builder::from_random_bytes(random).into_uuid();
        let mut text = [0u8; 5 + uuid::fmt::Hyphenated::LENGTH];
        text[..5].copy_from_slice(b"auto_");
        uuid.hyphenated().encode_lower(&mut text[5..]);
        IdempotencyKey(
            HeaderValue::from_bytes(&text).expect("auto_ and a hyphenated uuid are header-safe"),
        )
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    pub(crate) fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone)]
pub(crate) enum QueryValue {
    Plain(String),
    Secret(SecretString),
}

impl QueryValue {
    pub(crate) fn expose(&self) -> &str {
        match self {
            QueryValue::Plain(s) => s,
            QueryValue::Secret(s) => s.expose_secret(),
        }
    }
}

/// One API call, described as a value.
///
/// ```
/// use fintra_core::{Idempotency, Operation, encode_path_segment};
/// use http::StatusCode;
///
/// #[derive(serde::Serialize)]
/// struct Body { name: &'static str }
///
/// let op = Operation::post("CreateThing", format!("/things/{}/items", encode_path_segment("a b")))
///     .query("verbose", "true")
///     .json(&Body { name: "x" })
///     .unwrap()
///     .expect_status(StatusCode::CREATED)
///     .with_idempotency(Idempotency::Unsafe);
/// assert_eq!(op.path(), "/things/a%20b/items");
/// ```
#[derive(Clone)]
pub struct Operation {
    pub(crate) id: &'static str,
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(Cow<'static, str>, QueryValue)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) success: Vec<StatusCode>,
    pub(crate) idempotency: Idempotency,
    pub(crate) sensitive: bool,
    pub(crate) rust_method: Option<&'static str>,
}

impl Operation {
    /// An operation with `method` on `path` (already percent-encoded, starting with `/`).
    ///
    /// GET, HEAD, OPTIONS and DELETE default to [`Idempotency::Safe`]; everything else,
    /// PUT included, to [`Idempotency::Unsafe`] (a provider's PUT may rotate a secret), so a
    /// write is never repeated unless its operation says so with [`Operation::with_idempotency`].
    pub fn new(id: &'static str, method: Method, path: impl Into<String>) -> Self {
        let idempotency = if method.is_safe() || method == Method::DELETE {
            Idempotency::Safe
        } else {
            Idempotency::Unsafe
        };
        Operation {
            id,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            success: Vec::new(),
            idempotency,
            sensitive: false,
            rust_method: None,
        }
    }
    /// A GET operation.
    pub fn get(id: &'static str, path: impl Into<String>) -> Self {
        Self::new(id, Method::GET, path)
    }
    /// A POST operation.
    pub fn post(id: &'static str, path: impl Into<String>) -> Self {
        Self::new(id, Method::POST, path)
    }
    /// A PUT operation.
    pub fn put(id: &'static str, path: impl Into<String>) -> Self {
        Self::new(id, Method::PUT, path)
    }
    /// A DELETE operation.
    pub fn delete(id: &'static str, path: impl Into<String>) -> Self {
        Self::new(id, Method::DELETE, path)
    }

    /// Adds a query parameter (encoded by the client).
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        self.query
            .push((name.into(), QueryValue::Plain(value.into())));
        self
    }

    /// Adds a query parameter whose value is a secret: it is sent, but never logged or
    /// printed by `Debug`.
    pub fn secret_query(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: &SecretString,
    ) -> Self {
        self.query
            .push((name.into(), QueryValue::Secret(value.clone())));
        self
    }

    /// Adds a header to this operation.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        crate::headers::append(&mut self.headers, name, value);
        self
    }

    /// Serializes `body` as the JSON request body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            InvalidRequest::new("body", format!("could not be serialized as JSON: {e}"))
        })?;
        self.body = Some(Bytes::from(bytes));
        Ok(self)
    }

    /// Uses `body` (already JSON) as the request body.
    pub fn json_bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Adds a status that counts as success. Without any, every 2xx does.
    pub fn expect_status(mut self, status: StatusCode) -> Self {
        self.success.push(status);
        self
    }

    /// Declares whether the operation may be repeated.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// Marks request and response bodies as carrying secrets: they are never logged, an
    /// [`crate::ApiError`]'s `Debug` shows only the body's length, and a decode error does not
    /// quote the body's values.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Names the Rust method that makes this call, e.g.
    /// `"ConnectComponentsClient::get_configuration"`: errors and tracing show it beside the
    /// spec operation id, so a user finds the call in their own code.
    ///
    /// ```
    /// use fintra_core::Operation;
    /// let op = Operation::get("get-configurations", "/configurations")
    ///     .rust_method("ConnectComponentsClient::list_configurations");
    /// assert_eq!(op.method_name(), Some("ConnectComponentsClient::list_configurations"));
    /// ```
    pub fn rust_method(mut self, name: &'static str) -> Self {
        self.rust_method = Some(name);
        self
    }

    /// The Rust method name, if the provider crate set one.
    pub fn method_name(&self) -> Option<&'static str> {
        self.rust_method
    }

    /// The operation id (used in errors and tracing).
    pub fn id(&self) -> &'static str {
        self.id
    }
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The encoded path.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The request body.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }
    /// The declared idempotency.
    pub fn idempotency(&self) -> &Idempotency {
        &self.idempotency
    }

    pub(crate) fn is_success(&self, status: StatusCode) -> bool {
        if self.success.is_empty() {
            status.is_success()
        } else {
            self.success.contains(&status)
        }
    }
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query: Vec<_> = self
            .query
            .iter()
            .map(|(k, v)| match v {
                QueryValue::Plain(v) => format!("{k}={v}"),
                QueryValue::Secret(_) => format!("{k}={REDACTED}"),
            })
            .collect();
        f.debug_struct("Operation")
            .field("id", &self.id)
            .field("rust_method", &self.rust_method)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &query)
            .field("idempotency", &self.idempotency)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("{} bytes", b.len())),
            )
            .finish()
    }
}

/// Per-call overrides of the client's settings.
///
/// ```
/// use std::time::Duration;
/// use fintra_core::{IdempotencyKey, RequestOptions, RetryPolicy};
/// let opts = RequestOptions::new()
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::none())
///     .with_idempotency_key(IdempotencyKey::new("order-42").unwrap());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    pub(crate) headers: HeaderMap,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }
    /// Deadline for the whole call, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Deadline for each attempt.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }
    /// Retry policy for this call.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// Idempotency key for this call; makes it safe to retry. Sent on every attempt.
    pub fn with_idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
    /// The caller's idempotency key, if any.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.idempotency_key.as_ref()
    }
    /// An extra header for this call.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        crate::headers::append(&mut self.headers, name, value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_idempotency_follows_method() {
        assert_eq!(Operation::get("a", "/").idempotency, Idempotency::Safe);
        assert_eq!(Operation::delete("a", "/").idempotency, Idempotency::Safe);
        assert_eq!(Operation::post("a", "/").idempotency, Idempotency::Unsafe);
        assert_eq!(Operation::put("a", "/").idempotency, Idempotency::Unsafe);
    }

    #[test]
    fn generated_keys_are_unique_and_prefixed() {
        let a = IdempotencyKey::generate();
        let b = IdempotencyKey::generate();
        assert!(a.as_str().starts_with("auto_"));
        assert_eq!(a.as_str().len(), "auto_".len() + 36);
        assert_ne!(a, b);
    }

    #[test]
    fn generated_keys_are_version_4_uuids() {
        for _ in 0..100 {
            let key = IdempotencyKey::generate();
            let uuid = uuid::Uuid::parse_str(&key.as_str()["auto_".len()..]).unwrap();
            assert_eq!(uuid.get_version_num(), 4);
            assert_eq!(uuid.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(
                uuid.hyphenated().to_string(),
                &key.as_str()["auto_".len()..]
            );
        }
    }

    #[test]
    fn too_long_key_rejected() {
        assert!(IdempotencyKey::new("k".repeat(255)).is_ok());
        assert!(IdempotencyKey::new("k".repeat(256)).is_err());
    }

    #[test]
    fn debug_hides_secret_query_values() {
        let op =
            Operation::get("a", "/x").secret_query("userSecret", &SecretString::from("hunter2"));
        let text = format!("{op:?}");
        assert!(!text.contains("hunter2"));
        assert!(text.contains("userSecret=[REDACTED]"));
    }
}
