//! Exact request shape (method, path, query, headers, body, signature) and decoded success
//! of every operation.

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{IdempotencyKey, RequestOptions};
use fintra_snaptrade::{ConnectionType, LoginRequest, LoginResponse, RegisterUserRequest};
use httpmock::prelude::*;
use serde_json::json;

use crate::{CLIENT_ID, TS, USER_AGENT, USER_SECRET, client, query_is, signature_is_valid};

#[tokio::test]
async fn register_user() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/registerUser")
                .is_true(query_is(format!("clientId={CLIENT_ID}&timestamp={TS}")))
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .header_missing("idempotency-key")
                // The note's known-answer vector, end to end.
                // Signed over the path relative to the base URL (`/snapTrade/registerUser`),
                // as the current SDKs sign it; computed with Python's json/hmac.
                .header("signature", "fLH0eIM4j2a7A7tAX5+EvFvTKaD2EEEFFfsENFBWsnc=")
                .is_true(signature_is_valid)
                .json_body(json!({"userId": "snaptrade-user-123"}));
            then.status(200).body(
                r#"{"userId":"snaptrade-user-123","userSecret":"adf2aa34-8219-40f7-a6b3-60156985cc61"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let user = client
        .register_user(&RegisterUserRequest::new("snaptrade-user-123"), None)
        .await
        .unwrap();
    assert_eq!(user.user_id, "snaptrade-user-123");
    assert_eq!(
        user.user_secret.expose_secret(),
        "adf2aa34-8219-40f7-a6b3-60156985cc61"
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn register_user_with_rsa_key() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/registerUser")
                .is_true(signature_is_valid)
                .json_body(json!({"userId": "u1", "rsaPublicKey": "ssh-rsa AAAAB3NzaC1yc2E"}));
            then.status(200).body(r#"{"userId":"u1","userSecret":"s"}"#);
        })
        .await;
    let (client, _) = client(&server);
    let body = RegisterUserRequest::new("u1").rsa_public_key("ssh-rsa AAAAB3NzaC1yc2E");
    client.register_user(&body, None).await.unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn login_without_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/login")
                .is_true(query_is(format!(
                    "clientId={CLIENT_ID}&timestamp={TS}&userId=snaptrade-user-123&userSecret={USER_SECRET}"
                )))
                .header("signature", "88v6ZF9m8UNMbnO1w2CmZxTl4kQXsaZ8W4f+1/DpQjk=")
                .is_true(signature_is_valid)
                .header_missing("content-type")
                .body("");
            then.status(200).body(
                r#"{"redirectURI":"https://app.snaptrade.com/snapTrade/redeemToken?token=abc&clientId=PASSIVTEST","sessionId":"b8f1e6f2-0a4f-4c34-9d3e-1c2b3a4d5e6f"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let out = client
        .login(
            "snaptrade-user-123",
            &SecretString::from(USER_SECRET),
            None,
            None,
        )
        .await
        .unwrap();
    let LoginResponse::Redirect(link) = out else {
        panic!("{out:?}")
    };
    assert!(
        link.redirect_uri
            .expose_secret()
            .contains("redeemToken?token=abc")
    );
    assert_eq!(
        link.session_id.as_deref(),
        Some("b8f1e6f2-0a4f-4c34-9d3e-1c2b3a4d5e6f")
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn login_with_empty_body_signs_null_content() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/login")
                .header("signature", "88v6ZF9m8UNMbnO1w2CmZxTl4kQXsaZ8W4f+1/DpQjk=")
                .body("{}");
            then.status(200).body(r#"{"redirectURI":"https://x"}"#);
        })
        .await;
    let (client, _) = client(&server);
    client
        .login(
            "snaptrade-user-123",
            &SecretString::from(USER_SECRET),
            Some(&LoginRequest::new()),
            None,
        )
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn login_with_every_option_and_an_encrypted_answer() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/snapTrade/login")
                .is_true(query_is(format!(
                    "clientId={CLIENT_ID}&timestamp={TS}&userId=user+1%2Fa&userSecret=s%26cret%3D"
                )))
                .is_true(signature_is_valid)
                .header("content-type", "application/json")
                .json_body(json!({
                    "broker": "ALPACA",
                    "immediateRedirect": true,
                    "customRedirect": "https://example.com/done?a=1",
                    "reconnect": "4d4b5b28-1a76-4ef4-9c3a-0e1a2b3c4d5e",
                    "connectionType": "trade"
                }));
            then.status(200).body(
                r#"{"encryptedSharedKey":"c2hhcmVk","encryptedMessageData":{"encryptedMessage":"bWVzc2FnZQ==","tag":"dGFn","nonce":"bm9uY2U="}}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let body = LoginRequest::new()
        .broker("ALPACA")
        .immediate_redirect(true)
        .custom_redirect("https://example.com/done?a=1")
        .reconnect("4d4b5b28-1a76-4ef4-9c3a-0e1a2b3c4d5e")
        .connection_type(ConnectionType::Trade);
    let out = client
        .login(
            "user 1/a",
            &SecretString::from("s&cret="),
            Some(&body),
            None,
        )
        .await
        .unwrap();
    let LoginResponse::Encrypted(enc) = out else {
        panic!("{out:?}")
    };
    assert_eq!(enc.encrypted_shared_key, "c2hhcmVk");
    assert_eq!(enc.encrypted_message_data.encrypted_message, "bWVzc2FnZQ==");
    assert_eq!(enc.encrypted_message_data.tag, "dGFn");
    assert_eq!(enc.encrypted_message_data.nonce, "bm9uY2U=");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn list_users() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/snapTrade/listUsers")
                .is_true(query_is(format!("clientId={CLIENT_ID}&timestamp={TS}")))
                .header("accept", "application/json")
                .header("signature", "wP5x5Pg4YESB9G8tw4yyFQ9qwajXBSvUfcCyixSRE6o=")
                .is_true(signature_is_valid)
                .is_true(|r: &HttpMockRequest| r.body_ref().is_empty());
            then.status(200).body(r#"["user1","user2","user3"]"#);
        })
        .await;
    let (client, _) = client(&server);
    assert_eq!(
        client.list_users(None).await.unwrap(),
        ["user1", "user2", "user3"]
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn delete_user() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/api/v1/snapTrade/deleteUser")
                .is_true(query_is(format!(
                    "clientId={CLIENT_ID}&timestamp={TS}&userId=snaptrade-user-123"
                )))
                .is_true(signature_is_valid)
                .body("");
            then.status(200).body(
                r#"{"status":"deleted","detail":"User queued for deletion; please wait for webhook for confirmation.","userId":"snaptrade-user-123"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let out = client
        .delete_user("snaptrade-user-123", None)
        .await
        .unwrap();
    assert_eq!(out.status, "deleted");
    assert_eq!(out.user_id, "snaptrade-user-123");
    assert_eq!(
        out.detail.as_deref(),
        Some("User queued for deletion; please wait for webhook for confirmation.")
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn delete_user_old_answer_without_detail() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(DELETE).path("/api/v1/snapTrade/deleteUser");
            then.status(200)
                .body(r#"{"status":"deleted","userId":"snaptrade-user-123"}"#);
        })
        .await;
    let (client, _) = client(&server);
    let out = client
        .delete_user("snaptrade-user-123", None)
        .await
        .unwrap();
    assert_eq!(out.detail, None);
}

#[tokio::test]
async fn encrypted_jwt() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/snapTrade/encryptedJWT")
                .is_true(query_is(format!(
                    "clientId={CLIENT_ID}&timestamp={TS}&userId=snaptrade-user-123&userSecret={USER_SECRET}"
                )))
                .is_true(signature_is_valid)
                .is_true(|r: &HttpMockRequest| r.body_ref().is_empty());
            then.status(200).body(
                r#"{"encryptedSharedKey":"a2V5","encryptedMessageData":{"encryptedMessage":"and0","tag":"dA==","nonce":"bg=="}}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let out = client
        .encrypted_jwt("snaptrade-user-123", &SecretString::from(USER_SECRET), None)
        .await
        .unwrap();
    assert_eq!(out.encrypted_shared_key, "a2V5");
    assert_eq!(out.encrypted_message_data.encrypted_message, "and0");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn idempotency_keys_are_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body("[]");
        })
        .await;
    let (client, _) = client(&server);
    let opts = RequestOptions::new().with_idempotency_key(IdempotencyKey::new("k1").unwrap());
    let err = client
        .register_user(&RegisterUserRequest::new("u"), Some(opts.clone()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, fintra_core::Error::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(client.delete_user("u", Some(opts)).await.is_err());
    any.assert_calls_async(0).await;
}

#[test]
fn default_base_url_and_empty_client_id() {
    use fintra_snaptrade::{SnapTradeClient, SnapTradeCredentials};
    let c = SnapTradeClient::new(SnapTradeCredentials::new(
        "PASSIVTEST",
        SecretString::from("k"),
    ))
    .unwrap();
    assert_eq!(c.base_url(), "https://api.snaptrade.com");
    assert!(SnapTradeClient::new(SnapTradeCredentials::new("", SecretString::from("k"))).is_err());
}
