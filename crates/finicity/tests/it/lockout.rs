//! The lockout budget: slots are taken before sending, what gives them back, what counts,
//! 24302, the operator reset, and the typed errors.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error};
use fintra_finicity::{AuthFailure, FinicityErrorBody, TokenSettings};
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

/// Past any backoff.
fn later(time: &VirtualTime) {
    time.advance(Duration::from_secs(120));
}

#[tokio::test]
async fn the_budget_stops_create_token_until_reset() {
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
        assert!(err.to_string().contains(&format!("{n} of 3")), "{err}");
        assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, n);
        later(&time);
    }
    rejected.assert_calls_async(3).await;

    // Neither the signer, nor a direct CreateToken, nor ModifyPartnerSecret sends again.
    for _ in 0..3 {
        let err = probe(&finicity).await.unwrap_err();
        assert_eq!(kind(&err), AuthErrorKind::GuardTripped);
        let text = err.to_string();
        assert!(text.contains("3 attempts"), "{text}");
        assert!(text.contains("in-process"), "{text}");
        assert!(text.contains("reset_lockout_guard"), "{text}");
        later(&time);
    }
    let err = finicity.create_token(None).await.unwrap_err();
    assert!(
        matches!(
            err,
            AuthFailure::BudgetSpent {
                failures: 3,
                budget: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let err = finicity
        .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthFailure::BudgetSpent { .. }), "{err:?}");
    rejected.assert_calls_async(3).await;
    probes.assert_calls_async(0).await;

    finicity.reset_lockout_guard().await.unwrap();
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 0);
    let err = probe(&finicity).await.unwrap_err();
    assert_eq!(kind(&err), AuthErrorKind::CredentialsRejected);
    rejected.assert_calls_async(4).await;
}

#[tokio::test]
async fn the_budget_is_configurable_and_a_success_resets_it() {
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
        TokenSettings::default().with_lockout_threshold(2),
    );

    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected);
    finicity.create_token(None).await.unwrap();
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 0);
    for expected in [
        AuthErrorKind::CredentialsRejected,
        AuthErrorKind::CredentialsRejected,
        AuthErrorKind::GuardTripped,
    ] {
        assert_eq!(
            finicity.create_token(None).await.unwrap_err().kind(),
            expected
        );
    }
    rejected_again.assert_calls_async(2).await;
}

#[tokio::test]
async fn account_locked_24302_is_distinct_recorded_and_never_retried() {
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
    assert!(
        err.provider::<FinicityErrorBody>()
            .unwrap()
            .is_account_locked()
    );
    assert_eq!(err.code(), Some("24302"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(err.to_string().contains("support.finicity.com"), "{err}");
    locked.assert_calls_async(1).await; // a 500, yet not retried

    later(&time);
    let err = finicity.create_token(None).await.unwrap_err();
    assert!(err.is_account_locked());
    assert_eq!(err.kind(), AuthErrorKind::AccountLocked);
    locked.assert_calls_async(1).await;

    finicity.reset_lockout_guard().await.unwrap();
    let _ = finicity.create_token(None).await.unwrap_err();
    locked.assert_calls_async(2).await;
}

#[tokio::test]
async fn modify_partner_secret_failures_spend_the_same_budget() {
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
        TokenSettings::default().with_lockout_threshold(1),
    );
    let err = finicity
        .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected);
    later(&time);
    assert_eq!(
        finicity.access_token().await.unwrap_err().kind(),
        AuthErrorKind::GuardTripped
    );
    put.assert_calls_async(1).await;
    post.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_bad_request_with_a_finicity_code_counts() {
    // 10005/14020 may come from a login with a wrong id: it counts (issue 10).
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let bad = auth_error_mock(&server, 400, r#"{"code":"14020","message":"Bad request."}"#).await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().with_lockout_threshold(1),
    );
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected);
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::GuardTripped);
    bad.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_403_counts_as_well() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let forbidden = auth_error_mock(&server, 403, "").await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().with_lockout_threshold(1),
    );
    assert_eq!(
        finicity.create_token(None).await.unwrap_err().kind(),
        AuthErrorKind::CredentialsRejected
    );
    assert_eq!(
        finicity.create_token(None).await.unwrap_err().kind(),
        AuthErrorKind::GuardTripped
    );
    forbidden.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_404_without_a_finicity_body_is_a_wrong_base_url_and_spends_nothing() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let html = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(404)
                .header("content-type", "text/html")
                .body("<html>Not Found</html>");
        })
        .await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().with_lockout_threshold(1),
    );
    for _ in 0..5 {
        let err = finicity.create_token(None).await.unwrap_err();
        let AuthFailure::NotFinicityEndpoint { url, status, .. } = &err else {
            panic!("expected NotFinicityEndpoint, got {err:?}")
        };
        assert_eq!(*status, 404);
        assert_eq!(url, &format!("{}{AUTH_PATH}", server.base_url()));
        let text = err.to_string();
        assert!(text.starts_with("not a Finicity endpoint"), "{text}");
        assert!(text.contains("check the base URL"), "{text}");
        assert!(text.contains(&server.base_url()), "{text}");
    }
    html.assert_calls_async(5).await;
    assert_eq!(finicity.auth().lockout_status().await.unwrap().used(), 0);
}

/// A base URL that points at another JSON API (here a Svix-style `{"code":"not_found"}` 404,
/// as the app-portal listener of the sandbox answers): a non-numeric `code` is not a Finicity
/// error code, so this is a wrong base URL, not a rejected login.
#[tokio::test]
async fn a_json_404_from_another_api_is_a_wrong_base_url_and_spends_nothing() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let other = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(404)
                .header("content-type", "application/json")
                .body(r#"{"code":"not_found","detail":"Entity not found"}"#);
        })
        .await;
    let finicity = client_with(
        &server,
        &time,
        TokenSettings::default().with_lockout_threshold(1),
    );
    for _ in 0..3 {
        let err = finicity.create_token(None).await.unwrap_err();
        assert!(
            matches!(err, AuthFailure::NotFinicityEndpoint { status: 404, .. }),
            "expected NotFinicityEndpoint, got {err:?}"
        );
    }
    other.assert_calls_async(3).await;
    assert_eq!(finicity.auth().lockout_status().await.unwrap().used(), 0);
}

#[tokio::test]
async fn a_refused_connection_never_reached_finicity_and_gives_the_slot_back() {
    // Bind, learn the port, close: connections are refused.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let time = Arc::new(VirtualTime::default());
    let finicity = fintra_finicity::FinicityClient::with_settings(
        credentials(),
        fintra_core::test_util::virtual_builder(format!("http://127.0.0.1:{port}"), &time),
        TokenSettings::default().with_lockout_threshold(1),
    )
    .unwrap();
    for _ in 0..3 {
        let err = finicity.create_token(None).await.unwrap_err();
        assert!(matches!(err, AuthFailure::Request(_)), "{err:?}");
    }
    assert_eq!(finicity.auth().lockout_status().await.unwrap().used(), 0);
}

#[test]
fn invalid_settings_are_config_errors() {
    for settings in [
        TokenSettings::default().with_lockout_threshold(0),
        TokenSettings::default().with_lockout_threshold(5),
    ] {
        let err = fintra_finicity::FinicityClient::with_settings(
            credentials(),
            fintra_core::Client::builder(),
            settings,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }
}
