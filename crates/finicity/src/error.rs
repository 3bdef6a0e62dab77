//! Finicity error bodies, the error parser and the retry classifier shared by every Finicity
//! crate.
//!
//! The Finicity operations use three error shapes (see the crate docs):
//!
//! * **A. [`ErrorMessage`]** (`{"code": …, "message": …, "user_message": …}`), used by the
//!   Authentication API. `code` arrives as a number *or* a string; it is always exposed as a
//!   string here.
//! * **B. [`GoldStandardErrorMessage`]** (`{"Errors": {"Error": [{"ReasonCode": …,
//!   "Recoverable": …}]}}`), used by Connect Components.
//! * **C. `ErrorWrapper`**, declared for the CreateToken 404. It has the same layout as B, so
//!   it is the same Rust type ([`ErrorWrapper`] is an alias); the spec's own example for that
//!   response is shape A, so [`FinicityErrorBody::parse`] accepts either.
//!
//! Every field is optional, `null` is accepted anywhere and unknown fields are ignored: an
//! error body never fails to decode because of its content.

use std::fmt;

use fintra_core::auth::Rejection;
use fintra_core::retry::{AttemptOutcome, ClassifyContext, RetryClassifier, RetryDecision};
use fintra_core::{ApiError, ErrorDetails, ErrorParser, ProviderError};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Finicity error codes this crate acts on (all compared as strings).
pub mod codes {
    /// Invalid credentials (CreateToken / ModifyPartnerSecret, HTTP 401).
    pub const INVALID_CREDENTIALS: &str = "10001";
    /// Missing parameter, e.g. `partnerId` (HTTP 400).
    pub const MISSING_PARAMETER: &str = "10005";
    /// A field could not be validated (HTTP 400).
    pub const INVALID_FIELD: &str = "10010";
    /// You are not authorized (HTTP 401).
    pub const NOT_AUTHORIZED: &str = "10021";
    /// Invalid `Finicity-App-Token` (HTTP 401): the token is dropped and the call replayed once.
    pub const INVALID_APP_TOKEN: &str = "10022";
    /// Expired `Finicity-App-Token` (HTTP 401): the token is dropped and the call replayed once.
    pub const EXPIRED_APP_TOKEN: &str = "10023";
    /// Missing `Finicity-App-Token` (HTTP 401).
    pub const MISSING_APP_TOKEN: &str = "10024";
    /// Missing `Finicity-App-Key` (HTTP 401).
    pub const MISSING_APP_KEY: &str = "10026";
    /// Invalid `Finicity-App-Key` (HTTP 401).
    pub const INVALID_APP_KEY: &str = "10027";
    /// Partner not found (CreateToken, HTTP 404).
    pub const PARTNER_NOT_FOUND: &str = "12401";
    /// Bad request (HTTP 400).
    pub const BAD_REQUEST: &str = "14020";
    /// The account is locked after too many failed authentications (arrives as HTTP 500).
    pub const ACCOUNT_LOCKED: &str = "24302";
    /// The new partner secret does not follow the policy (ModifyPartnerSecret, HTTP 400).
    pub const NEW_SECRET_NOT_PER_POLICY: &str = "24437";
    /// The requested entity was not found (Connect Components, HTTP 404).
    pub const NOT_FOUND: &str = "4041";
}

/// Accepts a string, number or boolean as text; anything else (null, arrays...) is `None`.
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// Accepts `true`/`false` as booleans or strings (`"false,"` from the spec's broken examples
/// included); anything else is `None`.
fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => match clean(&s).to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Accepts an array (or `null`, as an empty list) of error items; other values are ignored.
fn lenient_items<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<GoldStandardError>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        // A single object where a list is expected.
        Some(item @ Value::Object(_)) => serde_json::from_value(item).into_iter().collect(),
        _ => Vec::new(),
    })
}

/// Trims whitespace and the trailing commas found in the spec's GoldStandard examples.
fn clean(s: &str) -> &str {
    s.trim().trim_end_matches(',').trim_end()
}

