//! Buffered request/response values passed between the server loop and the provider
//! handlers, plus small helpers shared by the handlers.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde_json::Value;

/// A fully read request.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: Method,
    /// The path exactly as received (still percent-encoded).
    pub path: String,
    /// The raw query string, without `?` (empty if none).
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Request {
    /// A header as UTF-8 text, if present and valid.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The decoded query parameters (first value wins).
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: StatusCode,
    /// Headers to set (kept small: no `HeaderMap`, so `Result<_, Reply>` stays cheap).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Reply {
    /// A JSON response.
    pub fn json(status: StatusCode, body: &Value) -> Self {
        let headers = vec![(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )];
        Self {
            status,
            headers,
            body: Bytes::from(body.to_string()),
        }
    }

    /// A response without a body.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }
}

/// Splits a path into its decoded segments. `None` if a segment
/// is not valid percent-encoded UTF-8.
pub(crate) fn segments(path: &str) -> Option<Vec<String>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .ok()
                .map(|c| c.into_owned())
        })
        .collect()
}

/// `n` random ASCII letters and digits (not cryptographically strong: sandbox only).
pub(crate) fn random_alnum(n: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(n)
        .collect()
}

/// A random UUID v4 in its hyphenated form.
pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The JSON type name of a value, for validation messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The outcome of matching a request against a provider's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    /// A known operation.
    Route(crate::stats::Route),
    /// No such path.
    NotFound,
    /// Known path, wrong method; the value is the `Allow` header.
    MethodNotAllowed(&'static str),
}

/// Picks the route for `method` among `(method, route)` pairs of one path.
pub(crate) fn by_method(
    method: &Method,
    options: &[(Method, crate::stats::Route)],
    allow: &'static str,
) -> Match {
    options
        .iter()
        .find(|(m, _)| m == method)
        .map_or(Match::MethodNotAllowed(allow), |(_, r)| Match::Route(*r))
}

/// `t` as an RFC 3339 UTC timestamp with millisecond precision
/// (`2026-11-27T23:20:05.123Z`).
pub(crate) fn rfc3339(t: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::rfc3339;

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // 2024-02-29T12:34:56.789Z (leap day) = 1709210096.789
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_789);
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56.789Z");
        // The spec's SnapTrade deprecation date, 1781222400 = 2026-06-12T00:00:00Z.
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_781_222_400)),
            "2026-06-12T00:00:00.000Z"
        );
    }
}
