//! CreateToken and ModifyPartnerSecret: request shape, success decoding, validation, retries.

use std::sync::Arc;

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error};
use fintra_finicity::AuthFailure;
use httpmock::MockServer;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn create_token_sends_exact_request_and_decodes_token() {
    let server = MockServer::start_async().await;
    let mock = token_mock(&server, "YBh22Sb9Es6e66Q7lWdt").await;
    let time = Arc::new(VirtualTime::default());
    let finicity = client(&server, &time);

    let token = finicity.create_token(None).await.unwrap();
    assert_eq!(token.token.expose_secret(), "YBh22Sb9Es6e66Q7lWdt");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_token_sends_user_agent_and_no_token_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(AUTH_PATH)
                .header_missing("finicity-app-token")
                .header(
                    "user-agent",
                    concat!("fintra-finicity/", env!("CARGO_PKG_VERSION")),
                );
            then.status(200).json_body(json!({"token": "t"}));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    client(&server, &time).access_token().await.unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_token_without_token_field_is_a_decode_error() {
    // The Postman collection's saved 200 body is `{}`.
    let server = MockServer::start_async().await;
    let mock = auth_error_mock(&server, 200, "{}").await;
    let time = Arc::new(VirtualTime::default());
    let err = client(&server, &time).create_token(None).await.unwrap_err();
    assert!(matches!(err, AuthFailure::AttemptCounted { .. }), "{err:?}");
    let Some(Error::Decode(decode)) = err.source_error() else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.path(), ".");
    assert_eq!(decode.status().as_u16(), 200);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_token_is_never_retried_once_it_may_have_been_sent() {
    // A 503 may come from a gateway that passed the login on: counted, not retried.
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let unavailable = auth_error_mock(&server, 503, "").await;
    let finicity = client(&server, &time);
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        matches!(err, AuthFailure::AttemptCounted { failures: 1, .. }),
        "{err:?}"
    );
    unavailable.assert_calls_async(1).await;
    unavailable.delete_async().await;

    let bad = auth_error_mock(&server, 400, r#"{"code":"14020","message":"Bad request."}"#).await;
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.code(), Some("14020"));
    bad.assert_calls_async(1).await;
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 2);
}

async fn modify_mock<'a>(
    server: &'a MockServer,
    body: serde_json::Value,
    status: u16,
) -> httpmock::Mock<'a> {
    server
        .mock_async(move |when, then| {
            when.method("PUT")
                .path(AUTH_PATH)
                .header("finicity-app-key", APP_KEY)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header_missing("finicity-app-token")
                .json_body(body);
            then.status(status);
        })
        .await
}

#[tokio::test]
async fn modify_partner_secret_sends_exact_body_with_and_without_immediate() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let with = modify_mock(
        &server,
        json!({"partnerId": PARTNER_ID, "partnerSecret": SECRET,
               "newPartnerSecret": "OrU7tjiA3tIspCgb85xV", "immediate": false}),
        204,
    )
    .await;
    let finicity = client(&server, &time);
    finicity
        .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), Some(false), None)
        .await
        .unwrap();
    with.assert_calls_async(1).await;

    // The client now authenticates with the new secret, and `immediate` is omitted when None.
    let without = modify_mock(
        &server,
        json!({"partnerId": PARTNER_ID, "partnerSecret": "OrU7tjiA3tIspCgb85xV",
               "newPartnerSecret": "Second-s3cret-value"}),
        204,
    )
    .await;
    finicity
        .modify_partner_secret("Second-s3cret-value".into(), None, None)
        .await
        .unwrap();
    without.assert_calls_async(1).await;

    let token = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH).json_body(
                json!({"partnerId": PARTNER_ID, "partnerSecret": "Second-s3cret-value"}),
            );
            then.status(200)
                .json_body(json!({"token": "after-rotation"}));
        })
        .await;
    let t = finicity.create_token(None).await.unwrap();
    assert_eq!(t.token.expose_secret(), "after-rotation");
    token.assert_calls_async(1).await;
}

#[tokio::test]
async fn modify_partner_secret_validates_policy_without_sending() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(204);
        })
        .await;
    let finicity = client(&server, &time);
    for bad in [
        "Short1",                          // too short
        "abcdefghijklmnop",                // no digit
        "1234567890123",                   // no letter
        "has space 12345",                 // forbidden character
        "semi;colon12345",                 // forbidden character
        &format!("a1{}", "x".repeat(254)), // 256 characters
    ] {
        let err = finicity
            .modify_partner_secret(SecretString::from(bad), Some(true), None)
            .await
            .unwrap_err();
        let Some(Error::InvalidRequest(invalid)) = err.source_error() else {
            panic!("expected InvalidRequest for a bad secret, got {err:?}")
        };
        assert_eq!(invalid.field(), "newPartnerSecret");
        assert!(!format!("{err} {err:?}").contains(bad));
    }
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn modify_partner_secret_is_never_retried_once_sent() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let mock = server
        .mock_async(|when, then| {
            when.method("PUT").path(AUTH_PATH);
            then.status(503);
        })
        .await;
    let err = client(&server, &time)
        .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn base_url_defaults_to_production_and_is_overridable() {
    let finicity = fintra_finicity::FinicityClient::new(credentials()).unwrap();
    assert_eq!(finicity.base_url(), "https://api.finicity.com");
    assert_eq!(finicity.api_client().base_url(), "https://api.finicity.com");
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    assert_eq!(client(&server, &time).base_url(), server.base_url());
}

#[tokio::test]
async fn empty_credentials_are_rejected_at_construction() {
    for (id, secret, key, field) in [
        ("", SECRET, APP_KEY, "partner_id"),
        (PARTNER_ID, "", APP_KEY, "partner_secret"),
        (PARTNER_ID, SECRET, " ", "app_key"),
    ] {
        let creds = fintra_finicity::FinicityCredentials::new(id, secret.into(), key.into());
        let err = fintra_finicity::FinicityClient::new(creds).unwrap_err();
        let Error::InvalidRequest(invalid) = err else {
            panic!("expected InvalidRequest")
        };
        assert_eq!(invalid.field(), field);
    }
    let creds =
        fintra_finicity::FinicityCredentials::new(PARTNER_ID, SECRET.into(), "bad\nkey".into());
    assert!(fintra_finicity::FinicityClient::new(creds).is_err());
}

#[tokio::test]
async fn empty_token_is_an_auth_error() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    auth_error_mock(&server, 200, r#"{"token":""}"#).await;
    let finicity = client(&server, &time);
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::TokenUnavailable);
    assert!(
        matches!(err, AuthFailure::AttemptCounted { failures: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("without a usable token"), "{err}");
    // A 200 without a usable token does not reset the budget: it counts.
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 1);
}

#[tokio::test]
async fn a_token_that_is_no_valid_header_value_is_never_cached() {
    // Issue 9 item 4: dropped, a typed error, refetched under the lockout rules.
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let bad = auth_error_mock(&server, 200, r#"{"token":"tok\nen"}"#).await;
    bad.up_to_n_times_async(1).await;
    let good = token_mock(&server, "tok").await;
    let probes = probe_mock(&server, "tok").await;
    let finicity = client(&server, &time);
    let err = probe(&finicity).await.unwrap_err();
    assert!(
        err.to_string().contains("not a valid header value"),
        "{err}"
    );
    probes.assert_calls_async(0).await;
    time.advance(std::time::Duration::from_secs(1)); // past the backoff
    probe(&finicity).await.unwrap();
    bad.assert_calls_async(1).await;
    good.assert_calls_async(1).await;
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 0);
}
