//! SnapTrade: the user lifecycle, signed requests, rate limits and error bodies.

use std::time::Duration;

use fintra::core::IdempotencyKey;
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::snaptrade::{
    LoginRequest, LoginResponse, RegisterUserRequest, SnapTradeClient, SnapTradeError,
};
use fintra::{Error, RequestOptions};
use fintra_sandbox::{Fault, FaultKind, Provider, Route};

use crate::support::{Recording, config, sandbox, snaptrade, snaptrade_credentials, time};

fn snaptrade_error(err: &Error) -> SnapTradeError {
    err.provider::<SnapTradeError>()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"))
}

#[tokio::test]
async fn full_user_lifecycle() {
    let sandbox = sandbox().await;
    let (client, _time) = snaptrade(&sandbox);
    let user = client
        .register_user(&RegisterUserRequest::new("e2e-user"), None)
        .await
        .unwrap();
    assert_eq!(user.user_id, "e2e-user");
    assert_eq!(user.user_secret.expose_secret().len(), 36);

    match client
        .login(
            &user.user_id,
            &user.user_secret,
            Some(&LoginRequest::new().immediate_redirect(true)),
            None,
        )
        .await
        .unwrap()
    {
        LoginResponse::Redirect(link) => {
            let session = link.session_id.unwrap();
            assert!(
                link.redirect_uri
                    .expose_secret()
                    .ends_with(&format!("/portal?sessionId={session}"))
            );
        }
        other => panic!("expected a redirect link, got {other:?}"),
    }
    // Login without a body works too.
    client
        .login(&user.user_id, &user.user_secret, None, None)
        .await
        .unwrap();

    assert!(
        client
            .list_users(None)
            .await
            .unwrap()
            .contains(&user.user_id)
    );
    let jwt = client
        .encrypted_jwt(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    assert!(!jwt.encrypted_shared_key.is_empty());
    assert!(!jwt.encrypted_message_data.nonce.is_empty());

    let deleted = client.delete_user(&user.user_id, None).await.unwrap();
    assert_eq!(deleted.status, "deleted");
    assert_eq!(deleted.user_id, user.user_id);
    assert!(
        !client
            .list_users(None)
            .await
            .unwrap()
            .contains(&user.user_id)
    );
    // Every operation was accepted once: no signature was rejected, nothing retried.
    let stats = sandbox.stats();
    assert_eq!(stats.provider_hits(Provider::SnapTrade), 7);
    assert_eq!(stats.hits(Route::SnapTradeLogin), 2);
}

#[tokio::test]
async fn user_errors_are_decoded_with_their_codes() {
    let sandbox = sandbox().await;
    let (client, _time) = snaptrade(&sandbox);
    let user = client
        .register_user(&RegisterUserRequest::new("dup"), None)
        .await
        .unwrap();

    let err = client
        .register_user(&RegisterUserRequest::new("dup"), None)
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 400);
    assert_eq!(e.code.as_deref(), Some("1076"));
    assert_eq!(e.detail.as_deref(), Some("User already exists"));
    assert_eq!(err.code(), Some("1076"));

    let err = client
        .login(
            &user.user_id,
            &SecretString::from("not-the-secret"),
            None,
            None,
        )
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 403);
    assert_eq!(e.code.as_deref(), Some("1066"));

    let err = client.delete_user("nobody", None).await.unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 404);
    assert_eq!(e.code.as_deref(), Some("1011"));

    // Idempotency keys are refused client-side.
    let err = client
        .list_users(Some(
            RequestOptions::new().with_idempotency_key(IdempotencyKey::new("k").unwrap()),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::SnapTradeRegisterUser), 2);
    assert_eq!(stats.hits(Route::SnapTradeLogin), 1);
    assert_eq!(stats.hits(Route::SnapTradeDeleteUser), 1);
    assert_eq!(stats.hits(Route::SnapTradeListUsers), 0);
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_and_the_retry_is_re_signed() {
    let sandbox = sandbox().await;
    let time = time();
    let recording = Recording::new();
    let client = SnapTradeClient::with_config(
        snaptrade_credentials(&sandbox, sandbox.credentials().snaptrade_consumer_key),
        config(sandbox.snaptrade_url(), &time).transport(recording.clone()),
    )
    .unwrap();
    sandbox.inject(
        Fault::new(
            Provider::SnapTrade,
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
        )
        .times(1),
    );
    let users = client.list_users(None).await.unwrap();
    assert!(users.is_empty());
    assert_eq!(sandbox.stats().hits(Route::SnapTradeListUsers), 2);
    // The wait was the server's Retry-After, not the 10 ms backoff.
    assert_eq!(time.sleeps(), [Duration::from_secs(1)]);

    let seen = recording.seen();
    assert_eq!(seen.len(), 2);
    let timestamp = |i: usize| seen[i].query("timestamp").unwrap().parse::<u64>().unwrap();
    assert_eq!(timestamp(1), timestamp(0) + 1);
    assert_ne!(seen[0].header("signature"), seen[1].header("signature"));
    for s in &seen {
        assert_eq!(s.query("clientId"), Some("PASSIVTEST"));
        assert_eq!(s.uri.path(), "/api/v1/snapTrade/listUsers");
    }
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_limit_is_not_waited_for() {
    let sandbox = sandbox().await;
    let (client, time) = snaptrade(&sandbox);
    sandbox.inject(Fault::new(
        Provider::SnapTrade,
        FaultKind::TooManyRequests {
            retry_after_secs: 3600,
        },
    ));
    let err = client.list_users(None).await.unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 429);
    assert_eq!(e.code.as_deref(), Some("throttled"));
    assert_eq!(
        err.as_api().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
    assert!(time.sleeps().is_empty());
    assert_eq!(sandbox.stats().hits(Route::SnapTradeListUsers), 1);
}

#[tokio::test]
async fn a_get_is_retried_on_503_and_a_dropped_connection() {
    let sandbox = sandbox().await;
    let (client, _time) = snaptrade(&sandbox);
    let user = client
        .register_user(&RegisterUserRequest::new("jwt-user"), None)
        .await
        .unwrap();
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(503)));
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    client
        .encrypted_jwt(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().hits(Route::SnapTradeEncryptedJwt), 3);
}

