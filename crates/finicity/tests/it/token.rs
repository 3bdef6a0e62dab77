//! The shared token: reuse, 90-minute refresh, maximum age, single-flight, expired-token replay.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error};
use fintra_finicity::TokenSettings;
use httpmock::MockServer;
use serde_json::json;

use crate::support::*;

/// Waits (real time, at most 5 s) until `mock` was called `n` times.
async fn calls_reach(mock: &httpmock::Mock<'_>, n: usize) {
    for _ in 0..500 {
        if mock.calls_async().await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("expected {n} calls, got {}", mock.calls_async().await);
}

#[tokio::test]
async fn token_is_shared_and_refreshed_ahead_in_the_background() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let first = token_mock(&server, "tok-1").await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-2").await;
    let probe1 = probe_mock(&server, "tok-1").await;
    let probe2 = probe_mock(&server, "tok-2").await;
    let finicity = client(&server, &time);
    let clone = finicity.clone();

    probe(&finicity).await.unwrap();
    probe(&clone).await.unwrap();
    time.advance(minutes(75) - Duration::from_secs(1));
    probe(&finicity).await.unwrap();
    first.assert_calls_async(1).await;
    second.assert_calls_async(0).await;
    probe1.assert_calls_async(3).await;

    // 75 minutes: the call is served at once with tok-1 while tok-2 is fetched behind it.
    time.advance(Duration::from_secs(1));
    probe(&clone).await.unwrap();
    probe1.assert_calls_async(4).await;
    calls_reach(&second, 1).await;
    for _ in 0..100 {
        if finicity.access_token().await.unwrap().generation() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    probe(&finicity).await.unwrap();
    probe2.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    assert_eq!(finicity.access_token().await.unwrap().generation(), 2);
}

#[tokio::test]
async fn refresh_age_is_configurable() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = token_mock(&server, "tok").await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default()
            .with_refresh_after(minutes(30))
            .with_refresh_ahead(Duration::ZERO),
    );
    finicity.access_token().await.unwrap();
    time.advance(minutes(29));
    finicity.access_token().await.unwrap();
    tokens.assert_calls_async(1).await;
    time.advance(minutes(1));
    finicity.access_token().await.unwrap();
    calls_reach(&tokens, 2).await;
}

#[tokio::test]
async fn old_token_survives_a_failed_refresh_but_is_never_used_past_max_age() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let first = token_mock(&server, "tok-1").await;
    first.up_to_n_times_async(1).await;
    let failing =
        auth_error_mock(&server, 400, r#"{"code":"14020","message":"Bad request."}"#).await;
    let probe1 = probe_mock(&server, "tok-1").await;
    let finicity = client(&server, &time);

    probe(&finicity).await.unwrap();
    time.advance(minutes(100)); // refresh due, fails: the 100-minute-old token is still used
    probe(&finicity).await.unwrap();
    calls_reach(&failing, 1).await;
    probe(&finicity).await.unwrap();
    probe1.assert_calls_async(3).await;

    time.advance(minutes(15)); // 115 minutes: past the maximum age
    let err = probe(&finicity).await.unwrap_err();
    let Error::Auth(auth) = &err else {
        panic!("expected an auth error, got {err:?}")
    };
    assert_eq!(auth.kind(), AuthErrorKind::CredentialsRejected);
    assert_eq!(err.code(), Some("14020"));
    probe1.assert_calls_async(3).await;
    failing.assert_calls_async(2).await;
}

#[tokio::test]
async fn concurrent_callers_share_one_create_token_call() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(200)
                .json_body(json!({"token": "tok"}))
                .delay(Duration::from_millis(150));
        })
        .await;
    let probes = probe_mock(&server, "tok").await;
    let finicity = client(&server, &time);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let f = finicity.clone();
        tasks.spawn(async move { probe(&f).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    tokens.assert_calls_async(1).await;
    probes.assert_calls_async(8).await;
}

/// (content type, body) of 401s that mean "token invalid or expired".
const EXPIRED: &[(&str, &str)] = &[
    (
        "application/json",
        r#"{"code":"10023","message":"Expired (Finicity-App-Token)"}"#,
    ),
    (
        "application/json",
        r#"{"code":10022,"message":"Invalid (Finicity-App-Token)"}"#,
    ),
    (
        "application/json",
        r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10023","Description":"Expired (Finicity-App-Token)","Recoverable":false,"Details":"Expired (Finicity-App-Token)"}]}}"#,
    ),
    ("text/plain", "Expired (Finicity-App-Token)"),
];

#[tokio::test]
async fn expired_token_401_refreshes_once_and_replays() {
    for &(content_type, body) in EXPIRED {
        let server = MockServer::start_async().await;
        let time = Arc::new(VirtualTime::default());
        let first = token_mock(&server, "tok-1").await;
        first.up_to_n_times_async(1).await;
        let second = token_mock(&server, "tok-2").await;
        let owned = body.to_owned();
        let rejected = server
            .mock_async(move |when, then| {
                when.method("GET")
                    .path(PROBE_PATH)
                    .header("finicity-app-token", "tok-1");
                then.status(401)
                    .header("content-type", content_type)
                    .body(owned);
            })
            .await;
        let accepted = probe_mock(&server, "tok-2").await;
        let finicity = client(&server, &time);

        let value = probe(&finicity).await.unwrap();
        assert_eq!(value["ok"], true, "{body}");
        rejected.assert_calls_async(1).await;
        second.assert_calls_async(1).await;
        accepted.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn expired_token_is_replayed_only_once() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = auth_error_mock(&server, 200, r#"{"token":"tok"}"#).await;
    let rejected = server
        .mock_async(|when, then| {
            when.method("GET").path(PROBE_PATH);
            then.status(401)
                .json_body(json!({"code": "10023", "message": "Expired (Finicity-App-Token)"}));
        })
        .await;
    let err = probe(&client(&server, &time)).await.unwrap_err();
    assert_eq!(err.code(), Some("10023"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    rejected.assert_calls_async(2).await;
    tokens.assert_calls_async(2).await;
}

#[tokio::test]
async fn other_401_codes_are_not_replayed() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = token_mock(&server, "tok").await;
    let rejected = server
        .mock_async(|when, then| {
            when.method("GET").path(PROBE_PATH);
            then.status(401).json_body(
                json!({"code": "10024", "message": "Missing parameter (Finicity-App-Token)"}),
            );
        })
        .await;
    let err = probe(&client(&server, &time)).await.unwrap_err();
    assert_eq!(err.code(), Some("10024"));
    rejected.assert_calls_async(1).await;
    tokens.assert_calls_async(1).await;
}
