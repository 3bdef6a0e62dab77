//! Integration tests of fintra-app-portal against a local mock server.

// Test helpers panic on setup failures, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod current;
mod errors;
mod operations;
mod retries;
mod secrets;
mod webhook;
mod webhook_props;

use std::sync::Arc;

use fintra_app_portal::AppPortalClient;
use fintra_core::ClientBuilder;
use fintra_core::secret::SecretString;
pub use fintra_core::test_util::Script;
use fintra_core::test_util::VirtualTime;
use httpmock::{HttpMockRequest, MockServer};

/// A token with the EU suffix (the base URL is overridden in every test).
pub const TOKEN: &str = "testsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O.eu";
/// The spec's example app id.
pub const APP_ID: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
/// The spec's example AppPortalAccessOut / DashboardAccessOut.
pub const ACCESS_OUT: &str = r#"{"token":"appsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O","url":"https://app.svix.com/login#key=eyJhcHBJZCI6ICJhcHBfMXRSdFl"}"#;
/// The user agent the crate sends.
pub const USER_AGENT: &str = concat!("fintra-app-portal/", env!("CARGO_PKG_VERSION"));

/// A core builder pointed at the mock server, on virtual time, with deterministic backoff.
pub fn builder(server: &MockServer, time: &Arc<VirtualTime>) -> ClientBuilder {
    fintra_core::test_util::virtual_builder(server.base_url(), time)
}

/// A client for the mock server and its virtual time.
pub fn client(server: &MockServer) -> (AppPortalClient, Arc<VirtualTime>) {
    let time = Arc::new(VirtualTime::default());
    let client =
        AppPortalClient::with_config(SecretString::from(TOKEN), builder(server, &time)).unwrap();
    (client, time)
}

/// The value of header `name` of a recorded request.
pub fn header(req: &HttpMockRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether `key` looks like an automatic key: `auto_` + a UUID v4.
pub fn is_auto_key(key: &str) -> bool {
    key.strip_prefix("auto_").is_some_and(|uuid| {
        uuid.len() == 36
            && uuid.as_bytes()[14] == b'4'
            && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    })
}
