//! Webhooks: the sandbox signs and delivers Svix-style and SnapTrade-style webhooks (valid,
//! tampered, stale) to a loopback receiver started here, which verifies them with
//! `fintra_app_portal::webhook` and `fintra_snaptrade::webhook` and answers accordingly.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use fintra::app_portal::webhook::{Webhook, WebhookError as SvixError};
use fintra::core::secret::SecretString;
use fintra::core::test_util::VirtualTime;
use fintra::core::{ReqwestTransport, Transport};
use fintra::snaptrade::webhook::{
    WebhookError as SnapTradeError, WebhookEventType, WebhookVerifier,
};
use fintra_sandbox::Sandbox;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::sandbox;

/// One webhook as the receiver got it.
#[derive(Debug, Clone)]
struct Delivery {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

/// How the receiver answers a delivery (it verifies, as a real one would).
type Answer = dyn Fn(&Delivery) -> StatusCode + Send + Sync;

/// A loopback HTTP receiver that keeps every delivery.
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Delivery>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(answer: Arc<Answer>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let kept = received.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, answer) = (kept.clone(), answer.clone());
                let service = service_fn(move |req: Request<Incoming>| {
                    let (kept, answer) = (kept.clone(), answer.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let delivery = Delivery {
                            path: parts.uri.path().to_owned(),
                            headers: parts.headers,
                            body: body.collect().await.unwrap().to_bytes(),
                        };
                        let status = answer(&delivery);
                        kept.lock().unwrap().push(delivery);
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = status;
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Receiver {
            url,
            received,
            task,
        }
    }

    /// Asks the sandbox for one webhook of `style`/`variant` (with `extra` fields merged into
    /// the request) and returns the sandbox's answer and what the receiver got.
    async fn deliver(
        &self,
        sandbox: &Sandbox,
        style: &str,
        variant: &str,
        extra: Value,
    ) -> (Value, Delivery) {
        let before = self.received.lock().unwrap().len();
        let mut request = json!({ "url": self.url, "style": style, "variant": variant });
        if let (Value::Object(r), Value::Object(e)) = (&mut request, extra) {
            r.extend(e);
        }
        let answer = control_post(sandbox, "/_sandbox/webhooks", &request).await;
        let received = self.received.lock().unwrap();
        assert_eq!(received.len(), before + 1, "one delivery per request");
        let delivery = received[before].clone();
        assert_eq!(delivery.path, "/hooks");
        // The receiver got exactly what the sandbox says it sent.
        assert_eq!(
            answer["body"].as_str().unwrap().as_bytes(),
            &delivery.body[..]
        );
        for (name, value) in answer["headers"].as_object().unwrap() {
            assert_eq!(
                delivery.headers.get(name.as_str()).unwrap(),
                value.as_str().unwrap()
            );
        }
        (answer, delivery)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// POSTs `body` to a control endpoint of the sandbox and returns its JSON answer (200).
async fn control_post(sandbox: &Sandbox, path: &str, body: &Value) -> Value {
    let transport = ReqwestTransport::default_client().unwrap();
    let request = Request::post(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .body(Bytes::from(body.to_string()))
        .unwrap();
    let response = transport.send(request, 1 << 20).await.unwrap();
    let answer: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{answer}");
    answer
}

fn svix_status(result: &Result<Value, SvixError>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(SvixError::InvalidSignature) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

fn snaptrade_status<T>(result: &Result<T, SnapTradeError>) -> StatusCode {
    match result {
        Ok(_) => StatusCode::NO_CONTENT,
        Err(SnapTradeError::InvalidSignature) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// A verifier with the sandbox's consumer key and a receiver answering with its verdict.
async fn snaptrade_receiver(sandbox: &Sandbox) -> (WebhookVerifier, Receiver) {
    let verifier = WebhookVerifier::new(&SecretString::from(
        sandbox.credentials().snaptrade_consumer_key,
    ));
    let in_receiver = verifier.clone();
    let receiver = Receiver::start(Arc::new(move |d: &Delivery| {
        snaptrade_status(&in_receiver.verify(&d.body, &d.headers))
    }))
    .await;
    (verifier, receiver)
}

#[tokio::test]
async fn svix_webhooks_valid_pass_tampered_and_stale_fail() {
    let sandbox = sandbox().await;
    let verifier = Webhook::new(sandbox.credentials().svix_webhook_secret).unwrap();
    let in_receiver = verifier.clone();
    let receiver = Receiver::start(Arc::new(move |d: &Delivery| {
        svix_status(&in_receiver.verify(&d.body, &d.headers))
    }))
    .await;

    let (answer, valid) = receiver.deliver(&sandbox, "svix", "valid", json!({})).await;
    assert_eq!(answer["receiver_status"], 204);
    assert_eq!(answer["delivered_to"], receiver.url);
    let id = valid.headers["svix-id"].to_str().unwrap();
    assert!(id.starts_with("msg_"), "{id}");
    let event = verifier.verify(&valid.body, &valid.headers).unwrap();
    assert_eq!(event["type"], "invoice.paid");
    assert_eq!(event["data"]["id"], "invoice_WF7WtCLFFtd8ubcTgboSFNql");
    // Another endpoint's secret does not verify it.
    let other = Webhook::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(
        other.verify(&valid.body, &valid.headers),
        Err(SvixError::InvalidSignature)
    );

    let (answer, tampered) = receiver
        .deliver(&sandbox, "svix", "tampered", json!({}))
        .await;
    assert_eq!(answer["receiver_status"], 401);
    assert_eq!(
        verifier.verify(&tampered.body, &tampered.headers),
        Err(SvixError::InvalidSignature)
    );

    let (answer, stale) = receiver.deliver(&sandbox, "svix", "stale", json!({})).await;
    assert_eq!(answer["receiver_status"], 400);
    assert_eq!(
        verifier.verify(&stale.body, &stale.headers),
        Err(SvixError::TimestampTooOld)
    );
    // Only the age is wrong: with a clock ten minutes back, the signature checks out.
    let ten_minutes_ago = SystemTime::now() - Duration::from_secs(600);
    let back_then = verifier
        .clone()
        .with_clock(Arc::new(VirtualTime::starting_at(ten_minutes_ago)));
    back_then.verify(&stale.body, &stale.headers).unwrap();
    // The same delivery is readable under the unbranded `webhook-*` names too.
    let mut unbranded = HeaderMap::new();
    for (name, value) in &valid.headers {
        if let Some(rest) = name.as_str().strip_prefix("svix-") {
            let name = http::HeaderName::from_bytes(format!("webhook-{rest}").as_bytes());
            unbranded.insert(name.unwrap(), value.clone());
        }
    }
    verifier.verify(&valid.body, &unbranded).unwrap();
}

#[tokio::test]
async fn a_svix_webhook_with_its_own_secret_and_payload_is_verified() {
    let sandbox = sandbox().await;
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let verifier = Webhook::new(secret).unwrap();
    let in_receiver = verifier.clone();
    let receiver = Receiver::start(Arc::new(move |d: &Delivery| {
        svix_status(&in_receiver.verify(&d.body, &d.headers))
    }))
    .await;
    let payload = json!({ "type": "user.signup", "data": { "name": "Zoë", "n": 2.5 } });
    let (answer, delivery) = receiver
        .deliver(
            &sandbox,
            "svix",
            "valid",
            json!({ "secret": secret, "payload": payload }),
        )
        .await;
    assert_eq!(answer["receiver_status"], 204);
    assert_eq!(
        verifier.verify(&delivery.body, &delivery.headers).unwrap(),
        payload
    );
    // The sandbox's demo secret does not verify it.
    let demo = Webhook::new(sandbox.credentials().svix_webhook_secret).unwrap();
    assert_eq!(
        demo.verify(&delivery.body, &delivery.headers),
        Err(SvixError::InvalidSignature)
    );
}

#[tokio::test]
async fn snaptrade_webhooks_valid_pass_tampered_and_stale_fail() {
    let sandbox = sandbox().await;
    let key = SecretString::from(sandbox.credentials().snaptrade_consumer_key);
    let verifier = WebhookVerifier::new(&key);
    let in_receiver = verifier.clone();
    let receiver = Receiver::start(Arc::new(move |d: &Delivery| {
        snaptrade_status(&in_receiver.verify(&d.body, &d.headers))
    }))
    .await;

    let (answer, valid) = receiver
        .deliver(&sandbox, "snaptrade", "valid", json!({}))
        .await;
    assert_eq!(answer["receiver_status"], 204);
    assert!(valid.headers.contains_key("Signature"));
    let event = verifier.verify(&valid.body, &valid.headers).unwrap();
    assert_eq!(event.event_type, WebhookEventType::UserRegistered);
    assert_eq!(event.client_id.as_deref(), Some("PASSIVTEST"));
    assert_eq!(event.user_id.as_deref(), Some("snaptrade-user-123"));
    assert_eq!(event.webhook_id.as_ref().map(String::len), Some(36));
    assert!(event.event_timestamp.ends_with("+00:00"));
    // Signed with the consumer key: another key does not verify it.
    let other = WebhookVerifier::new(&SecretString::from("another-consumer-key"));
    assert_eq!(
        other.verify(&valid.body, &valid.headers),
        Err(SnapTradeError::InvalidSignature)
    );

    let (answer, tampered) = receiver
        .deliver(&sandbox, "snaptrade", "tampered", json!({}))
        .await;
    assert_eq!(answer["receiver_status"], 401);
    assert_eq!(
        verifier.verify(&tampered.body, &tampered.headers),
        Err(SnapTradeError::InvalidSignature)
    );

    let (answer, stale) = receiver
        .deliver(&sandbox, "snaptrade", "stale", json!({}))
        .await;
    assert_eq!(answer["receiver_status"], 400);
    assert_eq!(
        verifier.verify(&stale.body, &stale.headers),
        Err(SnapTradeError::TooOld)
    );
    let ten_minutes_ago = SystemTime::now() - Duration::from_secs(600);
    verifier
        .clone()
        .with_clock(Arc::new(VirtualTime::starting_at(ten_minutes_ago)))
        .verify(&stale.body, &stale.headers)
        .unwrap();
}

/// The sandbox and the client canonicalise JSON independently; a payload with nested,
/// unsorted keys, non-ASCII text and numbers must still verify, and unknown event types
/// land in `Other`.
#[tokio::test]
async fn a_snaptrade_webhook_with_a_rich_payload_is_verified() {
    let sandbox = sandbox().await;
    let (verifier, receiver) = snaptrade_receiver(&sandbox).await;
    let payload = json!({
        "webhookId": "dbaee13a-1184-4677-9741-b6845e60ee3a",
        "clientId": "PASSIVTEST",
        "userId": "user-é-1",
        "eventType": "CONNECTION_ATTEMPTED",
        "brokerageAuthorizationId": "87b24961-b51e-4db8-9226-f198f6518a89",
        "connectionAttemptedResult": "SUCCESS",
        "details": {
            "zeta": 1, "alpha": "café ✓ \u{1F600}", "nested": { "b": [1, 2.5, 0.1, 1e-7, 1e21, 1e16, -0.0, true, null], "a": "x/y\"z" }
        }
    });
    let (answer, delivery) = receiver
        .deliver(
            &sandbox,
            "snaptrade",
            "valid",
            json!({ "payload": payload }),
        )
        .await;
    assert_eq!(answer["receiver_status"], 204);
    let event = verifier.verify(&delivery.body, &delivery.headers).unwrap();
    assert_eq!(event.event_type, WebhookEventType::ConnectionAttempted);
    assert_eq!(event.user_id.as_deref(), Some("user-é-1"));
    assert_eq!(
        event.connection_attempted_result.as_deref(),
        Some("SUCCESS")
    );
    assert_eq!(event.details.as_ref(), Some(&payload["details"]));

    let (answer, delivery) = receiver
        .deliver(
            &sandbox,
            "snaptrade",
            "valid",
            json!({ "payload": { "eventType": "SOMETHING_NEW", "userId": "u" } }),
        )
        .await;
    assert_eq!(answer["receiver_status"], 204);
    let event = verifier.verify(&delivery.body, &delivery.headers).unwrap();
    assert_eq!(
        event.event_type,
        WebhookEventType::Other("SOMETHING_NEW".to_owned())
    );
}

/// Floats whose shortest form is an exact tie (`106382681903790.625`: Python writes `…62`,
/// Rust's `Display` `…63`) or that need every digit to read back: the sandbox signs them as
/// SnapTrade's Python does, so the delivery verifies.
#[tokio::test]
// The ties are exact binary values; writing them in full is the point.
#[allow(clippy::excessive_precision)]
async fn a_snaptrade_webhook_with_tie_and_long_floats_is_verified() {
    let sandbox = sandbox().await;
    let (verifier, receiver) = snaptrade_receiver(&sandbox).await;
    let payload = json!({
        "eventType": "ACCOUNT_HOLDINGS_UPDATED",
        "userId": "u",
        "details": {
            "ties": [106_382_681_903_790.625, -127_702_844_633_227.125, 204_530_965_541_808.625],
            "long": [8_142.269_899_945_87, 4.884_41e30, -954_015.538_525_912_1, 5e-324],
        }
    });
    let (answer, delivery) = receiver
        .deliver(
            &sandbox,
            "snaptrade",
            "valid",
            json!({ "payload": payload }),
        )
        .await;
    assert_eq!(answer["receiver_status"], 204, "{answer}");
    let event = verifier.verify(&delivery.body, &delivery.headers).unwrap();
    assert_eq!(event.details.as_ref(), Some(&payload["details"]));
}
