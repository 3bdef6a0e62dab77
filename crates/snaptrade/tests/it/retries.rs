//! Every attempt is signed afresh; only the GETs are retried.

use std::time::Duration;

use fintra_core::secret::SecretString;
use fintra_snaptrade::RegisterUserRequest;
use httpmock::prelude::*;

use crate::{Script, TS, USER_SECRET, client, header, signature_is_valid, timestamp};

const FAIL_500: &str = r#"{"detail":"Unexpected error","status_code":500,"code":1000}"#;

#[tokio::test]
async fn a_retried_get_carries_a_new_timestamp_and_a_valid_new_signature() {
    let server = MockServer::start_async().await;
    let script = Script::new(vec![(500, vec![], FAIL_500), (200, vec![], r#"["user1"]"#)]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/api/v1/snapTrade/listUsers")
                .is_true(signature_is_valid);
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, time) = client(&server);
    assert_eq!(client.list_users(None).await.unwrap(), ["user1"]);
    mock.assert_calls_async(2).await;
    let seen = script.seen();
    assert_eq!(timestamp(&seen[0]), TS);
    assert_eq!(timestamp(&seen[1]), TS + 2);
    assert_ne!(header(&seen[0], "signature"), header(&seen[1], "signature"));
    assert_eq!(
        header(&seen[0], "signature").as_deref(),
        Some("wP5x5Pg4YESB9G8tw4yyFQ9qwajXBSvUfcCyixSRE6o=")
    );
    assert!(seen.iter().all(signature_is_valid));
    assert_eq!(time.sleeps(), [Duration::from_secs(2)]);
}

#[tokio::test]
async fn encrypted_jwt_retries_429_after_retry_after_and_the_rate_limit_reset() {
    let server = MockServer::start_async().await;
    let limited = r#"{"detail":"Rate limit exceeded","status_code":429,"code":"throttled"}"#;
    let script = Script::new(vec![
        (429, vec![("retry-after", "3")], limited),
        (
            429,
            vec![("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "5")],
            limited,
        ),
        (
            200,
            vec![],
            r#"{"encryptedSharedKey":"k","encryptedMessageData":{"encryptedMessage":"m","tag":"t","nonce":"n"}}"#,
        ),
    ]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET)
                .path("/api/v1/snapTrade/encryptedJWT")
                .is_true(signature_is_valid);
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, time) = client(&server);
    client
        .encrypted_jwt("u1", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap();
    mock.assert_calls_async(3).await;
    assert_eq!(
        time.sleeps(),
        [Duration::from_secs(3), Duration::from_secs(5)]
    );
    let ts: Vec<_> = script.seen().iter().map(timestamp).collect();
    assert_eq!(ts, [TS, TS + 3, TS + 8]);
}

#[tokio::test]
async fn register_user_is_not_retried_once_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/registerUser")
                .is_true(signature_is_valid);
            then.status(500).body(FAIL_500);
        })
        .await;
    let (client, time) = client(&server);
    let err = client
        .register_user(&RegisterUserRequest::new("u1"), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("1000"));
    mock.assert_calls_async(1).await;
    assert!(time.sleeps().is_empty());
}

#[tokio::test]
async fn delete_user_is_not_retried_once_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/snapTrade/deleteUser")
                .is_true(signature_is_valid);
            then.status(503).header("retry-after", "1").body(FAIL_500);
        })
        .await;
    let (client, _) = client(&server);
    assert!(client.delete_user("u1", None).await.is_err());
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn login_is_not_retried_once_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/login")
                .is_true(signature_is_valid);
            then.status(429).body(FAIL_500);
        })
        .await;
    let (client, _) = client(&server);
    assert!(
        client
            .login("u1", &SecretString::from(USER_SECRET), None, None)
            .await
            .is_err()
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn gets_give_up_after_the_policy_attempts() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/snapTrade/listUsers")
                .is_true(signature_is_valid);
            then.status(500).body(FAIL_500);
        })
        .await;
    let (client, _) = client(&server);
    let err = client.list_users(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    mock.assert_calls_async(3).await;
}
