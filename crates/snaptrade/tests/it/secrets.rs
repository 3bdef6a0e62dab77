//! Consumer key, user secrets and login links never show in Debug, Display or errors.

use std::sync::Arc;

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{ClientBuilder, RetryPolicy, TransportErrorKind};
use fintra_snaptrade::{RegisterUserRequest, SnapTradeClient, SnapTradeCredentials};
use httpmock::prelude::*;

use crate::{KEY, USER_SECRET, client};

fn assert_clean(text: &str) {
    for secret in [KEY, USER_SECRET, "adf2aa34-8219", "redeemToken"] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

#[tokio::test]
async fn debug_of_credentials_client_and_answers_is_redacted() {
    let creds = SnapTradeCredentials::new("PASSIVTEST", SecretString::from(KEY));
    assert_clean(&format!("{creds:?}"));
    assert!(format!("{creds:?}").contains("PASSIVTEST"));

    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/snapTrade/registerUser");
            then.status(200)
                .body(r#"{"userId":"u1","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"#);
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/snapTrade/login");
            then.status(200).body(
                r#"{"redirectURI":"https://app.snaptrade.com/snapTrade/redeemToken?token=t","sessionId":"s"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    assert_clean(&format!("{client:?}"));
    let user = client
        .register_user(&RegisterUserRequest::new("u1"), None)
        .await
        .unwrap();
    assert_clean(&format!("{user:?} {user:#?}"));
    assert!(user.user_secret.expose_secret().starts_with("adf2aa34"));
    let login = client
        .login("u1", &SecretString::from(USER_SECRET), None, None)
        .await
        .unwrap();
    assert_clean(&format!("{login:?} {login:#?}"));
}

#[tokio::test]
async fn failures_of_calls_with_a_user_secret_do_not_show_it() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/snapTrade/encryptedJWT");
            then.status(403).body(
                r#"{"default_detail":"User does not have permission to access this resource","default_code":1066}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let err = client
        .encrypted_jwt("u1", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap_err();
    assert_clean(&format!("{err} {err:?}"));
    let headers = format!("{:?}", err.as_api().unwrap().headers());
    assert_clean(&headers);
}

#[tokio::test]
async fn transport_failures_do_not_show_the_url_with_the_user_secret() {
    // A real connection failure through reqwest: nothing listens on port 9 of localhost.
    let time = Arc::new(VirtualTime::default());
    let client = SnapTradeClient::with_config(
        SnapTradeCredentials::new("PASSIVTEST", SecretString::from(KEY)),
        ClientBuilder::new()
            .base_url("http://127.0.0.1:9/api/v1")
            .clock(time.clone())
            .sleep(time)
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let err = client
        .login("u1", &SecretString::from(USER_SECRET), None, None)
        .await
        .unwrap_err();
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert_clean(&text);
}

#[tokio::test]
async fn the_signature_header_is_marked_sensitive() {
    let transport = Arc::new(MockTransport::new());
    transport.push_error(TransportErrorKind::Connect);
    transport.push_json(200, "[]");
    let time = Arc::new(VirtualTime::default());
    let client = SnapTradeClient::with_config(
        SnapTradeCredentials::new("PASSIVTEST", SecretString::from(KEY)),
        ClientBuilder::new()
            .transport(transport.clone())
            .clock(time.clone())
            .sleep(time),
    )
    .unwrap();
    client.list_users(None).await.unwrap();
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert!(r.headers()["signature"].is_sensitive());
        assert!(r.uri().to_string().starts_with(
            "https://api.snaptrade.com/snapTrade/listUsers?clientId=PASSIVTEST&timestamp="
        ));
    }
}

/// resetUserSecret carries the old secret in its body and the new one in its answer: neither
/// shows in logs, `Debug` or errors.
#[tokio::test(flavor = "current_thread")]
async fn reset_user_secret_logs_neither_the_old_nor_the_new_secret() {
    let failure =
        r#"{"detail":"Encountered an unexpected exception.","status_code":500,"code":1000}"#;
    reset_user_secret_is_clean(failure).await;
}

/// The same when SnapTrade echoes the request in its failure body: the error of a sensitive
/// operation must not show it.
#[tokio::test(flavor = "current_thread")]
async fn an_echoed_secret_in_a_reset_failure_does_not_show() {
    let failure =
        format!(r#"{{"detail":"bad userSecret {USER_SECRET}","status_code":400,"code":1076}}"#);
    reset_user_secret_is_clean(&failure).await;
}

async fn reset_user_secret_is_clean(failure: &str) {
    use fintra_core::test_util::CapturedLogs;
    // A second dispatcher keeps callsites first hit on other threads interesting.
    let _other = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());

    const NEW: &str = "0b6e2c1d-7f3a-4e55-9a0c-5d7e8f9a1b2c";
    let server = MockServer::start_async().await;
    let ok = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/resetUserSecret")
                .body_includes("\"userId\":\"u1\"");
            then.status(200)
                .body(format!(r#"{{"userId":"u1","userSecret":"{NEW}"}}"#));
        })
        .await;
    let (client, _) = client(&server);
    let rotated = client
        .reset_user_secret("u1", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap();
    assert_eq!(rotated.user_secret.expose_secret(), NEW);
    ok.delete_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/snapTrade/resetUserSecret");
            then.status(500).body(failure);
        })
        .await;
    let err = client
        .reset_user_secret("u1", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap_err();
    let text = logs.text();
    assert!(
        text.contains("Authentication_resetSnapTradeUserSecret"),
        "no logs captured: {text}"
    );
    for shown in [text, format!("{rotated:?} {err} {err:?}")] {
        assert_clean(&shown);
        assert!(!shown.contains(NEW), "{shown}");
    }
}
