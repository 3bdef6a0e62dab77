//! Request building, timeouts, body caps and transport injection.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{
    Client, Error, Operation, RequestOptions, RetryPolicy, TransportErrorKind, encode_path_segment,
};
use httpmock::prelude::*;

use crate::support::builder;

#[tokio::test]
async fn request_has_exact_url_headers_and_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/things/a%2Fb%20c/items/")
                .query_param("q", "x y&z")
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header("user-agent", "my-sdk/1.2.3")
                .json_body(serde_json::json!({"name": "n"}));
            then.status(201).json_body(serde_json::json!({"id": 7}));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    // Trailing slashes on the base URL are normalised.
    let client = builder(&format!("{}/api/v1//", server.base_url()), &time)
        .user_agent("my-sdk/1.2.3")
        .build()
        .unwrap();
    let op = Operation::post(
        "CreateItem",
        format!("/things/{}/items/", encode_path_segment("a/b c")),
    )
    .query("q", "x y&z")
    .json(&serde_json::json!({"name": "n"}))
    .unwrap()
    .expect_status(http::StatusCode::CREATED);

    let v: serde_json::Value = client.send_json(op, &RequestOptions::new()).await.unwrap();
    assert_eq!(v["id"], 7);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn default_user_agent_names_the_crate_and_version() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(204, "");
    let client = Client::builder()
        .base_url("https://api.test")
        .transport(mock.clone())
        .build()
        .unwrap();
    client
        .send_empty(Operation::get("Ping", "/ping"), &RequestOptions::new())
        .await
        .unwrap();
    let req = &mock.requests()[0];
    assert_eq!(
        req.headers()["user-agent"],
        concat!("fintra-core/", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        req.headers().get("content-type").is_none(),
        "no body, no content type"
    );
}

#[tokio::test]
async fn unexpected_success_status_is_an_api_error() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, "{}");
    let client = Client::builder()
        .base_url("https://api.test")
        .transport(mock.clone())
        .build()
        .unwrap();
    let op = Operation::post("Create", "/x").expect_status(http::StatusCode::CREATED);
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(http::StatusCode::OK));
}

/// Yields until `cond` holds (the spawned call has reached the point the test waits for).
async fn until(cond: impl Fn() -> bool) {
    for _ in 0..10_000 {
        if cond() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("condition never reached");
}

/// Lets a spawned call run as far as it can without the clock moving.
async fn settle() {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
}

fn hanging_client(time: &Arc<VirtualTime>, hangs: usize) -> (Client, Arc<MockTransport>) {
    let mock = Arc::new(MockTransport::new());
    for _ in 0..hangs {
        mock.push_pending();
    }
    let client = builder("https://api.test", time)
        .transport(mock.clone())
        .attempt_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    (client, mock)
}

#[tokio::test(flavor = "current_thread")]
async fn per_attempt_timeout_is_on_the_injected_clock_and_a_get_is_retried() {
    let time = Arc::new(VirtualTime::default());
    let (client, mock) = hanging_client(&time, 2);
    let opts = RequestOptions::new().retry(crate::support::policy().with_max_attempts(2));
    let call =
        tokio::spawn(async move { client.execute(Operation::get("Slow", "/slow"), &opts).await });

    until(|| mock.hits() == 1).await;
    time.advance(Duration::from_millis(29_999));
    settle().await;
    assert!(!call.is_finished(), "timed out before its 30 s");
    assert_eq!(mock.hits(), 1);
    time.advance(Duration::from_millis(1));
    // The first attempt times out, waits its 100 ms backoff, and the second one hangs.
    until(|| mock.hits() == 2).await;
    time.advance(Duration::from_secs(30));
    let err = call.await.unwrap().unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.to_string().contains("30s"), "{err}");
    assert_eq!(time.sleeps(), vec![Duration::from_millis(100)]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_timed_out_post_is_not_retried() {
    let time = Arc::new(VirtualTime::default());
    let (client, mock) = hanging_client(&time, 2);
    let call = tokio::spawn(async move {
        client
            .execute(Operation::post("Slow", "/slow"), &RequestOptions::new())
            .await
    });
    until(|| mock.hits() == 1).await;
    time.advance(Duration::from_secs(30));
    let err = call.await.unwrap().unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(mock.hits(), 1);
    assert!(time.sleeps().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn overall_timeout_bounds_the_whole_call_on_the_injected_clock() {
    let time = Arc::new(VirtualTime::default());
    let mock = Arc::new(MockTransport::new());
    for _ in 0..10 {
        mock.push_json(503, "{}");
    }
    let client = builder("https://api.test", &time)
        .transport(mock.clone())
        .timeout(Duration::from_secs(1))
        .retry(crate::support::policy().with_max_attempts(10))
        .build()
        .unwrap();
    let err = client
        .execute(Operation::get("Flaky", "/flaky"), &RequestOptions::new())
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // Backoffs of 100, 200, 400 and 800 ms: the clock passes 1 s during the fourth.
    assert_eq!(mock.hits(), 4);
    assert_eq!(time.sleeps().len(), 4);
}

#[tokio::test]
async fn real_deadlines_still_end_a_call_to_a_silent_server() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/slow");
            then.status(200).delay(Duration::from_secs(3));
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = client
        .execute(Operation::get("Slow", "/slow"), &RequestOptions::new())
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/big");
            then.status(200).body("x".repeat(4096));
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .max_response_bytes(1024)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .execute(Operation::get("Big", "/big"), &RequestOptions::new())
        .await
        .unwrap_err();
    match err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::BodyTooLarge),
        other => panic!("expected BodyTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn a_caller_reqwest_client_is_used() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/ping")
                .header("x-from-custom-client", "yes");
            then.status(204);
        })
        .await;
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "x-from-custom-client",
        http::HeaderValue::from_static("yes"),
    );
    let custom = fintra_core::reqwest_client_builder().default_headers(headers);
    let client = Client::builder()
        .base_url(server.base_url())
        .reqwest_builder(custom)
        .build()
        .unwrap();
    client
        .send_empty(Operation::get("Ping", "/ping"), &RequestOptions::new())
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[test]
fn configuration_errors_are_typed() {
    let err = Client::builder().build().unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    let err = Client::builder().base_url("ftp://x").build().unwrap_err();
    assert!(matches!(err, Error::Config(_)));
}

#[tokio::test]
async fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder()
        .base_url("https://api.test")
        .build()
        .unwrap();
    let opts = RequestOptions::new();
    let fut = client.execute(Operation::get("Ping", "/ping"), &opts);
    assert_send(&fut);
}

#[tokio::test]
async fn a_connection_failure_names_the_host_and_port_and_keeps_the_source() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .execute(
            Operation::get("Ping", "/ping").query("token", "q-secret"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}")
    };
    assert_eq!(t.kind(), TransportErrorKind::Connect);
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("check the base URL"), "{text}");
    assert!(std::error::Error::source(t).is_some());
    assert!(!format!("{text} {err:?}").contains("q-secret"));
}

#[test]
fn a_base_url_without_a_scheme_suggests_adding_it() {
    let err = Client::builder()
        .base_url("api.example.com")
        .build()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("`api.example.com`"), "{text}");
    assert!(text.contains("`https://api.example.com`"), "{text}");
}
