//! The latest spec's operations: exact method, path, headers and body, decoded answers from
//! the spec's examples, client-side constraint checks, and the request-id headers.

use std::time::Duration;

use fintra_app_portal::{
    AppPortalAccessIn, AuthenticationSource, OneTimeTokenIn, RotatePollerTokenIn,
    StreamPortalAccessIn, StreamTokenExpireIn,
};
use fintra_core::Error;
use fintra_core::secret::{ExposeSecret, SecretString};
use httpmock::prelude::*;
use serde_json::json;

use crate::{ACCESS_OUT, APP_ID, Script, TOKEN, USER_AGENT, client, header, is_auto_key};

/// `ApiTokenOut` as the spec describes it.
const API_TOKEN_OUT: &str = r#"{"token":"pollsk_9F3kQ2mX7vB1nC5dE8gH0jL4","id":"key_1srOrx2ZWZBpBUvZwXKQmoEYga2","name":null,"createdAt":"2026-11-27T12:00:00Z","expiresAt":"2027-11-27T12:00:00Z","scopes":["poller"]}"#;

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn req_id_is_u32(r: &HttpMockRequest) -> bool {
    header(r, "svix-req-id").is_some_and(|v| v.parse::<u32>().is_ok())
}

fn auto_key(r: &HttpMockRequest) -> bool {
    header(r, "idempotency-key").is_some_and(|k| is_auto_key(&k))
}

#[tokio::test]
async fn whoami() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/whoami")
                .header("authorization", bearer())
                .header("accept", "application/json")
                .header("user-agent", USER_AGENT)
                .header_missing("idempotency-key")
                .header_missing("svix-retry-count")
                .is_true(req_id_is_u32)
                .is_true(|r: &HttpMockRequest| r.body_ref().is_empty());
            then.status(200).body(
                r#"{"envId":"org_1srOrx2ZWZBpBUvZwXKQmoEYga2","appId":null,"streamAppId":"strm_2yZwUhtgs5Ai8T9yRQJXA","permissionSource":"RegionalAuthToken","sessionId":"user_1FB8"}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let me = client.whoami(None).await.unwrap();
    assert_eq!(
        me.permission_source,
        AuthenticationSource::RegionalAuthToken
    );
    assert_eq!(
        me.env_id.as_deref(),
        Some("org_1srOrx2ZWZBpBUvZwXKQmoEYga2")
    );
    assert_eq!(me.app_id, None);
    assert_eq!(
        me.stream_app_id.as_deref(),
        Some("strm_2yZwUhtgs5Ai8T9yRQJXA")
    );
    assert_eq!(me.session_id.as_deref(), Some("user_1FB8"));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn stream_portal_access() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream-portal-access/strm%201")
                .header("authorization", bearer())
                .header("content-type", "application/json")
                .is_true(auto_key)
                .is_true(req_id_is_u32)
                .json_body(
                    json!({"featureFlags": ["beta"], "expiry": 3600, "sessionId": "user_1FB8"}),
                );
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let body = StreamPortalAccessIn::new()
        .feature_flags(["beta"])
        .expiry(3600)
        .session_id("user_1FB8");
    let out = client
        .stream_portal_access("strm 1", &body, None)
        .await
        .unwrap();
    assert!(
        out.url
            .expose_secret()
            .starts_with("https://app.svix.com/login#key=")
    );
    assert!(!format!("{out:?}").contains("appsk_"));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn stream_logout_and_expire_all() {
    let server = MockServer::start_async().await;
    let logout = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream-logout")
                .header("authorization", bearer())
                .is_true(auto_key)
                .is_true(req_id_is_u32)
                .body("");
            then.status(204);
        })
        .await;
    let expire = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream/strm_1/expire-all")
                .header("authorization", bearer())
                .is_true(auto_key)
                .json_body(json!({"expiry": 60, "sessionIds": ["user_1FB8"]}));
            then.status(204);
        })
        .await;
    let (client, _) = client(&server);
    client.stream_logout(None).await.unwrap();
    client
        .stream_expire_all(
            "strm_1",
            &StreamTokenExpireIn::new()
                .expiry(60)
                .session_ids(["user_1FB8"]),
            None,
        )
        .await
        .unwrap();
    logout.assert_calls_async(1).await;
    expire.assert_calls_async(1).await;
}

