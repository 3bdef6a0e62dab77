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
