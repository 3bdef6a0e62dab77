//! SnapTrade's failure bodies and rate-limit hints.
//!
//! The documented shapes are `{default_detail, default_code}` (`400`, `401`, `403`, `404`
//! FailedRequestResponse) and `{detail, status_code, code}` (`500UnexpectedExceptionResponse`,
//! `429TooManyRequestsResponse`); codes are numbers or strings.

use std::time::Duration;

use bytes::Bytes;
use fintra_core::retry::{AttemptOutcome, ClassifyContext, RetryClassifier, RetryDecision};
use fintra_core::{ApiError, ErrorDetails, ErrorParser, ProviderError};
use http::{HeaderMap, StatusCode};
use serde_json::Value;

/// A SnapTrade failure: HTTP status, SnapTrade's code and detail, and the raw body (which,
/// like [`ApiError::body`], may quote a secret of the request: do not log it). Read from any
/// [`fintra_core::Error`] with [`Error::provider`](fintra_core::Error::provider).
///
/// ```
/// use fintra_core::{ApiError, Error};
/// use fintra_snaptrade::SnapTradeError;
/// use http::StatusCode;
///
/// let api = Error::from(ApiError::new("op", StatusCode::FORBIDDEN,
///     r#"{"default_detail":"User does not have permission to access this resource","default_code":1066}"#));
/// let err = api.provider::<SnapTradeError>().unwrap();
/// assert_eq!(err.code.as_deref(), Some("1066"));
/// assert_eq!(err.status, StatusCode::FORBIDDEN);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnapTradeError {
    /// The HTTP status.
    pub status: StatusCode,
    /// SnapTrade's code (`default_code` or `code`), as text: `1076`, `throttled`...
    pub code: Option<String>,
    /// SnapTrade's message (`default_detail` or `detail`).
    pub detail: Option<String>,
    /// The body exactly as received.
    pub body: Bytes,
}

impl ProviderError for SnapTradeError {
    /// Decodes an API error's body; code and detail are `None` when it has neither shape
    /// (so this is always `Some`).
    fn from_api(err: &ApiError) -> Option<Self> {
        let (code, detail) = parse(err.body());
        Some(SnapTradeError {
            status: err.status(),
            code,
            detail,
            body: err.body().clone(),
        })
    }
}

fn parse(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |key: &str| match map.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    (
        text("code").or_else(|| text("default_code")),
        text("detail")
            .or_else(|| text("default_detail"))
            .or_else(|| text("message")),
    )
}

/// Fills [`ApiError::code`]/[`ApiError::message`] from SnapTrade's failure bodies.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapTradeErrorParser;

impl ErrorParser for SnapTradeErrorParser {
    fn parse(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> ErrorDetails {
        let (code, detail) = parse(body);
        let view = SnapTradeError {
            status,
            code: code.clone(),
            detail: detail.clone(),
            body: Bytes::copy_from_slice(body),
        };
        ErrorDetails::new(code, detail.map(with_likely_cause)).with_view(view)
    }
}

/// SnapTrade's answer to a signature it cannot verify.
const SIGNATURE_REJECTED: &str = "Unable to verify signature sent";

/// Adds what usually causes SnapTrade's terser messages.
fn with_likely_cause(message: String) -> String {
    if message.trim_end_matches('.') == SIGNATURE_REJECTED {
        format!(
            "{message} (likely cause: the consumer key does not belong to this client id, e.g. \
             a key from another SnapTrade app or environment, or this machine's clock is off; \
             check the client id and consumer key pair, and the system time)"
        )
    } else {
        message
    }
}

/// The rate-limit headers SnapTrade may send, per limit: (remaining, reset in seconds).
const LIMITS: [(&str, &str); 2] = [
    ("x-ratelimit-remaining", "x-ratelimit-reset"),
    ("x-ratelimit-account-remaining", "x-ratelimit-account-reset"),
];

/// Headers whose values may be logged and kept in errors.
pub(crate) const RATE_LIMIT_HEADERS: [&str; 6] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-account-limit",
    "x-ratelimit-account-remaining",
    "x-ratelimit-account-reset",
];