/// Error shape A (`ErrorMessage`), used by the Authentication API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorMessage {
    /// The error code; the JSON value may be a number or a string, it is kept as text.
    #[serde(default, deserialize_with = "lenient_string")]
    pub code: Option<String>,
    /// A status code, e.g. `"401"`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    /// A title for the error.
    #[serde(default, deserialize_with = "lenient_string")]
    pub title: Option<String>,
    /// An error level, e.g. `error`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub level: Option<String>,
    /// The error message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// More details for end users (`user_message`, snake_case in JSON).
    #[serde(default, deserialize_with = "lenient_string")]
    pub user_message: Option<String>,
    /// An asset id.
    #[serde(default, rename = "assetId", deserialize_with = "lenient_string")]
    pub asset_id: Option<String>,
    /// An account id.
    #[serde(default, rename = "accountId", deserialize_with = "lenient_string")]
    pub account_id: Option<String>,
    /// The caller's transaction id.
    #[serde(
        default,
        rename = "externalTransactionId",
        deserialize_with = "lenient_string"
    )]
    pub external_transaction_id: Option<String>,
    /// Categories of the error, e.g. `AGG`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub tags: Option<String>,
}

/// Error shape B (`GoldStandardErrorMessage`, "Mastercard standard error message"), used by
/// Connect Components; also the layout of shape C ([`ErrorWrapper`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoldStandardErrorMessage {
    /// The `Errors` envelope.
    #[serde(default, rename = "Errors")]
    pub errors: GoldStandardErrors,
}

/// Error shape C (`ErrorWrapper`), declared for the CreateToken 404: same layout as shape B.
pub type ErrorWrapper = GoldStandardErrorMessage;

/// The `Errors` object of a [`GoldStandardErrorMessage`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoldStandardErrors {
    /// The list of errors (`Error`).
    #[serde(default, rename = "Error", deserialize_with = "lenient_items")]
    pub error: Vec<GoldStandardError>,
}

/// One error of a [`GoldStandardErrorMessage`].
///
/// Values are kept as received; the accessors trim the trailing commas that appear in the
/// spec's examples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoldStandardError {
    /// The application that generated the error.
    #[serde(default, rename = "Source", deserialize_with = "lenient_string")]
    pub source: Option<String>,
    /// A unique constant identifying the error case (a number or a string in JSON).
    #[serde(default, rename = "ReasonCode", deserialize_with = "lenient_string")]
    pub reason_code: Option<String>,
    /// A short description of the reason code.
    #[serde(default, rename = "Description", deserialize_with = "lenient_string")]
    pub description: Option<String>,
    /// Whether retrying could change the outcome (`true`/`false`, as a boolean or a string).
    #[serde(default, rename = "Recoverable", deserialize_with = "lenient_bool")]
    pub recoverable: Option<bool>,
    /// Details about the data received and calculated.
    #[serde(default, rename = "Details", deserialize_with = "lenient_string")]
    pub details: Option<String>,
}

impl GoldStandardError {
    /// The reason code, trimmed.
    pub fn code(&self) -> Option<&str> {
        self.reason_code.as_deref().map(clean)
    }
    /// The description (or, without one, the details), trimmed.
    pub fn message(&self) -> Option<&str> {
        self.description
            .as_deref()
            .or(self.details.as_deref())
            .map(clean)
    }
}

impl GoldStandardErrorMessage {
    /// The first error, if any.
    pub fn first(&self) -> Option<&GoldStandardError> {
        self.errors.error.first()
    }

    /// `Some(false)` if any error says it is not recoverable, `Some(true)` if every error
    /// that says anything says it is, `None` if none says.
    pub fn recoverable(&self) -> Option<bool> {
        let mut seen = None;
        for flag in self.errors.error.iter().filter_map(|e| e.recoverable) {
            if !flag {
                return Some(false);
            }
            seen = Some(true);
        }
        seen
    }

    /// Whether the server says retrying could change the outcome (`Recoverable: true`).
    pub fn is_recoverable(&self) -> bool {
        self.recoverable() == Some(true)
    }
}

/// A decoded Finicity error body, whichever shape it has.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinicityErrorBody {
    /// Shape A, `{"code": …, "message": …}`.
    Message(Box<ErrorMessage>),
    /// Shape B/C, `{"Errors": {"Error": […]}}`.
    GoldStandard(GoldStandardErrorMessage),
}

