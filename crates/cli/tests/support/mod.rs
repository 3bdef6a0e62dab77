//! Helpers shared by the fleet tests and the bench binaries of `fintra-cli`
//! (benches include this file with `#[path]`).

use std::sync::Arc;

use fintra_core::test_util::VirtualTime;
use fintra_core::{Error, Operation, RequestOptions};
use fintra_finicity::auth::RedisStore;
use fintra_finicity::{FinicityClient, FinicityCredentials};
use fintra_sandbox::Sandbox;

/// The token-protected call every fleet test and bench makes: Connect Components'
/// `GET /connect-components/configurations`, through the client's signed API client.
pub async fn list_configurations(client: &FinicityClient) -> Result<(), Error> {
    client
        .api_client()
        .send_json::<serde_json::Value>(
            Operation::get("ListConfigurations", "/connect-components/configurations"),
            &RequestOptions::new(),
        )
        .await
        .map(drop)
}

/// Core settings for a worker: the sandbox serves at most 256 connections at once and closes
/// the others on accept, so with 250 concurrent calls per process a GET may meet a closed
/// connection; it is replay-safe and retried (up to 10 attempts, jittered backoff of at most
/// 100 ms).
pub fn worker_config(base_url: &str) -> fintra_core::ClientBuilder {
    fintra_core::Client::builder()
        .base_url(base_url)
        .timeout(std::time::Duration::from_secs(30))
        .retry(
            fintra_core::retry::RetryPolicy::default()
                .with_max_attempts(10)
                .with_initial_backoff(std::time::Duration::from_millis(20))
                .with_max_backoff(std::time::Duration::from_millis(100)),
        )
}

/// The sandbox's demo Finicity credentials.
pub fn sandbox_credentials(sandbox: &Sandbox) -> FinicityCredentials {
    let creds = sandbox.credentials();
    FinicityCredentials::new(
        creds.finicity_partner_id,
        creds.finicity_partner_secret.into(),
        creds.finicity_app_key.into(),
    )
}

/// A client of the sandbox with the Redis store at `redis_url`, on virtual time `time`.
pub async fn sandbox_client_on_redis(
    sandbox: &Sandbox,
    redis_url: &str,
    time: &Arc<VirtualTime>,
) -> Result<FinicityClient, Error> {
    let credentials = sandbox_credentials(sandbox);
    let store = RedisStore::connect(redis_url, &credentials).await?;
    FinicityClient::builder(credentials)
        .config(fintra_core::test_util::virtual_builder(
            sandbox.finicity_url(),
            time,
        ))
        .store(Arc::new(store))
        .build()
}