/// On a 429 without `Retry-After`, waits for the `X-RateLimit-*-Reset` of the exhausted
/// limit (the one whose `-Remaining` is 0), else for the body's hint ("Request was
/// throttled. Expected available in 7 seconds."), else falls back to the policy's backoff.
/// Whether to retry at all stays core's decision (only replay-safe operations are).
#[derive(Debug, Clone, Copy, Default)]
pub struct RateLimitClassifier;

impl RetryClassifier for RateLimitClassifier {
    fn classify(
        &self,
        _cx: &ClassifyContext<'_>,
        outcome: AttemptOutcome<'_>,
        default: RetryDecision,
    ) -> RetryDecision {
        match (outcome, default) {
            (
                AttemptOutcome::Response {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    headers,
                    body,
                },
                RetryDecision::Retry { kind, after: None },
            ) => RetryDecision::Retry {
                kind,
                after: exhausted_limit_reset(headers).or_else(|| throttle_hint(body)),
            },
            _ => default,
        }
    }
}

fn exhausted_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    LIMITS
        .iter()
        .filter(|(remaining, _)| number(remaining) == Some(0))
        .filter_map(|(_, reset)| number(reset))
        .max()
        .map(Duration::from_secs)
}

/// The wait in SnapTrade's 429 body: `"detail": "… Expected available in N seconds."`.
fn throttle_hint(body: &[u8]) -> Option<Duration> {
    let (_, detail) = parse(body);
    let detail = detail?;
    let (_, rest) = detail.split_once("Expected available in ")?;
    let seconds = rest.split_once(" second")?.0.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_body_shapes_decode() {
        assert_eq!(
            parse(br#"{"default_detail":"Unable to verify data sent","default_code":1076}"#),
            (
                Some("1076".into()),
                Some("Unable to verify data sent".into())
            )
        );
        assert_eq!(
            parse(br#"{"detail":"Connection refreshed too recently. Please try again later.","status_code":429,"code":"throttled"}"#),
            (
                Some("throttled".into()),
                Some("Connection refreshed too recently. Please try again later.".into())
            )
        );
        assert_eq!(parse(b"<html>"), (None, None));
        assert_eq!(parse(b"[1]"), (None, None));
    }

    #[test]
    fn throttle_hint_from_the_documented_body() {
        assert_eq!(
            throttle_hint(
                br#"{"detail":"Request was throttled. Expected available in 7 seconds.","status_code":429,"code":"0000"}"#
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            throttle_hint(br#"{"detail":"Expected available in 1 second."}"#),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            throttle_hint(br#"{"detail":"Connection refreshed too recently. Please try again later.","status_code":429,"code":"throttled"}"#),
            None
        );
        assert_eq!(
            throttle_hint(br#"{"detail":"Expected available in soon seconds"}"#),
            None
        );
        assert_eq!(throttle_hint(b"<html>"), None);
    }

    #[test]
    fn signature_failures_name_the_likely_cause() {
        let d = SnapTradeErrorParser.parse(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            br#"{"default_detail":"Unable to verify signature sent","default_code":1076}"#,
        );
        let message = d.message.unwrap();
        assert!(
            message.starts_with("Unable to verify signature sent (likely cause: the consumer key")
        );
        assert!(message.contains("clock"));
        let d = SnapTradeErrorParser.parse(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            br#"{"default_detail":"Unable to verify data sent","default_code":1076}"#,
        );
        assert_eq!(d.message.as_deref(), Some("Unable to verify data sent"));
    }

    #[test]
    fn reset_of_the_exhausted_limit() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "12".parse().unwrap());
        h.insert("x-ratelimit-reset", "40".parse().unwrap());
        assert_eq!(exhausted_limit_reset(&h), None);
        h.insert("x-ratelimit-account-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-account-reset", "7".parse().unwrap());
        assert_eq!(exhausted_limit_reset(&h), Some(Duration::from_secs(7)));
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        assert_eq!(exhausted_limit_reset(&h), Some(Duration::from_secs(40)));
    }
}
