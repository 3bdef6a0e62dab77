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

mod provider_view {
    use std::cell::Cell;
    use std::sync::Arc;

    use fintra_core::test_util::{MockTransport, VirtualTime, virtual_builder};
    use fintra_core::{
        ApiError, AuthError, AuthErrorKind, Error, ErrorDetails, ErrorParser, Operation,
        ProviderError, ProviderProfile, RequestOptions,
    };
    use http::{HeaderMap, StatusCode};

    thread_local! {
        /// How many times `Problem::from_api` decoded a body on this test's thread.
        static DECODED: Cell<usize> = const { Cell::new(0) };
    }

    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    struct Problem {
        kind: String,
    }

    impl ProviderError for Problem {
        fn from_api(api: &ApiError) -> Option<Self> {
            DECODED.set(DECODED.get() + 1);
            api.detail()
        }
    }

    #[derive(Debug)]
    struct ProblemParser;

    impl ErrorParser for ProblemParser {
        fn parse(&self, _: StatusCode, _: &HeaderMap, body: &[u8]) -> ErrorDetails {
            match serde_json::from_slice::<Problem>(body) {
                Ok(p) => ErrorDetails::new(Some(p.kind.clone()), None).with_view(p),
                Err(_) => ErrorDetails::default(),
            }
        }
    }

    #[tokio::test]
    async fn the_parsers_view_is_returned_without_parsing_the_body_again() {
        let time = Arc::new(VirtualTime::default());
        let mock = Arc::new(MockTransport::new());
        mock.push_json(409, r#"{"kind":"conflict"}"#);
        let client = virtual_builder("https://api.test", &time)
            .transport(mock.clone())
            .build_for(&ProviderProfile::new("p").error_parser(Arc::new(ProblemParser)))
            .unwrap();
        let err = client
            .send_empty(Operation::get("Get", "/x"), &RequestOptions::new())
            .await
            .unwrap_err();
        let before = DECODED.get();
        let view = err.provider::<Problem>().unwrap();
        assert_eq!(view.kind, "conflict");
        assert_eq!(err.code(), Some("conflict"));
        assert_eq!(DECODED.get(), before, "the body was parsed again");

        // Behind an auth error, too.
        let auth = Error::from(
            AuthError::new(AuthErrorKind::TokenUnavailable, "no token").with_source(err),
        );
        assert_eq!(auth.provider::<Problem>(), Some(view));
    }

    #[test]
    fn without_a_view_the_body_is_decoded() {
        let api = ApiError::new("Op", StatusCode::CONFLICT, r#"{"kind":"gone"}"#);
        assert_eq!(api.provider::<Problem>().unwrap().kind, "gone");
        let not_json = Error::from(ApiError::new("Op", StatusCode::BAD_GATEWAY, "<html>"));
        assert_eq!(not_json.provider::<Problem>(), None);
        assert_eq!(Error::config("x").provider::<Problem>(), None);
    }
}
