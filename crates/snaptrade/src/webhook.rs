//! Verifying SnapTrade webhooks.
//!
//! SnapTrade signs each delivery with the **consumer key** (the one that signs requests; the
//! older per-app webhook secrets are deprecated) and sends the result in one `Signature`
//! header:
//!
//! ```text
//! Signature = base64(HMAC-SHA256(consumerKey, json.dumps(body, sort_keys=True, separators=(",", ":"))))
//! ```
//!
//! that is, over the canonical JSON of the *parsed* body ([`crate::canonical`]), not the raw
//! bytes. [`WebhookVerifier::verify`] recomputes it, compares in constant time, refuses a
//! payload whose `eventTimestamp` is more than 300 seconds old (by an injectable clock; the
//! documented check has no lower bound, so future timestamps pass) and returns a typed
//! [`WebhookEvent`].
//!
//! ```
//! use fintra_core::secret::SecretString;
//! use fintra_snaptrade::webhook::{WebhookEventType, WebhookVerifier};
//! use http::HeaderMap;
//!
//! let verifier = WebhookVerifier::new(&SecretString::from("consumer-key"));
//! let body = br#"{"webhookId":"dbaee13a-1184-4677-9741-b6845e60ee3a","clientId":"phjBdpKfpN",
//!     "eventTimestamp":"2099-05-31T11:16:54.658533+00:00","userId":"user-1",
//!     "eventType":"USER_REGISTERED"}"#;
//! let mut headers = HeaderMap::new();
//! headers.insert("Signature", verifier.sign(body)?.parse().unwrap());
//! let event = verifier.verify(body, &headers)?;
//! assert_eq!(event.event_type, WebhookEventType::UserRegistered);
//! assert_eq!(event.user_id.as_deref(), Some("user-1"));
//! # Ok::<(), fintra_snaptrade::webhook::WebhookError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fintra_core::secret::{ExposeSecret, REDACTED, SecretString};
use fintra_core::time::{Clock, SystemClock};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use serde_json::Value;
use sha2::Sha256;

use crate::canonical::{CanonicalJsonError, canonicalize};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "Signature";
/// The oldest `eventTimestamp` accepted.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// Why a SnapTrade webhook was not accepted. Never contains the key, the body or the
/// signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `Signature` header, or not ASCII.
    #[error("the webhook has no readable `Signature` header: pass the request's headers unchanged")]
    MissingSignature,
    /// The signature does not match.
    #[error(
        "the webhook signature does not match: check that the verifier uses the consumer key of \
         the client id named in the payload (webhook secrets are deprecated)"
    )]
    InvalidSignature,
    /// The body is not JSON Python would read (so it cannot be signed).
    #[error("the webhook body cannot be verified: {0}")]
    InvalidBody(CanonicalJsonError),
    /// The body is not an object with the documented fields.
    #[error("the webhook body is not a SnapTrade event: {0}")]
    InvalidEvent(&'static str),
    /// `eventTimestamp` is more than 300 seconds old.
    #[error(
        "the webhook's eventTimestamp is more than 300 seconds old: refuse it (a replay?) or \
         check this machine's clock"
    )]
    TooOld,
}

