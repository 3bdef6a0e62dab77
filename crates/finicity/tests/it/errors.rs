//! Every documented error of the Authentication API, decoded; the classifier and parser.

use std::sync::Arc;

use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error, Operation, RequestOptions};
use fintra_finicity::error::{FinicityErrorBody, GoldStandardErrorMessage};
use httpmock::MockServer;

use crate::support::*;

/// (status, body, code, message, from) — spec `components.examples` and Postman saved bodies.
const CREATE_TOKEN_ERRORS: &[(u16, &str, &str, &str)] = &[
    (
        400,
        r#"{"code":"10005","message":"Missing parameter (partnerId)"}"#,
        "10005",
        "Missing parameter (partnerId)",
    ),
    (
        400,
        r#"{"code":"14020","message":"Bad request."}"#,
        "14020",
        "Bad request.",
    ),
    (
        400,
        r#"{"code": "10010", "status": "400", "message": "\"partnerId\" is required", "user_message": "One or more of the fields could not be validated. Please ensure you have entered the correct data.", "tags": ""}"#,
        "10010",
        "\"partnerId\" is required",
    ),
    (
        401,
        r#"{"code":"10026","message":"Missing parameter (Finicity-App-Key)"}"#,
        "10026",
        "Missing parameter (Finicity-App-Key)",
    ),
    (
        401,
        r#"{"code": 10026, "message": "Missing parameter (Finicity-App-Key)"}"#,
        "10026",
        "Missing parameter (Finicity-App-Key)",
    ),
    (
        401,
        r#"{"code":"10001","message":"Invalid credentials"}"#,
        "10001",
        "Invalid credentials",
    ),
    (
        401,
        r#"{"code":"10021","message":"You are not authorized."}"#,
        "10021",
        "You are not authorized.",
    ),
    // The 404 example is shape A with a numeric code although the schema is ErrorWrapper.
    (
        404,
        r#"{"code":12401,"message":"partner not found"}"#,
        "12401",
        "partner not found",
    ),
    (
        404,
        r#"{"Errors":{"Error":[{"Source":"Partner Service","ReasonCode":"12401","Description":"partner not found","Recoverable":false,"Details":null}]}}"#,
        "12401",
        "partner not found",
    ),
];

