//! Property tests of the SnapTrade webhook verifier against a hostile sender: arbitrary and
//! deeply nested bodies, non-JSON, arbitrary `Signature` headers and `eventTimestamp`s. It
//! must never panic (nor overflow its stack), never accept a signature it did not make, and
//! apply the 300-second window exactly.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_core::secret::SecretString;
use fintra_core::test_util::VirtualTime;
use fintra_snaptrade::signing::canonicalize;
use fintra_snaptrade::webhook::{MAX_AGE, WebhookError, WebhookVerifier};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

use crate::KEY;

/// 2022-05-31T11:16:54Z.
const NOW: u64 = 1_653_995_814;

fn verifier_at(now: Duration) -> WebhookVerifier {
    WebhookVerifier::new(&SecretString::from(KEY))
        .with_clock(Arc::new(VirtualTime::starting_at(UNIX_EPOCH + now)))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[ -~]{0,200}".prop_map(String::into_bytes),
        // JSON-ish text: brackets, quotes, escapes, numbers, Python's literals.
        proptest::collection::vec(
            prop_oneof![
                Just("{"),
                Just("}"),
                Just("["),
                Just("]"),
                Just(","),
                Just(":"),
                Just("\""),
                Just("\\u"),
                Just("d800"),
                Just("1e999"),
                Just("-0"),
                Just("NaN"),
                Just("Infinity"),
                Just("\"eventType\""),
                Just("\"a\""),
                Just("0.1"),
                Just("true"),
                Just(" "),
            ],
            0..60
        )
        .prop_map(|parts| parts.concat().into_bytes()),
        (1usize..100_000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        (1usize..100_000)
            .prop_map(|n| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes()),
    ]
}

fn signature() -> impl Strategy<Value = HeaderValue> {
    prop_oneof!["[A-Za-z0-9+/=]{0,60}", "[ -~]{0,100}", Just(String::new()),]
        .prop_map(|s| HeaderValue::from_str(&s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random bodies and signatures never panic and are never accepted.
    #[test]
    fn arbitrary_deliveries_are_refused_without_panicking(
        body in body(),
        signature in signature(),
        extra in signature(),
    ) {
        let v = verifier_at(Duration::from_secs(NOW));
        let mut headers = HeaderMap::new();
        headers.append("Signature", signature);
        headers.append("Signature", extra);
        prop_assert!(v.verify(&body, &headers).is_err());
        // Signing arbitrary input is a value or a typed error, never a panic.
        let _ = v.sign(&body);
    }

    /// A body that verifies after tampering has exactly the canonical form that was
    /// signed (the documented scheme signs the parsed body, not its bytes).
    #[test]
    fn tampering_is_caught_unless_the_canonical_form_is_unchanged(
        user in "[ -~]{0,20}",
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let body = serde_json::json!({
            "eventType": "USER_REGISTERED",
            "eventTimestamp": "2022-05-31T11:16:54+00:00",
            "userId": user,
        })
        .to_string()
        .into_bytes();
        let v = verifier_at(Duration::from_secs(NOW));
        let mut headers = HeaderMap::new();
        headers.insert("Signature", v.sign(&body).unwrap().parse().unwrap());
        prop_assert!(v.verify(&body, &headers).is_ok());
        let mut tampered = body.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 1 << bit;
        if v.verify(&tampered, &headers).is_ok() {
            prop_assert_eq!(canonicalize(&tampered).unwrap(), canonicalize(&body).unwrap());
        }
    }

    /// Older than 300 s (to the microsecond) is refused; anything newer, including the
    /// future, passes; clocks from 1970 to year 9999 do not overflow.
    #[test]
    fn the_age_limit_is_exact(
        age_micros in prop_oneof![
            -1_000_000i64..1_000_000,
            299_999_000i64..300_001_000,
            any::<i32>().prop_map(i64::from),
        ],
        clock in prop_oneof![Just(None), (0u64..=253_402_300_799).prop_map(Some)],
    ) {
        // Sent `age_micros` before NOW (within the same day: |age| < 40 minutes).
        let sent = i64::try_from(NOW).unwrap() * 1_000_000 - age_micros;
        let of_day = sent.rem_euclid(86_400 * 1_000_000);
        let stamp = format!(
            "2022-05-31T{:02}:{:02}:{:02}.{:06}+00:00",
            of_day / 3_600_000_000,
            of_day / 60_000_000 % 60,
            of_day / 1_000_000 % 60,
            of_day % 1_000_000
        );
        let now_micros = i128::from(clock.unwrap_or(NOW)) * 1_000_000;
        let body = format!(
            r#"{{"eventType":"USER_DELETED","eventTimestamp":"{stamp}","userId":"u"}}"#
        );
        let v = verifier_at(Duration::from_secs(clock.unwrap_or(NOW)));
        let mut headers = HeaderMap::new();
        headers.insert("Signature", v.sign(body.as_bytes()).unwrap().parse().unwrap());
        let result = v.verify(body.as_bytes(), &headers);
        if now_micros - i128::from(sent) > MAX_AGE.as_micros() as i128 {
            prop_assert_eq!(result.unwrap_err(), WebhookError::TooOld);
        } else {
            prop_assert!(result.is_ok(), "{stamp}: {result:?}");
        }
    }
}
