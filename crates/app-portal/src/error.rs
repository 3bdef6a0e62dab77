//! The API's error bodies: `HttpErrorOut` for every failure but 422, `HTTPValidationError`
//! for 422.

use fintra_core::{ApiError, ErrorDetails, ErrorParser, ProviderError};
use http::{HeaderMap, StatusCode};

use crate::models::{HttpErrorOut, HttpValidationError};

/// A decoded error body, read from any [`fintra_core::Error`] with
/// [`Error::provider`](fintra_core::Error::provider).
///
/// ```
/// use fintra_app_portal::AppPortalError;
/// use fintra_core::{ApiError, Error};
/// use http::StatusCode;
///
/// let err = Error::from(ApiError::new("op", StatusCode::NOT_FOUND, r#"{"code":"not_found","detail":"Entity not found"}"#));
/// match err.provider::<AppPortalError>() {
///     Some(AppPortalError::Http(body)) => assert_eq!(body.code, "not_found"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppPortalError {
    /// `HttpErrorOut` (400, 401, 403, 404, 409, 429, 5xx...).
    Http(HttpErrorOut),
    /// `HTTPValidationError` (422).
    Validation(HttpValidationError),
}

impl ProviderError for AppPortalError {
    /// Decodes the body of an API error: `HTTPValidationError` for 422, `HttpErrorOut`
    /// otherwise. `None` when the body has neither shape (read [`ApiError::body`] then).
    fn from_api(err: &ApiError) -> Option<Self> {
        decode(err.status(), err.body())
    }
}

impl AppPortalError {
    /// The error code (`HttpErrorOut.code`); `None` for validation errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            AppPortalError::Http(e) => Some(&e.code),
            AppPortalError::Validation(_) => None,
        }
    }
}

fn decode(status: StatusCode, body: &[u8]) -> Option<AppPortalError> {
    if status == StatusCode::UNPROCESSABLE_ENTITY
        && let Ok(v) = serde_json::from_slice::<HttpValidationError>(body)
    {
        return Some(AppPortalError::Validation(v));
    }
    serde_json::from_slice::<HttpErrorOut>(body)
        .ok()
        .map(AppPortalError::Http)
}

/// Fills [`ApiError::code`] and [`ApiError::message`] from the API's error bodies: `code`
/// and `detail` of `HttpErrorOut`; for a 422 the message lists each invalid location and
/// message, e.g. `body.expiry: ensure this value is less than or equal to 259200`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppPortalErrorParser;

impl ErrorParser for AppPortalErrorParser {
    fn parse(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> ErrorDetails {
        let Some(view) = decode(status, body) else {
            return ErrorDetails::default();
        };
        let details = match &view {
            AppPortalError::Http(e) => {
                ErrorDetails::new(Some(e.code.clone()), Some(e.detail.clone()))
            }
            AppPortalError::Validation(v) => ErrorDetails::new(
                None,
                Some(
                    v.detail
                        .iter()
                        .map(|d| format!("{}: {}", d.loc.join("."), d.msg))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
        };
        details.with_view(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_reads_both_shapes_and_tolerates_garbage() {
        let h = HeaderMap::new();
        let p = AppPortalErrorParser;
        let d = p.parse(
            StatusCode::CONFLICT,
            &h,
            br#"{"code":"conflict","detail":"A conflict has occurred"}"#,
        );
        assert_eq!(d.code.as_deref(), Some("conflict"));
        assert_eq!(d.message.as_deref(), Some("A conflict has occurred"));
        let d = p.parse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &h,
            br#"{"detail":[{"loc":["body","expiry"],"msg":"too big","type":"value_error"},{"loc":["body"],"msg":"bad","type":"value_error.jsondecode"}]}"#,
        );
        assert_eq!(d.code, None);
        assert_eq!(
            d.message.as_deref(),
            Some("body.expiry: too big; body: bad")
        );
        assert_eq!(
            p.parse(StatusCode::BAD_GATEWAY, &h, b"<html>oops</html>"),
            ErrorDetails::default()
        );
    }

    #[test]
    fn a_422_with_an_http_error_body_still_decodes() {
        let e = decode(
            StatusCode::UNPROCESSABLE_ENTITY,
            br#"{"code":"x","detail":"y"}"#,
        );
        assert_eq!(
            e.and_then(|e| e.code().map(str::to_owned)).as_deref(),
            Some("x")
        );
    }
}
