//! Signers, the cached token provider, replay on expiry, and host scoping of credentials.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use fintra_core::auth::{
    CachedTokenProvider, HeaderSigner, Rejection, RequestSigner, SignContext, TokenFetcher,
    TokenLifetime, TokenProvider, TokenSigner,
};
use fintra_core::secret::SecretString;
use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{BoxFuture, Client, Error, Idempotency, Operation, RequestOptions};
use http::HeaderName;
use httpmock::prelude::*;

use crate::support::builder;

const LIFETIME: TokenLifetime = TokenLifetime {
    refresh_after: Duration::from_secs(90 * 60),
    expires_after: Duration::from_secs(120 * 60),
};

/// Fetches tokens from `POST /token` of a server through a core client.
#[derive(Debug)]
struct HttpFetcher(Client);

impl TokenFetcher for HttpFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            #[derive(serde::Deserialize)]
            struct Token {
                token: String,
            }
            let t: Token = self
                .0
                .send_json(
                    Operation::post("CreateToken", "/token"),
                    &RequestOptions::new(),
                )
                .await?;
            Ok(SecretString::from(t.token))
        })
    }
}

/// Hands out `tok-1`, `tok-2`, ... and counts calls; fails when `fail` is set.
#[derive(Debug, Default)]
struct CountingFetcher {
    calls: AtomicU32,
    fail: std::sync::atomic::AtomicBool,
}

impl TokenFetcher for CountingFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let result = if self.fail.load(Ordering::SeqCst) {
            Err(Error::config("token endpoint down"))
        } else {
            Ok(SecretString::from(format!("tok-{n}")))
        };
        Box::pin(std::future::ready(result))
    }
}

fn expired(rejection: &Rejection<'_>) -> bool {
    rejection.status == http::StatusCode::UNAUTHORIZED
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_calls_fetch_one_token() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/token");
            then.status(200)
                .json_body(serde_json::json!({"token": "tok-abc"}))
                .delay(Duration::from_millis(200));
        })
        .await;
    let data = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/data")
                .header("x-app-token", "tok-abc");
            then.status(200).json_body(serde_json::json!({"ok": true}));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let auth_client = builder(&server.base_url(), &time).build().unwrap();
    let provider = Arc::new(CachedTokenProvider::new(
        HttpFetcher(auth_client),
        LIFETIME,
        time.clone(),
    ));
    let signer = TokenSigner::new(
        provider,
        HeaderName::from_static("x-app-token"),
        "",
        expired,
    );
    let client = builder(&server.base_url(), &time)
        .signer(Arc::new(signer))
        .build()
        .unwrap();

    let mut tasks = Vec::new();
    for _ in 0..100 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .send_json::<serde_json::Value>(
                    Operation::get("GetData", "/data"),
                    &RequestOptions::new(),
                )
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    token.assert_calls_async(1).await;
    data.assert_calls_async(100).await;
}

fn token_client(
    time: &Arc<VirtualTime>,
    fetcher: Arc<CachedTokenProvider<CountingFetcher>>,
    mock: &Arc<MockTransport>,
) -> Client {
    let signer = TokenSigner::new(fetcher, HeaderName::from_static("x-app-token"), "", expired);
    builder("https://api.test", time)
        .transport(mock.clone())
        .signer(Arc::new(signer))
        .build()
        .unwrap()
}