/// Verifies webhooks with the consumer key. `Debug` redacts the key.
#[derive(Clone)]
pub struct WebhookVerifier {
    mac: Hmac<Sha256>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("consumer_key", &REDACTED)
            .field("clock", &self.clock)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for deliveries signed with `consumer_key`.
    pub fn new(consumer_key: &SecretString) -> Self {
        WebhookVerifier {
            // HMAC accepts keys of any length.
            mac: <Hmac<Sha256> as Mac>::new_from_slice(consumer_key.expose_secret().as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length")),
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads "now" from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The `Signature` value SnapTrade would send for `body` (for tests and fakes).
    pub fn sign(&self, body: &[u8]) -> Result<String, WebhookError> {
        let canonical = canonicalize(body).map_err(WebhookError::InvalidBody)?;
        let mut mac = self.mac.clone();
        mac.update(canonical.as_bytes());
        Ok(STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Verifies the raw `body` against the `Signature` header and the 300-second window,
    /// and decodes the event.
    pub fn verify(&self, body: &[u8], headers: &HeaderMap) -> Result<WebhookEvent, WebhookError> {
        let signature = headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(WebhookError::MissingSignature)?;
        self.verify_signature(body, signature)
    }

    /// [`WebhookVerifier::verify`] with the header's value.
    pub fn verify_signature(
        &self,
        body: &[u8],
        signature: &str,
    ) -> Result<WebhookEvent, WebhookError> {
        let expected = self.sign(body)?;
        if !constant_time_eq(expected.as_bytes(), signature.trim().as_bytes()) {
            return Err(WebhookError::InvalidSignature);
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|_| WebhookError::InvalidEvent("not JSON"))?;
        let event = WebhookEvent::from_value(&value)?;
        let sent = parse_iso8601_micros(&event.event_timestamp).ok_or(
            WebhookError::InvalidEvent("eventTimestamp is not an ISO 8601 time with an offset"),
        )?;
        let now = self
            .clock
            .now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        if now.saturating_sub(sent) > MAX_AGE.as_micros() as i64 {
            return Err(WebhookError::TooOld);
        }
        Ok(event)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The documented `eventType` values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookEventType {
    /// `USER_REGISTERED`
    UserRegistered,
    /// `USER_DELETED`
    UserDeleted,
    /// `CONNECTION_ATTEMPTED`
    ConnectionAttempted,
    /// `CONNECTION_ADDED`
    ConnectionAdded,
    /// `CONNECTION_DELETED`
    ConnectionDeleted,
    /// `CONNECTION_BROKEN`
    ConnectionBroken,
    /// `CONNECTION_FIXED`
    ConnectionFixed,
    /// `CONNECTION_UPDATED`
    ConnectionUpdated,
    /// `CONNECTION_FAILED`
    ConnectionFailed,
    /// `NEW_ACCOUNT_AVAILABLE`
    NewAccountAvailable,
    /// `ACCOUNT_TRANSACTIONS_INITIAL_UPDATE`
    AccountTransactionsInitialUpdate,
    /// `ACCOUNT_TRANSACTIONS_UPDATED`
    AccountTransactionsUpdated,
    /// `ACCOUNT_REMOVED`
    AccountRemoved,
    /// `ACCOUNT_HOLDINGS_UPDATED`
    AccountHoldingsUpdated,
    /// `TRADE_DETECTION`
    TradeDetection,
    /// `TRADE_UPDATE`
    TradeUpdate,
    /// Any other value, as sent.
    Other(String),
}

impl WebhookEventType {
    const KNOWN: [(&'static str, WebhookEventType); 16] = [
        ("USER_REGISTERED", Self::UserRegistered),
        ("USER_DELETED", Self::UserDeleted),
        ("CONNECTION_ATTEMPTED", Self::ConnectionAttempted),
        ("CONNECTION_ADDED", Self::ConnectionAdded),
        ("CONNECTION_DELETED", Self::ConnectionDeleted),
        ("CONNECTION_BROKEN", Self::ConnectionBroken),
        ("CONNECTION_FIXED", Self::ConnectionFixed),
        ("CONNECTION_UPDATED", Self::ConnectionUpdated),
        ("CONNECTION_FAILED", Self::ConnectionFailed),
        ("NEW_ACCOUNT_AVAILABLE", Self::NewAccountAvailable),
        (
            "ACCOUNT_TRANSACTIONS_INITIAL_UPDATE",
            Self::AccountTransactionsInitialUpdate,
        ),
        (
            "ACCOUNT_TRANSACTIONS_UPDATED",
            Self::AccountTransactionsUpdated,
        ),
        ("ACCOUNT_REMOVED", Self::AccountRemoved),
        ("ACCOUNT_HOLDINGS_UPDATED", Self::AccountHoldingsUpdated),
        ("TRADE_DETECTION", Self::TradeDetection),
        ("TRADE_UPDATE", Self::TradeUpdate),
    ];

    /// The type named `name`.
    pub fn from_name(name: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| Self::Other(name.to_owned()), |(_, t)| t.clone())
    }

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(name) => name,
            known => Self::KNOWN
                .iter()
                .find(|(_, t)| t == known)
                .map_or("", |(n, _)| n),
        }
    }
}

/// A verified SnapTrade webhook: `WebhookBase` and the per-event fields, or an OAuth app's
/// `OAuthWebhookBase` (signed the same way, with that customer's consumer key). The
/// deprecated `webhookSecret` field is deliberately not kept.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// `eventType`.
    pub event_type: WebhookEventType,
    /// `webhookId` (or the spec's spelling `webookId`).
    pub webhook_id: Option<String>,
    /// `clientId`: the partner the delivery is for.
    pub client_id: Option<String>,
    /// `eventTimestamp` as sent (ISO 8601 with an offset).
    pub event_timestamp: String,
    /// `userId`.
    pub user_id: Option<String>,
    /// `brokerageId`.
    pub brokerage_id: Option<String>,
    /// `brokerageAuthorizationId`.
    pub brokerage_authorization_id: Option<String>,
    /// `accountId`.
    pub account_id: Option<String>,
    /// `connectionAttemptedResult` (e.g. `SUCCESS`, `INVALID_CREDENTIALS`).
    pub connection_attempted_result: Option<String>,
    /// `details`, as sent.
    pub details: Option<Value>,
    /// `schemaVersion` of OAuth-app deliveries (`OAuthWebhookBase`, e.g. `oauth_v1`).
    pub schema_version: Option<String>,
    /// `oauthClientId` of OAuth-app deliveries.
    pub oauth_client_id: Option<String>,
    /// `connectionId` of OAuth-app deliveries.
    pub connection_id: Option<String>,
}

impl WebhookEvent {
    fn from_value(value: &Value) -> Result<Self, WebhookError> {
        let map = value
            .as_object()
            .ok_or(WebhookError::InvalidEvent("not a JSON object"))?;
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(WebhookEvent {
            event_type: WebhookEventType::from_name(
                &text("eventType").ok_or(WebhookError::InvalidEvent("no eventType"))?,
            ),
            webhook_id: text("webhookId").or_else(|| text("webookId")),
            client_id: text("clientId"),
            event_timestamp: text("eventTimestamp")
                .ok_or(WebhookError::InvalidEvent("no eventTimestamp"))?,
            user_id: text("userId"),
            brokerage_id: text("brokerageId"),
            brokerage_authorization_id: text("brokerageAuthorizationId"),
            account_id: text("accountId"),
            connection_attempted_result: text("connectionAttemptedResult"),
            details: map.get("details").cloned(),
            schema_version: text("schemaVersion"),
            oauth_client_id: text("oauthClientId"),
            connection_id: text("connectionId"),
        })
    }
}

/// Microseconds since 1970 of an ISO 8601 time with an offset, as Python's
/// `datetime.fromisoformat` reads it (`2022-05-31T11:16:54.658533+00:00`, `…Z`); `None` for
/// anything else, including a time without an offset (Python cannot compare that with an
/// aware "now").
fn parse_iso8601_micros(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = &s[start..i];
        if digits.is_empty() || digits.len() > 6 {
            return None;
        }
        micros = format!("{digits:0<6}").parse().ok()?;
    }
    let offset_seconds = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') => {
            if b.len() != i + 6 || b[i + 3] != b':' {
                return None;
            }
            let minutes = num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?;
            if *sign == b'-' {
                -minutes * 60
            } else {
                minutes * 60
            }
        }
        _ => return None,
    };
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_as_python_reads_it() {
        assert_eq!(
            parse_iso8601_micros("2022-05-31T11:16:54.658533+00:00"),
            Some(1_653_995_814_658_533)
        );
        assert_eq!(
            parse_iso8601_micros("2022-05-31T13:16:54.5+02:00"),
            Some(1_653_995_814_500_000)
        );
        assert_eq!(parse_iso8601_micros("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso8601_micros("2000-02-29 23:59:59-01:30"),
            Some((951_868_799 + 5400) * 1_000_000)
        );
        for bad in [
            "2022-05-31T11:16:54",
            "2022-05-31",
            "2022-13-01T00:00:00Z",
            "2022-05-31T11:16:54.+00:00",
            "2022-05-31T11:16:54.1234567+00:00",
            "x022-05-31T11:16:54Z",
            "2022-05-31T11:16:54+0000",
        ] {
            assert_eq!(parse_iso8601_micros(bad), None, "{bad}");
        }
    }

    #[test]
    fn event_types_round_trip() {
        for (name, kind) in WebhookEventType::KNOWN {
            assert_eq!(WebhookEventType::from_name(name), kind);
            assert_eq!(kind.as_str(), name);
        }
        let other = WebhookEventType::from_name("SOMETHING_NEW");
        assert_eq!(other, WebhookEventType::Other("SOMETHING_NEW".into()));
        assert_eq!(other.as_str(), "SOMETHING_NEW");
    }
}
