//! The current API: root base URL, `resetUserSecret`, the nine login fields, personal API
//! keys, the 429 body hint and the client-side refusals.

use std::time::Duration;

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{Error, RequestOptions, RetryPolicy};
use fintra_snaptrade::{
    AuthMode, ConnectionPortalVersion, ConnectionType, LoginRequest, LoginResponse,
    RegisterUserRequest, SnapTradeClient, SnapTradeCredentials,
};
use httpmock::prelude::*;
use serde_json::json;

use crate::{
    CLIENT_ID, KEY, Script, TS, USER_AGENT, USER_SECRET, client, client_with, header, query_is,
    signature_is_valid, timestamp,
};

const NEW_SECRET: &str = "0b6e2c1d-7f3a-4e55-9a0c-5d7e8f9a1b2c";

fn root_client(server: &MockServer) -> SnapTradeClient {
    client_with(
        server,
        "",
        SnapTradeCredentials::new(CLIENT_ID, SecretString::from(KEY)),
    )
    .0
}

fn personal_client(server: &MockServer) -> SnapTradeClient {
    client_with(
        server,
        "",
        SnapTradeCredentials::personal(CLIENT_ID, SecretString::from(KEY)),
    )
    .0
}

/// With the default root base URL the path is signed as sent; the same signature as a
/// `/api/v1` client's (the path is signed relative to the base URL).
#[tokio::test]
async fn root_base_url_signs_the_same_relative_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/snapTrade/listUsers")
                .is_true(query_is(format!("clientId={CLIENT_ID}&timestamp={TS}")))
                .header("signature", "wP5x5Pg4YESB9G8tw4yyFQ9qwajXBSvUfcCyixSRE6o=");
            then.status(200).body(r#"["user1","user2","user3"]"#);
        })
        .await;
    let client = root_client(&server);
    assert_eq!(client.list_users(None).await.unwrap().len(), 3);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn reset_user_secret_sends_id_and_secret_in_the_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/snapTrade/resetUserSecret")
                .is_true(query_is(format!("clientId={CLIENT_ID}&timestamp={TS}")))
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .header_missing("idempotency-key")
                // Python: json/hmac over {"content":{"userId":…,"userSecret":…},"path":…,"query":…}
                .header("signature", "CnXAO018F5ZmpCzOaa8ydoAFzQON7dK5qiHGn7VjJVE=")
                .body(format!(
                    r#"{{"userId":"snaptrade-user-123","userSecret":"{USER_SECRET}"}}"#
                ));
            then.status(200).body(format!(
                r#"{{"userId":"snaptrade-user-123","userSecret":"{NEW_SECRET}"}}"#
            ));
        })
        .await;
    let client = root_client(&server);
    let rotated = client
        .reset_user_secret("snaptrade-user-123", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap();
    assert_eq!(rotated.user_id, "snaptrade-user-123");
    assert_eq!(rotated.user_secret.expose_secret(), NEW_SECRET);
    assert!(!format!("{rotated:?}").contains(NEW_SECRET));
    mock.assert_calls_async(1).await;
}

/// A rotation that may have happened is never repeated: the first 500 is final, and so is a
/// 429 (a second rotation would invalidate the secret the first one returned).
#[tokio::test]
async fn reset_user_secret_is_never_retried_once_sent() {
    for (status, body) in [
        (
            500,
            r#"{"detail":"Encountered an unexpected exception.","status_code":500,"code":1000}"#,
        ),
        (
            429,
            r#"{"detail":"Request was throttled. Expected available in 7 seconds.","status_code":429,"code":"0000"}"#,
        ),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/api/v1/snapTrade/resetUserSecret");
                then.status(status).body(body);
            })
            .await;
        let (client, time) = client(&server);
        let err = client
            .reset_user_secret("u1", &SecretString::from(USER_SECRET), None)
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        mock.assert_calls_async(1).await;
        assert!(time.sleeps().is_empty());
        let text = format!("{err} {err:?}");
        assert!(!text.contains(USER_SECRET), "{text}");
    }
}