#[tokio::test]
async fn poller_tokens_for_an_app_endpoint() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/api/v1/auth/app/{APP_ID}/poller/ep_1/token"))
                .header("authorization", bearer())
                .header_missing("idempotency-key")
                .is_true(req_id_is_u32);
            then.status(200).body(API_TOKEN_OUT);
        })
        .await;
    let rotate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!(
                    "/api/v1/auth/app/{APP_ID}/poller/ep_1/token/rotate"
                ))
                .header("authorization", bearer())
                .is_true(auto_key)
                .json_body(json!({"expiry": 86400, "oldTokenExpiry": 0}));
            then.status(201).body(API_TOKEN_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let token = client.get_poller_token(APP_ID, "ep_1", None).await.unwrap();
    assert_eq!(
        token.token.expose_secret(),
        "pollsk_9F3kQ2mX7vB1nC5dE8gH0jL4"
    );
    assert_eq!(token.id, "key_1srOrx2ZWZBpBUvZwXKQmoEYga2");
    assert_eq!(token.name, None);
    assert_eq!(token.scopes.as_deref(), Some(&["poller".to_owned()][..]));
    assert!(!format!("{token:?}").contains("pollsk_"));
    let body = RotatePollerTokenIn::new()
        .expiry(86_400)
        .old_token_expiry(0);
    let rotated = client
        .rotate_poller_token(APP_ID, "ep_1", &body, None)
        .await
        .unwrap();
    assert_eq!(rotated.expires_at.as_deref(), Some("2027-11-27T12:00:00Z"));
    get.assert_calls_async(1).await;
    rotate.assert_calls_async(1).await;
}

/// The spec documents 201 for the rotations: a 200 is not that operation's success.
#[tokio::test]
async fn a_rotation_answered_200_is_not_success() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream/strm_1/sink/sink_1/poller/token/rotate");
            then.status(200).body(API_TOKEN_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let err = client
        .rotate_stream_poller_token("strm_1", "sink_1", &RotatePollerTokenIn::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
}

#[tokio::test]
async fn poller_tokens_for_a_stream_sink() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/auth/stream/strm_1/sink/sink_1/poller/token")
                .header("authorization", bearer())
                .is_true(req_id_is_u32);
            then.status(200).body(API_TOKEN_OUT);
        })
        .await;
    let rotate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/stream/strm_1/sink/sink_1/poller/token/rotate")
                .is_true(auto_key)
                .body("{}");
            then.status(201).body(API_TOKEN_OUT);
        })
        .await;
    let (client, _) = client(&server);
    client
        .get_stream_poller_token("strm_1", "sink_1", None)
        .await
        .unwrap();
    client
        .rotate_stream_poller_token("strm_1", "sink_1", &RotatePollerTokenIn::new(), None)
        .await
        .unwrap();
    get.assert_calls_async(1).await;
    rotate.assert_calls_async(1).await;
}

#[tokio::test]
async fn exchange_one_time_token() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/auth/one-time-token")
                .header("authorization", bearer())
                .is_true(auto_key)
                .body(r#"{"oneTimeToken":"ott_5mJ2qW8"}"#);
            then.status(200)
                .body(r#"{"token":"appsk_exchanged","capabilities":["ViewBase"]}"#);
        })
        .await;
    let (client, _) = client(&server);
    let body = OneTimeTokenIn::new(SecretString::from("ott_5mJ2qW8"));
    assert!(!format!("{body:?}").contains("ott_5mJ2qW8"));
    let out = client.exchange_one_time_token(&body, None).await.unwrap();
    assert_eq!(out.token.expose_secret(), "appsk_exchanged");
    assert_eq!(out.capabilities, ["ViewBase"]);
    assert!(!format!("{out:?}").contains("appsk_exchanged"));
    mock.assert_calls_async(1).await;
}

