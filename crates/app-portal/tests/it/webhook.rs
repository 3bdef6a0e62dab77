//! Svix webhook verification against the official test vectors (svix-webhooks `rust/src/
//! webhooks.rs`, the Python/Go/JS/C# tests and the docs; see the provider notes §5.3),
//! including the expected failures.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_app_portal::webhook::{Webhook, WebhookError};
use fintra_core::test_util::VirtualTime;
use http::HeaderMap;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS: i64 = 1_614_265_330;
const PAYLOAD: &[u8] = br#"{"test": 2432232314}"#;
const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/// A verifier whose clock reads `now`.
fn webhook_at(secret: &str, now: i64) -> Webhook {
    let clock = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(now as u64),
    ));
    Webhook::new(secret).unwrap().with_clock(clock)
}

fn headers(prefix: &str, id: &str, ts: &str, sig: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-id").as_bytes()).unwrap(),
        id.parse().unwrap(),
    );
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-timestamp").as_bytes()).unwrap(),
        ts.parse().unwrap(),
    );
    h.insert(
        http::HeaderName::from_bytes(format!("{prefix}-signature").as_bytes()).unwrap(),
        sig.parse().unwrap(),
    );
    h
}

#[test]
fn official_sign_vectors() {
    let wh = Webhook::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
    assert_eq!(
        wh.sign(
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            br#"{"email":"test@example.com","username":"test_user"}"#
        )
        .unwrap(),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
    let wh = Webhook::new(SECRET).unwrap();
    assert_eq!(wh.sign(MSG_ID, TS, PAYLOAD).unwrap(), SIGNATURE);
    for (len, expected) in [
        (
            1024 * 1024,
            "v1,txpEUxqWZJ5nteTnymUVa+7C4NHpBeXJ6CsBAW0c3/A=",
        ),
        (
            256 * 1024,
            "v1,Mw4Pe2WgApuT7NSqnSq0PQPV9gbLdggCl9B865x5Xh0=",
        ),
        (
            256 * 1024 - 1,
            "v1,NTItnqyWMoFhk2Bbe5V/BMdcFRWgcSQaTgqLHX7FC7c=",
        ),
    ] {
        let payload = "a".repeat(len);
        assert_eq!(wh.sign(MSG_ID, TS, payload.as_bytes()).unwrap(), expected);
    }
}

#[test]
fn the_docs_vector_verifies_with_both_header_sets_and_without_the_prefix() {
    for secret in [SECRET, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
        for prefix in ["svix", "webhook"] {
            let event = webhook_at(secret, TS)
                .verify(
                    PAYLOAD,
                    &headers(prefix, MSG_ID, &TS.to_string(), SIGNATURE),
                )
                .unwrap();
            assert_eq!(event["test"], 2_432_232_314u64);
        }
    }
}

#[test]
fn wrong_and_partial_signatures_fail() {
    let wh = webhook_at(SECRET, TS);
    for bad in [
        "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
        "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
        "v1,dawfeoifkpqwoekfpqoekf",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd",
        "v1,",
        &SIGNATURE[..8],
        "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        "",
    ] {
        let err = wh
            .verify(PAYLOAD, &headers("svix", MSG_ID, &TS.to_string(), bad))
            .unwrap_err();
        assert_eq!(err, WebhookError::InvalidSignature, "{bad}");
    }
    // The right signature over another body or id fails too.
    let err = wh
        .verify(
            br#"{"test": 2432232315}"#,
            &headers("svix", MSG_ID, &TS.to_string(), SIGNATURE),
        )
        .unwrap_err();
    assert_eq!(err, WebhookError::InvalidSignature);
    let err = wh
        .verify(
            PAYLOAD,
            &headers("svix", "msg_other", &TS.to_string(), SIGNATURE),
        )
        .unwrap_err();
    assert_eq!(err, WebhookError::InvalidSignature);
}

#[test]
fn any_one_of_several_v1_signatures_is_enough() {
    let wh = webhook_at(SECRET, TS);
    let others = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=";
    let last = "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=";
    let with = format!("{others} {SIGNATURE} {last}");
    wh.verify(PAYLOAD, &headers("svix", MSG_ID, &TS.to_string(), &with))
        .unwrap();
    let without = format!("{others} {last}");
    assert_eq!(
        wh.verify(PAYLOAD, &headers("svix", MSG_ID, &TS.to_string(), &without))
            .unwrap_err(),
        WebhookError::InvalidSignature
    );
    // A v2 entry carrying the valid base64 is ignored.
    let v2 = format!("v2,{}", &SIGNATURE[3..]);
    assert!(
        wh.verify(PAYLOAD, &headers("svix", MSG_ID, &TS.to_string(), &v2))
            .is_err()
    );
}

#[test]
fn five_minutes_of_tolerance_in_both_directions() {
    let wh = Webhook::new(SECRET).unwrap();
    for (offset, expected) in [
        (-301, Some(WebhookError::TimestampTooOld)),
        (-300, None),
        (300, None),
        (301, Some(WebhookError::FutureTimestamp)),
    ] {
        let ts = TS + offset;
        let sig = wh.sign(MSG_ID, ts, PAYLOAD).unwrap();
        let h = headers("svix", MSG_ID, &ts.to_string(), &sig);
        let result = webhook_at(SECRET, TS).verify(PAYLOAD, &h);
        assert_eq!(result.err(), expected, "{offset}");
        // Ignoring the timestamp, the signature still holds.
        webhook_at(SECRET, TS)
            .verify_ignoring_timestamp(PAYLOAD, &h)
            .unwrap();
    }
    // A timestamp header differing from the signed one fails even when ignoring age.
    let h = headers("svix", MSG_ID, &(TS + 1).to_string(), SIGNATURE);
    assert_eq!(
        webhook_at(SECRET, TS)
            .verify_ignoring_timestamp(PAYLOAD, &h)
            .unwrap_err(),
        WebhookError::InvalidSignature
    );
    // Negative and non-numeric timestamps.
    let sig = wh.sign(MSG_ID, -1, PAYLOAD).unwrap();
    let h = headers("svix", MSG_ID, "-1", &sig);
    assert_eq!(
        webhook_at(SECRET, TS).verify(PAYLOAD, &h).unwrap_err(),
        WebhookError::InvalidTimestamp
    );
    webhook_at(SECRET, TS)
        .verify_ignoring_timestamp(PAYLOAD, &h)
        .unwrap();
    for bad in ["161426533.0", "invalid timestamp", ""] {
        let h = headers("svix", MSG_ID, bad, SIGNATURE);
        assert_eq!(
            webhook_at(SECRET, TS).verify(PAYLOAD, &h).unwrap_err(),
            WebhookError::InvalidTimestamp,
            "{bad}"
        );
    }
}

#[test]
fn each_missing_header_is_named() {
    for prefix in ["svix", "webhook"] {
        for (name, what) in [
            ("id", "id"),
            ("timestamp", "timestamp"),
            ("signature", "signature"),
        ] {
            let mut h = headers(prefix, MSG_ID, &TS.to_string(), SIGNATURE);
            h.remove(format!("{prefix}-{name}").as_str());
            assert_eq!(
                webhook_at(SECRET, TS).verify(PAYLOAD, &h).unwrap_err(),
                WebhookError::MissingHeader(what)
            );
        }
    }
}

#[test]
fn empty_and_malformed_secrets_are_refused() {
    assert_eq!(Webhook::new("").unwrap_err(), WebhookError::EmptySecret);
    assert_eq!(
        Webhook::new("whsec_").unwrap_err(),
        WebhookError::EmptySecret
    );
    assert_eq!(
        Webhook::from_bytes(vec![]).unwrap_err(),
        WebhookError::EmptySecret
    );
    assert_eq!(
        Webhook::new("whsec_not base64!").unwrap_err(),
        WebhookError::InvalidSecret
    );
    Webhook::from_bytes(b"raw key".to_vec()).unwrap();
}

#[test]
fn a_signed_non_json_or_non_utf8_body_is_an_invalid_payload() {
    let wh = webhook_at(SECRET, TS);
    let sig = wh.sign(MSG_ID, TS, b"not json").unwrap();
    assert_eq!(
        wh.verify(b"not json", &headers("svix", MSG_ID, &TS.to_string(), &sig))
            .unwrap_err(),
        WebhookError::InvalidPayload
    );
    assert_eq!(
        wh.verify(
            b"\xff",
            &headers("svix", MSG_ID, &TS.to_string(), SIGNATURE)
        )
        .unwrap_err(),
        WebhookError::InvalidPayload
    );
}

/// Neither the secret nor a signature shows in `Debug` or in any error.
#[test]
fn the_secret_never_shows() {
    let wh = webhook_at(SECRET, TS);
    let debug = format!("{wh:?}");
    assert!(
        !debug.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "{debug}"
    );
    assert!(debug.contains("[REDACTED]"));
    let errors = [
        wh.verify(PAYLOAD, &headers("svix", MSG_ID, "1", SIGNATURE))
            .unwrap_err(),
        wh.verify(
            PAYLOAD,
            &headers("svix", MSG_ID, &TS.to_string(), "v1,AAAA"),
        )
        .unwrap_err(),
        Webhook::new("whsec_???").unwrap_err(),
    ];
    for err in errors {
        let text = format!("{err} {err:?}");
        assert!(!text.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "{text}");
        assert!(!text.contains("g0hM9SsE"), "{text}");
        assert!(!text.contains("2432232314"), "{text}");
    }
}
