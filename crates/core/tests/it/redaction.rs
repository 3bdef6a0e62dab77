//! No credential ever shows in Debug, Display, errors or logs.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::auth::{
    CachedTokenProvider, HeaderSigner, TokenFetcher, TokenLifetime, TokenProvider, TokenSigner,
};
use fintra_core::secret::SecretString;
use fintra_core::test_util::{MockTransport, VirtualTime};
use fintra_core::{BoxFuture, Client, Error, Operation, RequestOptions};

use crate::support::CapturedLogs;

const SECRET: &str = "sup3r-s3cret-value";

#[derive(Debug)]
struct Fixed;

impl TokenFetcher for Fixed {
    fn fetch(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(std::future::ready(Ok(SecretString::from(SECRET))))
    }
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the secret: {text}");
}

#[tokio::test]
async fn credential_types_never_print_their_secret() {
    let secret = SecretString::from(SECRET);
    assert_clean("SecretString", &format!("{secret:?}"));

    let header = HeaderSigner::new(http::HeaderName::from_static("x-key"), &secret).unwrap();
    assert_clean("HeaderSigner", &format!("{header:?}"));
    let bearer = HeaderSigner::bearer(secret.clone()).unwrap();
    assert_clean("bearer HeaderSigner", &format!("{bearer:?}"));

    let time = Arc::new(VirtualTime::default());
    let provider = Arc::new(CachedTokenProvider::new(
        Fixed,
        TokenLifetime {
            refresh_after: Duration::from_secs(60),
            expires_after: Duration::from_secs(120),
        },
        time,
    ));
    let token = provider.token().await.unwrap();
    assert_clean("AccessToken", &format!("{token:?}"));
    assert_clean("CachedTokenProvider", &format!("{provider:?}"));
    let signer = TokenSigner::new(
        provider,
        http::HeaderName::from_static("x-token"),
        "",
        |_| false,
    );
    assert_clean("TokenSigner", &format!("{signer:?}"));

    let op = Operation::get("Login", "/login").secret_query("userSecret", &secret);
    assert_clean("Operation", &format!("{op:?}"));

    let client = Client::builder()
        .base_url("https://api.test")
        .signer(Arc::new(header))
        .signer(Arc::new(signer))
        .build()
        .unwrap();
    assert_clean("Client", &format!("{client:?}"));
}

#[tokio::test]
async fn secrets_never_reach_logs_or_errors() {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    // Keeps callsites first hit by other test threads from being cached as uninteresting
    // (see `CapturedLogs`).
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, r#"{"code":"unavailable"}"#)
        .push_json(401, r#"{"code":"denied","message":"no"}"#);
    let time = Arc::new(VirtualTime::default());
    let client = Client::builder()
        .base_url("https://api.test")
        .transport(mock.clone())
        .clock(time.clone())
        .sleep(time.clone())
        .signer(Arc::new(
            HeaderSigner::bearer(SecretString::from(SECRET)).unwrap(),
        ))
        .build()
        .unwrap();

    let op =
        Operation::get("Login", "/login").secret_query("userSecret", &SecretString::from(SECRET));
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();

    // The secret did travel on the wire...
    let sent = mock.requests();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].uri().query().unwrap().contains(SECRET));
    // ...but nowhere else.
    assert_clean("error Display", &err.to_string());
    assert_clean("error Debug", &format!("{err:?}"));
    assert_clean("sent request Debug", &format!("{:?}", sent[0].headers()));
    let logged = logs.text();
    assert!(
        logged.contains("fintra.request"),
        "a span was recorded: {logged}"
    );
    assert!(
        logged.contains("retrying"),
        "the retry was logged: {logged}"
    );
    assert_clean("logs", &logged);
}

#[tokio::test]
async fn a_sensitive_operation_error_body_is_never_printed() {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    // A SnapTrade registerUser 409 that echoes the user secret.
    let body =
        format!(r#"{{"detail":"User already exist","userId":"u1","userSecret":"{SECRET}"}}"#);
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, &body).push_json(409, &body);
    let time = Arc::new(VirtualTime::default());
    let client = crate::support::builder("https://api.test", &time)
        .transport(mock.clone())
        .build()
        .unwrap();
    let op = Operation::post(
        "Authentication_registerSnapTradeUser",
        "/snapTrade/registerUser",
    )
    .with_idempotency(fintra_core::Idempotency::Safe)
    .sensitive();
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();

    let api = err.as_api().unwrap();
    assert!(api.is_sensitive());
    // The raw body stays available to the program, but nothing prints it.
    assert!(std::str::from_utf8(api.body()).unwrap().contains(SECRET));
    assert_clean("Error Debug", &format!("{err:?}"));
    assert_clean("Error Display", &format!("{err}"));
    assert_clean("ApiError Debug", &format!("{api:?}"));
    assert_clean("logs", &logs.text());
    assert!(format!("{api:?}").contains("[REDACTED]"));
    assert_eq!(mock.hits(), 2);

    // The same body of an ordinary operation is previewed.
    let plain = fintra_core::ApiError::new("Op", http::StatusCode::CONFLICT, body.clone());
    assert!(format!("{plain:?}").contains("User already exist"));
}

/// A sensitive operation whose failure message quotes what the request carried (a JSON body
/// string, a secret query value, a bearer token): every print of the error, retries and the
/// final log line show `[REDACTED]` in their place; `message()` is scrubbed, `body()` is not.
#[tokio::test]
async fn values_a_sensitive_request_carried_are_scrubbed_from_the_providers_message() {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    const BODY_SECRET: &str = "old-user-secret-42";
    const QUERY_SECRET: &str = "query-secret-77";
    let echo = format!(
        r#"{{"code":"bad","message":"rejected {BODY_SECRET} with {QUERY_SECRET} and Bearer {SECRET}"}}"#
    );
    let mock = Arc::new(MockTransport::new());
    mock.push_json(503, &echo).push_json(400, &echo);
    let time = Arc::new(VirtualTime::default());
    let client = crate::support::builder("https://api.test", &time)
        .transport(mock.clone())
        .signer(Arc::new(
            HeaderSigner::bearer(SecretString::from(SECRET)).unwrap(),
        ))
        .build()
        .unwrap();
    let op = Operation::post("ResetSecret", "/reset")
        .secret_query("sig", &SecretString::from(QUERY_SECRET))
        .json(&serde_json::json!({"userId": "u1", "userSecret": BODY_SECRET}))
        .unwrap()
        .with_idempotency(fintra_core::Idempotency::Safe)
        .sensitive();
    let err = client
        .execute(op, &RequestOptions::new())
        .await
        .unwrap_err();
    assert_eq!(mock.hits(), 2);

    let api = err.as_api().unwrap();
    assert_eq!(
        api.message(),
        Some("rejected [REDACTED] with [REDACTED] and [REDACTED]")
    );
    assert!(
        std::str::from_utf8(api.body())
            .unwrap()
            .contains(BODY_SECRET)
    );
    let logged = logs.text();
    assert!(logged.contains("retrying"), "{logged}");
    let shown = format!("{err} {err:?} {api:?} {} {logged}", err.report());
    for secret in [BODY_SECRET, QUERY_SECRET, SECRET] {
        assert!(!shown.contains(secret), "{secret} shows in {shown}");
    }
    assert!(err.to_string().contains("[REDACTED]"), "{err}");
}
