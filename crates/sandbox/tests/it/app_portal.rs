//! Svix app portal: bearer auth, validation, idempotency.

use fintra_sandbox::{APP_PORTAL_TOKEN, APP_PORTAL_UNKNOWN_APP_ID, Route, Sandbox};
use serde_json::{Value, json};

use crate::{json_body, send, start};

fn post(c: &reqwest::Client, sb: &Sandbox, path: &str, token: &str) -> reqwest::RequestBuilder {
    c.post(format!("{}/api/v1/auth{path}", sb.app_portal_url()))
        .bearer_auth(token)
}

async fn access(c: &reqwest::Client, sb: &Sandbox, app: &str) -> (u16, Value) {
    let req = post(
        c,
        sb,
        &format!("/app-portal-access/{app}/"),
        APP_PORTAL_TOKEN,
    );
    send(json_body(req, &json!({"featureFlags": []}))).await
}

#[tokio::test]
async fn bearer_token_is_required() {
    let (sb, c) = start().await;
    let url = format!(
        "{}/api/v1/auth/app-portal-access/app_1/",
        sb.app_portal_url()
    );
    let (status, body) = send(json_body(c.post(&url), &json!({}))).await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"code": "authentication_failed", "detail": "Incorrect authentication credentials."})
        )
    );
    let (status, _) = send(json_body(c.post(&url).bearer_auth("nope"), &json!({}))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn four_operations() {
    let (sb, c) = start().await;
    let (status, body) = access(&c, &sb, "app_1srOrx2ZWZBpBUvZwXKQmoEYga2").await;
    assert_eq!(status, 200);
    let app_token = body["token"].as_str().unwrap().to_owned();
    assert!(app_token.starts_with("appsk_"));
    assert!(body["url"].as_str().unwrap().contains("#key="));

    let (status, body) = send(post(&c, &sb, "/dashboard-access/app_1/", APP_PORTAL_TOKEN)).await;
    assert_eq!(status, 200);
    assert!(body["token"].is_string() && body["url"].is_string());

    // logout only works for app-portal tokens.
    let (status, body) = send(post(&c, &sb, "/logout/", APP_PORTAL_TOKEN)).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("insufficient access"))
    );
    let (status, _) = send(post(&c, &sb, "/logout/", &app_token)).await;
    assert_eq!(status, 204);
    let (status, _) = send(post(&c, &sb, "/logout/", &app_token)).await;
    assert_eq!(status, 401);

    // expire-all ends the app's tokens.
    let (_, body) = access(&c, &sb, "app_2").await;
    let t2 = body["token"].as_str().unwrap().to_owned();
    let req = post(&c, &sb, "/app/app_2/expire-all/", APP_PORTAL_TOKEN);
    let (status, body) = send(json_body(req, &json!({"expiry": 0}))).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, _) = send(post(&c, &sb, "/logout/", &t2)).await;
    assert_eq!(status, 401);

    let (status, body) = access(&c, &sb, APP_PORTAL_UNKNOWN_APP_ID).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"code": "not_found", "detail": "Application not found"})
        )
    );
    // The latest spec's paths have no trailing slash; both forms reach the operation.
    let (status, body) = send(post(&c, &sb, "/logout", APP_PORTAL_TOKEN)).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("insufficient access"))
    );
    let (_, body) = access(&c, &sb, "app_3").await;
    let t3 = body["token"].as_str().unwrap().to_owned();
    assert_eq!(send(post(&c, &sb, "/logout", &t3)).await.0, 204);
    assert_eq!(send(post(&c, &sb, "/logout//", &t3)).await.0, 401);
    assert_eq!(sb.stats().hits(Route::AppPortalLogout), 7);
}

#[tokio::test]
async fn invalid_input_is_422() {
    let (sb, c) = start().await;
    let req = post(&c, &sb, "/app-portal-access/app_1/", APP_PORTAL_TOKEN);
    let (status, body) = send(json_body(
        req,
        &json!({"featureFlags": ["ok", "bad flag!", 3]}),
    ))
    .await;
    assert_eq!(status, 422);
    let detail = body["detail"].as_array().unwrap();
    assert_eq!(detail.len(), 2);
    assert_eq!(detail[0]["loc"], json!(["body", "featureFlags", "[1]"]));
    assert_eq!(detail[0]["type"], "value_error");
    assert_eq!(detail[1]["loc"], json!(["body", "featureFlags", "[2]"]));
    assert!(detail[1]["msg"].is_string());

    let req = post(&c, &sb, "/app-portal-access/bad%20id/", APP_PORTAL_TOKEN);
    let (status, body) = send(json_body(req, &json!({}))).await;
    assert_eq!(
        (status, body["detail"][0]["loc"].clone()),
        (422, json!(["path", "app_id"]))
    );

    let req = post(&c, &sb, "/app/app_1/expire-all/", APP_PORTAL_TOKEN);
    let (status, body) = send(json_body(req, &json!({"expiry": 300_000}))).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "value_error.number.not_le");
    let req = post(&c, &sb, "/app/app_1/expire-all/", APP_PORTAL_TOKEN);
    let (status, body) = send(json_body(req, &json!({"expiry": -1}))).await;
    assert_eq!(
        (status, body["detail"][0]["type"].clone()),
        (422, json!("value_error.number.not_ge"))
    );
    let (status, body) = send(post(&c, &sb, "/app/app_1/expire-all/", APP_PORTAL_TOKEN)).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));
    assert_eq!(body["detail"][0]["type"], "value_error.jsondecode");
}

#[tokio::test]
async fn idempotency_key_replays_the_first_success() {
    let (sb, c) = start().await;
    let with_key = |key: &str, body: Value| {
        json_body(
            post(&c, &sb, "/app-portal-access/app_1/", APP_PORTAL_TOKEN)
                .header("idempotency-key", key),
            &body,
        )
    };
    let (s1, first) = send(with_key("key-1", json!({}))).await;
    let (s2, replay) = send(with_key("key-1", json!({"featureFlags": ["other"]}))).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(first, replay);
    let (_, other) = send(with_key("key-2", json!({}))).await;
    assert_ne!(first["token"], other["token"]);
    let stats = sb.stats();
    assert_eq!(stats.idempotent_replays(), 1);
    assert_eq!(stats.hits(Route::AppPortalAccess), 3);

    // Same key on another path executes; failures are not stored.
    let req = post(&c, &sb, "/app-portal-access/app_2/", APP_PORTAL_TOKEN)
        .header("idempotency-key", "key-1");
    let (_, body) = send(json_body(req, &json!({}))).await;
    assert_ne!(body["token"], first["token"]);
    let (status, _) = send(with_key("key-3", json!({"featureFlags": "x"}))).await;
    assert_eq!(status, 422);
    let (status, _) = send(with_key("key-3", json!({}))).await;
    assert_eq!(status, 200);
    // 204s replay too.
    let expire = || {
        json_body(
            post(&c, &sb, "/app/app_1/expire-all/", APP_PORTAL_TOKEN)
                .header("idempotency-key", "e"),
            &json!({"expiry": 60}),
        )
    };
    assert_eq!(send(expire()).await.0, 204);
    assert_eq!(send(expire()).await.0, 204);
    assert_eq!(sb.stats().idempotent_replays(), 2);
}
