//! Fault injection through the library API.

use std::time::{Duration, Instant};

use fintra_sandbox::{
    APP_PORTAL_TOKEN, FINICITY_APP_KEY, FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET, Fault,
    FaultKind, FaultTarget, Provider, Route, Sandbox,
};
use serde_json::{Value, json};

use crate::{json_body, send, start};

fn create_token(c: &reqwest::Client, sb: &Sandbox) -> reqwest::RequestBuilder {
    json_body(
        c.post(format!(
            "{}/aggregation/v2/partners/authentication",
            sb.finicity_url()
        ))
        .header("Finicity-App-Key", FINICITY_APP_KEY),
        &json!({"partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET}),
    )
}

fn logout(c: &reqwest::Client, sb: &Sandbox) -> reqwest::RequestBuilder {
    c.post(format!("{}/api/v1/auth/logout/", sb.app_portal_url()))
        .bearer_auth(APP_PORTAL_TOKEN)
}

#[tokio::test]
async fn status_fault_uses_provider_shape_for_n_requests() {
    let (sb, c) = start().await;
    sb.inject(Fault::new(Provider::AppPortal, FaultKind::Status(503)).times(2));
    for _ in 0..2 {
        let (status, body) = send(logout(&c, &sb)).await;
        assert_eq!(
            (status, body),
            (
                503,
                json!({"code": "server_error", "detail": "Internal Server Error"})
            )
        );
    }
    // Back to normal: the org token cannot log out.
    assert_eq!(send(logout(&c, &sb)).await.0, 403);

    sb.inject(Fault::new(FaultTarget::Any, FaultKind::Status(500)));
    let (status, body) = send(create_token(&c, &sb)).await;
    assert_eq!(
        (status, body),
        (
            500,
            json!({"code": "500", "message": "Internal Server Error"})
        )
    );
    let stats = sb.stats();
    assert_eq!(stats.faults_injected(), 3);
    assert_eq!(stats.hits(Route::AppPortalLogout), 3);
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.provider_hits(Provider::Finicity), 1);
}

#[tokio::test]
async fn too_many_requests_has_retry_after() {
    let (sb, c) = start().await;
    sb.inject(Fault::new(
        "/finicity/aggregation",
        FaultKind::TooManyRequests {
            retry_after_secs: 7,
        },
    ));
    // A different prefix is unaffected.
    let other = c
        .get(format!(
            "{}/connect-components/configurations",
            sb.finicity_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401);
    let resp = create_token(&c, &sb).send().await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body, json!({"code": "429", "message": "Too Many Requests"}));
    assert_eq!(send(create_token(&c, &sb)).await.0, 200);
    assert_eq!(sb.stats().hits(Route::FinicityCreateToken), 2);
}

#[tokio::test]
async fn delay_then_normal_handling() {
    let (sb, c) = start().await;
    sb.inject(Fault::new(
        Provider::Finicity,
        FaultKind::Delay(Duration::from_millis(300)),
    ));
    let started = Instant::now();
    let (status, body) = send(create_token(&c, &sb)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(status, 200);
    assert!(body["token"].is_string());
}

#[tokio::test]
async fn dropped_connection_is_a_transport_error() {
    let (sb, c) = start().await;
    sb.inject(Fault::new(Provider::Finicity, FaultKind::DropConnection));
    let err = create_token(&c, &sb)
        .send()
        .await
        .expect_err("connection dropped");
    assert!(err.status().is_none(), "{err:?}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    // The operation did not run, the next request is served normally.
    assert_eq!(send(create_token(&c, &sb)).await.0, 200);
    assert_eq!(sb.stats().faults_injected(), 1);
}

#[tokio::test]
async fn cleared_faults_do_not_fire() {
    let (sb, c) = start().await;
    sb.inject(Fault::new(FaultTarget::Any, FaultKind::Status(502)).times(5));
    sb.clear_faults();
    assert_eq!(send(create_token(&c, &sb)).await.0, 200);
    sb.inject(Fault::new(FaultTarget::Any, FaultKind::Status(502)).times(0));
    assert_eq!(send(create_token(&c, &sb)).await.0, 200);
}
