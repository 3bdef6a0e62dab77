//! SnapTrade webhook verification: signatures computed with Python exactly as SnapTrade's
//! reference code does (`json.dumps(payload, separators=(",", ":"), sort_keys=True)`, HMAC-SHA256
//! with the consumer key, base64), the 300-second window, and redaction.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_core::secret::SecretString;
use fintra_core::test_util::VirtualTime;
use fintra_snaptrade::webhook::{WebhookError, WebhookEventType, WebhookVerifier};
use http::HeaderMap;

use crate::KEY;

/// The docs' USER_REGISTERED example, verbatim.
const USER_REGISTERED: &str = r#"{"webhookId":"dbaee13a-1184-4677-9741-b6845e60ee3a","clientId":"phjBdpKfpN","eventTimestamp":"2022-05-31T11:16:54.658533+00:00","userId":"qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54","eventType":"USER_REGISTERED","webhookSecret":"lgCQWztweEFcHvjdLhHc"}"#;
/// Python: base64(hmac(KEY, json.dumps(json.loads(USER_REGISTERED), sort_keys=True, …))).
const USER_REGISTERED_SIG: &str = "l2Khi80F9M+j6btZGUJCgyba+XYL4MtynGnV0Eo2vSg=";
/// Both webhook id spellings, a float tie and non-ASCII text (raw and escaped).
const TRADE: &str = r#"{"eventType":"TRADE_DETECTION","webookId":"w1","webhookId":"w1","eventTimestamp":"2022-05-31T11:16:54.658533+00:00","amount":106382681903790.625,"note":"café \u00e9"}"#;
const TRADE_SIG: &str = "faUpMLdH3Jerf7qB97xXSS/cPczYKlo37MexJGxXzwU=";
/// `eventTimestamp` of both, in Unix seconds (1653995814.658533).
const SENT: u64 = 1_653_995_814;

fn verifier_at(seconds_after: u64) -> WebhookVerifier {
    let clock = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(SENT + seconds_after),
    ));
    WebhookVerifier::new(&SecretString::from(KEY)).with_clock(clock)
}

fn signed(sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Signature", sig.parse().unwrap());
    h
}

#[test]
fn python_signed_deliveries_verify() {
    let v = verifier_at(10);
    assert_eq!(
        v.sign(USER_REGISTERED.as_bytes()).unwrap(),
        USER_REGISTERED_SIG
    );
    let event = v
        .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
        .unwrap();
    assert_eq!(event.event_type, WebhookEventType::UserRegistered);
    assert_eq!(event.client_id.as_deref(), Some("phjBdpKfpN"));
    assert_eq!(
        event.webhook_id.as_deref(),
        Some("dbaee13a-1184-4677-9741-b6845e60ee3a")
    );
    assert_eq!(
        event.user_id.as_deref(),
        Some("qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54")
    );
    // The deprecated webhook secret is not kept.
    assert!(!format!("{event:?}").contains("lgCQWztweEFcHvjdLhHc"));

    let trade = v.verify(TRADE.as_bytes(), &signed(TRADE_SIG)).unwrap();
    assert_eq!(trade.event_type, WebhookEventType::TradeDetection);
    assert_eq!(trade.webhook_id.as_deref(), Some("w1"));
}

/// The signature covers the parsed body: whitespace and key order do not matter, values do.
#[test]
fn the_signature_covers_the_canonical_body() {
    let v = verifier_at(0);
    let reordered = r#"{ "eventType" : "USER_REGISTERED", "userId":"qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54",
        "webhookSecret":"lgCQWztweEFcHvjdLhHc","eventTimestamp":"2022-05-31T11:16:54.658533+00:00",
        "clientId":"phjBdpKfpN","webhookId":"dbaee13a-1184-4677-9741-b6845e60ee3a"}"#;
    v.verify(reordered.as_bytes(), &signed(USER_REGISTERED_SIG))
        .unwrap();
    let tampered = USER_REGISTERED.replace("phjBdpKfpN", "phjBdpKfpM");
    assert_eq!(
        v.verify(tampered.as_bytes(), &signed(USER_REGISTERED_SIG))
            .unwrap_err(),
        WebhookError::InvalidSignature
    );
}

