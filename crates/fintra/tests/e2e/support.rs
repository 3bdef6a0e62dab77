//! Shared set-up: sandbox, client configuration, a recording transport and a log capture.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use fintra::app_portal::AppPortalClient;
use fintra::connect_components::ConnectComponentsClient;
use fintra::core::secret::SecretString;
use fintra::core::test_util::VirtualTime;
use fintra::core::{
    BoxFuture, Client, ClientBuilder, Jitter, ReqwestTransport, RetryPolicy, Transport,
    TransportError,
};
use fintra::finicity::{FinicityClient, FinicityCredentials};
use fintra::snaptrade::{self, SnapTradeClient};
use fintra_sandbox::{Sandbox, SandboxConfig};
use http::{HeaderMap, Method, Uri};

/// Backoff before the first retry (doubles after); instant with [`VirtualTime`].
pub const BACKOFF: Duration = Duration::from_millis(10);

/// A sandbox with the default configuration.
pub async fn sandbox() -> Sandbox {
    Sandbox::start().await.unwrap()
}

/// A sandbox with a custom configuration.
pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    config.start().await.unwrap()
}

/// The test retry policy: 3 attempts, 10 ms then 20 ms, no jitter.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(BACKOFF)
        .with_jitter(Jitter::None)
}

/// A virtual clock + sleeper that starts at the current wall-clock time.
pub fn time() -> Arc<VirtualTime> {
    Arc::new(VirtualTime::starting_at(SystemTime::now()))
}

/// Core settings for `base_url`: fast deterministic retries, `time` as clock and sleeper,
/// the default reqwest transport.
pub fn config(base_url: String, time: &Arc<VirtualTime>) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .retry(retry_policy())
        .timeout(Duration::from_secs(5))
        .clock(time.clone())
        .sleep(time.clone())
}

/// The sandbox's demo Finicity credentials, with `secret` as the partner secret.
pub fn finicity_credentials(sandbox: &Sandbox, secret: &str) -> FinicityCredentials {
    let creds = sandbox.credentials();
    FinicityCredentials::new(
        creds.finicity_partner_id,
        SecretString::from(secret),
        SecretString::from(creds.finicity_app_key),
    )
}

/// A Finicity client with the demo credentials.
pub fn finicity(sandbox: &Sandbox) -> (FinicityClient, Arc<VirtualTime>) {
    let secret = sandbox.credentials().finicity_partner_secret;
    finicity_with_secret(sandbox, secret)
}

/// A Finicity client with the demo credentials but `secret` as partner secret.
pub fn finicity_with_secret(sandbox: &Sandbox, secret: &str) -> (FinicityClient, Arc<VirtualTime>) {
    let time = time();
    let client = FinicityClient::with_config(
        finicity_credentials(sandbox, secret),
        config(sandbox.finicity_url(), &time),
    )
    .unwrap();
    (client, time)
}

/// A Connect Components client over a fresh Finicity client with the demo credentials.
pub fn components(
    sandbox: &Sandbox,
) -> (ConnectComponentsClient, FinicityClient, Arc<VirtualTime>) {
    let (finicity, time) = finicity(sandbox);
    (ConnectComponentsClient::new(&finicity), finicity, time)
}

/// An app-portal client authenticated with `token`.
pub fn app_portal_with(token: SecretString, builder: ClientBuilder) -> AppPortalClient {
    AppPortalClient::with_config(token, builder).unwrap()
}

/// An app-portal client with the organisation token.
pub fn app_portal(sandbox: &Sandbox) -> (AppPortalClient, Arc<VirtualTime>) {
    let time = time();
    let token = SecretString::from(sandbox.credentials().app_portal_token);
    let client = app_portal_with(token, config(sandbox.app_portal_url(), &time));
    (client, time)
}

