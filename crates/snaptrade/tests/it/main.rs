//! Integration tests of fintra-snaptrade against a local mock server that verifies every
//! request's signature.

// Test helpers panic on setup failures, like the tests themselves.
#![allow(clippy::unwrap_used)]
// `encrypted_jwt` is deprecated (removed upstream) but still supported, so still tested.
#![allow(deprecated)]

mod canonical;
mod current;
mod errors;
mod operations;
mod retries;
mod secrets;
mod webhook;
mod webhook_props;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use fintra_core::secret::SecretString;
use fintra_core::test_util::VirtualTime;
use fintra_core::{ClientBuilder, Jitter, RetryPolicy};
use fintra_snaptrade::{SnapTradeClient, SnapTradeCredentials};
use hmac::{Hmac, Mac};
use httpmock::{HttpMockRequest, MockServer};
use sha2::Sha256;

/// The old spec's example client id.
pub const CLIENT_ID: &str = "PASSIVTEST";
/// The old spec's example consumer key.
pub const KEY: &str = "UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU";
/// The timestamp of the note's known-answer vectors; the virtual clock starts here.
pub const TS: u64 = 1_635_790_389;
/// A user secret used in the tests.
pub const USER_SECRET: &str = "USERSECRET123";
/// The user agent the crate sends.
pub const USER_AGENT: &str = concat!("fintra-snaptrade/", env!("CARGO_PKG_VERSION"));

/// A client for the mock server (base URL `<server>/api/v1`) on virtual time starting at
/// [`TS`], with a deterministic 2 s backoff.
pub fn client(server: &MockServer) -> (SnapTradeClient, Arc<VirtualTime>) {
    client_with(
        server,
        "/api/v1",
        SnapTradeCredentials::new(CLIENT_ID, SecretString::from(KEY)),
    )
}

/// A client at `<server><base_path>` with `credentials`, as [`client`].
pub fn client_with(
    server: &MockServer,
    base_path: &str,
    credentials: SnapTradeCredentials,
) -> (SnapTradeClient, Arc<VirtualTime>) {
    let time = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(TS),
    ));
    let builder = ClientBuilder::new()
        .base_url(server.url(base_path))
        .clock(time.clone())
        .sleep(time.clone())
        .retry(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_secs(2))
                .with_jitter(Jitter::None),
        );
    let client = SnapTradeClient::with_config(credentials, builder).unwrap();
    (client, time)
}

/// An independent re-implementation of SnapTrade's check, as a server would do it: the
/// query starts with `clientId` and `timestamp`, and `Signature` is the base64 HMAC-SHA256
/// of `{"content","path","query"}` with sorted keys (serde_json's default map is sorted;
/// the test bodies are ASCII). The path is signed without the legacy `/api/v1` prefix, as
/// the current SDKs sign it.
pub fn signature_is_valid(req: &HttpMockRequest) -> bool {
    let uri = req.uri();
    let query = uri.query().unwrap_or_default();
    let mut pairs = query.split('&');
    if pairs.next() != Some(&format!("clientId={CLIENT_ID}")) {
        return false;
    }
    let timestamp = pairs.next().and_then(|p| p.strip_prefix("timestamp="));
    if timestamp.and_then(|t| t.parse::<u64>().ok()).is_none() {
        return false;
    }
    let body = req.body_ref();
    let content: serde_json::Value = if body.is_empty() {
        serde_json::Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(serde_json::Value::Object(m)) if m.is_empty() => serde_json::Value::Null,
            Ok(v) => v,
            Err(_) => return false,
        }
    };
    let path = uri.path().strip_prefix("/api/v1").unwrap_or(uri.path());
    let signed = serde_json::json!({"content": content, "path": path, "query": query});
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(serde_json::to_string(&signed).unwrap().as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    header(req, "signature").as_deref() == Some(expected.as_str())
}

/// Whether a recorded request's raw query is exactly `expected`.
pub fn query_is(expected: String) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
    move |r| r.uri().query() == Some(expected.as_str())
}

/// The value of header `name` of a recorded request.
pub fn header(req: &HttpMockRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `timestamp` query parameter of a recorded request.
pub fn timestamp(req: &HttpMockRequest) -> u64 {
    req.query_params()
        .into_iter()
        .find(|(k, _)| k == "timestamp")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap()
}

pub use fintra_core::test_util::Script;
/// Extra response headers.
pub use fintra_core::test_util::ScriptHeaders as Headers;
