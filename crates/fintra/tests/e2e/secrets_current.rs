//! No secret of the current operations shows in logs, `Debug` output or errors: rotated
//! SnapTrade user secrets, stream-portal, poller and one-time tokens, webhook secrets.

use fintra::app_portal::webhook::Webhook;
use fintra::app_portal::{
    OneTimeTokenIn, RotatePollerTokenIn, StreamPortalAccessIn, StreamTokenExpireIn,
};
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::snaptrade::webhook::WebhookVerifier;
use fintra::snaptrade::{RegisterUserRequest, SnapTradeClient};
use fintra_sandbox::{Fault, FaultKind, Provider};
use http::HeaderMap;

use crate::secrets::Printed;
use crate::support::{app_portal_with, capture_logs, config, sandbox, snaptrade_credentials, time};
use crate::svix_current::link_key;

const STREAM: &str = "strm_2yZwUhtgs5Ai8T9yRQJXA";

#[tokio::test]
async fn no_secret_of_the_current_operations_shows_in_logs_debug_output_or_errors() {
    let (logs, _guard, _second) = capture_logs();
    let sandbox = sandbox().await;
    let creds = sandbox.credentials();
    let time = time();
    let mut printed = Printed::default();
    let webhook_secret = creds.svix_webhook_secret;
    let mut secrets: Vec<String> = vec![
        creds.app_portal_token.to_owned(),
        creds.snaptrade_consumer_key.to_owned(),
        webhook_secret.to_owned(),
        webhook_secret.trim_start_matches("whsec_").to_owned(),
        "fintra-sandbox-webhook-key".to_owned(),
    ];

    // ---- SnapTrade resetUserSecret: lost connection, 503, success, retired secret.
    let snaptrade = SnapTradeClient::with_config(
        snaptrade_credentials(&sandbox, creds.snaptrade_consumer_key),
        config(sandbox.snaptrade_root_url(), &time),
    )
    .unwrap();
    let user = snaptrade
        .register_user(&RegisterUserRequest::new("rotating-secret-user"), None)
        .await
        .unwrap();
    secrets.push(user.user_secret.expose_secret().to_owned());
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(503)));
    for _ in 0..2 {
        let err = snaptrade
            .reset_user_secret(&user.user_id, &user.user_secret, None)
            .await
            .unwrap_err();
        printed.error(&err);
    }
    let rotated = snaptrade
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    secrets.push(rotated.user_secret.expose_secret().to_owned());
    printed.debug(&rotated);
    let err = snaptrade
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    printed.error(&err);

    // ---- Svix: stream tokens, poller tokens (a retried rotation), one-time tokens.
    let org = app_portal_with(
        SecretString::from(creds.app_portal_token),
        config(sandbox.app_portal_url(), &time),
    );
    printed.debug(&org.whoami(None).await.unwrap());
    let stream = org
        .stream_portal_access(STREAM, &StreamPortalAccessIn::new(), None)
        .await
        .unwrap();
    secrets.push(stream.token.expose_secret().to_owned());
    secrets.push(stream.url.expose_secret().to_owned());
    printed.debug(&stream);
    let one_time = link_key(&stream.url)["oneTimeToken"]
        .as_str()
        .unwrap()
        .to_owned();
    secrets.push(one_time.clone());
    let stream_client = app_portal_with(
        stream.token.clone(),
        config(sandbox.app_portal_url(), &time),
    );
    printed.debug(&stream_client);
    printed.debug(&stream_client.whoami(None).await.unwrap());
    let body = OneTimeTokenIn::new(SecretString::from(one_time));
    printed.debug(&body);
    printed.debug(&org.exchange_one_time_token(&body, None).await.unwrap());
    let err = org.exchange_one_time_token(&body, None).await.unwrap_err();
    printed.error(&err);
    org.stream_expire_all(STREAM, &StreamTokenExpireIn::new(), None)
        .await
        .unwrap();
    let err = stream_client.stream_logout(None).await.unwrap_err();
    printed.error(&err);

    let first = org
        .get_stream_poller_token(STREAM, "sink_1", None)
        .await
        .unwrap();
    secrets.push(first.token.expose_secret().to_owned());
    printed.debug(&first);
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::Status(503)));
    let second = org
        .rotate_stream_poller_token(STREAM, "sink_1", &RotatePollerTokenIn::new(), None)
        .await
        .unwrap();
    secrets.push(second.token.expose_secret().to_owned());
    printed.debug(&second);
    let poller = app_portal_with(
        second.token.clone(),
        config(sandbox.app_portal_url(), &time),
    );
    let err = poller
        .stream_portal_access(STREAM, &StreamPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    printed.error(&err);

    // ---- Webhook verifiers and their errors.
    let svix = Webhook::new(webhook_secret).unwrap();
    printed.debug(&svix);
    let mut headers = HeaderMap::new();
    headers.insert("svix-id", "msg_1".parse().unwrap());
    headers.insert("svix-timestamp", "1".parse().unwrap());
    let signature = svix.sign("msg_1", 1, b"{}").unwrap();
    headers.insert("svix-signature", signature.parse().unwrap());
    printed.error(&svix.verify(b"{}", &headers).unwrap_err());
    printed.error(&svix.verify(b"{\"x\":1}", &headers).unwrap_err());
    let verifier = WebhookVerifier::new(&SecretString::from(creds.snaptrade_consumer_key));
    printed.debug(&verifier);
    let mut headers = HeaderMap::new();
    headers.insert("Signature", "AAAA".parse().unwrap());
    let body = br#"{"eventType":"USER_REGISTERED","eventTimestamp":"2020-01-01T00:00:00+00:00"}"#;
    printed.error(&verifier.verify(body, &headers).unwrap_err());

    // ---- Nothing leaked, and the capture did see the traffic.
    let logs = logs.text();
    for operation in [
        "Authentication_resetSnapTradeUserSecret",
        "v1.authentication.rotate-stream-poller-token",
        "v1.authentication.exchange-one-time-token",
    ] {
        assert!(logs.contains(operation), "{operation} not logged:\n{logs}");
    }
    assert!(logs.contains("retrying"), "{logs}");
    printed.assert_none_of(&secrets, &logs);
}
