//! What a call gives back: [`Response`], and the [`ErrorParser`]s that read provider error
//! bodies.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::deprecation::Deprecation;
use crate::error::{DecodeError, Error, ProviderError};

/// The provider's error code and message, extracted from an error body, and optionally the
/// provider's typed view of the body ([`ErrorDetails::with_view`]), kept so that
/// [`crate::Error::provider`] does not parse the body again.
#[derive(Clone, Default)]
pub struct ErrorDetails {
    /// The provider's error code, as a string.
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
    pub(crate) view: Option<Arc<dyn Any + Send + Sync>>,
}

impl ErrorDetails {
    /// Details with `code` and `message`.
    pub fn new(code: Option<String>, message: Option<String>) -> Self {
        ErrorDetails {
            code,
            message,
            view: None,
        }
    }

    /// Keeps `view`, the provider's decoded body, for [`crate::Error::provider`] to return
    /// without parsing the body again.
    ///
    /// ```
    /// use fintra_core::{ApiError, ErrorDetails, ProviderError};
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Problem(String);
    /// impl ProviderError for Problem {
    ///     fn from_api(api: &ApiError) -> Option<Self> {
    ///         Some(Problem(String::from_utf8_lossy(api.body()).into_owned()))
    ///     }
    /// }
    /// let details = ErrorDetails::new(None, Some("boom".into())).with_view(Problem("boom".into()));
    /// assert_eq!(details.message.as_deref(), Some("boom"));
    /// ```
    pub fn with_view<T: ProviderError>(mut self, view: T) -> Self {
        self.view = Some(Arc::new(view));
        self
    }
}

impl fmt::Debug for ErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorDetails")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("view", &self.view.is_some())
            .finish()
    }
}

impl PartialEq for ErrorDetails {
    /// Compares code and message (a view is derived from the same body).
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.message == other.message
    }
}

/// Extracts [`ErrorDetails`] from a provider's error body. Must not fail: an unparseable
/// body yields empty details (the raw body is kept in the [`crate::ApiError`] anyway).
pub trait ErrorParser: Send + Sync + fmt::Debug {
    /// Parses an error body.
    fn parse(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ErrorDetails;
}

/// Reads `code` (string or number) and `message` (or `detail` when it is a string) from a
/// JSON object; anything else gives empty details.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonErrorParser;

impl ErrorParser for JsonErrorParser {
    fn parse(&self, _status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> ErrorDetails {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return ErrorDetails::default();
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        ErrorDetails::new(
            map.get("code").and_then(text),
            map.get("message")
                .and_then(text)
                .or_else(|| map.get("detail").and_then(text)),
        )
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub(super) operation: &'static str,
    pub(super) rust_method: Option<&'static str>,
    pub(super) sensitive: bool,
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    pub(super) deprecation: Option<Deprecation>,
}

impl Response {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// The provider's deprecation notice (`Deprecation` / `Sunset` headers), if it sent one.
    pub fn deprecation(&self) -> Option<&Deprecation> {
        self.deprecation.as_ref()
    }
    /// Decodes the body as JSON; a failure names the field that did not decode.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        // Fast path; only a failure pays for tracking the serde path.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(value) => Ok(value),
            Err(e) => Err(Error::from(DecodeError {
                operation: self.operation,
                status: self.status,
                body: self.body.clone(),
                path: e.path().to_string(),
                sensitive: self.sensitive,
                source: e.into_inner(),
                rust_method: self.rust_method,
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_parser_reads_numeric_and_string_codes() {
        let p = JsonErrorParser;
        let h = HeaderMap::new();
        let d = p.parse(
            StatusCode::UNAUTHORIZED,
            &h,
            br#"{"code":10001,"message":"bad"}"#,
        );
        assert_eq!(d.code.as_deref(), Some("10001"));
        assert_eq!(d.message.as_deref(), Some("bad"));
        let d = p.parse(
            StatusCode::CONFLICT,
            &h,
            br#"{"code":"conflict","detail":"exists"}"#,
        );
        assert_eq!(d.code.as_deref(), Some("conflict"));
        assert_eq!(d.message.as_deref(), Some("exists"));
        assert_eq!(
            p.parse(StatusCode::BAD_GATEWAY, &h, b"<html>"),
            ErrorDetails::default()
        );
    }
}
