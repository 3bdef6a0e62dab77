//! Property tests of the Svix verifier against a hostile sender: arbitrary headers (missing,
//! duplicated, oversized, non-ASCII), timestamps (non-numeric, huge, negative), signature
//! lists (non-base64, other versions, thousands of entries), secrets and payloads. It must
//! never panic, never accept a signature it did not make, and keep its ±300 s window exact
//! at both edges without overflowing.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_app_portal::webhook::{TOLERANCE_SECONDS, Webhook, WebhookError};
use fintra_core::test_util::VirtualTime;
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: i64 = 1_614_265_330;

fn webhook_at(now: i64) -> Webhook {
    let clock = Arc::new(VirtualTime::starting_at(
        UNIX_EPOCH + Duration::from_secs(now.unsigned_abs()),
    ));
    Webhook::new(SECRET).unwrap().with_clock(clock)
}

/// Any header value bytes the `http` crate accepts (visible ASCII, spaces, tabs, obs-text).
fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        "[ -~]{0,80}".prop_map(|s| HeaderValue::from_str(&s).unwrap()),
        proptest::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff, Just(b'\t')], 0..80)
            .prop_map(|b| HeaderValue::from_bytes(&b).unwrap()),
        // Numeric-looking timestamps, including overflowing and signed ones.
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            Just(i64::MAX.to_string()),
            Just(i64::MIN.to_string()),
            Just("99999999999999999999999".to_owned()),
            Just("+1614265330".to_owned()),
            Just("1614265330.0".to_owned()),
            Just(" 1614265330".to_owned()),
        ]
        .prop_map(|s| HeaderValue::from_str(&s).unwrap()),
        // Signature lists: versions, base64 and garbage, up to thousands of entries.
        proptest::collection::vec(
            prop_oneof![
                Just("v1,".to_owned()),
                Just("v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned()),
                Just("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned()),
                "v1,[A-Za-z0-9+/=]{0,60}",
                "[ -~]{0,20}",
            ],
            0..400
        )
        .prop_map(|v| HeaderValue::from_str(&v.join(" ")).unwrap()),
    ]
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        Just("svix-id"),
        Just("svix-timestamp"),
        Just("svix-signature"),
        Just("webhook-id"),
        Just("webhook-timestamp"),
        Just("webhook-signature"),
        Just("x-other"),
    ]
    .prop_map(HeaderName::from_static)
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    proptest::collection::vec((header_name(), header_value()), 0..8).prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name, value); // duplicates kept
        }
        map
    })
}

fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "[ -~]{0,200}".prop_map(String::into_bytes),
        (1usize..2000).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Random headers and payloads never panic and are never accepted: none of them carries
    /// this key's signature.
    #[test]
    fn arbitrary_deliveries_are_refused_without_panicking(
        headers in headers(),
        payload in payload(),
        now in prop_oneof![Just(NOW), any::<i64>().prop_map(i64::abs)],
    ) {
        let wh = webhook_at(now);
        prop_assert!(wh.verify(&payload, &headers).is_err());
        prop_assert!(wh.verify_ignoring_timestamp(&payload, &headers).is_err());
    }

    /// Any string is a secret or a typed error, never a panic; the error never echoes it.
    #[test]
    fn arbitrary_secrets_never_panic(secret in prop_oneof![
        "[ -~]{0,80}",
        "whsec_[ -~]{0,80}",
        "whsec_[A-Za-z0-9+/]{0,80}={0,3}",
        any::<String>(),
    ]) {
        match Webhook::new(&secret) {
            Ok(wh) => {
                let debug = format!("{wh:?}");
                let key = secret.trim_start_matches("whsec_");
                prop_assert!(key.len() < 4 || !debug.contains(key), "{debug}");
            }
            Err(e) => {
                prop_assert!(matches!(e, WebhookError::InvalidSecret | WebhookError::EmptySecret));
                let shown = format!("{e} {e:?}");
                let key = secret.trim_start_matches("whsec_");
                prop_assert!(key.len() < 4 || !shown.contains(key), "{shown}");
            }
        }
    }

    /// A correct signature hidden among arbitrary entries verifies; changing one byte of
    /// the payload, the id or the timestamp makes it fail.
    #[test]
    fn a_valid_signature_among_noise_verifies_and_any_change_breaks_it(
        id in "[a-zA-Z0-9_]{1,40}",
        body in "[ -~]{0,100}",
        noise in proptest::collection::vec("v[0-9a],[A-Za-z0-9+/=]{0,44}", 0..20),
        position in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let payload = serde_json::to_vec(&body).unwrap();
        let wh = webhook_at(NOW);
        let good = wh.sign(&id, NOW, &payload).unwrap();
        let mut entries = noise.clone();
        entries.insert(position.index(entries.len() + 1), good.clone());
        let mut headers = HeaderMap::new();
        headers.insert("svix-id", id.parse().unwrap());
        headers.insert("svix-timestamp", NOW.to_string().parse().unwrap());
        headers.insert("svix-signature", entries.join(" ").parse().unwrap());
        prop_assert_eq!(wh.verify(&payload, &headers).unwrap(), serde_json::json!(body));

        let mut tampered = payload.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 0x01;
        prop_assert!(wh.verify(&tampered, &headers).is_err());

        let mut other_id = headers.clone();
        other_id.insert("svix-id", format!("{id}x").parse().unwrap());
        prop_assert_eq!(wh.verify(&payload, &other_id), Err(WebhookError::InvalidSignature));

        let mut other_ts = headers.clone();
        other_ts.insert("svix-timestamp", (NOW + 1).to_string().parse().unwrap());
        prop_assert_eq!(wh.verify(&payload, &other_ts), Err(WebhookError::InvalidSignature));

        // The same signature with the right bytes but another version is ignored.
        let mut v2 = headers.clone();
        v2.insert("svix-signature", good.replacen("v1,", "v2,", 1).parse().unwrap());
        prop_assert_eq!(wh.verify(&payload, &v2), Err(WebhookError::InvalidSignature));
    }

    /// The window is exactly [now - 300, now + 300], for any "now" and any timestamp,
    /// including ones at the ends of i64.
    #[test]
    fn the_window_is_exact_and_saturating(
        now in 0i64..=i64::MAX / 2,
        offset in prop_oneof![
            -TOLERANCE_SECONDS - 2..=TOLERANCE_SECONDS + 2,
            any::<i64>(),
        ],
    ) {
        let ts = now.saturating_add(offset);
        let wh = webhook_at(now);
        let payload = b"{}";
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", "msg_1".parse().unwrap());
        headers.insert("webhook-timestamp", ts.to_string().parse().unwrap());
        headers.insert("webhook-signature", wh.sign("msg_1", ts, payload).unwrap().parse().unwrap());
        let result = wh.verify(payload, &headers);
        let expected = if ts < 0 {
            Err(WebhookError::InvalidTimestamp)
        } else if i128::from(ts) < i128::from(now) - i128::from(TOLERANCE_SECONDS) {
            Err(WebhookError::TimestampTooOld)
        } else if i128::from(ts) > i128::from(now) + i128::from(TOLERANCE_SECONDS) {
            Err(WebhookError::FutureTimestamp)
        } else {
            Ok(serde_json::json!({}))
        };
        prop_assert_eq!(result, expected);
        // Ignoring the timestamp, the signature alone decides.
        prop_assert!(wh.verify_ignoring_timestamp(payload, &headers).is_ok());
    }
}
