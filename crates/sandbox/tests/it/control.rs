//! Control endpoints, limits, routing errors and shutdown.

use fintra_sandbox::{APP_PORTAL_TOKEN, Route, Sandbox, SandboxConfig};
use serde_json::{Value, json};

use crate::{client, send, start};

#[tokio::test]
async fn faults_stats_and_clock_over_http() {
    let (sb, c) = start().await;
    let base = sb.base_url();
    let fault = json!({"target": "snaptrade", "kind": "status", "status": 503, "times": 2});
    let (status, _) = send(
        c.post(format!("{base}/_sandbox/faults"))
            .body(fault.to_string()),
    )
    .await;
    assert_eq!(status, 204);
    let list = format!("{}/snapTrade/listUsers", sb.snaptrade_url());
    for _ in 0..2 {
        let (status, body) = send(c.get(&list)).await;
        assert_eq!(status, 503);
        assert_eq!(body["code"], 1000);
    }
    assert_eq!(send(c.get(&list)).await.0, 404); // unsigned: no clientId

    let (status, body) = send(
        c.post(format!("{base}/_sandbox/faults"))
            .body(r#"{"kind":"teleport"}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("teleport"));

    let drop = json!({"target": "/svix/api", "kind": "drop_connection"});
    send(
        c.post(format!("{base}/_sandbox/faults"))
            .body(drop.to_string()),
    )
    .await;
    assert_eq!(
        send(c.delete(format!("{base}/_sandbox/faults"))).await.0,
        204
    );

    let (status, stats) = send(c.get(format!("{base}/_sandbox/stats"))).await;
    assert_eq!(status, 200);
    assert_eq!(stats["routes"]["snaptrade.list_users"], 3);
    assert_eq!(stats["faultsInjected"], 2);
    assert_eq!(stats["total"], 3);
    assert_eq!(sb.stats().hits(Route::SnapTradeListUsers), 3);

    let advance = c
        .post(format!("{base}/_sandbox/clock/advance"))
        .body(r#"{"seconds":60}"#);
    assert_eq!(send(advance).await.0, 204);
    assert_eq!(
        send(c.post(format!("{base}/_sandbox/clock/advance")).body("{}"))
            .await
            .0,
        400
    );
    assert_eq!(send(c.post(format!("{base}/_sandbox/reset"))).await.0, 204);
    assert_eq!(send(c.get(format!("{base}/_sandbox/nope"))).await.0, 404);
}

#[tokio::test]
async fn routing_errors_and_body_limit() {
    let sb = SandboxConfig::new()
        .max_body_bytes(1024)
        .start()
        .await
        .unwrap();
    let c = client();
    let (status, body) = send(c.get(format!("{}/nowhere", sb.base_url()))).await;
    assert_eq!((status, body), (404, json!({"error": "Not Found"})));
    let resp = c
        .get(format!("{}/api/v1/auth/logout/", sb.app_portal_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");

    let big = format!(r#"{{"featureFlags":["{}"]}}"#, "a".repeat(4096));
    let (status, body) = send(
        c.post(format!(
            "{}/api/v1/auth/app-portal-access/app_1/",
            sb.app_portal_url()
        ))
        .bearer_auth(APP_PORTAL_TOKEN)
        .body(big),
    )
    .await;
    assert_eq!(
        (status, body["code"].clone()),
        (413, json!("payload_too_large"))
    );
    assert_eq!(sb.stats().hits(Route::Unmatched), 2);
}

#[tokio::test]
async fn shutdown_closes_the_listener() {
    let sb: Sandbox = Sandbox::start().await.unwrap();
    let url = format!("{}/_sandbox/stats", sb.base_url());
    let c = client();
    assert_eq!(send(c.get(&url)).await.0, 200);
    sb.shutdown().await;
    let err = client().get(&url).send().await.expect_err("closed");
    assert!(err.is_connect() || err.is_request(), "{err:?}");

    let dropped = Sandbox::start().await.unwrap();
    let url = format!("{}/_sandbox/stats", dropped.base_url());
    drop(dropped);
    tokio::task::yield_now().await;
    let result: Result<reqwest::Response, _> = client().get(&url).send().await;
    assert!(result.is_err(), "{:?}", result.map(|r| r.status()));
    let _: Value = Value::Null;
}
