//! What a call gives back: [`Response`], and the [`ErrorParser`]s that read provider error
//! bodies.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::deprecation::Deprecation;
use crate::error::{DecodeError, Error};

/// The provider's error code and message, extracted from an error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    /// The provider's error code, as a string.
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
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
        ErrorDetails {
            code: map.get("code").and_then(text),
            message: map
                .get("message")
                .and_then(text)
                .or_else(|| map.get("detail").and_then(text)),
        }
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
