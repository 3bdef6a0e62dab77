//! Every documented failure status of every operation decodes into `SnapTradeError`.

use fintra_core::secret::SecretString;
use fintra_core::{Error, RequestOptions, RetryPolicy};
use fintra_snaptrade::{RegisterUserRequest, SnapTradeClient, SnapTradeError};
use http::StatusCode;
use httpmock::prelude::*;

use crate::{USER_SECRET, client, signature_is_valid};

#[derive(Debug, Clone, Copy)]
enum Op {
    Register,
    Login,
    List,
    Delete,
    Jwt,
    Reset,
}

const OPS: [Op; 6] = [
    Op::Register,
    Op::Login,
    Op::List,
    Op::Delete,
    Op::Jwt,
    Op::Reset,
];

impl Op {
    fn route(self) -> (&'static str, &'static str) {
        match self {
            Op::Register => ("POST", "/api/v1/snapTrade/registerUser"),
            Op::Login => ("POST", "/api/v1/snapTrade/login"),
            Op::List => ("GET", "/api/v1/snapTrade/listUsers"),
            Op::Delete => ("DELETE", "/api/v1/snapTrade/deleteUser"),
            Op::Jwt => ("GET", "/api/v1/snapTrade/encryptedJWT"),
            Op::Reset => ("POST", "/api/v1/snapTrade/resetUserSecret"),
        }
    }

    /// The statuses the old spec documents for the operation.
    fn documented(self) -> &'static [u16] {
        match self {
            Op::Register | Op::List => &[400, 404, 500],
            Op::Login | Op::Delete | Op::Jwt => &[400, 403, 404, 500],
            // The current spec: 400, 401 (wrong clientId, userId or userSecret), 500.
            Op::Reset => &[400, 401, 500],
        }
    }

    async fn call(self, client: &SnapTradeClient) -> Result<(), Error> {
        let opts = Some(RequestOptions::new().retry(RetryPolicy::none()));
        let secret = SecretString::from(USER_SECRET);
        match self {
            Op::Register => client
                .register_user(&RegisterUserRequest::new("u1"), opts)
                .await
                .map(drop),
            Op::Login => client.login("u1", &secret, None, opts).await.map(drop),
            Op::List => client.list_users(opts).await.map(drop),
            Op::Delete => client.delete_user("u1", opts).await.map(drop),
            Op::Jwt => client.encrypted_jwt("u1", &secret, opts).await.map(drop),
            Op::Reset => client
                .reset_user_secret("u1", &secret, opts)
                .await
                .map(drop),
        }
    }
}

/// The spec's failure bodies: (status, body, code, detail).
fn body_for(status: u16) -> (&'static str, &'static str, &'static str) {
    match status {
        400 => (
            r#"{"default_detail":"Unable to verify data sent","default_code":1076}"#,
            "1076",
            "Unable to verify data sent",
        ),
        401 => (
            r#"{"default_detail":"Unable to verify signature sent","default_code":1076}"#,
            "1076",
            "Unable to verify signature sent",
        ),
        403 => (
            r#"{"default_detail":"User does not have permission to access this resource","default_code":1066}"#,
            "1066",
            "User does not have permission to access this resource",
        ),
        404 => (
            r#"{"default_detail":"The requested resource does not exist.","default_code":1011}"#,
            "1011",
            "The requested resource does not exist.",
        ),
        429 => (
            r#"{"detail":"Connection refreshed too recently. Please try again later.","status_code":429,"code":"throttled"}"#,
            "throttled",
            "Connection refreshed too recently. Please try again later.",
        ),
        _ => (
            r#"{"detail":"Unexpected error","status_code":500,"code":1000}"#,
            "1000",
            "Unexpected error",
        ),
    }
}

#[tokio::test]
async fn documented_failures_of_every_operation() {
    let server = MockServer::start_async().await;
    let (client, _) = client(&server);
    for op in OPS {
        let (method, path) = op.route();
        // Plus 401 (newer spec, any signed request) and 429 (rate limits, any signed request).
        for &status in op.documented().iter().chain(&[401, 429]) {
            let (body, code, detail) = body_for(status);
            let mock = server
                .mock_async(|when, then| {
                    when.method(method).path(path).is_true(signature_is_valid);
                    then.status(status).body(body);
                })
                .await;
            let err = op.call(&client).await.unwrap_err();
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{op:?}");
            assert_eq!(err.code(), Some(code), "{op:?} {status}");
            // A rejected signature also names its likely cause.
            let message = err.as_api().unwrap().message().unwrap();
            assert!(message.starts_with(detail), "{message}");
            assert_eq!(status == 401, message.contains("likely cause"), "{message}");
            let st = err.provider::<SnapTradeError>().unwrap();
            assert_eq!(st.status, StatusCode::from_u16(status).unwrap());
            assert_eq!(st.code.as_deref(), Some(code));
            assert_eq!(st.detail.as_deref(), Some(detail));
            assert_eq!(st.body.as_ref(), body.as_bytes());
            mock.assert_calls_async(1).await;
            mock.delete_async().await;
        }
    }
}

#[tokio::test]
async fn an_unparseable_failure_keeps_the_raw_body() {
    let server = MockServer::start_async().await;
    let (client, _) = client(&server);
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/snapTrade/listUsers");
            then.status(502).body("<html>Bad Gateway</html>");
        })
        .await;
    let err = Op::List.call(&client).await.unwrap_err();
    let st = err.provider::<SnapTradeError>().unwrap();
    assert_eq!(st.status, StatusCode::BAD_GATEWAY);
    assert_eq!((st.code, st.detail), (None, None));
    assert_eq!(st.body.as_ref(), b"<html>Bad Gateway</html>");
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_is_a_decode_error_without_secrets() {
    let server = MockServer::start_async().await;
    let (client, _) = client(&server);
    server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/snapTrade/registerUser");
            then.status(200)
                .body(r#"{"userId":"u1","userSecret":12345678901}"#);
        })
        .await;
    let err = client
        .register_user(&RegisterUserRequest::new("u1"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("12345678901"), "{text}");
}
