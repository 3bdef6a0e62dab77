//! Retry classification and policy, with hit counts on a real server.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_core::retry::{AttemptOutcome, ClassifyContext, RetryClassifier, RetryDecision};
use fintra_core::test_util::VirtualTime;
use fintra_core::{
    Error, Idempotency, IdempotencyKey, Operation, RequestOptions, RetryPolicy, TransportErrorKind,
};
use http::StatusCode;
use httpmock::prelude::*;

use crate::support::{Always, builder, policy};

#[tokio::test]
async fn get_503_is_retried_until_attempts_run_out() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items");
            then.status(503).body("unavailable");
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let err = client
        .execute(
            Operation::get("ListItems", "/items"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    mock.assert_calls_async(3).await;
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        time.sleeps(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn get_404_is_not_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items/9");
            then.status(404)
                .json_body(serde_json::json!({"code": "not_found", "detail": "no such item"}));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let err = client
        .execute(
            Operation::get("GetItem", "/items/9"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    mock.assert_calls_async(1).await;
    let api = err.as_api().unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.code(), Some("not_found"));
    assert_eq!(api.message(), Some("no such item"));
    assert!(time.sleeps().is_empty());
}

#[tokio::test]
async fn post_without_key_is_not_retried_after_500() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/payments");
            then.status(500);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let op = Operation::post("CreatePayment", "/payments").json_bytes("{}");
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();

    mock.assert_calls_async(1).await;
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(err.is_retryable(), "transient, but unsafe to repeat");
}

#[tokio::test]
async fn post_with_key_is_retried_with_the_same_key() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/payments")
                .header("idempotency-key", "order-42");
            then.status(502);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let op = Operation::post("CreatePayment", "/payments").json_bytes("{}");
    let opts = RequestOptions::new().with_idempotency_key(IdempotencyKey::new("order-42").unwrap());
    client.execute(op, &opts).await.unwrap_err();

    mock.assert_calls_async(3).await;
}

#[tokio::test]
async fn put_is_unsafe_by_default_but_an_operation_can_declare_it_safe() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT).path("/secret");
            then.status(500);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    client
        .execute(Operation::put("Rotate", "/secret"), &RequestOptions::new())
        .await
        .unwrap_err();
    mock.assert_calls_async(1).await;

    client
        .execute(
            Operation::put("Rotate", "/secret").with_idempotency(Idempotency::Safe),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    mock.assert_calls_async(4).await;
}

#[tokio::test]
async fn retry_after_seconds_is_waited_exactly() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/limited");
            then.status(429).header("retry-after", "2");
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .retry(policy().with_max_attempts(2))
        .build()
        .unwrap();

    let err = client
        .execute(
            Operation::get("Limited", "/limited"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    mock.assert_calls_async(2).await;
    assert_eq!(time.sleeps(), vec![Duration::from_secs(2)]);
    assert_eq!(
        err.as_api().unwrap().retry_after(),
        Some(Duration::from_secs(2))
    );
}

#[tokio::test]
async fn retry_after_http_date_is_relative_to_the_clock() {
    let server = MockServer::start_async().await;
    // VirtualTime starts at 2015-10-21T07:28:00Z; the server asks to come back 5 s later.
    let time = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(1_445_412_480),
    ));
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/busy");
            then.status(503)
                .header("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT");
        })
        .await;
    let client = builder(&server.base_url(), &time)
        .retry(policy().with_max_attempts(2))
        .build()
        .unwrap();

    client
        .execute(Operation::get("Busy", "/busy"), &RequestOptions::new())
        .await
        .unwrap_err();

    mock.assert_calls_async(2).await;
    assert_eq!(time.sleeps(), vec![Duration::from_secs(5)]);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_ends_retries() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/limited");
            then.status(429).header("retry-after", "3600");
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let err = client
        .execute(
            Operation::get("Limited", "/limited"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    mock.assert_calls_async(1).await;
    assert!(time.sleeps().is_empty());
    assert_eq!(
        err.as_api().unwrap().retry_after(),
        Some(Duration::from_secs(3600))
    );
}

#[tokio::test]
async fn per_request_policy_overrides_the_client_policy() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items");
            then.status(503);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time).build().unwrap();

    let opts = RequestOptions::new().retry(RetryPolicy::none());
    client
        .execute(Operation::get("ListItems", "/items"), &opts)
        .await
        .unwrap_err();
    mock.assert_calls_async(1).await;

    let opts = RequestOptions::new().retry(policy().with_max_attempts(5));
    client
        .execute(Operation::get("ListItems", "/items"), &opts)
        .await
        .unwrap_err();
    mock.assert_calls_async(6).await;
}

