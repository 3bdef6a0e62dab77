//! Verifying the webhooks a Svix-style service sends (the official crate's `Webhook`).
//!
//! Each delivery carries three headers, `svix-id`, `svix-timestamp` (Unix seconds) and
//! `svix-signature`, or the unbranded `webhook-id`, `webhook-timestamp`, `webhook-signature`.
//! The signature header is a space-separated list of `v1,<base64>` entries, each
//! `base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))`; any one matching entry is enough.
//! The key is the base64 part of the endpoint secret `whsec_…`.
//!
//! [`Webhook::verify`] checks the signature in constant time, refuses timestamps more than
//! five minutes away from the (injectable) clock in either direction, and returns the parsed
//! JSON body. Verify the **raw body bytes** as received, before any parsing.
//!
//! ```
//! use fintra_app_portal::webhook::Webhook;
//! use http::HeaderMap;
//!
//! let wh = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//! let payload = br#"{"type":"invoice.paid"}"#;
//! let now = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH)
//!     .unwrap()
//!     .as_secs() as i64;
//! let mut headers = HeaderMap::new();
//! headers.insert("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap());
//! headers.insert("svix-timestamp", now.to_string().parse().unwrap());
//! let signature = wh.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", now, payload)?;
//! headers.insert("svix-signature", signature.parse().unwrap());
//!
//! let event = wh.verify(payload, &headers)?;
//! assert_eq!(event["type"], "invoice.paid");
//! # Ok::<(), fintra_app_portal::webhook::WebhookError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fintra_core::secret::REDACTED;
use fintra_core::time::{Clock, SystemClock};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretSlice};
use serde::de::DeserializeOwned;
use sha2::Sha256;

/// The prefix of an endpoint secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a timestamp may be from now, in either direction.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;
const SIGNATURE_VERSION: &str = "v1";

/// (svix header, unbranded header, what it is).
const ID: (&str, &str, &str) = ("svix-id", "webhook-id", "id");
const TIMESTAMP: (&str, &str, &str) = ("svix-timestamp", "webhook-timestamp", "timestamp");
const SIGNATURE: (&str, &str, &str) = ("svix-signature", "webhook-signature", "signature");

/// Why a webhook was not accepted. Never contains the secret, the body or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The endpoint secret is not base64 (after the optional `whsec_` prefix).
    #[error(
        "the webhook secret is not valid: expected `whsec_` followed by base64, as shown on the \
         endpoint's page"
    )]
    InvalidSecret,
    /// The endpoint secret is empty.
    #[error("the webhook secret is empty: pass the endpoint's `whsec_…` signing secret")]
    EmptySecret,
    /// A header is missing.
    #[error(
        "the webhook has no `{0}` header (nor its `webhook-` variant): pass the request's \
         headers unchanged"
    )]
    MissingHeader(&'static str),
    /// A header is not visible ASCII.
    #[error("the webhook's `{0}` header is not valid ASCII")]
    InvalidHeader(&'static str),
    /// The timestamp header is not a non-negative number of seconds.
    #[error("the webhook timestamp is not a number of seconds since 1970")]
    InvalidTimestamp,
    /// The timestamp is more than five minutes old (a replay, or a slow queue).
    #[error(
        "the webhook timestamp is more than 5 minutes old: refuse it (a replay?) or check this \
         machine's clock"
    )]
    TimestampTooOld,
    /// The timestamp is more than five minutes in the future.
    #[error(
        "the webhook timestamp is more than 5 minutes in the future: check this machine's clock"
    )]
    FutureTimestamp,
    /// No `v1` signature matches.
    #[error(
        "no webhook signature matches: check that the secret is this endpoint's and that the \
         body is verified exactly as received (before any parsing)"
    )]
    InvalidSignature,
    /// The body is not UTF-8, or not JSON.
    #[error("the webhook body is not UTF-8 JSON")]
    InvalidPayload,
}

/// Verifies (and, for tests, signs) webhooks with one endpoint secret. `Debug` redacts the
/// key.
#[derive(Clone)]
pub struct Webhook {
    key: SecretSlice<u8>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("key", &REDACTED)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Webhook {
    /// A verifier for the endpoint secret `whsec_<base64>` (the prefix is optional).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| WebhookError::InvalidSecret)?;
        Self::from_bytes(key)
    }

