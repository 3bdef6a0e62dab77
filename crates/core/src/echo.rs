//! Scrubbing request values a provider echoes in its error answer.
//!
//! A provider may quote the request in its error message (SnapTrade's `resetUserSecret`
//! answers `{"detail":"bad userSecret …"}`). For a [sensitive](crate::Operation::sensitive)
//! operation, every value the request carried — JSON string values of the body, query values
//! and sensitive header values — is replaced by [`REDACTED`] in the printed fields of its
//! [`ApiError`]. The work happens on the error path only: a sensitive attempt keeps cheap
//! handles on what it sent (the URI, the body `Bytes`, its sensitive header values).

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Uri};

use crate::error::ApiError;
use crate::secret::REDACTED;

/// Values shorter than this (in bytes) are not scrubbed: they are too common to be secrets
/// (`"u1"`, `"GET"`) and would mangle the message.
const MIN_SECRET_LEN: usize = 4;

/// What a sensitive attempt sent, kept to scrub the answer's error.
pub(crate) struct SentValues {
    uri: Uri,
    body: Bytes,
    headers: Vec<HeaderValue>,
}

impl SentValues {
    /// Keeps handles on what `request` carries (refcounted clones; no parsing).
    pub(crate) fn capture(request: &http::Request<Bytes>) -> Self {
        SentValues {
            uri: request.uri().clone(),
            body: request.body().clone(),
            headers: request
                .headers()
                .values()
                .filter(|v| v.is_sensitive())
                .cloned()
                .collect(),
        }
    }

    /// Every value the request carried, longest first (so a secret containing another is
    /// replaced whole).
    fn values(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(query) = self.uri.query() {
            for (_, value) in url::form_urlencoded::parse(query.as_bytes()) {
                out.push(value.into_owned());
            }
        }
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            json_strings(&json, &mut out);
        }
        for value in &self.headers {
            let text = String::from_utf8_lossy(value.as_bytes());
            // `Bearer <token>`: the provider may quote the token alone.
            out.extend(text.split_whitespace().map(str::to_owned));
            out.push(text.into_owned());
        }
        out.retain(|v| v.len() >= MIN_SECRET_LEN);
        out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        out.dedup();
        out
    }
}

fn json_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| json_strings(v, out)),
        _ => {}
    }
}

/// `text` with every occurrence of each of `values` replaced by [`REDACTED`].
fn scrub(text: &str, values: &[String]) -> String {
    let mut text = text.to_owned();
    for value in values {
        if text.contains(value.as_str()) {
            text = text.replace(value.as_str(), REDACTED);
        }
    }
    text
}

impl ApiError {
    /// Replaces every value `sent` carried in the printed fields (code, message, request id,
    /// kept header values) by [`REDACTED`]. The raw body stays as received.
    pub(crate) fn scrub_echoes(&mut self, sent: &SentValues) {
        let values = sent.values();
        if values.is_empty() {
            return;
        }
        for text in [&mut self.code, &mut self.message, &mut self.request_id]
            .into_iter()
            .flatten()
        {
            *text = scrub(text, &values);
        }
        let mut headers = HeaderMap::with_capacity(self.headers.len());
        for (name, value) in &self.headers {
            let text = String::from_utf8_lossy(value.as_bytes());
            let value = if values.iter().any(|v| text.contains(v.as_str())) {
                HeaderValue::from_static(REDACTED)
            } else {
                value.clone()
            };
            headers.append(name.clone(), value);
        }
        self.headers = headers;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    fn sent() -> SentValues {
        let mut request = http::Request::new(Bytes::from_static(
            br#"{"userId":"u1","nested":{"list":["partner-secret-9"]},"n":12345}"#,
        ));
        *request.uri_mut() = "https://h/api?clientId=PASSIVTEST&userSecret=us%2Fsecret-1"
            .parse()
            .unwrap();
        let mut token = HeaderValue::from_static("Bearer tok-abcdef");
        token.set_sensitive(true);
        request.headers_mut().insert("authorization", token);
        request
            .headers_mut()
            .insert("accept", HeaderValue::from_static("application/json"));
        SentValues::capture(&request)
    }

    #[test]
    fn echoed_request_values_are_scrubbed_from_every_printed_field() {
        let body = r#"{"detail":"bad userSecret us/secret-1 for PASSIVTEST"}"#;
        let mut e = ApiError::new("Op", StatusCode::BAD_REQUEST, body).sensitive();
        e.message = Some(
            "bad userSecret us/secret-1 (partner-secret-9, token tok-abcdef) for u1 12345".into(),
        );
        e.code = Some("partner-secret-9".into());
        e.request_id = Some("req-tok-abcdef".into());
        e.headers
            .insert("x-request-id", HeaderValue::from_static("us/secret-1"));
        e.headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        e.scrub_echoes(&sent());
        assert_eq!(
            e.message(),
            Some("bad userSecret [REDACTED] ([REDACTED], token [REDACTED]) for u1 12345")
        );
        let err = crate::Error::from(e.clone());
        let text = format!("{e} {e:?} {err} {err:?} {err:#?}");
        for secret in [
            "us/secret-1",
            "partner-secret-9",
            "tok-abcdef",
            "PASSIVTEST",
        ] {
            assert!(!text.contains(secret), "{secret} shows in {text}");
        }
        assert_eq!(e.headers()["content-type"], "application/json");
        assert_eq!(e.headers()["x-request-id"], REDACTED);
        // The raw body is kept for whoever needs it (documented as possibly secret).
        assert_eq!(e.body(), body);
    }

    #[test]
    fn short_values_and_non_string_json_are_left_alone() {
        let values = sent().values();
        assert!(!values.iter().any(|v| v == "u1" || v == "12345"));
        assert!(values.contains(&"Bearer tok-abcdef".to_owned()));
        assert!(values.windows(2).all(|w| w[0].len() >= w[1].len()));
    }
}
