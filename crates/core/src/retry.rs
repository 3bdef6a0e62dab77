//! Retry policy (how often, how long) and retry classification (whether an outcome may be
//! retried at all).
//!
//! The default classification:
//!
//! | outcome | retried when |
//! |---|---|
//! | connection failed (the request never left) | always |
//! | timeout, I/O error after sending | the operation is replay-safe |
//! | 408, 429, 5xx | the operation is replay-safe |
//! | anything else | never |
//!
//! An operation is replay-safe when it is a GET/DELETE or carries an idempotency key (see
//! [`crate::Idempotency`]). 429 and 503 honour `Retry-After` (delta-seconds or HTTP-date);
//! a hint longer than [`RetryPolicy::with_max_retry_after`] ends the retries instead of waiting.
//! Provider crates may refine the decision with a [`RetryClassifier`], but core never
//! retries a request that is not replay-safe once it may have been sent.

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode, header::RETRY_AFTER};

use crate::error::{TransportError, TransportErrorKind};

/// How many attempts and how long to wait between them.
///
/// ```
/// use std::time::Duration;
/// use fintra_core::{Jitter, RetryPolicy};
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100))
///     .with_max_backoff(Duration::from_secs(2))
///     .with_max_elapsed(Some(Duration::from_secs(30)))
///     .with_jitter(Jitter::Full);
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Option<Duration>,
    max_retry_after: Duration,
    jitter: Jitter,
}

/// Randomisation of backoff delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Wait a uniformly random time between zero and the exponential delay (AWS "full jitter").
    Full,
    /// Wait exactly the exponential delay (deterministic; for tests).
    None,
}

impl Default for RetryPolicy {
    /// 3 attempts, 250 ms doubling up to 20 s with full jitter, at most 60 s spent in all,
    /// server hints up to 60 s honoured.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            max_elapsed: Some(Duration::from_secs(60)),
            max_retry_after: Duration::from_secs(60),
            jitter: Jitter::Full,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy::default().with_max_attempts(1)
    }
    /// Total attempts, the first included (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
    /// Delay before the first retry.
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Upper bound of the exponential delay.
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Time budget for the whole call: no retry starts that would wait past it.
    pub fn with_max_elapsed(mut self, d: Option<Duration>) -> Self {
        self.max_elapsed = d;
        self
    }
    /// The longest server `Retry-After` hint that is waited for; a longer one ends retries
    /// and is reported in [`crate::ApiError::retry_after`].
    pub fn with_max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }
    /// Backoff randomisation.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }
    /// Total attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// The time budget.
    pub fn max_elapsed(&self) -> Option<Duration> {
        self.max_elapsed
    }

    /// The backoff before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        match self.jitter {
            Jitter::None => base,
            // `mul_f64` panics when f64 rounding pushes a maximal delay past `Duration::MAX`.
            Jitter::Full => Duration::try_from_secs_f64(base.as_secs_f64() * fastrand::f64())
                .map_or(base, |d| d.min(base)),
        }
    }

    /// The delay before retry number `retry` given the classifier's decision, or `None` when
    /// the server hint is longer than the policy accepts.
    pub(crate) fn delay(&self, retry: u32, hint: Option<Duration>) -> Option<Duration> {
        match hint {
            Some(h) if h > self.max_retry_after => None,
            Some(h) => Some(h),
            None => Some(self.backoff(retry)),
        }
    }
}

/// Why an attempt is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryKind {
    /// A connection failure or timeout.
    Transient,
    /// The server asked to slow down (429, or 503 with `Retry-After`).
    Throttled,
    /// A server error (5xx, 408).
    Server,
}

/// The outcome of classifying one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Give up and return the error.
    DoNotRetry,
    /// Retry, after the server's hint if it gave one, else after the policy's backoff.
    Retry {
        /// Why.
        kind: RetryKind,
        /// The server's `Retry-After` hint.
        after: Option<Duration>,
    },
}

/// One finished attempt, as seen by a classifier.
#[derive(Debug, Clone, Copy)]
pub enum AttemptOutcome<'a> {
    /// The server answered with a non-success status.
    Response {
        /// Status.
        status: StatusCode,
        /// Headers.
        headers: &'a HeaderMap,
        /// Raw body.
        body: &'a [u8],
    },
    /// No answer.
    Transport(&'a TransportError),
}

/// What the classifier knows about the call.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyContext<'a> {
    /// The operation id.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: &'a Method,
    /// Whether the request may be repeated after it may have reached the server.
    pub replay_safe: bool,
    /// The attempt that just finished (1-based).
    pub attempt: u32,
    /// The current time (for HTTP-date `Retry-After`).
    pub now: SystemTime,
}

/// A provider-specific refinement of the default decision (e.g. Finicity's `Recoverable`
/// flag, or an error code that must never be retried).
///
/// Whatever it returns, core never retries a request that is not replay-safe once it may
/// have reached the server.
pub trait RetryClassifier: Send + Sync + Debug {
    /// Returns the decision for `outcome`; `default` is the decision so far: core's own for
    /// the first classifier, the previous classifier's for the next ones.
    fn classify(
        &self,
        cx: &ClassifyContext<'_>,
        outcome: AttemptOutcome<'_>,
        default: RetryDecision,
    ) -> RetryDecision;
}