impl FinicityErrorBody {
    /// Decodes a JSON error body of either shape; `None` when the body is not a JSON object.
    ///
    /// ```
    /// use fintra_finicity::error::FinicityErrorBody;
    /// let a = FinicityErrorBody::parse(br#"{"code":12401,"message":"partner not found"}"#).unwrap();
    /// assert_eq!(a.code(), Some("12401"));
    /// let b = FinicityErrorBody::parse(
    ///     br#"{"Errors":{"Error":[{"ReasonCode":"4041","Recoverable":false}]}}"#).unwrap();
    /// assert_eq!(b.code(), Some("4041"));
    /// assert_eq!(b.recoverable(), Some(false));
    /// ```
    pub fn parse(body: &[u8]) -> Option<Self> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let value = Value::Object(map);
        if value.get("Errors").is_some_and(|e| !e.is_null()) {
            serde_json::from_value(value)
                .ok()
                .map(FinicityErrorBody::GoldStandard)
        } else {
            serde_json::from_value(value)
                .ok()
                .map(|m| FinicityErrorBody::Message(Box::new(m)))
        }
    }

    /// The error code as a string: shape A's `code`, or the first `ReasonCode`.
    pub fn code(&self) -> Option<&str> {
        match self {
            FinicityErrorBody::Message(m) => m.code.as_deref().map(clean),
            FinicityErrorBody::GoldStandard(g) => g.first().and_then(GoldStandardError::code),
        }
    }

    /// The message: shape A's `message` (else `user_message`, else `title`), or the first
    /// error's `Description` (else `Details`).
    pub fn message(&self) -> Option<&str> {
        match self {
            FinicityErrorBody::Message(m) => m
                .message
                .as_deref()
                .or(m.user_message.as_deref())
                .or(m.title.as_deref()),
            FinicityErrorBody::GoldStandard(g) => g.first().and_then(GoldStandardError::message),
        }
    }

    /// Whether Finicity reports the account as locked (code `24302`).
    pub fn is_account_locked(&self) -> bool {
        self.has_code(codes::ACCOUNT_LOCKED)
    }

    /// Whether any error in the body carries `code`.
    pub fn has_code(&self, code: &str) -> bool {
        match self {
            FinicityErrorBody::Message(m) => m.code.as_deref().map(clean) == Some(code),
            FinicityErrorBody::GoldStandard(g) => {
                g.errors.error.iter().any(|e| e.code() == Some(code))
            }
        }
    }

    /// The GoldStandard `Recoverable` verdict (see [`GoldStandardErrorMessage::recoverable`]);
    /// `None` for shape A, which has no such flag.
    pub fn recoverable(&self) -> Option<bool> {
        match self {
            FinicityErrorBody::Message(_) => None,
            FinicityErrorBody::GoldStandard(g) => g.recoverable(),
        }
    }

    /// Whether the server says retrying could change the outcome.
    pub fn is_recoverable(&self) -> bool {
        self.recoverable() == Some(true)
    }
}

/// Longest `text/plain` error body used as a message.
const MAX_TEXT_MESSAGE: usize = 512;

fn is_text_plain(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/plain"))
}