#[tokio::test]
async fn login_sends_all_nine_fields_in_canonical_order() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/login")
                .is_true(signature_is_valid)
                .body(concat!(
                    r#"{"broker":"ALPACA","connectionPortalVersion":"v4","connectionType":"trade-if-available","#,
                    r#""customRedirect":"https://snaptrade.com","darkMode":true,"immediateRedirect":false,"#,
                    r#""locale":"pt-BR","reconnect":"8b5f262d-4bb9-365d-888a-202bd3b15fa1","showCloseButton":false}"#
                ));
            then.status(200).body(
                r#"{"redirectURI":"https://app.snaptrade.com/snapTrade/redeemToken?token=npVKchZrL0MYIHTusGfADT74r4xXpHkmbxbQDmt0RINLXbQ5cWsvGkPSgMQRxz8/cnxjzL9T2NWLuHuDyidHiCNeXXTb/tVhzC2olSyfxWW6DRrkUppArGCdmkIHyBMzog6C55P8yoqzcGer5Hml0Q%3D%3D&clientId=WEALTHLY&broker=ROBINHOOD&connectionPortalVersion=v4&sessionId=cf371bb4-a475-4f17-ab94-d0fee699960d","sessionId":"cf371bb4-a475-4f17-ab94-d0fee699960d"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let body = LoginRequest::new()
        .broker("ALPACA")
        .immediate_redirect(false)
        .custom_redirect("https://snaptrade.com")
        .reconnect("8b5f262d-4bb9-365d-888a-202bd3b15fa1")
        .connection_type(ConnectionType::TradeIfAvailable)
        .show_close_button(false)
        .dark_mode(true)
        .locale("pt-BR")
        .connection_portal_version(ConnectionPortalVersion::V4);
    let out = client
        .login("u1", &SecretString::from(USER_SECRET), Some(&body), None)
        .await
        .unwrap();
    let LoginResponse::Redirect(link) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        link.session_id.as_deref(),
        Some("cf371bb4-a475-4f17-ab94-d0fee699960d")
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn personal_key_login_sends_no_user_parameters() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/snapTrade/login")
                .is_true(query_is(format!("clientId={CLIENT_ID}&timestamp={TS}")))
                .header("signature", "U6z8fNb2Kg3L7YjW/xY/GG7UEu/xS3NA3oiSpfyURmk=")
                .json_body(json!({
                    "broker": "ALPACA",
                    "connectionPortalVersion": "v4",
                    "darkMode": true,
                    "locale": "pt-BR",
                    "showCloseButton": false
                }));
            then.status(200)
                .body(r#"{"redirectURI":"https://app.snaptrade.com/x","sessionId":"s1"}"#);
        })
        .await;
    let client = personal_client(&server);
    assert_eq!(client.mode(), AuthMode::Personal);
    let body = LoginRequest::new()
        .broker("ALPACA")
        .connection_portal_version(ConnectionPortalVersion::V4)
        .dark_mode(true)
        .locale("pt-BR")
        .show_close_button(false);
    client.login_personal(Some(&body), None).await.unwrap();

    // Without a body: only clientId and timestamp are signed.
    let bare = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/snapTrade/login")
                .header("signature", "cIWtkTXcebEaNYQPJWlsgxt2yM040+8DRHkuGMSX0Ow=")
                .body("");
            then.status(200).body(r#"{"redirectURI":"https://x"}"#);
        })
        .await;
    client.login_personal(None, None).await.unwrap();
    mock.assert_calls_async(1).await;
    bare.assert_calls_async(1).await;
}

fn refused_on(err: &Error, field: &str) -> bool {
    matches!(err, Error::InvalidRequest(e) if e.field() == field)
}

#[tokio::test]
async fn a_personal_key_is_refused_commercial_operations_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("[]");
        })
        .await;
    let client = personal_client(&server);
    let secret = SecretString::from(USER_SECRET);
    let errors = [
        client
            .register_user(&RegisterUserRequest::new("u1"), None)
            .await
            .map(drop),
        client.login("u1", &secret, None, None).await.map(drop),
        client.list_users(None).await.map(drop),
        client.delete_user("u1", None).await.map(drop),
        client
            .reset_user_secret("u1", &secret, None)
            .await
            .map(drop),
        client.encrypted_jwt("u1", &secret, None).await.map(drop),
    ];
    for err in errors {
        let err = err.unwrap_err();
        assert!(refused_on(&err, "credentials"), "{err:?}");
        assert!(err.to_string().contains("commercial API key"), "{err}");
    }
    // And a commercial key cannot use the personal login.
    let commercial = root_client(&server);
    let err = commercial.login_personal(None, None).await.unwrap_err();
    assert!(refused_on(&err, "credentials"), "{err:?}");
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn an_empty_user_id_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(403).body(
                r#"{"default_detail":"User does not have permission to access this resource","default_code":1066}"#,
            );
        })
        .await;
    let client = root_client(&server);
    let secret = SecretString::from(USER_SECRET);
    let errors = [
        client
            .register_user(&RegisterUserRequest::new(""), None)
            .await
            .map(drop),
        client.login("", &secret, None, None).await.map(drop),
        client.delete_user("", None).await.map(drop),
        client.reset_user_secret("", &secret, None).await.map(drop),
        client.encrypted_jwt("", &secret, None).await.map(drop),
    ];
    for err in errors {
        let err = err.unwrap_err();
        assert!(refused_on(&err, "user_id"), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("empty") && text.contains("1066"), "{text}");
    }
    any.assert_calls_async(0).await;
}

/// SnapTrade's documented 429 body carries the wait when no header does.
#[tokio::test]
async fn a_429_without_headers_waits_for_the_body_hint() {
    let server = MockServer::start_async().await;
    let script = Script::new(vec![
        (
            429,
            vec![],
            r#"{"detail":"Request was throttled. Expected available in 7 seconds.","status_code":429,"code":"0000"}"#,
        ),
        (200, vec![], r#"["user1"]"#),
    ]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(GET).path("/api/v1/snapTrade/listUsers");
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, time) = client(&server);
    let opts = RequestOptions::new().retry(RetryPolicy::default().with_max_attempts(2));
    assert_eq!(client.list_users(Some(opts)).await.unwrap(), ["user1"]);
    mock.assert_calls_async(2).await;
    assert_eq!(time.sleeps(), [Duration::from_secs(7)]);
    let seen = script.seen();
    assert_eq!(timestamp(&seen[1]), TS + 7);
    assert!(seen.iter().all(signature_is_valid));
    assert_ne!(header(&seen[0], "signature"), header(&seen[1], "signature"));
}

/// The consumer key of another app: SnapTrade's terse 401 gains its likely cause.
#[tokio::test]
async fn a_rejected_signature_names_the_likely_cause() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/snapTrade/listUsers");
            then.status(401).body(
                r#"{"default_detail":"Unable to verify signature sent","default_code":1076}"#,
            );
        })
        .await;
    let client = root_client(&server);
    let err = client.list_users(None).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("Unable to verify signature sent"), "{text}");
    assert!(
        text.contains("consumer key does not belong to this client id"),
        "{text}"
    );
    assert!(!text.contains(KEY));
}