#[tokio::test]
async fn a_wrong_consumer_key_fails_the_signature_check() {
    let sandbox = sandbox().await;
    let client = SnapTradeClient::with_config(
        snaptrade_credentials(&sandbox, "not-the-consumer-key"),
        config(sandbox.snaptrade_url(), &time()),
    )
    .unwrap();
    let err = client.list_users(None).await.unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 401);
    assert_eq!(e.code.as_deref(), Some("1076"));
    assert_eq!(e.detail.as_deref(), Some("Unable to verify signature sent"));
    assert!(
        err.to_string().contains("SnapTradeClient::list_users"),
        "the error names the Rust method: {err}"
    );
    let message = err.as_api().unwrap().message().unwrap();
    assert!(
        message.starts_with("Unable to verify signature sent (likely cause: the consumer key"),
        "{message}"
    );
    assert_eq!(sandbox.stats().hits(Route::SnapTradeListUsers), 1);
}

#[tokio::test]
async fn a_timestamp_outside_the_window_is_rejected() {
    let sandbox = sandbox().await;
    let (client, _time) = snaptrade(&sandbox);
    sandbox.advance_time(Duration::from_secs(10 * 60));
    let err = client.list_users(None).await.unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 401);
    assert!(e.detail.unwrap().contains("timestamp"));
}

#[tokio::test]
async fn register_user_meeting_a_500_is_not_retried() {
    let sandbox = sandbox().await;
    let (client, _time) = snaptrade(&sandbox);
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(500)));
    let err = client
        .register_user(&RegisterUserRequest::new("never"), None)
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 500);
    assert_eq!(e.code.as_deref(), Some("1000"));
    assert_eq!(e.detail.as_deref(), Some("Unexpected error"));
    assert_eq!(sandbox.stats().hits(Route::SnapTradeRegisterUser), 1);
    assert!(
        !client
            .list_users(None)
            .await
            .unwrap()
            .contains(&"never".to_owned())
    );

    // Same for a 429 and a dropped connection: writes are never repeated.
    sandbox.inject(Fault::new(
        Provider::SnapTrade,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    let err = client
        .register_user(&RegisterUserRequest::new("never"), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    let err = client
        .register_user(&RegisterUserRequest::new("never"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(sandbox.stats().hits(Route::SnapTradeRegisterUser), 3);
}

/// The sandbox serves SnapTrade at its current root (`https://api.snaptrade.com`) and under
/// the legacy `/api/v1`; the client works against both base URLs the sandbox hands out.
#[tokio::test]
async fn the_client_works_against_the_current_api_root_too() {
    let sandbox = sandbox().await;
    let time = time();
    let client = SnapTradeClient::with_config(
        snaptrade_credentials(&sandbox, sandbox.credentials().snaptrade_consumer_key),
        config(sandbox.snaptrade_root_url(), &time),
    )
    .unwrap();
    let user = client
        .register_user(&RegisterUserRequest::new("root-user"), None)
        .await
        .unwrap();
    assert_eq!(user.user_id, "root-user");
    assert_eq!(client.list_users(None).await.unwrap(), ["root-user"]);
    assert_eq!(sandbox.stats().hits(Route::SnapTradeListUsers), 1);
}
