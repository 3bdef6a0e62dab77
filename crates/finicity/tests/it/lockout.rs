//! The lockout guard: CreateToken stops at the threshold; 24302 is a distinct locked error.

use std::sync::Arc;

use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error};
use fintra_finicity::{FinicityErrorExt, TokenSettings};
use httpmock::MockServer;
use serde_json::json;

use crate::support::*;

const INVALID: &str = r#"{"code":"10001","message":"Invalid credentials"}"#;

fn kind(err: &Error) -> AuthErrorKind {
    match err {
        Error::Auth(auth) => auth.kind(),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn guard_stops_create_token_at_the_threshold_until_reset() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let rejected = auth_error_mock(&server, 401, INVALID).await;
    let probes = probe_mock(&server, "tok").await;
    let finicity = client(&server, &time);

    for n in 1..=3 {
        let err = probe(&finicity).await.unwrap_err();
        assert_eq!(kind(&err), AuthErrorKind::CredentialsRejected);
        assert_eq!(err.code(), Some("10001"));
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(
            finicity.token_provider().consecutive_credential_failures(),
            n
        );
    }
    rejected.assert_calls_async(3).await;
    assert!(finicity.token_provider().is_guard_tripped());

    // Neither the provider, nor a direct CreateToken, nor ModifyPartnerSecret calls again.
    for _ in 0..3 {
        let err = probe(&finicity).await.unwrap_err();
        assert_eq!(kind(&err), AuthErrorKind::GuardTripped);
        assert!(err.to_string().contains("reset_lockout_guard"), "{err}");
    }
    assert_eq!(
        kind(&finicity.create_token(None).await.unwrap_err()),
        AuthErrorKind::GuardTripped
    );
    assert_eq!(
        kind(
            &finicity
                .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), None, None)
                .await
                .unwrap_err()
        ),
        AuthErrorKind::GuardTripped
    );
    rejected.assert_calls_async(3).await;
    probes.assert_calls_async(0).await;

    finicity.reset_lockout_guard();
    assert!(!finicity.token_provider().is_guard_tripped());
    let err = probe(&finicity).await.unwrap_err();
    assert_eq!(kind(&err), AuthErrorKind::CredentialsRejected);
    rejected.assert_calls_async(4).await;
}

#[tokio::test]
async fn threshold_is_configurable_and_success_resets_the_count() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let rejected = auth_error_mock(&server, 401, INVALID).await;
    rejected.up_to_n_times_async(1).await;
    let ok = token_mock(&server, "tok").await;
    ok.up_to_n_times_async(1).await;
    let rejected_again = auth_error_mock(&server, 401, INVALID).await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().lockout_threshold(2),
    );

    assert_eq!(
        kind(&finicity.create_token(None).await.unwrap_err()),
        AuthErrorKind::CredentialsRejected
    );
    finicity.create_token(None).await.unwrap();
    assert_eq!(
        finicity.token_provider().consecutive_credential_failures(),
        0
    );
    for expected in [
        AuthErrorKind::CredentialsRejected,
        AuthErrorKind::CredentialsRejected,
        AuthErrorKind::GuardTripped,
    ] {
        assert_eq!(
            kind(&finicity.create_token(None).await.unwrap_err()),
            expected
        );
    }
    rejected_again.assert_calls_async(2).await;
}

#[tokio::test]
async fn account_locked_24302_is_distinct_and_never_retried() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let locked = auth_error_mock(
        &server,
        500,
        r#"{"code":24302,"message":"For your security, we've locked your account. Please reset your password to continue."}"#,
    )
    .await;
    let finicity = client(&server, &time);

    let err = probe(&finicity).await.unwrap_err();
    assert_eq!(kind(&err), AuthErrorKind::AccountLocked);
    assert!(err.is_account_locked());
    assert_eq!(err.code(), Some("24302"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    locked.assert_calls_async(1).await; // a 500 on a replay-safe call, yet not retried

    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(kind(&err), AuthErrorKind::AccountLocked);
    assert!(err.is_account_locked());
    locked.assert_calls_async(1).await;

    finicity.reset_lockout_guard();
    let _ = finicity.create_token(None).await.unwrap_err();
    locked.assert_calls_async(2).await;
}

#[tokio::test]
async fn modify_partner_secret_401_counts_toward_the_guard() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let put = server
        .mock_async(|when, then| {
            when.method("PUT").path(AUTH_PATH);
            then.status(401)
                .json_body(json!({"code": "10001", "message": "Invalid credentials"}));
        })
        .await;
    let post = token_mock(&server, "tok").await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().lockout_threshold(1),
    );
    let err = finicity
        .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), None, None)
        .await
        .unwrap_err();
    assert_eq!(kind(&err), AuthErrorKind::CredentialsRejected);
    assert_eq!(
        kind(&finicity.access_token().await.unwrap_err()),
        AuthErrorKind::GuardTripped
    );
    put.assert_calls_async(1).await;
    post.assert_calls_async(0).await;
}

#[tokio::test]
async fn bad_request_is_not_a_credential_failure() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let bad = auth_error_mock(&server, 400, r#"{"code":"14020","message":"Bad request."}"#).await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().lockout_threshold(1),
    );
    for _ in 0..3 {
        let err = finicity.create_token(None).await.unwrap_err();
        assert!(matches!(err, Error::Api(_)), "{err:?}");
    }
    bad.assert_calls_async(3).await;
    assert_eq!(
        finicity.token_provider().consecutive_credential_failures(),
        0
    );
}

#[test]
fn invalid_settings_are_config_errors() {
    let err = fintra_finicity::FinicityClient::with_settings(
        credentials(),
        fintra_core::Client::builder(),
        TokenSettings::default().lockout_threshold(5),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}
