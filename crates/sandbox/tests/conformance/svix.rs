//! Svix as the current official clients shape requests (`svix-current.md` §1, `svix.md`
//! §4.6): paths without the trailing slash, `Content-Length: 0` and no content type on
//! bodiless POSTs, no `Accept` header (or `*/*`).

use fintra_sandbox::{
    APP_PORTAL_TOKEN, APP_PORTAL_UNKNOWN_APP_ID, Fault, FaultKind, Provider, Route, Sandbox,
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{send, start};

/// A request as the Rust SDK sends it: bearer token, JSON body with its length, or
/// `Content-Length: 0` without a content type when there is no body.
fn req(
    c: &reqwest::Client,
    sb: &Sandbox,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::RequestBuilder {
    let r = c
        .request(method, format!("{}/api/v1/auth{path}", sb.app_portal_url()))
        .bearer_auth(token)
        .header("accept", "*/*");
    match body {
        Some(b) => r
            .header("content-type", "application/json")
            .body(b.to_string()),
        None => r.header("content-length", "0"),
    }
}

#[tokio::test]
async fn app_portal_operations_without_trailing_slash() {
    let (sb, c) = start().await;
    let (status, access) = send(req(&c, &sb, Method::POST, "/app-portal-access/app_1srOrx2ZWZBpBUvZwXKQmoEYga2", APP_PORTAL_TOKEN,
        Some(json!({"capabilities": ["ViewBase", "ViewEndpointSecret"], "expiry": 3600, "sessionId": "user_1FB8"})))).await;
    assert_eq!(status, 200, "{access}");
    let token = access["token"].as_str().unwrap().to_owned();

    // whoami for the org token and for the portal token.
    let (status, me) = send(req(&c, &sb, Method::GET, "/whoami", APP_PORTAL_TOKEN, None)).await;
    assert_eq!(
        (status, me["permissionSource"].clone()),
        (200, json!("RegionalAuthToken"))
    );
    assert!(
        me["envId"].as_str().unwrap().starts_with("org_")
            && me["envId"].as_str().unwrap().len() == 31
    );
    let (status, me) = send(req(&c, &sb, Method::GET, "/whoami", &token, None)).await;
    assert_eq!(status, 200);
    assert_eq!(me["sessionId"], "user_1FB8");
    assert_eq!(me["appId"].as_str().unwrap().len(), 31);

    // The portal link carries a one-time token, exchangeable once.
    let url = access["url"].as_str().unwrap();
    let key = url.split("#key=").nth(1).unwrap();
    use base64::Engine as _;
    let key: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key)
            .unwrap(),
    )
    .unwrap();
    let one_time = json!({"oneTimeToken": key["oneTimeToken"]});
    let (status, out) = send(req(
        &c,
        &sb,
        Method::POST,
        "/one-time-token",
        APP_PORTAL_TOKEN,
        Some(one_time.clone()),
    ))
    .await;
    assert_eq!((status, out["token"].clone()), (200, json!(token)));
    assert_eq!(
        out["capabilities"],
        json!(["ViewBase", "ViewEndpointSecret"])
    );
    let (status, body) = send(req(
        &c,
        &sb,
        Method::POST,
        "/one-time-token",
        APP_PORTAL_TOKEN,
        Some(one_time),
    ))
    .await;
    assert_eq!((status, body["code"].clone()), (404, json!("not_found")));

    // expire-all by session id, then logout with Content-Length: 0.
    let (status, _) = send(req(
        &c,
        &sb,
        Method::POST,
        "/app/app_1srOrx2ZWZBpBUvZwXKQmoEYga2/expire-all",
        APP_PORTAL_TOKEN,
        Some(json!({"expiry": 60, "sessionIds": ["someone_else"]})),
    ))
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        send(req(&c, &sb, Method::POST, "/logout", &token, None))
            .await
            .0,
        204
    );
    assert_eq!(
        send(req(&c, &sb, Method::POST, "/logout", &token, None))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn stream_operations_and_poller_tokens() {
    let (sb, c) = start().await;
    let (status, access) = send(req(
        &c,
        &sb,
        Method::POST,
        "/stream-portal-access/strm_1",
        APP_PORTAL_TOKEN,
        Some(json!({"featureFlags": ["beta"], "sessionId": "s1"})),
    ))
    .await;
    assert_eq!(status, 200, "{access}");
    let stream_token = access["token"].as_str().unwrap().to_owned();
    let (_, me) = send(req(&c, &sb, Method::GET, "/whoami", &stream_token, None)).await;
    assert!(me["streamAppId"].as_str().unwrap().starts_with("strm_"));
    // An app-portal logout does not log out a stream token, and vice versa.
    assert_eq!(
        send(req(&c, &sb, Method::POST, "/logout", &stream_token, None))
            .await
            .0,
        403
    );
    let (status, _) = send(req(
        &c,
        &sb,
        Method::POST,
        "/stream/strm_1/expire-all",
        APP_PORTAL_TOKEN,
        Some(json!({"sessionIds": ["s1"]})),
    ))
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        send(req(
            &c,
            &sb,
            Method::POST,
            "/stream-logout",
            &stream_token,
            None
        ))
        .await
        .0,
        401
    );
    let (_, access) = send(req(
        &c,
        &sb,
        Method::POST,
        "/stream-portal-access/strm_1",
        APP_PORTAL_TOKEN,
        Some(json!({})),
    ))
    .await;
    let second = access["token"].as_str().unwrap().to_owned();
    assert_eq!(
        send(req(&c, &sb, Method::POST, "/stream-logout", &second, None))
            .await
            .0,
        204
    );

    for (base, route_get, route_rotate) in [
        (
            "/app/app_1/poller/ep_1/token",
            Route::AppPortalGetPollerToken,
            Route::AppPortalRotatePollerToken,
        ),
        (
            "/stream/strm_1/sink/sink_1/poller/token",
            Route::AppPortalGetStreamPollerToken,
            Route::AppPortalRotateStreamPollerToken,
        ),
    ] {
        let (status, first) = send(req(&c, &sb, Method::GET, base, APP_PORTAL_TOKEN, None)).await;
        assert_eq!(status, 200, "{first}");
        assert!(
            first["id"].as_str().unwrap().starts_with("key_") && first["createdAt"].is_string()
        );
        let (status, rotated) = send(req(
            &c,
            &sb,
            Method::POST,
            &format!("{base}/rotate"),
            APP_PORTAL_TOKEN,
            Some(json!({"expiry": 3600, "oldTokenExpiry": 0})),
        ))
        .await;
        assert_eq!(status, 201, "{rotated}");
        assert_ne!(rotated["token"], first["token"]);
        assert!(rotated["expiresAt"].is_string());
        let (_, again) = send(req(&c, &sb, Method::GET, base, APP_PORTAL_TOKEN, None)).await;
        assert_eq!(again["token"], rotated["token"]);
        // The old token was revoked at once (oldTokenExpiry 0); the new one authenticates but
        // may not call the auth operations.
        let old = first["token"].as_str().unwrap();
        assert_eq!(
            send(req(&c, &sb, Method::GET, base, old, None)).await.0,
            401
        );
        assert_eq!(
            send(req(
                &c,
                &sb,
                Method::GET,
                base,
                rotated["token"].as_str().unwrap(),
                None
            ))
            .await
            .0,
            403
        );
        // Four gets: first, again, with the revoked and with the new token.
        assert_eq!(sb.stats().hits(route_get), 4);
        assert_eq!(sb.stats().hits(route_rotate), 1);
    }
}

