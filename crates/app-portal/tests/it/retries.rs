//! Retries reuse the idempotency key; POSTs are retried because they carry one.

use std::sync::Arc;
use std::time::Duration;

use fintra_app_portal::{AppPortalAccessIn, AppPortalClient, ApplicationTokenExpireIn};
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{ClientBuilder, IdempotencyKey, RequestOptions, TransportErrorKind};
use httpmock::prelude::*;

use crate::{ACCESS_OUT, APP_ID, Script, client, header, is_auto_key};

#[tokio::test]
async fn auto_key_is_the_same_on_every_retry_of_5xx_and_429() {
    let server = MockServer::start_async().await;
    let script = Script::new([
        (
            500,
            r#"{"code":"server_error","detail":"Internal Server Error"}"#,
        ),
        (429, r#"{"code":"rate_limited","detail":"slow down"}"#),
        (200, ACCESS_OUT),
    ]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP_ID}"));
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, time) = client(&server);
    let out = client
        .app_portal_access(APP_ID, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert_eq!(
        out.token.expose_secret(),
        "appsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O"
    );
    mock.assert_calls_async(3).await;
    let keys: Vec<_> = script
        .seen()
        .iter()
        .map(|r| header(r, "idempotency-key").unwrap())
        .collect();
    assert!(is_auto_key(&keys[0]), "{keys:?}");
    assert_eq!(keys, vec![keys[0].clone(); 3]);
    assert_eq!(
        time.sleeps(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn callers_key_is_never_overridden_and_is_reused_on_retries() {
    let server = MockServer::start_async().await;
    let script = Script::new([
        (503, r#"{"code":"server_error","detail":"unavailable"}"#),
        (204, ""),
    ]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app/{APP_ID}/expire-all"));
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, _) = client(&server);
    let opts =
        RequestOptions::new().with_idempotency_key(IdempotencyKey::new("expire-app-42").unwrap());
    client
        .expire_all(
            APP_ID,
            &ApplicationTokenExpireIn::new().expiry(60),
            Some(opts),
        )
        .await
        .unwrap();
    mock.assert_calls_async(2).await;
    for r in script.seen() {
        assert_eq!(
            header(&r, "idempotency-key").as_deref(),
            Some("expire-app-42")
        );
        assert_eq!(r.body_string(), r#"{"expiry":60}"#);
    }
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/auth/logout");
            then.status(409)
                .body(r#"{"code":"conflict","detail":"A conflict has occurred"}"#);
        })
        .await;
    let (client, _) = client(&server);
    assert!(client.logout(None).await.is_err());
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_the_policy_attempts() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/auth/logout");
            then.status(500)
                .body(r#"{"code":"server_error","detail":"Internal Server Error"}"#);
        })
        .await;
    let (client, _) = client(&server);
    let err = client.logout(None).await.unwrap_err();
    assert_eq!(err.code(), Some("server_error"));
    mock.assert_calls_async(3).await;
}

#[tokio::test]
async fn timeouts_are_retried_with_the_same_key() {
    let transport = Arc::new(MockTransport::new());
    transport.push_error(TransportErrorKind::Timeout);
    transport.push_error(TransportErrorKind::Io);
    transport.push_json(204, "");
    let time = Arc::new(VirtualTime::default());
    let client = AppPortalClient::with_config(
        SecretString::from(crate::TOKEN),
        ClientBuilder::new()
            .transport(transport.clone())
            .clock(time.clone())
            .sleep(time.clone()),
    )
    .unwrap();
    client.logout(None).await.unwrap();
    let requests = transport.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[0].uri(),
        "https://api.eu.svix.com/api/v1/auth/logout"
    );
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.headers()["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert!(is_auto_key(&keys[0]));
    assert!(keys.iter().all(|k| *k == keys[0]));
}
