//! Exact request shape and decoded success of every operation.

use fintra_app_portal::{
    AppPortalAccessIn, AppPortalCapability, AppPortalClient, ApplicationIn,
    ApplicationTokenExpireIn,
};
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{ClientBuilder, IdempotencyKey, RequestOptions};
use httpmock::prelude::*;
use serde_json::json;

use crate::{ACCESS_OUT, APP_ID, TOKEN, USER_AGENT, client, header, is_auto_key};

fn auto_key(req: &HttpMockRequest) -> bool {
    header(req, "idempotency-key").is_some_and(|k| is_auto_key(&k))
}

#[tokio::test]
async fn app_portal_access_request_and_response() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP_ID}"))
                .is_true(|r: &HttpMockRequest| r.uri().query().is_none())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .is_true(auto_key)
                .json_body(json!({"featureFlags": []}));
            then.status(200)
                .header("content-type", "application/json")
                .body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let body = AppPortalAccessIn::new().feature_flags(Vec::<String>::new());
    let out = client.app_portal_access(APP_ID, &body, None).await.unwrap();
    assert_eq!(
        out.token.expose_secret(),
        "appsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O"
    );
    assert_eq!(
        out.url.expose_secret(),
        "https://app.svix.com/login#key=eyJhcHBJZCI6ICJhcHBfMXRSdFl"
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn app_portal_access_sends_the_newer_optional_fields_and_ignores_unknown_keys() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/app-portal-access/unique-app-identifier")
                .json_body(json!({
                    "application": {"name": "My first application", "throttleRate": 1,
                                    "uid": "unique-identifier", "metadata": {}},
                    "capabilities": ["ViewBase", "ViewEndpointSecret"],
                    "featureFlags": ["cool-new-feature"],
                    "expiry": 3600,
                    "sessionId": "user_1FB8"
                }));
            then.status(200).body(
                r#"{"token":"appsk_x","url":"https://app.svix.com/login#key=k","expiresAt":"2030-01-01T00:00:00Z"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let body = AppPortalAccessIn::new()
        .application(
            ApplicationIn::new("My first application")
                .throttle_rate(1)
                .uid("unique-identifier")
                .metadata(Default::default()),
        )
        .capabilities([
            AppPortalCapability::ViewEndpointSecret,
            AppPortalCapability::ViewBase,
        ])
        .feature_flags(["cool-new-feature"])
        .expiry(3600)
        .session_id("user_1FB8");
    let out = client
        .app_portal_access("unique-app-identifier", &body, None)
        .await
        .unwrap();
    assert_eq!(out.token.expose_secret(), "appsk_x");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn empty_access_body_is_an_empty_object() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app-portal-access/{APP_ID}"))
                .body("{}");
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    client
        .app_portal_access(APP_ID, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn expire_all_request_and_204() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app/{APP_ID}/expire-all"))
                .is_true(|r: &HttpMockRequest| r.uri().query().is_none())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .header("user-agent", USER_AGENT)
                .is_true(auto_key)
                .json_body(json!({"expiry": 60}));
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    client
        .expire_all(APP_ID, &ApplicationTokenExpireIn::new().expiry(60), None)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn expire_all_with_session_ids() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/app/{APP_ID}/expire-all"))
                .json_body(json!({"expiry": 60, "sessionIds": ["user_1FB8"]}));
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    let body = ApplicationTokenExpireIn::new()
        .expiry(60)
        .session_ids(["user_1FB8"]);
    client.expire_all(APP_ID, &body, None).await.unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
#[allow(deprecated)]
async fn dashboard_access_request_has_no_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/api/v1/auth/dashboard-access/{APP_ID}"))
                .is_true(|r: &HttpMockRequest| r.uri().query().is_none())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", "application/json")
                .header_missing("content-type")
                .is_true(auto_key)
                .body("");
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let out = client.dashboard_access(APP_ID, None).await.unwrap();
    assert_eq!(
        out.token.expose_secret(),
        "appsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O"
    );
    assert!(
        out.url
            .expose_secret()
            .starts_with("https://app.svix.com/login#key=")
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn logout_request_and_204() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/logout")
                .is_true(|r: &HttpMockRequest| r.uri().query().is_none())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_missing("content-type")
                .is_true(auto_key)
                .body("");
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    client.logout(None).await.unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn callers_key_is_sent_as_is() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/logout")
                .header("idempotency-key", "logout-2024-05-08");
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    let opts = RequestOptions::new()
        .with_idempotency_key(IdempotencyKey::new("logout-2024-05-08").unwrap());
    client.logout(Some(opts)).await.unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn each_call_gets_its_own_auto_key() {
    let server = MockServer::start_async().await;
    let script = crate::Script::new([(204, ""), (204, "")]);
    let s = script.clone();
    server
        .mock_async(move |when, then| {
            when.method(POST).path("/api/v1/auth/logout");
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, _) = client(&server);
    client.logout(None).await.unwrap();
    client.logout(None).await.unwrap();
    let keys: Vec<_> = script
        .seen()
        .iter()
        .map(|r| header(r, "idempotency-key").unwrap())
        .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| is_auto_key(k)), "{keys:?}");
    assert_ne!(keys[0], keys[1]);
}

#[tokio::test]
async fn invalid_app_id_is_rejected_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let too_long = "a".repeat(257);
    for bad in [
        "",
        "app/../x",
        "app id",
        "app?x=1",
        "appé",
        too_long.as_str(),
    ] {
        let err = client
            .app_portal_access(bad, &AppPortalAccessIn::new(), None)
            .await
            .unwrap_err();
        match &err {
            fintra_core::Error::InvalidRequest(e) => assert_eq!(e.field(), "app_id"),
            other => panic!("{other:?}"),
        }
        assert!(
            client
                .expire_all(bad, &ApplicationTokenExpireIn::new(), None)
                .await
                .is_err()
        );
        #[allow(deprecated)]
        let dash = client.dashboard_access(bad, None).await;
        assert!(dash.is_err());
    }
    // The longest valid id goes through.
    let longest = "a".repeat(256);
    client
        .app_portal_access(&longest, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    any.assert_calls_async(1).await;
}

#[test]
fn base_url_comes_from_the_token_region_unless_set() {
    let eu = AppPortalClient::new(SecretString::from("testsk_abc.eu")).unwrap();
    assert_eq!(eu.base_url(), "https://api.eu.svix.com");
    let au = AppPortalClient::new(SecretString::from("testsk_abc.au")).unwrap();
    assert_eq!(au.base_url(), "https://api.au.svix.com");
    let explicit = AppPortalClient::with_config(
        SecretString::from("testsk_abc.eu"),
        ClientBuilder::new().base_url("https://svix.internal.example/"),
    )
    .unwrap();
    assert_eq!(explicit.base_url(), "https://svix.internal.example");
    // No region suffix: the official clients' fallback.
    let none = AppPortalClient::new(SecretString::from("testsk_no_region")).unwrap();
    assert_eq!(none.base_url(), "https://api.svix.com");
    assert_eq!(fintra_app_portal::DEFAULT_BASE_URL, "https://api.svix.com");
    // An empty token says so (not "names no region").
    for empty in ["", "  "] {
        let err = AppPortalClient::new(SecretString::from(empty)).unwrap_err();
        assert!(matches!(err, fintra_core::Error::Config(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("token is empty"), "{text}");
        assert!(!text.contains("region ("), "{text}");
    }
    let ok = AppPortalClient::with_config(
        SecretString::from("testsk_no_region"),
        ClientBuilder::new().base_url("https://api.svix.com"),
    )
    .unwrap();
    assert_eq!(ok.base_url(), "https://api.svix.com");
}

#[tokio::test]
async fn dot_segment_app_ids_send_nothing() {
    // `..` once reached `POST /api/v1/auth/expire-all/` with the bearer token.
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    for app_id in ["..", "."] {
        let body = ApplicationTokenExpireIn::new().expiry(60);
        let err = client.expire_all(app_id, &body, None).await.unwrap_err();
        assert!(
            matches!(err, fintra_core::Error::InvalidRequest(_)),
            "{app_id}: {err:?}"
        );
    }
    any.assert_calls_async(0).await;
}
