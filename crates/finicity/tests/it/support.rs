//! Shared helpers.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::test_util::VirtualTime;
use fintra_core::{ClientBuilder, Operation, RequestOptions};
use fintra_finicity::{FinicityClient, FinicityCredentials, TokenSettings};
use httpmock::{Mock, MockServer};
use serde_json::json;

pub const PARTNER_ID: &str = "1234583871234";
pub const SECRET: &str = "aqJ5Ic4SEVx2IgDQ6oR4";
pub const APP_KEY: &str = "appkey-5f2c9e";
pub const AUTH_PATH: &str = "/aggregation/v2/partners/authentication";
pub const PROBE_PATH: &str = "/probe";

pub fn credentials() -> FinicityCredentials {
    FinicityCredentials::new(PARTNER_ID, SECRET.into(), APP_KEY.into())
}

/// Three attempts, 100 ms then 200 ms, on virtual time.
pub fn config(server: &MockServer, time: &Arc<VirtualTime>) -> ClientBuilder {
    fintra_core::test_util::virtual_builder(server.base_url(), time)
}

pub fn client(server: &MockServer, time: &Arc<VirtualTime>) -> FinicityClient {
    FinicityClient::with_config(credentials(), config(server, time)).unwrap()
}

pub fn client_with(
    server: &MockServer,
    time: &Arc<VirtualTime>,
    settings: TokenSettings,
) -> FinicityClient {
    FinicityClient::with_settings(credentials(), config(server, time), settings).unwrap()
}

pub fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// CreateToken for [`credentials`], answering `token`.
pub async fn token_mock<'a>(server: &'a MockServer, token: &str) -> Mock<'a> {
    fintra_finicity::test_util::token_mock(server, &credentials(), token).await
}

/// CreateToken answering an error.
pub async fn auth_error_mock<'a>(server: &'a MockServer, status: u16, body: &str) -> Mock<'a> {
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        })
        .await
}

/// A token-protected endpoint answering 200 when called with `token`.
pub async fn probe_mock<'a>(server: &'a MockServer, token: &str) -> Mock<'a> {
    let token = token.to_owned();
    server
        .mock_async(move |when, then| {
            when.method("GET")
                .path(PROBE_PATH)
                .header("finicity-app-key", APP_KEY)
                .header("finicity-app-token", token);
            then.status(200).json_body(json!({"ok": true}));
        })
        .await
}

/// Calls the token-protected endpoint through the signed API client.
pub async fn probe(client: &FinicityClient) -> Result<serde_json::Value, fintra_core::Error> {
    client
        .api_client()
        .send_json(Operation::get("Probe", PROBE_PATH), &RequestOptions::new())
        .await
}
