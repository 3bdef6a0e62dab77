//! Every documented error status of every operation, decoded from the (cleaned) spec
//! examples; the raw YAML-artifact rendering and a `text/plain` 401 too.

use fintra_connect_components::GoldStandardErrorMessage;
use fintra_core::Error;
use fintra_finicity::FinicityErrorBody;
use httpmock::MockServer;

use crate::fixtures::*;
use crate::support::*;

/// (operation, status, body, code, description) for every documented error response.
/// Each GoldStandardExpiredToken 401 is replayed once with a fresh token, hence 2 calls.
const DOCUMENTED: &[(&str, u16, &str, &str)] = &[
    ("post-configurations", 400, INVALID_FIELD, "10010"),
    ("post-configurations", 401, EXPIRED_TOKEN, "10023"),
    ("post-configurations", 401, MISSING_APP_KEY, "10026"),
    ("get-configurations", 401, EXPIRED_TOKEN, "10023"),
    ("get-configurations", 401, MISSING_APP_KEY, "10026"),
    (
        "get-configurations-configurationId",
        401,
        EXPIRED_TOKEN,
        "10023",
    ),
    (
        "get-configurations-configurationId",
        401,
        MISSING_APP_KEY,
        "10026",
    ),
    ("get-configurations-configurationId", 404, NOT_FOUND, "4041"),
    // The spec points the DELETE 401 at the BadRequest response (10010 example).
    (
        "delete-configurations-configurationId",
        401,
        INVALID_FIELD,
        "10010",
    ),
    (
        "delete-configurations-configurationId",
        404,
        NOT_FOUND,
        "4041",
    ),
    (
        "post-institutions-institutionId-login-forms",
        400,
        INVALID_FIELD,
        "10010",
    ),
    (
        "post-institutions-institutionId-login-forms",
        401,
        EXPIRED_TOKEN,
        "10023",
    ),
    (
        "post-institutions-institutionId-login-forms",
        401,
        MISSING_APP_KEY,
        "10026",
    ),
    (
        "post-institutions-institutionId-login-forms",
        404,
        NOT_FOUND,
        "4041",
    ),
    (
        "post-institutions-institutionId-oauth-urls",
        400,
        INVALID_FIELD,
        "10010",
    ),
    (
        "post-institutions-institutionId-oauth-urls",
        401,
        EXPIRED_TOKEN,
        "10023",
    ),
    (
        "post-institutions-institutionId-oauth-urls",
        401,
        MISSING_APP_KEY,
        "10026",
    ),
    (
        "post-institutions-institutionId-oauth-urls",
        404,
        NOT_FOUND,
        "4041",
    ),
    ("post-reconnections", 400, INVALID_FIELD, "10010"),
    ("post-reconnections", 401, EXPIRED_TOKEN, "10023"),
    ("post-reconnections", 401, MISSING_APP_KEY, "10026"),
];

/// The Rust method of each spec operation.
fn rust_method(operation: &str) -> &'static str {
    match operation {
        "post-configurations" => "create_configuration",
        "get-configurations" => "list_configurations",
        "get-configurations-configurationId" => "get_configuration",
        "delete-configurations-configurationId" => "delete_configuration",
        "post-institutions-institutionId-login-forms" => "create_login_form",
        "post-institutions-institutionId-oauth-urls" => "create_oauth_url",
        "post-reconnections" => "initiate_reconnection",
        other => panic!("unknown operation {other}"),
    }
}

#[tokio::test]
async fn every_documented_error_is_decoded() {
    for &(operation, status, body, code) in DOCUMENTED {
        let server = MockServer::start_async().await;
        let tokens = token_mock(&server, TOKEN).await;
        let s = setup(&server);
        let (method, path) = route(operation);
        let owned = body.to_owned();
        let mock = server
            .mock_async(move |when, then| {
                when.method(method).path(path);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(owned);
            })
            .await;
        let err = call(&s.components, operation).await.unwrap_err();
        let ctx = format!("{operation} {status} {code}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{ctx}");
        assert_eq!(err.code(), Some(code), "{ctx}");
        let api = err.as_api().unwrap_or_else(|| panic!("{ctx}: {err:?}"));
        assert_eq!(api.operation(), operation);
        let method = format!("ConnectComponentsClient::{}", rust_method(operation));
        assert_eq!(api.rust_method(), Some(method.as_str()), "{ctx}");
        assert!(
            err.to_string()
                .starts_with(&format!("{method} ({operation}) failed with HTTP {status}")),
            "{ctx}: {err}"
        );
        let detail: GoldStandardErrorMessage = api.detail().unwrap();
        let first = detail.first().unwrap();
        assert_eq!(api.message(), first.description.as_deref(), "{ctx}");
        assert_eq!(first.source.as_deref(), Some("Connect-Components"));
        assert_eq!(
            err.provider::<FinicityErrorBody>()
                .and_then(|b| b.recoverable()),
            Some(false),
            "{ctx}"
        );
        assert!(!detail.is_recoverable());
        let replayed = code == "10023";
        mock.assert_calls_async(if replayed { 2 } else { 1 }).await;
        tokens
            .assert_calls_async(if replayed { 2 } else { 1 })
            .await;
    }
}

#[tokio::test]
async fn raw_yaml_artifact_example_is_tolerated() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/connect-components/configurations");
            then.status(401).body(EXPIRED_TOKEN_RAW);
        })
        .await;
    let err = s.components.list_configurations(None).await.unwrap_err();
    assert_eq!(err.code(), Some("10023"));
    assert_eq!(
        err.provider::<FinicityErrorBody>()
            .and_then(|b| b.recoverable()),
        Some(false)
    );
    let api = err.as_api().unwrap();
    assert_eq!(api.message(), Some("Expired (Finicity-App-Token)"));
    // Recognised as an expired token: refreshed and replayed once.
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn text_plain_401_is_decoded() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = server
        .mock_async(|when, then| {
            when.method("GET")
                .path("/connect-components/configurations");
            then.status(401)
                .header("content-type", "text/plain; charset=utf-8")
                .body("Invalid (Finicity-App-Key)");
        })
        .await;
    let err = s.components.list_configurations(None).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.status().as_u16(), 401);
    assert_eq!(api.code(), None);
    assert_eq!(api.message(), Some("Invalid (Finicity-App-Key)"));
    assert!(err.provider::<FinicityErrorBody>().is_none());
    mock.assert_calls_async(1).await;
}