/// Core's default classification (see the module docs).
pub fn default_decision(cx: &ClassifyContext<'_>, outcome: AttemptOutcome<'_>) -> RetryDecision {
    match outcome {
        AttemptOutcome::Transport(e) => match e.kind() {
            TransportErrorKind::Connect => RetryDecision::Retry {
                kind: RetryKind::Transient,
                after: None,
            },
            TransportErrorKind::Timeout | TransportErrorKind::Io if cx.replay_safe => {
                RetryDecision::Retry {
                    kind: RetryKind::Transient,
                    after: None,
                }
            }
            _ => RetryDecision::DoNotRetry,
        },
        AttemptOutcome::Response {
            status, headers, ..
        } => {
            if !cx.replay_safe {
                return RetryDecision::DoNotRetry;
            }
            let hint = || parse_retry_after(headers, cx.now);
            match status {
                StatusCode::TOO_MANY_REQUESTS => RetryDecision::Retry {
                    kind: RetryKind::Throttled,
                    after: hint(),
                },
                StatusCode::SERVICE_UNAVAILABLE => match hint() {
                    Some(after) => RetryDecision::Retry {
                        kind: RetryKind::Throttled,
                        after: Some(after),
                    },
                    None => RetryDecision::Retry {
                        kind: RetryKind::Server,
                        after: None,
                    },
                },
                s if s == StatusCode::REQUEST_TIMEOUT || s.is_server_error() => {
                    RetryDecision::Retry {
                        kind: RetryKind::Server,
                        after: None,
                    }
                }
                _ => RetryDecision::DoNotRetry,
            }
        }
    }
}

/// Whether `outcome` proves the request never reached the server.
pub(crate) fn never_sent(outcome: AttemptOutcome<'_>) -> bool {
    matches!(outcome, AttemptOutcome::Transport(e) if e.is_connect())
}

/// Parses `Retry-After` as delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`; a past date means zero).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use http::{HeaderMap, HeaderValue};
/// let mut h = HeaderMap::new();
/// h.insert("retry-after", HeaderValue::from_static("2"));
/// assert_eq!(fintra_core::retry::parse_retry_after(&h, UNIX_EPOCH), Some(Duration::from_secs(2)));
/// ```
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds still means "wait longer than anyone will".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use std::time::UNIX_EPOCH;

    fn cx(replay_safe: bool) -> ClassifyContext<'static> {
        ClassifyContext {
            operation: "Op",
            method: &Method::GET,
            replay_safe,
            attempt: 1,
            now: UNIX_EPOCH + Duration::from_secs(1_445_412_480), // 2015-10-21T07:28:00Z
        }
    }

    fn status(s: u16, headers: &HeaderMap) -> AttemptOutcome<'_> {
        AttemptOutcome::Response {
            status: StatusCode::from_u16(s).unwrap(),
            headers,
            body: b"",
        }
    }

    #[test]
    fn statuses_classified() {
        let h = HeaderMap::new();
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(
                    default_decision(&cx(true), status(s, &h)),
                    RetryDecision::Retry { .. }
                ),
                "{s}"
            );
            assert_eq!(
                default_decision(&cx(false), status(s, &h)),
                RetryDecision::DoNotRetry,
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 409, 422] {
            assert_eq!(
                default_decision(&cx(true), status(s, &h)),
                RetryDecision::DoNotRetry,
                "{s}"
            );
        }
    }

    #[test]
    fn connect_errors_always_retried_timeouts_only_when_safe() {
        let connect = TransportError::new(TransportErrorKind::Connect, "refused");
        let timeout = TransportError::new(TransportErrorKind::Timeout, "slow");
        assert!(matches!(
            default_decision(&cx(false), AttemptOutcome::Transport(&connect)),
            RetryDecision::Retry { .. }
        ));
        assert_eq!(
            default_decision(&cx(false), AttemptOutcome::Transport(&timeout)),
            RetryDecision::DoNotRetry
        );
        assert!(matches!(
            default_decision(&cx(true), AttemptOutcome::Transport(&timeout)),
            RetryDecision::Retry { .. }
        ));
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            parse_retry_after(&h, cx(true).now),
            Some(Duration::from_secs(7))
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:05 GMT"),
        );
        assert_eq!(
            parse_retry_after(&h, cx(true).now),
            Some(Duration::from_secs(5))
        );
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:00:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h, cx(true).now), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h, cx(true).now), None);
        for bad in ["-5", "+5", "1.5", "", "0x10"] {
            h.insert(RETRY_AFTER, HeaderValue::from_static(bad));
            assert_eq!(parse_retry_after(&h, cx(true).now), None, "{bad}");
        }
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("999999999999999999999999"),
        );
        assert_eq!(
            parse_retry_after(&h, cx(true).now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            default_decision(
                &cx(true),
                status(503, &{
                    let mut h = HeaderMap::new();
                    h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
                    h
                })
            ),
            RetryDecision::Retry {
                kind: RetryKind::Throttled,
                after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default()
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(350))
            .with_jitter(Jitter::None);
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(3), Duration::from_millis(350));
        assert_eq!(p.backoff(40), Duration::from_millis(350));
        let full = p.clone().with_jitter(Jitter::Full);
        for n in 1..10 {
            assert!(full.backoff(n) <= p.backoff(n));
        }
    }

    #[test]
    fn long_hint_ends_retries() {
        let p = RetryPolicy::default().with_max_retry_after(Duration::from_secs(10));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(10))),
            Some(Duration::from_secs(10))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(11))), None);
    }
}
