//! Error mapping: HTML pages, decode failures, sanitized headers.

use std::sync::Arc;

use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{Error, Operation, RequestOptions, RetryPolicy};
use httpmock::prelude::*;

use crate::support::builder;

#[tokio::test]
async fn html_502_page_is_an_api_error_with_status_and_body() {
    let server = MockServer::start_async().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    server
        .mock_async(|when, then| {
            when.method(GET).path("/items");
            then.status(502)
                .header("content-type", "text/html")
                .header("x-request-id", "req-123")
                .body(page);
        })
        .await;
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .execute(
            Operation::get("ListItems", "/items"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.status(), http::StatusCode::BAD_GATEWAY);
    assert_eq!(api.body().as_ref(), page.as_bytes());
    assert_eq!(api.request_id(), Some("req-123"));
    assert_eq!(api.code(), None);
    assert_eq!(
        err.to_string(),
        "ListItems failed with HTTP 502 Bad Gateway [request id req-123]"
    );
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Page {
    items: Vec<Item>,
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Item {
    id: u64,
    name: String,
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_the_field() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, r#"{"items":[{"id":1,"name":"a"},{"id":2,"na"#);
    let client = fintra_core::Client::builder()
        .base_url("https://api.test")
        .transport(mock)
        .build()
        .unwrap();
    let err = client
        .send_json::<Page>(
            Operation::get("ListItems", "/items"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.status(), http::StatusCode::OK);
    // The document ends inside the second item, before its next key could be read.
    assert_eq!(decode.path(), "items[1].?");
    assert!(decode.body().starts_with(b"{\"items\""));
    assert!(err.to_string().contains("ListItems"), "{err}");
}

#[tokio::test]
async fn wrong_type_decode_error_names_the_nested_field() {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(
        200,
        r#"{"items":[{"id":1,"name":"a"},{"id":"two","name":"b"}]}"#,
    );
    let client = fintra_core::Client::builder()
        .base_url("https://api.test")
        .transport(mock)
        .build()
        .unwrap();
    let err = client
        .send_json::<Page>(
            Operation::get("ListItems", "/items"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.path(), "items[1].id");
}

#[tokio::test]
async fn api_error_headers_are_sanitized() {
    let mock = Arc::new(MockTransport::new());
    mock.push_response(
        http::Response::builder()
            .status(401)
            .header("content-type", "application/json")
            .header("set-cookie", "session=abc123")
            .header("x-request-id", "r-1")
            .body(bytes::Bytes::from_static(b"{}"))
            .unwrap(),
    );
    let client = fintra_core::Client::builder()
        .base_url("https://api.test")
        .transport(mock)
        .build()
        .unwrap();
    let err = client
        .execute(Operation::get("Me", "/me"), &RequestOptions::new())
        .await
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.headers()["set-cookie"], "[REDACTED]");
    assert_eq!(api.headers()["content-type"], "application/json");
    assert!(!format!("{err:?}").contains("abc123"));
}

#[tokio::test]
async fn invalid_request_is_rejected_before_sending() {
    let mock = Arc::new(MockTransport::new());
    let client = fintra_core::Client::builder()
        .base_url("https://api.test")
        .transport(mock.clone())
        .build()
        .unwrap();
    let err = client
        .execute(
            Operation::get("Bad", "no-leading-slash"),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert_eq!(mock.hits(), 0);
}
