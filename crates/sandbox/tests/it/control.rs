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
    assert_eq!(status, 404);
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("GET /nowhere") && error.contains("POST /_sandbox/faults"),
        "{error}"
    );
    let (status, body) = send(c.get(format!("{}/nowhere", sb.finicity_url()))).await;
    assert_eq!(
        (status, body["Errors"]["Error"][0]["ReasonCode"].clone()),
        (404, json!("4041"))
    );
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

#[tokio::test]
async fn every_listener_indexes_the_providers_and_control_endpoints() {
    let (sb, c) = start().await;
    let listeners = [
        (sb.base_url(), "control"),
        (sb.finicity_url(), "finicity"),
        (sb.app_portal_url(), "app-portal"),
        (sb.snaptrade_root_url(), "snaptrade"),
    ];
    for (url, name) in listeners {
        let (status, body) = send(c.get(format!("{url}/"))).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(body["this_listener"], name);
        assert_eq!(body["providers"]["finicity"]["base_url"], sb.finicity_url());
        assert_eq!(
            body["providers"]["app-portal"]["base_url"],
            sb.app_portal_url()
        );
        assert_eq!(
            body["providers"]["snaptrade"]["base_url"],
            sb.snaptrade_root_url()
        );
        assert_eq!(body["control"]["base_url"], sb.base_url());
        let endpoints = body["control"]["endpoints"].to_string();
        assert!(endpoints.contains("POST http://"), "{endpoints}");
        assert!(endpoints.contains("/_sandbox/clock/advance"), "{endpoints}");
        let ops = body["providers"]["snaptrade"]["operations"].to_string();
        assert!(ops.contains("POST /snapTrade/registerUser"), "{ops}");
    }
    // The index is not an operation: nothing is counted.
    assert_eq!(sb.stats().hits(Route::Unmatched), 0);
}

#[tokio::test]
async fn control_errors_list_the_valid_values() {
    let (sb, c) = start().await;
    let base = sb.base_url();
    let (status, body) = send(
        c.post(format!("{base}/_sandbox/faults"))
            .body(r#"{"kind":"status","status":503,"target":"svx"}"#),
    )
    .await;
    assert_eq!(status, 400);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("unknown target `svx`"), "{error}");
    assert!(
        error.contains("any, finicity, app-portal (or svix), snaptrade"),
        "{error}"
    );
    let (_, body) = send(
        c.post(format!("{base}/_sandbox/faults"))
            .body(r#"{"kind":"boom"}"#),
    )
    .await;
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("status, too_many_requests, delay, drop_connection"),
        "{error}"
    );
    let (status, body) = send(c.get(format!("{base}/_sandbox/reset"))).await;
    assert_eq!(status, 405);
    assert_eq!(
        body["error"],
        "GET is not allowed on /_sandbox/reset; use POST"
    );
}

#[tokio::test]
async fn shutdown_takes_under_200_ms_with_open_connections() {
    let (sb, c) = start().await;
    // Keep-alive connections to every provider and one request still being delayed.
    for url in [
        sb.finicity_url(),
        sb.app_portal_url(),
        sb.snaptrade_root_url(),
    ] {
        assert_eq!(send(c.get(format!("{url}/"))).await.0, 200);
    }
    sb.inject(fintra_sandbox::Fault::new(
        fintra_sandbox::Provider::AppPortal,
        fintra_sandbox::FaultKind::Delay(std::time::Duration::from_secs(30)),
    ));
    let pending = tokio::spawn(
        c.post(format!("{}/api/v1/auth/logout", sb.app_portal_url()))
            .send(),
    );
    while sb.stats().hits(Route::AppPortalLogout) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let started = std::time::Instant::now();
    sb.shutdown().await;
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_millis(200),
        "shutdown took {took:?}"
    );
    assert!(
        pending.await.unwrap().is_err(),
        "the delayed request is cut off"
    );
}