/// One `svix-req-id` per call, repeated on every retry; `svix-retry-count` from the first
/// retry on; the automatic idempotency key is reused too.
#[tokio::test]
async fn request_id_is_kept_and_retries_are_counted() {
    let server = MockServer::start_async().await;
    let script = Script::new([
        (
            500,
            r#"{"code":"server_error","detail":"Internal Server Error"}"#,
        ),
        (
            503,
            r#"{"code":"server_error","detail":"Service unavailable"}"#,
        ),
        (201, API_TOKEN_OUT),
    ]);
    let s = script.clone();
    let mock = server
        .mock_async(move |when, then| {
            when.method(POST).path(format!(
                "/api/v1/auth/app/{APP_ID}/poller/ep_1/token/rotate"
            ));
            then.respond_with(move |r| s.respond(r));
        })
        .await;
    let (client, time) = client(&server);
    client
        .rotate_poller_token(APP_ID, "ep_1", &RotatePollerTokenIn::new(), None)
        .await
        .unwrap();
    mock.assert_calls_async(3).await;
    let seen = script.seen();
    let ids: Vec<_> = seen.iter().map(|r| header(r, "svix-req-id")).collect();
    assert!(ids[0].is_some());
    assert_eq!(ids, vec![ids[0].clone(); 3]);
    let counts: Vec<_> = seen.iter().map(|r| header(r, "svix-retry-count")).collect();
    assert_eq!(counts, [None, Some("1".to_owned()), Some("2".to_owned())]);
    let keys: Vec<_> = seen.iter().map(|r| header(r, "idempotency-key")).collect();
    assert_eq!(keys, vec![keys[0].clone(); 3]);
    assert_eq!(time.sleeps().len(), 2);
    assert!(time.sleeps().iter().all(|d| *d > Duration::ZERO));

    // A second call has its own request id.
    let again = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/auth/whoami");
            then.status(200).body(r#"{"permissionSource":"SvixJwt"}"#);
        })
        .await;
    let me = client.whoami(None).await.unwrap();
    assert_eq!(me.permission_source, AuthenticationSource::SvixJwt);
    again.assert_calls_async(1).await;
}

fn invalid(err: Error, field: &str) {
    match err {
        Error::InvalidRequest(e) => assert_eq!(e.field(), field, "{e}"),
        other => panic!("expected InvalidRequest on {field}: {other:?}"),
    }
}

