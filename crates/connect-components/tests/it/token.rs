//! One shared token across clients, refreshed after 90 virtual minutes; expired-token
//! replay; the lockout guard; redaction.

use std::time::Duration;

use fintra_connect_components::ConnectComponentsClient;
use fintra_core::{AuthErrorKind, Error};
use fintra_finicity::TokenSettings;
use httpmock::MockServer;
use serde_json::json;

use crate::fixtures::*;
use crate::support::*;

const LIST: &str = "/connect-components/configurations";

async fn list_mock<'a>(server: &'a MockServer, token: &str) -> httpmock::Mock<'a> {
    let token = token.to_owned();
    server
        .mock_async(move |when, then| {
            when.method("GET")
                .path(LIST)
                .header("finicity-app-key", APP_KEY)
                .header("finicity-app-token", token);
            then.status(200).body(CONFIGURATIONS);
        })
        .await
}

#[tokio::test]
async fn one_token_shared_and_refreshed_after_90_virtual_minutes() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-1").await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-2").await;
    let with_first = list_mock(&server, "tok-1").await;
    let with_second = list_mock(&server, "tok-2").await;
    let s = setup(&server);
    let other = ConnectComponentsClient::new(&s.finicity);

    s.components.list_configurations(None).await.unwrap();
    other.list_configurations(None).await.unwrap();
    s.finicity.access_token().await.unwrap();
    s.time.advance(Duration::from_secs(74 * 60));
    other.list_configurations(None).await.unwrap();
    first.assert_calls_async(1).await;
    with_first.assert_calls_async(3).await;

    // From 75 minutes the token is refreshed in the background; calls never wait for it.
    s.time.advance(Duration::from_secs(60));
    s.components.list_configurations(None).await.unwrap();
    for _ in 0..500 {
        if s.finicity.access_token().await.unwrap().generation() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    other.list_configurations(None).await.unwrap();
    second.assert_calls_async(1).await;
    with_first.assert_calls_async(4).await;
    with_second.assert_calls_async(1).await;
}

#[tokio::test]
async fn expired_token_on_a_post_refreshes_and_replays_once() {
    let server = MockServer::start_async().await;
    let first = token_mock(&server, "tok-1").await;
    first.up_to_n_times_async(1).await;
    let second = token_mock(&server, "tok-2").await;
    let path = "/connect-components/institutions/170716/login-forms";
    let rejected = server
        .mock_async(move |when, then| {
            when.method("POST")
                .path(path)
                .header("finicity-app-token", "tok-1");
            then.status(401).body(EXPIRED_TOKEN);
        })
        .await;
    let accepted = server
        .mock_async(move |when, then| {
            when.method("POST")
                .path(path)
                .header("finicity-app-token", "tok-2")
                .json_body(json!({
                    "language": "en",
                    "customerId": "1005061234",
                    "serviceAgreement": {"language": "en", "acceptedDate": "2024-11-28T18:25:32+00:00"},
                    "configurationId": "605543e1-f507-48ad-8127-95c40566597b"
                }));
            then.status(201).body(LOGIN_FORM);
        })
        .await;
    let s = setup(&server);
    let form = s
        .components
        .create_login_form(INSTITUTION_ID, &login_form_request(), None)
        .await
        .unwrap();
    assert_eq!(form.elements.len(), 2);
    rejected.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    accepted.assert_calls_async(1).await;
}

#[tokio::test]
async fn lockout_guard_stops_create_token_and_the_call_is_not_sent() {
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(401)
                .json_body(json!({"code": "10001", "message": "Invalid credentials"}));
        })
        .await;
    let list = list_mock(&server, TOKEN).await;
    let s = setup_with(&server, TokenSettings::default().with_lockout_threshold(2));
    let mut kinds = Vec::new();
    for _ in 0..4 {
        match s.components.list_configurations(None).await.unwrap_err() {
            Error::Auth(auth) => kinds.push(auth.kind()),
            other => panic!("expected an auth error, got {other:?}"),
        }
        // Past the backoff after a failed refresh.
        s.time.advance(Duration::from_secs(120));
    }
    assert_eq!(
        kinds,
        [
            AuthErrorKind::CredentialsRejected,
            AuthErrorKind::CredentialsRejected,
            AuthErrorKind::GuardTripped,
            AuthErrorKind::GuardTripped
        ]
    );
    rejected.assert_calls_async(2).await;
    list.assert_calls_async(0).await;
}

#[tokio::test]
async fn debug_is_redacted() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    list_mock(&server, TOKEN).await;
    let s = setup(&server);
    s.components.list_configurations(None).await.unwrap();
    let text = format!("{:?} {:?}", s.components, s.finicity);
    for secret in [APP_KEY, TOKEN, "aqJ5Ic4SEVx2IgDQ6oR4"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}