    /// A verifier for a raw key.
    pub fn from_bytes(key: Vec<u8>) -> Result<Self, WebhookError> {
        if key.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        Ok(Webhook {
            key: SecretSlice::from(key),
            clock: Arc::new(SystemClock),
        })
    }

    /// Reads "now" from `clock` (for tests, or a server with its own time source).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Verifies `payload` (the raw body) against `headers` and returns the parsed JSON body.
    pub fn verify(
        &self,
        payload: &[u8],
        headers: &HeaderMap,
    ) -> Result<serde_json::Value, WebhookError> {
        self.verify_as(payload, headers)
    }

    /// [`Webhook::verify`], decoding the body into `T`.
    pub fn verify_as<T: DeserializeOwned>(
        &self,
        payload: &[u8],
        headers: &HeaderMap,
    ) -> Result<T, WebhookError> {
        self.check(payload, headers, true)?;
        serde_json::from_slice(payload).map_err(|_| WebhookError::InvalidPayload)
    }

    /// Checks only the signature, not the timestamp's age (for replaying stored deliveries).
    pub fn verify_ignoring_timestamp(
        &self,
        payload: &[u8],
        headers: &HeaderMap,
    ) -> Result<serde_json::Value, WebhookError> {
        self.check(payload, headers, false)?;
        serde_json::from_slice(payload).map_err(|_| WebhookError::InvalidPayload)
    }

    fn check(
        &self,
        payload: &[u8],
        headers: &HeaderMap,
        enforce_tolerance: bool,
    ) -> Result<(), WebhookError> {
        let msg_id = header(headers, ID)?;
        let signatures = header(headers, SIGNATURE)?;
        let timestamp: i64 = header(headers, TIMESTAMP)?
            .parse()
            .map_err(|_| WebhookError::InvalidTimestamp)?;
        if enforce_tolerance {
            if timestamp < 0 {
                return Err(WebhookError::InvalidTimestamp);
            }
            let now = self
                .clock
                .now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            if timestamp.saturating_add(TOLERANCE_SECONDS) < now {
                return Err(WebhookError::TimestampTooOld);
            }
            if timestamp > now.saturating_add(TOLERANCE_SECONDS) {
                return Err(WebhookError::FutureTimestamp);
            }
        }
        let expected = self.signature(msg_id, timestamp, payload)?;
        let matches = signatures
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == SIGNATURE_VERSION)
            .any(|(_, sig)| constant_time_eq(sig.as_bytes(), expected.as_bytes()));
        if matches {
            Ok(())
        } else {
            Err(WebhookError::InvalidSignature)
        }
    }

    /// The base64 HMAC of `{msg_id}.{timestamp}.{payload}`.
    fn signature(
        &self,
        msg_id: &str,
        timestamp: i64,
        payload: &[u8],
    ) -> Result<String, WebhookError> {
        let payload = std::str::from_utf8(payload).map_err(|_| WebhookError::InvalidPayload)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.key.expose_secret())
            .map_err(|_| WebhookError::InvalidSecret)?;
        mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
        mac.update(payload.as_bytes());
        Ok(STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// The `svix-signature` value for a delivery (`v1,<base64>`): for tests and fakes.
    pub fn sign(
        &self,
        msg_id: &str,
        timestamp: i64,
        payload: &[u8],
    ) -> Result<String, WebhookError> {
        Ok(format!(
            "{SIGNATURE_VERSION},{}",
            self.signature(msg_id, timestamp, payload)?
        ))
    }
}

/// The `svix-*` header, else its `webhook-*` variant.
fn header<'h>(
    headers: &'h HeaderMap,
    (svix, unbranded, what): (&str, &str, &'static str),
) -> Result<&'h str, WebhookError> {
    let value = headers
        .get(svix)
        .or_else(|| headers.get(unbranded))
        .ok_or(WebhookError::MissingHeader(what))?;
    value
        .to_str()
        .map_err(|_| WebhookError::InvalidHeader(what))
}

/// Equal length and contents, without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