#[tokio::test]
async fn time_budget_stops_retries() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/items");
            then.status(500);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .retry(
            policy()
                .with_max_attempts(10)
                .with_max_elapsed(Some(Duration::from_millis(350))),
        )
        .build()
        .unwrap();

    client
        .execute(
            Operation::get("ListItems", "/items"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    // 100 ms + 200 ms fit in 350 ms; the next 400 ms wait would not.
    mock.assert_calls_async(3).await;
    assert_eq!(
        time.sleeps(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[tokio::test]
async fn success_after_a_retry_returns_the_answer() {
    let mock = Arc::new(fintra_core::test_util::MockTransport::new());
    mock.push_json(503, "{}").push_json(200, r#"{"n":1}"#);
    let time = Arc::new(VirtualTime::default());
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .build()
        .unwrap();
    let v: serde_json::Value = client
        .send_json(Operation::get("Flaky", "/flaky"), &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(v["n"], 1);
    assert_eq!(mock.hits(), 2);
    assert_eq!(time.sleeps(), vec![Duration::from_millis(100)]);
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_posts() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let time = Arc::new(VirtualTime::default());
    let client = builder(&format!("http://{addr}"), &time).build().unwrap();

    let err = client
        .execute(
            Operation::post("CreatePayment", "/payments").json_bytes("{}"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    match &err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect),
        other => panic!("expected a connect error, got {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(time.sleeps().len(), 2, "3 attempts, 2 waits");
}

/// A provider classifier that refuses to retry a specific error code.
#[derive(Debug)]
struct NeverRetryLocked;

impl RetryClassifier for NeverRetryLocked {
    fn classify(
        &self,
        _cx: &ClassifyContext<'_>,
        outcome: AttemptOutcome<'_>,
        default: RetryDecision,
    ) -> RetryDecision {
        match outcome {
            AttemptOutcome::Response { body, .. } if body.windows(5).any(|w| w == b"24302") => {
                RetryDecision::DoNotRetry
            }
            _ => default,
        }
    }
}

#[tokio::test]
async fn provider_classifier_overrides_the_default() {
    let server = MockServer::start_async().await;
    let locked = server
        .mock_async(|when, then| {
            when.method(GET).path("/locked");
            then.status(500).body(r#"{"code":24302}"#);
        })
        .await;
    let other = server
        .mock_async(|when, then| {
            when.method(GET).path("/other");
            then.status(500).body(r#"{"code":1}"#);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .classifier(Arc::new(NeverRetryLocked))
        .build()
        .unwrap();

    let err = client
        .execute(Operation::get("Locked", "/locked"), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("24302"));
    locked.assert_calls_async(1).await;
    client
        .execute(Operation::get("Other", "/other"), &RequestOptions::new())
        .await
        .unwrap_err();
    other.assert_calls_async(3).await;
}

#[tokio::test]
async fn no_classifier_can_make_an_unsafe_write_repeat() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/payments");
            then.status(500);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .classifier(Arc::new(Always(true)))
        .build()
        .unwrap();
    client
        .execute(
            Operation::post("CreatePayment", "/payments"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    mock.assert_calls_async(1).await;
}

/// A 503, a 1 s backoff, then a 429 whose `Retry-After` is `u64::MAX` seconds, with
/// `max_retry_after(Duration::MAX)`: computing `elapsed + delay` once panicked.
fn huge_retry_after_client(
    max_elapsed: Option<Duration>,
) -> (
    fintra_core::Client,
    Arc<fintra_core::test_util::MockTransport>,
    Arc<VirtualTime>,
) {
    let mock = Arc::new(fintra_core::test_util::MockTransport::new());
    mock.push_json(503, "{}");
    let huge = http::Response::builder()
        .status(429)
        .header("retry-after", u64::MAX.to_string())
        .body(bytes::Bytes::new())
        .unwrap();
    mock.push_response(huge);
    mock.push_json(200, "{}");
    let time = Arc::new(VirtualTime::default());
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .retry(
            policy()
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_retry_after(Duration::MAX)
                .with_max_elapsed(max_elapsed),
        )
        .build()
        .unwrap();
    (client, mock, time)
}

#[tokio::test]
async fn a_huge_retry_after_after_a_second_saturates_instead_of_panicking() {
    let (client, mock, time) = huge_retry_after_client(Some(Duration::from_secs(60)));
    let err = client
        .execute(Operation::get("Huge", "/huge"), &RequestOptions::new())
        .await
        .unwrap_err();
    // The saturated wait is past the 60 s budget: give up with the 429.
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        err.as_api().unwrap().retry_after(),
        Some(Duration::from_secs(u64::MAX))
    );
    assert_eq!(mock.hits(), 2);
    assert_eq!(time.sleeps(), vec![Duration::from_secs(1)]);

    // Without a budget the hint is honoured (on virtual time) and the call goes on.
    let (client, mock, time) = huge_retry_after_client(None);
    client
        .execute(Operation::get("Huge", "/huge"), &RequestOptions::new())
        .await
        .unwrap();
    assert_eq!(mock.hits(), 3);
    assert_eq!(
        time.sleeps(),
        vec![Duration::from_secs(1), Duration::from_secs(u64::MAX)]
    );
}

#[test]
fn full_jitter_of_a_maximal_backoff_does_not_panic() {
    let p = RetryPolicy::default()
        .with_initial_backoff(Duration::MAX)
        .with_max_backoff(Duration::MAX);
    for retry in [1, 2, 40, u32::MAX] {
        assert!(p.backoff(retry) <= Duration::MAX);
    }
}

#[tokio::test]
async fn classifiers_run_in_order_each_seeing_the_decision_so_far() {
    let mock = Arc::new(fintra_core::test_util::MockTransport::new());
    for _ in 0..6 {
        mock.push_json(500, r#"{"code":24302}"#);
    }
    let time = Arc::new(VirtualTime::default());
    let op = || Operation::get("Locked", "/locked");
    // NeverRetryLocked turns the default retry into "no"; Always(true), added after it,
    // overrides that: the later classifier wins.
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .classifier(Arc::new(NeverRetryLocked))
        .classifier(Arc::new(Always(true)))
        .build()
        .unwrap();
    client
        .execute(op(), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(mock.hits(), 3);
    // In the other order, the lock check has the last word.
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .classifier(Arc::new(Always(true)))
        .classifier(Arc::new(NeverRetryLocked))
        .build()
        .unwrap();
    client
        .execute(op(), &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(mock.hits(), 4);
}