#[tokio::test]
async fn token_is_refreshed_after_its_refresh_age_and_reused_before() {
    let time = Arc::new(VirtualTime::default());
    let provider = Arc::new(CachedTokenProvider::new(
        CountingFetcher::default(),
        LIFETIME,
        time.clone(),
    ));
    let mock = Arc::new(MockTransport::new());
    for _ in 0..3 {
        mock.push_json(200, "{}");
    }
    let client = token_client(&time, provider.clone(), &mock);
    let op = || Operation::get("GetData", "/data");

    client.execute(op(), &RequestOptions::new()).await.unwrap();
    time.advance(Duration::from_secs(89 * 60));
    client.execute(op(), &RequestOptions::new()).await.unwrap();
    time.advance(Duration::from_secs(2 * 60));
    client.execute(op(), &RequestOptions::new()).await.unwrap();

    let tokens: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.headers()["x-app-token"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens, ["tok-1", "tok-1", "tok-2"]);
    assert_eq!(provider.fetcher().calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_maximal_token_lifetime_saturates_instead_of_panicking() {
    let time = Arc::new(VirtualTime::default());
    let lifetime = TokenLifetime {
        refresh_after: Duration::MAX,
        expires_after: Duration::MAX,
    };
    let provider = Arc::new(CachedTokenProvider::new(
        CountingFetcher::default(),
        lifetime,
        time.clone(),
    ));
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, "{}").push_json(200, "{}");
    let client = token_client(&time, provider.clone(), &mock);
    for _ in 0..2 {
        client
            .execute(Operation::get("GetData", "/data"), &RequestOptions::new())
            .await
            .unwrap();
    }
    assert_eq!(provider.fetcher().calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn failed_refresh_serves_the_still_valid_token_but_never_an_expired_one() {
    let time = Arc::new(VirtualTime::default());
    let provider = CachedTokenProvider::new(CountingFetcher::default(), LIFETIME, time.clone());
    let first = provider.token().await.unwrap();
    provider.fetcher().fail.store(true, Ordering::SeqCst);

    time.advance(Duration::from_secs(100 * 60));
    let still = provider.token().await.unwrap();
    assert_eq!(still.generation(), first.generation());

    time.advance(Duration::from_secs(21 * 60));
    assert!(
        provider.token().await.is_err(),
        "past 2 h the token is never used"
    );
}

#[tokio::test]
async fn expired_token_answer_triggers_one_refresh_and_replay() {
    let time = Arc::new(VirtualTime::default());
    let provider = Arc::new(CachedTokenProvider::new(
        CountingFetcher::default(),
        LIFETIME,
        time.clone(),
    ));
    let mock = Arc::new(MockTransport::new());
    mock.push_json(401, r#"{"code":10023}"#)
        .push_json(200, r#"{"ok":true}"#);
    let client = token_client(&time, provider.clone(), &mock);

    let v: serde_json::Value = client
        .send_json(Operation::post("Create", "/things"), &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    let sent: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.headers()["x-app-token"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["tok-1", "tok-2"]);
    assert!(time.sleeps().is_empty(), "a replay does not back off");
}

#[tokio::test]
async fn replay_happens_only_once() {
    let time = Arc::new(VirtualTime::default());
    let provider = Arc::new(CachedTokenProvider::new(
        CountingFetcher::default(),
        LIFETIME,
        time.clone(),
    ));
    let mock = Arc::new(MockTransport::new());
    mock.push_json(401, "{}")
        .push_json(401, "{}")
        .push_json(200, "{}");
    let client = token_client(&time, provider.clone(), &mock);

    let err = client
        .execute(Operation::get("GetData", "/data"), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert_eq!(mock.hits(), 2);
    assert_eq!(provider.fetcher().calls.load(Ordering::SeqCst), 2);
}

/// Records the attempt number and timestamp it signed with.
#[derive(Debug, Default)]
struct StampSigner;

impl RequestSigner for StampSigner {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let secs = cx
            .now
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        request
            .headers_mut()
            .insert("x-stamp", format!("{}-{secs}", cx.attempt).parse().unwrap());
        Box::pin(std::future::ready(Ok(())))
    }
}

#[tokio::test]
async fn signers_run_on_every_attempt_with_fresh_time() {
    let time = Arc::new(VirtualTime::default());
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, "{}").push_json(200, "{}");
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .signer(Arc::new(StampSigner))
        .build()
        .unwrap();
    client
        .execute(Operation::get("GetData", "/data"), &RequestOptions::new())
        .await
        .unwrap();
    let stamps: Vec<_> = mock
        .requests()
        .iter()
        .map(|r| r.headers()["x-stamp"].to_str().unwrap().to_owned())
        .collect();
    let start = 1_715_126_400_000u128;
    assert_eq!(stamps, [format!("1-{start}"), format!("2-{}", start + 100)]);
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_host() {
    let other = MockServer::start_async().await;
    let leaked = other
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let server = MockServer::start_async().await;
    let redirect = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/data")
                .header("authorization", "Bearer s3cret");
            then.status(302).header("location", other.url("/steal"));
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .signer(Arc::new(
            HeaderSigner::bearer(SecretString::from("s3cret")).unwrap(),
        ))
        .build()
        .unwrap();

    let err = client
        .execute(Operation::get("GetData", "/data"), &RequestOptions::new())
        .await
        .unwrap_err();

    redirect.assert_calls_async(1).await;
    leaked.assert_calls_async(0).await;
    assert_eq!(err.status(), Some(http::StatusCode::FOUND));
}

#[tokio::test]
async fn a_caller_builder_that_follows_redirects_still_sends_nothing_to_another_origin() {
    let other = MockServer::start_async().await;
    let leaked = other
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("{}");
        })
        .await;
    let server = MockServer::start_async().await;
    let redirect = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/token")
                .header("x-app-key", "s3cret-key");
            then.status(307).header("location", other.url("/steal"));
        })
        .await;
    // The caller asks for redirects to be followed; fintra refuses them anyway.
    let http = fintra_core::reqwest_client_builder()
        .redirect(fintra_core::reqwest::redirect::Policy::limited(10));
    let client = Client::builder()
        .base_url(server.base_url())
        .reqwest_builder(http)
        .signer(Arc::new(
            HeaderSigner::new(
                HeaderName::from_static("x-app-key"),
                &SecretString::from("s3cret-key"),
            )
            .unwrap(),
        ))
        .build()
        .unwrap();

    let op = Operation::post("CreateToken", "/token")
        .json_bytes(&br#"{"partnerSecret":"s3cret-body"}"#[..])
        .with_idempotency(Idempotency::Safe);
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();

    redirect.assert_calls_async(1).await;
    leaked.assert_calls_async(0).await;
    assert_eq!(err.status(), Some(http::StatusCode::TEMPORARY_REDIRECT));
}