/// An app-portal client with the organisation token whose requests (and answers' headers)
/// are recorded.
pub fn recorded_app_portal(
    sandbox: &Sandbox,
) -> (AppPortalClient, Arc<Recording>, Arc<VirtualTime>) {
    let time = time();
    let recording = Recording::new();
    let client = app_portal_with(
        SecretString::from(sandbox.credentials().app_portal_token),
        config(sandbox.app_portal_url(), &time).transport(recording.clone()),
    );
    (client, recording, time)
}

/// A SnapTrade client with the demo credentials at `base_url` whose requests (and answers'
/// headers) are recorded.
pub fn recorded_snaptrade(
    sandbox: &Sandbox,
    base_url: String,
) -> (SnapTradeClient, Arc<Recording>, Arc<VirtualTime>) {
    let time = time();
    let recording = Recording::new();
    let client = SnapTradeClient::with_config(
        snaptrade_credentials(sandbox, sandbox.credentials().snaptrade_consumer_key),
        config(base_url, &time).transport(recording.clone()),
    )
    .unwrap();
    (client, recording, time)
}

/// SnapTrade credentials with the demo client id and `consumer_key`.
pub fn snaptrade_credentials(
    sandbox: &Sandbox,
    consumer_key: &str,
) -> snaptrade::SnapTradeCredentials {
    snaptrade::SnapTradeCredentials::new(
        sandbox.credentials().snaptrade_client_id,
        SecretString::from(consumer_key),
    )
}

/// A SnapTrade client with the demo credentials.
pub fn snaptrade(sandbox: &Sandbox) -> (SnapTradeClient, Arc<VirtualTime>) {
    let time = time();
    let client = SnapTradeClient::with_config(
        snaptrade_credentials(sandbox, sandbox.credentials().snaptrade_consumer_key),
        config(sandbox.snaptrade_url(), &time),
    )
    .unwrap();
    (client, time)
}

/// What [`Recording`] saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// The request body as sent.
    pub body: Bytes,
    /// The headers of the answer, if one arrived.
    pub response_headers: Option<HeaderMap>,
}

impl Seen {
    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter (raw, not percent-decoded).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.uri.query()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then_some(v)
        })
    }
}

/// The default reqwest transport, recording every request it sends (as signed) and the
/// headers of each answer.
#[derive(Debug)]
pub struct Recording {
    inner: ReqwestTransport,
    seen: Mutex<Vec<Seen>>,
}

impl Recording {
    pub fn new() -> Arc<Self> {
        Arc::new(Recording {
            inner: ReqwestTransport::default_client().unwrap(),
            seen: Mutex::new(Vec::new()),
        })
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Transport for Recording {
    fn send(
        &self,
        request: http::Request<Bytes>,
        max_response_bytes: usize,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let index = {
            let mut seen = self.seen.lock().unwrap();
            seen.push(Seen {
                method: request.method().clone(),
                uri: request.uri().clone(),
                headers: request.headers().clone(),
                body: request.body().clone(),
                response_headers: None,
            });
            seen.len() - 1
        };
        Box::pin(async move {
            let answer = self.inner.send(request, max_response_bytes).await;
            if let Ok(response) = &answer {
                self.seen.lock().unwrap()[index].response_headers =
                    Some(response.headers().clone());
            }
            answer
        })
    }
}

pub use fintra_core::test_util::CapturedLogs;

/// Captures this thread's `tracing` output until the guard is dropped.
///
/// With a single registered dispatcher, tracing-core computes the interest of callsites
/// first hit on *other* threads (the other tests of this binary) from their thread's
/// default, `NoSubscriber`, and caches "never": this thread would then miss those events. A
/// second registered dispatcher (returned, keep it alive) makes every callsite "sometimes"
/// interested, so each thread asks its own default subscriber.
pub fn capture_logs() -> (
    CapturedLogs,
    tracing::subscriber::DefaultGuard,
    tracing::Dispatch,
) {
    let logs = CapturedLogs::default();
    let guard = tracing::subscriber::set_default(logs.clone());
    let second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    (logs, guard, second)
}