#[tokio::test]
async fn trailing_slash_forms_of_2023_still_work() {
    let (sb, c) = start().await;
    let (status, _) = send(req(
        &c,
        &sb,
        Method::POST,
        "/app-portal-access/app_1/",
        APP_PORTAL_TOKEN,
        Some(json!({"featureFlags": []})),
    ))
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(req(
        &c,
        &sb,
        Method::POST,
        "/dashboard-access/app_1/",
        APP_PORTAL_TOKEN,
        None,
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(sb.stats().hits(Route::AppPortalAccess), 1);
}

#[tokio::test]
async fn every_documented_error_status_is_reachable() {
    let (sb, c) = start().await;
    // 401 without or with an unknown token.
    let (status, body) = send(req(&c, &sb, Method::GET, "/whoami", "nope", None)).await;
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("authentication_failed"))
    );
    // 403: an org token cannot log out.
    let (status, body) = send(req(
        &c,
        &sb,
        Method::POST,
        "/logout",
        APP_PORTAL_TOKEN,
        None,
    ))
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("insufficient access"))
    );
    // 404: the designated unknown application.
    let (status, body) = send(req(
        &c,
        &sb,
        Method::POST,
        &format!("/app-portal-access/{APP_PORTAL_UNKNOWN_APP_ID}"),
        APP_PORTAL_TOKEN,
        Some(json!({})),
    ))
    .await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"code": "not_found", "detail": "Application not found"})
        )
    );
    // 422: an expiry that is not an integer; a stream id too long.
    let (status, body) = send(req(
        &c,
        &sb,
        Method::POST,
        "/app-portal-access/app_1",
        APP_PORTAL_TOKEN,
        Some(json!({"expiry": "soon"})),
    ))
    .await;
    assert_eq!(
        (status, body),
        (
            422,
            json!({"detail": [{"loc": ["body", "expiry"], "msg": "value is not a valid integer", "type": "type_error.integer"}]})
        )
    );
    let long = "s".repeat(61);
    let (status, body) = send(req(
        &c,
        &sb,
        Method::POST,
        &format!("/stream/{long}/expire-all"),
        APP_PORTAL_TOKEN,
        Some(json!({})),
    ))
    .await;
    assert_eq!(
        (status, body["detail"][0]["loc"].clone()),
        (422, json!(["path", "stream_id"]))
    );
    // 400, 409 and 429 come only from a server in trouble: fault injection.
    for (code, name) in [
        (400, "generic_error"),
        (409, "conflict"),
        (429, "rate_limited"),
    ] {
        sb.inject(Fault::new(Provider::AppPortal, FaultKind::Status(code)));
        let (status, body) =
            send(req(&c, &sb, Method::GET, "/whoami", APP_PORTAL_TOKEN, None)).await;
        assert_eq!((status, body["code"].clone()), (code, json!(name)));
    }
}