/// Out-of-spec parameters and bodies are refused before anything is sent.
#[tokio::test]
async fn constraints_are_checked_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let long = "s".repeat(61);
    for bad in ["", ".", "..", long.as_str()] {
        invalid(
            client
                .stream_portal_access(bad, &StreamPortalAccessIn::new(), None)
                .await
                .unwrap_err(),
            "stream_id",
        );
        invalid(
            client
                .get_stream_poller_token("strm_1", bad, None)
                .await
                .unwrap_err(),
            "sink_id",
        );
    }
    for bad in ["", "..", "a/b"] {
        invalid(
            client
                .get_poller_token(APP_ID, bad, None)
                .await
                .unwrap_err(),
            "endpoint_id",
        );
        invalid(
            client
                .rotate_poller_token(bad, "ep_1", &RotatePollerTokenIn::new(), None)
                .await
                .unwrap_err(),
            "app_id",
        );
    }
    let cases: [(StreamPortalAccessIn, &str); 5] = [
        (StreamPortalAccessIn::new().expiry(3599), "expiry"),
        (StreamPortalAccessIn::new().expiry(604_801), "expiry"),
        (StreamPortalAccessIn::new().session_id("a.b"), "sessionId"),
        (
            StreamPortalAccessIn::new().feature_flags(Vec::<String>::new()),
            "featureFlags",
        ),
        (
            StreamPortalAccessIn::new().feature_flags((0..26).map(|i| format!("f{i}"))),
            "featureFlags",
        ),
    ];
    for (body, field) in cases {
        invalid(
            client
                .stream_portal_access("strm_1", &body, None)
                .await
                .unwrap_err(),
            field,
        );
    }
    for (body, field) in [
        (StreamTokenExpireIn::new().expiry(-1), "expiry"),
        (StreamTokenExpireIn::new().expiry(259_201), "expiry"),
        (StreamTokenExpireIn::new().session_ids([""]), "sessionIds"),
        (
            StreamTokenExpireIn::new().session_ids((0..1001).map(|i| format!("s{i}"))),
            "sessionIds",
        ),
    ] {
        invalid(
            client
                .stream_expire_all("strm_1", &body, None)
                .await
                .unwrap_err(),
            field,
        );
    }
    for (body, field) in [
        (RotatePollerTokenIn::new().expiry(0), "expiry"),
        (RotatePollerTokenIn::new().expiry(31_536_001), "expiry"),
        (
            RotatePollerTokenIn::new().old_token_expiry(86_401),
            "oldTokenExpiry",
        ),
        (
            RotatePollerTokenIn::new().old_token_expiry(-1),
            "oldTokenExpiry",
        ),
    ] {
        invalid(
            client
                .rotate_poller_token(APP_ID, "ep_1", &body, None)
                .await
                .unwrap_err(),
            field,
        );
    }
    // expire_all's body has the same constraints.
    invalid(
        client
            .expire_all(
                APP_ID,
                &fintra_app_portal::ApplicationTokenExpireIn::new().expiry(259_201),
                None,
            )
            .await
            .unwrap_err(),
        "expiry",
    );
    any.assert_calls_async(0).await;
    // The edges of each range go through.
    client
        .stream_portal_access(
            "s".repeat(60).as_str(),
            &StreamPortalAccessIn::new().expiry(604_800),
            None,
        )
        .await
        .unwrap();
    client
        .app_portal_access(APP_ID, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    any.assert_calls_async(2).await;
}

/// `app-portal-access` bodies outside the latest spec's constraints (`AppPortalAccessIn`,
/// `ApplicationIn`) are refused before anything is sent; `featureFlags: []` (the spec's own
/// example) and the bounds themselves pass.
#[tokio::test]
async fn app_portal_access_body_is_checked_before_sending() {
    use fintra_app_portal::{AppPortalAccessIn, ApplicationIn};

    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let cases: [(AppPortalAccessIn, &str); 9] = [
        (AppPortalAccessIn::new().expiry(3599), "expiry"),
        (AppPortalAccessIn::new().expiry(604_801), "expiry"),
        (AppPortalAccessIn::new().session_id(""), "sessionId"),
        (AppPortalAccessIn::new().session_id("a b"), "sessionId"),
        (
            AppPortalAccessIn::new().feature_flags(["bad flag!"]),
            "featureFlags",
        ),
        (
            AppPortalAccessIn::new().feature_flags((0..26).map(|i| format!("f{i}"))),
            "featureFlags",
        ),
        (
            AppPortalAccessIn::new().application(ApplicationIn::new("")),
            "application.name",
        ),
        (
            AppPortalAccessIn::new().application(ApplicationIn::new("a").throttle_rate(0)),
            "application.throttleRate",
        ),
        (
            AppPortalAccessIn::new().application(ApplicationIn::new("a").uid("no/slash")),
            "application.uid",
        ),
    ];
    for (body, field) in cases {
        invalid(
            client
                .app_portal_access(APP_ID, &body, None)
                .await
                .unwrap_err(),
            field,
        );
    }
    any.assert_calls_async(0).await;

    let edges = AppPortalAccessIn::new()
        .feature_flags(Vec::<String>::new())
        .expiry(3600)
        .session_id("a".repeat(64))
        .application(
            ApplicationIn::new("a")
                .throttle_rate(1)
                .uid("u".repeat(256)),
        );
    client
        .app_portal_access(APP_ID, &edges, None)
        .await
        .unwrap();
    let top = AppPortalAccessIn::new()
        .feature_flags((0..25).map(|i| format!("f{i}")))
        .expiry(604_800);
    client.app_portal_access(APP_ID, &top, None).await.unwrap();
    any.assert_calls_async(2).await;
}