#[tokio::test]
async fn create_token_errors_decoded_and_never_retried() {
    for &(status, body, code, message) in CREATE_TOKEN_ERRORS {
        let server = MockServer::start_async().await;
        let time = Arc::new(VirtualTime::default());
        let mock = auth_error_mock(&server, status, body).await;
        let err = client(&server, &time).create_token(None).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{body}");
        assert_eq!(err.code(), Some(code), "{body}");
        // Every answer with a Finicity code is a counted credential rejection, cause kept.
        assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected, "{body}");
        let advice = match code {
            "10001" => "FINICITY_PARTNER_SECRET",
            "12401" => "FINICITY_PARTNER_ID",
            "10026" => "FINICITY_APP_KEY",
            "10021" => "not authorized",
            _ => "malformed",
        };
        assert!(err.to_string().contains(advice), "{err}");
        assert!(err.to_string().contains("1 of 3"), "{err}");
        let api = err.source_error().and_then(Error::as_api).unwrap();
        assert_eq!(api.message(), Some(message), "{body}");
        assert_eq!(api.operation(), "CreateToken");
        assert_eq!(
            err.provider::<FinicityErrorBody>().unwrap().code(),
            Some(code)
        );
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn user_message_and_extra_fields_are_kept() {
    let body = FinicityErrorBody::parse(CREATE_TOKEN_ERRORS[2].1.as_bytes()).unwrap();
    let FinicityErrorBody::Message(m) = body else {
        panic!("shape A expected")
    };
    assert_eq!(m.status.as_deref(), Some("400"));
    assert_eq!(
        m.user_message.as_deref(),
        Some(
            "One or more of the fields could not be validated. Please ensure you have entered the correct data."
        )
    );
    assert_eq!(m.tags.as_deref(), Some(""));
}

const MODIFY_ERRORS: &[(u16, &str, &str)] = &[
    (
        400,
        r#"{"code":"10005","message":"Missing parameter (partnerId)"}"#,
        "10005",
    ),
    (
        400,
        r#"{"code":"24437","message":"New password is not as per policy"}"#,
        "24437",
    ),
    (
        400,
        r#"{"code": 24437, "message": "New password is not as per policy"}"#,
        "24437",
    ),
    (400, r#"{"code":"14020","message":"Bad request."}"#, "14020"),
    (
        401,
        r#"{"code": 10026, "message": "Missing parameter (Finicity-App-Key)"}"#,
        "10026",
    ),
    (
        401,
        r#"{"code":"10001","message":"Invalid credentials"}"#,
        "10001",
    ),
    (
        401,
        r#"{"code":"10021","message":"You are not authorized."}"#,
        "10021",
    ),
];

#[tokio::test]
async fn modify_partner_secret_errors_decoded() {
    for &(status, body, code) in MODIFY_ERRORS {
        let server = MockServer::start_async().await;
        let time = Arc::new(VirtualTime::default());
        let body_owned = body.to_owned();
        let mock = server
            .mock_async(move |when, then| {
                when.method("PUT").path(AUTH_PATH);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body_owned);
            })
            .await;
        let err = client(&server, &time)
            .modify_partner_secret("OrU7tjiA3tIspCgb85xV".into(), Some(true), None)
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{body}");
        assert_eq!(err.code(), Some(code), "{body}");
        assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected, "{body}");
        if code == "24437" {
            assert!(err.to_string().contains("not as per its policy"), "{err}");
        }
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn text_plain_401_is_decoded_as_message() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let mock = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(401)
                .header("content-type", "text/plain")
                .body("Invalid (Finicity-App-Key)");
        })
        .await;
    let err = client(&server, &time).create_token(None).await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::CredentialsRejected);
    let api = err.source_error().and_then(Error::as_api).unwrap();
    assert_eq!(api.message(), Some("Invalid (Finicity-App-Key)"));
    assert_eq!(api.code(), None);
    assert_eq!(api.body().as_ref(), b"Invalid (Finicity-App-Key)");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn api_client_retries_5xx_gets_unless_not_recoverable_or_locked() {
    for (body, hits) in [
        (
            r#"{"Errors":{"Error":[{"ReasonCode":"500","Recoverable":true}]}}"#,
            3,
        ),
        (
            r#"{"Errors":{"Error":[{"ReasonCode":"500","Recoverable":false}]}}"#,
            1,
        ),
        (
            r#"{"Errors":{"Error":[{"ReasonCode":"500","Recoverable":"false,"}]}}"#,
            1,
        ),
        (r#"{"code":"24302","message":"Bad credentials"}"#, 1),
        ("<html>bad gateway</html>", 3),
    ] {
        let server = MockServer::start_async().await;
        let time = Arc::new(VirtualTime::default());
        token_mock(&server, "tok").await;
        let owned = body.to_owned();
        let mock = server
            .mock_async(move |when, then| {
                when.method("GET").path(PROBE_PATH);
                then.status(500).body(owned);
            })
            .await;
        let err = client(&server, &time)
            .api_client()
            .execute(Operation::get("Probe", PROBE_PATH), &RequestOptions::new())
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
        mock.assert_calls_async(hits).await;
    }
}

#[test]
fn gold_standard_examples_decode_cleaned_and_raw() {
    // Cleaned-up GoldStandardExpiredToken, then the raw YAML-artifact rendering.
    let clean = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10023","Description":"Expired (Finicity-App-Token)","Recoverable":false,"Details":"Expired (Finicity-App-Token)"}]}}"#;
    let raw = r#"{"Errors":{"Error":[{"Source":"Connect-Components,","ReasonCode":"10023,","Description":"Expired (Finicity-App-Token),","Recoverable":"false,","Details":"Expired (Finicity-App-Token)"}]}}"#;
    for body in [clean, raw] {
        let parsed: GoldStandardErrorMessage = serde_json::from_str(body).unwrap();
        let first = parsed.first().unwrap();
        assert_eq!(first.code(), Some("10023"));
        assert_eq!(first.message(), Some("Expired (Finicity-App-Token)"));
        assert_eq!(first.recoverable, Some(false));
        assert!(!parsed.is_recoverable());
    }
}
