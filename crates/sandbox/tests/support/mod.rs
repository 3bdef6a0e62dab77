//! Helpers shared by the sandbox's integration and conformance suites: a plain reqwest
//! client, request sending, and an independent SnapTrade signer written from the notes.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use fintra_sandbox::{SNAPTRADE_CONSUMER_KEY, Sandbox};
use hmac::{Hmac, Mac};
use serde_json::Value;

/// A plain-HTTP client that does not follow redirects.
pub fn client() -> reqwest::Client {
    fintra_core::reqwest_client_builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// A sandbox on free ports plus a client.
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

/// Unix seconds now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// base64(HMAC-SHA256(key, message)).
pub fn hmac_b64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Test-side SnapTrade signer (`snaptrade.md` §1) for bodies that are already compact JSON
/// with sorted keys; `None` and `{}` are signed as `null`.
pub fn sign(path: &str, query: &str, body: Option<&str>) -> String {
    let content = match body {
        None | Some("{}") => "null",
        Some(b) => b,
    };
    let canonical = format!(r#"{{"content":{content},"path":"{path}","query":"{query}"}}"#);
    hmac_b64(SNAPTRADE_CONSUMER_KEY.as_bytes(), canonical.as_bytes())
}
