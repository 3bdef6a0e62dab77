//! Secrets never show up in Debug output or errors.

use std::sync::Arc;

use fintra_core::secret::ExposeSecret;
use fintra_core::test_util::VirtualTime;
use httpmock::MockServer;

use crate::support::*;

const TOKEN: &str = "tok-SECRET-7731";

fn assert_clean(text: &str) {
    for secret in [SECRET, APP_KEY, TOKEN] {
        assert!(!text.contains(secret), "{secret} leaked in: {text}");
    }
}

#[tokio::test]
async fn debug_of_credentials_client_provider_and_tokens_is_redacted() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    token_mock(&server, TOKEN).await;
    let finicity = client(&server, &time);

    let creds = credentials();
    assert_clean(&format!("{creds:?}"));
    assert!(format!("{creds:?}").contains("[REDACTED]"));

    let cached = finicity.access_token().await.unwrap();
    assert_eq!(cached.secret().expose_secret(), TOKEN);
    assert_clean(&format!("{cached:?}"));
    let fresh = finicity.create_token(None).await.unwrap();
    assert_eq!(fresh.token.expose_secret(), TOKEN);
    assert_clean(&format!("{fresh:?}"));

    assert_clean(&format!("{finicity:?}"));
    assert_clean(&format!("{:?}", finicity.auth()));
    assert_clean(&format!("{:?}", finicity.api_client()));
    assert_clean(&format!("{:?}", finicity.app_key_signer()));
    assert_clean(&format!("{:?}", finicity.token_signer()));
    assert!(format!("{finicity:?}").contains(PARTNER_ID));
}

#[tokio::test]
async fn errors_do_not_leak_credentials() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    // A hostile server echoing nothing secret; the request carried the secret and key.
    auth_error_mock(
        &server,
        401,
        r#"{"code":"10001","message":"Invalid credentials"}"#,
    )
    .await;
    let finicity = client(&server, &time);
    for _ in 0..4 {
        let err = finicity.access_token().await.unwrap_err();
        assert_clean(&format!("{err} {err:?}"));
    }
    // A success body that does not decode must not quote the token either.
    let server = MockServer::start_async().await;
    auth_error_mock(&server, 200, &format!(r#"{{"token": ["{TOKEN}"]}}"#)).await;
    let err = client(&server, &time).create_token(None).await.unwrap_err();
    assert_clean(&format!("{err} {err:?}"));
}