/// A short `text/plain` body (e.g. `Invalid (Finicity-App-Key)`), trimmed.
fn plain_text(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if !is_text_plain(headers) {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let cut = text
        .char_indices()
        .nth(MAX_TEXT_MESSAGE)
        .map_or(text.len(), |(i, _)| i);
    Some(text[..cut].to_owned())
}

/// Fills [`fintra_core::ApiError`] code and message from any Finicity error shape, and from
/// short `text/plain` bodies (message only).
#[derive(Debug, Clone, Copy, Default)]
pub struct FinicityErrorParser;

impl ErrorParser for FinicityErrorParser {
    fn parse(&self, _status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ErrorDetails {
        if let Some(parsed) = FinicityErrorBody::parse(body) {
            return ErrorDetails::new(
                parsed.code().map(str::to_owned),
                parsed.message().map(str::to_owned),
            )
            .with_view(parsed);
        }
        ErrorDetails::new(None, plain_text(headers, body))
    }
}

/// Finicity's refinement of core's retry classification:
///
/// * code `24302` (account locked, sent as HTTP 500) is never retried;
/// * a GoldStandard body with `Recoverable: false` is never retried;
/// * everything else keeps core's decision (which never repeats a POST/PUT that may have
///   been received).
#[derive(Debug, Clone, Copy, Default)]
pub struct FinicityRetryClassifier;

impl RetryClassifier for FinicityRetryClassifier {
    fn classify(
        &self,
        _cx: &ClassifyContext<'_>,
        outcome: AttemptOutcome<'_>,
        default: RetryDecision,
    ) -> RetryDecision {
        if let AttemptOutcome::Response { body, .. } = outcome
            && let Some(parsed) = FinicityErrorBody::parse(body)
            && (parsed.has_code(codes::ACCOUNT_LOCKED) || parsed.recoverable() == Some(false))
        {
            return RetryDecision::DoNotRetry;
        }
        default
    }
}

/// Whether a rejection means "the `Finicity-App-Token` is invalid or expired": HTTP 401 with
/// code `10022`/`10023` in any JSON shape, or a `text/plain` body
/// `Invalid (Finicity-App-Token)` / `Expired (Finicity-App-Token)` (the messages of those
/// codes).
pub fn is_expired_token(rejection: &Rejection<'_>) -> bool {
    if rejection.status != StatusCode::UNAUTHORIZED {
        return false;
    }
    if let Some(parsed) = FinicityErrorBody::parse(rejection.body) {
        return parsed.has_code(codes::INVALID_APP_TOKEN)
            || parsed.has_code(codes::EXPIRED_APP_TOKEN);
    }
    plain_text(rejection.headers, rejection.body).is_some_and(|text| {
        let text = clean(&text).to_ascii_lowercase();
        text == "invalid (finicity-app-token)" || text == "expired (finicity-app-token)"
    })
}

/// Read from any [`fintra_core::Error`] with [`Error::provider`](fintra_core::Error::provider),
/// which looks through an [`fintra_core::Error::Auth`] to its cause.
///
/// ```
/// use fintra_core::{ApiError, Error};
/// use fintra_finicity::FinicityErrorBody;
/// use http::StatusCode;
///
/// let err = Error::from(ApiError::new(
///     "CreateToken",
///     StatusCode::INTERNAL_SERVER_ERROR,
///     r#"{"code":24302,"message":"Account locked"}"#,
/// ));
/// assert!(err.provider::<FinicityErrorBody>().unwrap().is_account_locked());
/// ```
impl ProviderError for FinicityErrorBody {
    fn from_api(api: &ApiError) -> Option<Self> {
        FinicityErrorBody::parse(api.body())
    }
}

impl fmt::Display for FinicityErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code(), self.message()) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}"),
            (Some(c), None) => f.write_str(c),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str("unspecified Finicity error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_a_code_as_number_or_string() {
        for body in [
            br#"{"code":"10001","message":"Invalid credentials"}"#.as_slice(),
            br#"{"code":10001,"message":"Invalid credentials"}"#.as_slice(),
        ] {
            let e = FinicityErrorBody::parse(body).unwrap();
            assert_eq!(e.code(), Some("10001"));
            assert_eq!(e.message(), Some("Invalid credentials"));
            assert_eq!(e.recoverable(), None);
        }
    }

    #[test]
    fn nulls_and_unknown_fields_tolerated() {
        let e = FinicityErrorBody::parse(
            br#"{"code":null,"message":null,"user_message":"try later","extra":{"a":1},"tags":null}"#,
        )
        .unwrap();
        assert_eq!(e.code(), None);
        assert_eq!(e.message(), Some("try later"));
        let g = FinicityErrorBody::parse(br#"{"Errors":{"Error":null}}"#).unwrap();
        assert_eq!(g.code(), None);
    }

    #[test]
    fn yaml_artifacts_tolerated() {
        let g = FinicityErrorBody::parse(
            br#"{"Errors":{"Error":[{"Source":"Connect-Components,","ReasonCode":"10023,","Description":"Expired (Finicity-App-Token),","Recoverable":"false,"}]}}"#,
        )
        .unwrap();
        assert_eq!(g.code(), Some("10023"));
        assert_eq!(g.message(), Some("Expired (Finicity-App-Token)"));
        assert_eq!(g.recoverable(), Some(false));
    }

    #[test]
    fn recoverable_is_false_if_any_error_says_so() {
        let g: GoldStandardErrorMessage = serde_json::from_str(
            r#"{"Errors":{"Error":[{"Recoverable":true},{"Recoverable":false}]}}"#,
        )
        .unwrap();
        assert_eq!(g.recoverable(), Some(false));
        assert!(!g.is_recoverable());
        let g: GoldStandardErrorMessage =
            serde_json::from_str(r#"{"Errors":{"Error":[{"Recoverable":true},{}]}}"#).unwrap();
        assert!(g.is_recoverable());
    }

    #[test]
    fn non_json_is_none() {
        assert_eq!(
            FinicityErrorBody::parse(b"Invalid (Finicity-App-Key)"),
            None
        );
        assert_eq!(FinicityErrorBody::parse(b"[1,2]"), None);
    }
}
