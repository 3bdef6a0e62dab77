//! Property tests over hostile input.

use std::sync::Arc;

use fintra_core::test_util::MockTransport;
use fintra_core::{Client, Error, Operation, RequestOptions, RetryPolicy, encode_path_segment};
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Sends `op` through a mock transport; the URL of what was sent, parsed as reqwest parses it.
fn sent_url(rt: &tokio::runtime::Runtime, op: Operation) -> Result<url::Url, Error> {
    let mock = Arc::new(MockTransport::new());
    mock.push_json(200, "{}");
    let client = Client::builder()
        .base_url("https://api.test/v1")
        .transport(mock.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    match rt.block_on(client.execute(op, &RequestOptions::new())) {
        Ok(_) => {
            let requests = mock.requests();
            assert_eq!(requests.len(), 1);
            Ok(url::Url::parse(&requests[0].uri().to_string()).unwrap())
        }
        Err(e) => {
            assert_eq!(mock.hits(), 0, "a rejected request was sent");
            Err(e)
        }
    }
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        // the characters that matter to URL parsers, densely
        proptest::collection::vec(
            prop_oneof![
                Just("."),
                Just(".."),
                Just("/"),
                Just("\\"),
                Just("%"),
                Just("%2e"),
                Just("%2E"),
                Just("?"),
                Just("#"),
                Just("&"),
                Just("="),
                Just("+"),
                Just(" "),
                Just("\t"),
                Just("\n"),
                Just("a"),
                Just("é"),
            ],
            0..6
        )
        .prop_map(|parts| parts.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// No value of a path or query parameter changes the route or adds a parameter: either
    /// the request is rejected before sending (empty, `.` or `..` path values), or the URL
    /// as parsed has exactly the route's segments and exactly the given query pairs.
    #[test]
    fn parameters_never_change_the_route(
        segment in any_text(),
        name in any_text(),
        value in any_text(),
    ) {
        let rt = runtime();
        let op = Operation::post("Op", format!("/apps/{}/items/", encode_path_segment(&segment)))
            .query(name.clone(), value.clone())
            .query("fixed", "1");
        match sent_url(&rt, op) {
            Err(Error::InvalidRequest(_)) => {
                prop_assert!(matches!(segment.as_str(), "" | "." | ".."), "{segment:?} rejected");
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
            Ok(url) => {
                prop_assert!(!matches!(segment.as_str(), "" | "." | ".."));
                prop_assert_eq!(url.host_str(), Some("api.test"));
                let segments: Vec<_> = url.path_segments().unwrap().collect();
                prop_assert_eq!(segments.len(), 5, "{}", url);
                prop_assert_eq!(&segments[..2], &["v1", "apps"]);
                prop_assert_eq!(&segments[3..], &["items", ""]);
                let decoded = percent_encoding::percent_decode_str(segments[2]).decode_utf8().unwrap();
                prop_assert_eq!(decoded, segment.as_str());
                let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                prop_assert_eq!(pairs, vec![(name, value), ("fixed".to_owned(), "1".to_owned())]);
                prop_assert!(url.fragment().is_none());
            }
        }
    }
}

fn header_with(value: &[u8]) -> Option<http::HeaderMap> {
    let value = http::HeaderValue::from_bytes(value).ok()?;
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::RETRY_AFTER, value);
    Some(headers)
}

/// 2024-05-08T00:00:00Z.
fn now() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_715_126_400)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Any header value parses to a hint or to nothing, never a panic.
    #[test]
    fn retry_after_never_panics(value in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Some(headers) = header_with(&value) {
            let _ = fintra_core::retry::parse_retry_after(&headers, now());
        }
    }

    /// Delta-seconds round-trip exactly, for every u64.
    #[test]
    fn retry_after_seconds_round_trip(secs in any::<u64>()) {
        let headers = header_with(secs.to_string().as_bytes()).unwrap();
        prop_assert_eq!(
            fintra_core::retry::parse_retry_after(&headers, now()),
            Some(std::time::Duration::from_secs(secs))
        );
    }

    /// An HTTP-date round-trips to the wait until it (zero once it is past).
    #[test]
    fn retry_after_dates_round_trip(offset in -10_000_000i64..10_000_000i64) {
        let at = if offset >= 0 {
            now() + std::time::Duration::from_secs(offset as u64)
        } else {
            now() - std::time::Duration::from_secs(offset.unsigned_abs())
        };
        let headers = header_with(httpdate::fmt_http_date(at).as_bytes()).unwrap();
        let expected = std::time::Duration::from_secs(offset.max(0) as u64);
        prop_assert_eq!(fintra_core::retry::parse_retry_after(&headers, now()), Some(expected));
    }

    /// Error-body parsing and success decoding never panic on arbitrary bytes.
    #[test]
    fn body_parsers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        use fintra_core::ErrorParser;
        let headers = http::HeaderMap::new();
        let _ = fintra_core::JsonErrorParser.parse(http::StatusCode::BAD_REQUEST, &headers, &body);
        let api = fintra_core::ApiError::new("Op", http::StatusCode::BAD_REQUEST, body.clone());
        let _ = api.detail::<serde_json::Value>();
        let _ = format!("{api} {api:?}");
        let rt = runtime();
        let mock = Arc::new(MockTransport::new());
        mock.push_response(
            http::Response::builder()
                .status(200)
                .body(bytes::Bytes::from(body))
                .unwrap(),
        );
        let client = Client::builder()
            .base_url("https://api.test")
            .transport(mock)
            .build()
            .unwrap();
        let result = rt.block_on(
            client.send_json::<std::collections::BTreeMap<String, u32>>(
                Operation::get("Op", "/op"),
                &RequestOptions::new(),
            ),
        );
        if let Err(e) = &result {
            prop_assert!(matches!(e, Error::Decode(_)), "{e:?}");
            let _ = format!("{e} {e:?}");
        }
    }
}
