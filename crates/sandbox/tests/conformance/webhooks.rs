//! `POST /_sandbox/webhooks`: signed, tampered and stale webhooks reach a real receiver,
//! checked here with verifiers written from the notes (`svix-current.md` §5,
//! `snaptrade-current.md` §7).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use fintra_sandbox::{SNAPTRADE_CONSUMER_KEY, SVIX_WEBHOOK_SECRET};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::support::{hmac_b64, now, send, start};

type Seen = Arc<Mutex<Vec<(http::HeaderMap, Bytes)>>>;

/// A receiver that records every request and answers 204.
async fn receiver() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test receiver / verifier input");
    let url = format!(
        "http://{}/hooks?x=1",
        listener
            .local_addr()
            .expect("test receiver / verifier input")
    );
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let record = record.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        assert_eq!(parts.uri.path(), "/hooks");
                        let body = body
                            .collect()
                            .await
                            .expect("test receiver / verifier input")
                            .to_bytes();
                        record
                            .lock()
                            .expect("test receiver / verifier input")
                            .push((parts.headers, body));
                        let mut resp = hyper::Response::new(Full::new(Bytes::new()));
                        *resp.status_mut() = http::StatusCode::NO_CONTENT;
                        Ok::<_, std::convert::Infallible>(resp)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

/// Svix verification: `v1,` HMAC of `{id}.{ts}.{body}` and a ±300 s window.
fn svix_ok(headers: &http::HeaderMap, body: &[u8]) -> Result<(), &'static str> {
    let h = |n: &str| {
        headers[n]
            .to_str()
            .expect("test receiver / verifier input")
            .to_owned()
    };
    let ts: i64 = h("svix-timestamp")
        .parse()
        .expect("test receiver / verifier input");
    let key = base64::engine::general_purpose::STANDARD
        .decode(
            SVIX_WEBHOOK_SECRET
                .strip_prefix("whsec_")
                .expect("test receiver / verifier input"),
        )
        .expect("test receiver / verifier input");
    let signed = format!(
        "{}.{ts}.{}",
        h("svix-id"),
        std::str::from_utf8(body).expect("test receiver / verifier input")
    );
    let expected = format!("v1,{}", hmac_b64(&key, signed.as_bytes()));
    if !h("svix-signature").split(' ').any(|s| s == expected) {
        return Err("signature");
    }
    if (now() - ts).abs() > 300 {
        return Err("timestamp");
    }
    Ok(())
}

/// Python `json.dumps(v, separators=(",", ":"), sort_keys=True)` for ASCII, float-free JSON.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::from(k.as_str()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// SnapTrade verification: HMAC of the canonical body, `eventTimestamp` at most 300 s old.
fn snaptrade_ok(headers: &http::HeaderMap, body: &[u8]) -> Result<(), &'static str> {
    let payload: Value = serde_json::from_slice(body).expect("test receiver / verifier input");
    let expected = hmac_b64(
        SNAPTRADE_CONSUMER_KEY.as_bytes(),
        canonical(&payload).as_bytes(),
    );
    if headers["signature"]
        .to_str()
        .expect("test receiver / verifier input")
        != expected
    {
        return Err("signature");
    }
    let stamp = payload["eventTimestamp"]
        .as_str()
        .expect("test receiver / verifier input");
    assert!(stamp.ends_with("+00:00"), "{stamp}");
    // YYYY-MM-DDTHH:MM:SS: compare against now with the sandbox's own clock only roughly.
    let minutes = |s: &str| -> i64 {
        let t = &s[11..19];
        t[0..2]
            .parse::<i64>()
            .expect("test receiver / verifier input")
            * 3600
            + t[3..5]
                .parse::<i64>()
                .expect("test receiver / verifier input")
                * 60
            + t[6..8]
                .parse::<i64>()
                .expect("test receiver / verifier input")
    };
    let now_stamp = {
        let secs = now().rem_euclid(86_400);
        format!(
            "0000-00-00T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    };
    let age = (minutes(&now_stamp) - minutes(stamp)).rem_euclid(86_400);
    if age > 300 {
        return Err("too old");
    }
    Ok(())
}

#[tokio::test]
async fn valid_tampered_and_stale_webhooks_in_both_styles() {
    let (sb, c) = start().await;
    let (url, seen) = receiver().await;
    let control = format!("{}/_sandbox/webhooks", sb.base_url());
    let cases = [
        ("svix", "valid", Ok(())),
        ("svix", "tampered", Err("signature")),
        ("svix", "stale", Err("timestamp")),
        ("snaptrade", "valid", Ok(())),
        ("snaptrade", "tampered", Err("signature")),
        ("snaptrade", "stale", Err("too old")),
    ];
    for (i, (style, variant, expected)) in cases.into_iter().enumerate() {
        let (status, out) = send(
            c.post(&control)
                .body(json!({"url": url, "style": style, "variant": variant}).to_string()),
        )
        .await;
        assert_eq!(
            (status, out["receiver_status"].clone()),
            (200, json!(204)),
            "{out}"
        );
        let (headers, body) = seen.lock().unwrap()[i].clone();
        assert_eq!(out["body"], std::str::from_utf8(&body).unwrap());
        let verdict = if style == "svix" {
            svix_ok(&headers, &body)
        } else {
            snaptrade_ok(&headers, &body)
        };
        assert_eq!(verdict, expected, "{style} {variant}");
    }
    // A custom payload is delivered as given (plus eventTimestamp for SnapTrade).
    let payload = json!({"eventType": "USER_DELETED", "userId": "u1", "webhookId": "w", "clientId": "PASSIVTEST"});
    send(
        c.post(&control)
            .body(json!({"url": url, "style": "snaptrade", "payload": payload}).to_string()),
    )
    .await;
    let (headers, body) = seen.lock().unwrap()[6].clone();
    assert_eq!(snaptrade_ok(&headers, &body), Ok(()));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["eventType"],
        "USER_DELETED"
    );
}

#[tokio::test]
async fn bad_webhook_requests_say_what_is_valid() {
    let (sb, c) = start().await;
    let control = format!("{}/_sandbox/webhooks", sb.base_url());
    let (status, body) = send(
        c.post(&control)
            .body(r#"{"url":"http://127.0.0.1:1/","style":"github"}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("svix, snaptrade"),
        "{body}"
    );
    let (status, body) = send(
        c.post(&control)
            .body(r#"{"url":"http://127.0.0.1:1/","style":"svix","variant":"late"}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("valid, tampered, stale"),
        "{body}"
    );
    let (status, _) = send(
        c.post(&control)
            .body(r#"{"url":"https://example.com/","style":"svix"}"#),
    )
    .await;
    assert_eq!(status, 400);
    // Nobody listening: 502 naming the URL.
    let (status, body) = send(
        c.post(&control)
            .body(r#"{"url":"http://127.0.0.1:1/x","style":"svix"}"#),
    )
    .await;
    assert_eq!(status, 502);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("http://127.0.0.1:1/x"),
        "{body}"
    );
}
