//! Tracing output and deprecation notices.

use std::sync::Arc;

use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{Operation, RequestOptions};
use httpmock::prelude::*;

use crate::support::{CapturedLogs, builder};

/// Captures this thread's logs (and keeps callsites hit on other threads interesting).
fn capture() -> (
    CapturedLogs,
    tracing::subscriber::DefaultGuard,
    tracing::Dispatch,
) {
    let logs = CapturedLogs::default();
    let guard = tracing::subscriber::set_default(logs.clone());
    let second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    (logs, guard, second)
}

#[tokio::test(flavor = "current_thread")]
async fn one_span_per_attempt_a_success_event_and_attempts_on_the_final_error() {
    let (logs, _guard, _second) = capture();
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, "{}").push_json(200, "{}");
    let time = Arc::new(VirtualTime::default());
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .build()
        .unwrap();
    let op = || Operation::get("ListThings", "/things").rust_method("ThingsClient::list");
    client.execute(op(), &RequestOptions::new()).await.unwrap();
    let text = logs.text();
    let request_spans: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("span fintra.request"))
        .collect();
    assert_eq!(request_spans.len(), 1, "{text}");
    assert!(
        request_spans[0].contains("rust_method=ThingsClient::list"),
        "{text}"
    );
    assert!(!request_spans[0].contains("attempt"), "{text}");
    let attempt_spans: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("span fintra.attempt"))
        .collect();
    assert_eq!(
        attempt_spans,
        [
            "span fintra.attempt attempt=1 ",
            "span fintra.attempt attempt=2 "
        ]
    );
    // Each attempt records its status once, on its own span.
    let records: Vec<_> = text.lines().filter(|l| l.starts_with("record")).collect();
    assert_eq!(
        records,
        ["record status=503 ", "record status=200 "],
        "{text}"
    );
    let success = text
        .lines()
        .find(|l| l.contains("message=succeeded"))
        .unwrap_or_else(|| panic!("no success event: {text}"));
    assert!(success.starts_with("event DEBUG"), "{success}");
    assert!(success.contains("status=200"), "{success}");
    assert!(success.contains("attempts=2"), "{success}");
    assert!(success.contains("latency_ms="), "{success}");

    // Three 503s: the final error and its log line say how many attempts were made.
    mock.push_json(503, "{}")
        .push_json(503, "{}")
        .push_json(503, "{}");
    let err = client
        .execute(op(), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3);
    let shown = err.to_string();
    assert_eq!(
        shown,
        "ThingsClient::list (ListThings) failed with HTTP 503 Service Unavailable (after 3 attempts)"
    );
    let text = logs.text();
    let gave_up = text
        .lines()
        .find(|l| l.contains("giving up"))
        .unwrap_or_else(|| panic!("no final-error event: {text}"));
    assert!(gave_up.starts_with("event WARN"), "{gave_up}");
    assert!(gave_up.contains("attempts=3"), "{gave_up}");
}

#[tokio::test(flavor = "current_thread")]
async fn deprecation_headers_warn_once_per_operation_and_are_readable() {
    let (logs, _guard, _second) = capture();
    let server = MockServer::start_async().await;
    let old = server
        .mock_async(|when, then| {
            when.method(GET).path("/old");
            then.status(200)
                .header("deprecation", "@1688169599")
                .header("sunset", "Wed, 11 Nov 2026 23:59:59 GMT")
                .json_body(serde_json::json!({}));
        })
        .await;
    let gone = server
        .mock_async(|when, then| {
            when.method(GET).path("/gone");
            then.status(404)
                .header("sunset", "Wed, 11 Nov 2026 23:59:59 GMT")
                .json_body(serde_json::json!({"message": "not here"}));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    for _ in 0..3 {
        let response = client
            .execute(Operation::get("GetOld", "/old"), &RequestOptions::new())
            .await
            .unwrap();
        let notice = response.deprecation().unwrap();
        assert_eq!(notice.deprecation(), Some("@1688169599"));
        assert_eq!(notice.sunset(), Some("Wed, 11 Nov 2026 23:59:59 GMT"));
    }
    for _ in 0..2 {
        let err = client
            .execute(Operation::get("GetGone", "/gone"), &RequestOptions::new())
            .await
            .unwrap_err();
        let notice = err.deprecation().unwrap();
        assert_eq!(notice.deprecation(), None);
        assert_eq!(notice.sunset(), Some("Wed, 11 Nov 2026 23:59:59 GMT"));
    }
    old.assert_calls_async(3).await;
    gone.assert_calls_async(2).await;

    let text = logs.text();
    let warnings: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("event WARN") && l.contains("deprecated"))
        .collect();
    assert_eq!(warnings.len(), 2, "{text}");
    assert!(warnings[0].contains("operation=GetOld"), "{}", warnings[0]);
    assert!(
        warnings[0].contains("sunset=Wed, 11 Nov 2026"),
        "{}",
        warnings[0]
    );
    assert!(warnings[1].contains("operation=GetGone"), "{}", warnings[1]);

    // Another client warns again: the notice is once per operation per client.
    let other = builder(&server.base_url(), &time).build().unwrap();
    other
        .execute(Operation::get("GetOld", "/old"), &RequestOptions::new())
        .await
        .unwrap();
    let count = logs
        .text()
        .lines()
        .filter(|l| l.starts_with("event WARN") && l.contains("deprecated"))
        .count();
    assert_eq!(count, 3);

    // An answer without either header carries no notice.
    let plain = server
        .mock_async(|when, then| {
            when.method(GET).path("/new");
            then.status(200).json_body(serde_json::json!({}));
        })
        .await;
    let response = client
        .execute(Operation::get("GetNew", "/new"), &RequestOptions::new())
        .await
        .unwrap();
    assert!(response.deprecation().is_none());
    plain.assert_calls_async(1).await;
}
