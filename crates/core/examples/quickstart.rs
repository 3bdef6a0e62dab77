//! Interim demo of fintra-core against a local loopback server (no network, no credentials):
//! a retried 503, a typed API error and secret redaction.
//!
//! Run with `cargo run --example quickstart`.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::auth::HeaderSigner;
use fintra_core::secret::SecretString;
use fintra_core::{Client, Error, Jitter, Operation, RequestOptions, RetryPolicy};
use httpmock::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let server = MockServer::start_async().await;
    let flaky = server
        .mock_async(|when, then| {
            when.method(GET).path("/status");
            then.status(503).header("retry-after", "0");
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/missing");
            then.status(404)
                .json_body(serde_json::json!({"code": "not_found", "detail": "no such thing"}));
        })
        .await;

    let client = Client::builder()
        .base_url(server.base_url())
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10))
                .jitter(Jitter::None),
        )
        .signer(Arc::new(HeaderSigner::bearer(SecretString::from(
            "sk_demo_secret",
        ))?))
        .build()?;

    println!("fintra-core quickstart against {}", server.base_url());
    let err = client
        .execute(
            Operation::get("GetStatus", "/status"),
            &RequestOptions::new(),
        )
        .await
        .expect_err("the demo server always answers 503");
    println!(
        "  GET /status   -> {err} after {} attempts",
        flaky.calls_async().await
    );

    let err = client
        .execute(
            Operation::get("GetMissing", "/missing"),
            &RequestOptions::new(),
        )
        .await
        .expect_err("404");
    println!(
        "  GET /missing  -> status {:?}, code {:?} (not retried)",
        err.status(),
        err.code()
    );
    println!("  client Debug  -> {client:?}");
    Ok(())
}
