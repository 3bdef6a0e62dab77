//! Integration tests of the sandbox over real HTTP (raw `reqwest`, no client crates).

mod app_portal;
mod control;
mod faults;
mod finicity;
mod snaptrade;

use fintra_sandbox::Sandbox;
use serde_json::Value;

/// A plain-HTTP client that does not follow redirects.
pub fn client() -> reqwest::Client {
    fintra_core::reqwest_client_builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// A sandbox on a random port plus a client.
pub async fn start() -> (Sandbox, reqwest::Client) {
    (Sandbox::start().await.expect("sandbox starts"), client())
}

/// Status and JSON body (Null when empty or not JSON).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.expect("request succeeds");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A JSON request body.
pub fn json_body(req: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    req.header("content-type", "application/json")
        .body(body.to_string())
}