#[test]
fn wrong_key_wrong_or_missing_signature() {
    let other = WebhookVerifier::new(&SecretString::from("another-consumer-key"));
    assert_eq!(
        other
            .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
            .unwrap_err(),
        WebhookError::InvalidSignature
    );
    let v = verifier_at(0);
    for bad in [
        "",
        "l2Khi80F",
        "l2Khi80F9M+j6btZGUJCgyba+XYL4MtynGnV0Eo2vSh=",
    ] {
        assert_eq!(
            v.verify(USER_REGISTERED.as_bytes(), &signed(bad))
                .unwrap_err(),
            WebhookError::InvalidSignature,
            "{bad}"
        );
    }
    assert_eq!(
        v.verify(USER_REGISTERED.as_bytes(), &HeaderMap::new())
            .unwrap_err(),
        WebhookError::MissingSignature
    );
    assert!(matches!(
        v.verify(b"{not json", &signed(USER_REGISTERED_SIG)),
        Err(WebhookError::InvalidBody(_))
    ));
}

#[test]
fn older_than_300_seconds_is_refused() {
    // 299.34 s and 300 s after eventTimestamp (…54.658533): accepted.
    verifier_at(300)
        .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
        .unwrap();
    // 300.34 s: refused.
    assert_eq!(
        verifier_at(301)
            .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
            .unwrap_err(),
        WebhookError::TooOld
    );
    // The documented check has no lower bound: a delivery "from the future" passes.
    let clock = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(SENT - 3600),
    ));
    WebhookVerifier::new(&SecretString::from(KEY))
        .with_clock(clock)
        .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
        .unwrap();
}

#[test]
fn a_signed_body_without_the_documented_fields_is_not_an_event() {
    let v = verifier_at(0);
    for body in [
        r#"[1,2]"#,
        r#"{"eventTimestamp":"2022-05-31T11:16:54+00:00"}"#,
        r#"{"eventType":"USER_DELETED"}"#,
        r#"{"eventType":"USER_DELETED","eventTimestamp":"2022-05-31T11:16:54"}"#,
    ] {
        let sig = v.sign(body.as_bytes()).unwrap();
        assert!(
            matches!(
                v.verify(body.as_bytes(), &signed(&sig)),
                Err(WebhookError::InvalidEvent(_))
            ),
            "{body}"
        );
    }
    let sig = v
        .sign(br#"{"eventType":"BRAND_NEW","eventTimestamp":"2022-05-31T11:16:54Z"}"#)
        .unwrap();
    let event = v
        .verify(
            br#"{"eventType":"BRAND_NEW","eventTimestamp":"2022-05-31T11:16:54Z"}"#,
            &signed(&sig),
        )
        .unwrap();
    assert_eq!(
        event.event_type,
        WebhookEventType::Other("BRAND_NEW".into())
    );
}

/// Neither the consumer key nor the signature shows in `Debug` or any error.
#[test]
fn the_consumer_key_never_shows() {
    let v = verifier_at(0);
    let debug = format!("{v:?}");
    assert!(
        !debug.contains(KEY) && debug.contains("[REDACTED]"),
        "{debug}"
    );
    let errors = [
        v.verify(USER_REGISTERED.as_bytes(), &signed("AAAA"))
            .unwrap_err(),
        verifier_at(1000)
            .verify(USER_REGISTERED.as_bytes(), &signed(USER_REGISTERED_SIG))
            .unwrap_err(),
        v.verify(br#"{"userSecret":"hunter2" x}"#, &signed("AAAA"))
            .unwrap_err(),
    ];
    for err in errors {
        let text = format!("{err} {err:?}");
        for secret in [KEY, USER_REGISTERED_SIG, "hunter2", "lgCQWztweEFcHvjdLhHc"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

/// An OAuth app's delivery (`OAuthWebhookBase`), signed the same way (Python vector).
#[test]
fn an_oauth_app_delivery_verifies_with_its_fields() {
    let body = r#"{"schemaVersion":"oauth_v1","webhookId":"6f1f2b8e-4f0e-4b8e-9a43-3f0c8a1d2e11","oauthClientId":"oac_1","eventTimestamp":"2022-05-31T11:16:54.658533+00:00","userId":"0c6e8f5a-1d2b-4c3d-8e9f-0a1b2c3d4e5f","eventType":"CONNECTION_ADDED","connectionId":"1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d","brokerageId":"9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f"}"#;
    let event = verifier_at(1)
        .verify(
            body.as_bytes(),
            &signed("XGwdCHmhjCWLvEI9J6OcgoUD95yaypvbECLBU0YtdSE="),
        )
        .unwrap();
    assert_eq!(event.event_type, WebhookEventType::ConnectionAdded);
    assert_eq!(event.schema_version.as_deref(), Some("oauth_v1"));
    assert_eq!(event.oauth_client_id.as_deref(), Some("oac_1"));
    assert_eq!(
        event.connection_id.as_deref(),
        Some("1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d")
    );
    assert_eq!(
        event.brokerage_id.as_deref(),
        Some("9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f")
    );
    assert_eq!(event.client_id, None);
}
