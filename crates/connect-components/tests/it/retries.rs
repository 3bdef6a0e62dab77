//! GET/DELETE are retried on 5xx (unless `Recoverable: false`); POSTs never once sent.

use httpmock::MockServer;

use crate::support::*;

const RECOVERABLE: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"5000","Description":"Try again","Recoverable":true}]}}"#;
const NOT_RECOVERABLE: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"5001","Description":"Broken","Recoverable":false}]}}"#;

#[tokio::test]
async fn retry_matrix() {
    for &(operation, _, _) in OPERATIONS {
        let (method, _) = route(operation);
        for (status, body) in [(503, ""), (500, RECOVERABLE), (502, NOT_RECOVERABLE)] {
            let server = MockServer::start_async().await;
            token_mock(&server, TOKEN).await;
            let s = setup(&server);
            let (_, path) = route(operation);
            let mock = server
                .mock_async(move |when, then| {
                    when.method(method).path(path);
                    then.status(status).body(body);
                })
                .await;
            let err = call(&s.components, operation).await.unwrap_err();
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
            let expected = match (method, body) {
                ("POST", _) => 1,
                (_, NOT_RECOVERABLE) => 1,
                _ => 3,
            };
            mock.assert_calls_async(expected).await;
            if expected == 3 {
                assert_eq!(s.time.sleeps().len(), 2, "{operation} {status}");
            }
        }
    }
}
