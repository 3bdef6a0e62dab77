//! Webhook delivery for testing receivers: `POST /_sandbox/webhooks` sends one correctly
//! signed webhook, Svix-style or SnapTrade-style, to a URL the caller gives; it can also send
//! a tampered one (body changed after signing) or a stale one (timestamp 10 minutes old,
//! outside both providers' 5-minute window).
//!
//! - Svix (`svix-current.md` §5): headers `svix-id`, `svix-timestamp` (Unix seconds) and
//!   `svix-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, the key being
//!   the base64 part of the `whsec_` secret.
//! - SnapTrade (`snaptrade-current.md` §7): header `Signature: <base64 HMAC-SHA256(consumer
//!   key, canonical JSON of the body)>`; the replay window is the body's `eventTimestamp`.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request as HttpRequest, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::credentials::{SNAPTRADE_CLIENT_ID, SVIX_WEBHOOK_SECRET};
use crate::signing::{hmac_sha256_b64, webhook_signature};
use crate::state::Shared;
use crate::wire::{Reply, Request, random_alnum, rfc3339, uuid};

/// How old a stale webhook's timestamp is.
const STALE_BY: Duration = Duration::from_secs(600);
/// Time allowed to connect to the receiver and get its answer.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The valid `style` values.
pub(crate) const STYLES: &str = "svix, snaptrade";
/// The valid `variant` values.
pub(crate) const VARIANTS: &str = "valid, tampered, stale";

/// The JSON body of `POST /_sandbox/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSpec {
    /// `http://host:port/path` of the receiver.
    url: String,
    /// `svix` or `snaptrade`.
    style: String,
    /// `valid` (default), `tampered` or `stale`.
    #[serde(default)]
    variant: Option<String>,
    /// The payload; a documented example by default.
    #[serde(default)]
    payload: Option<Value>,
    /// Svix only: the endpoint secret (`whsec_...`); default [`SVIX_WEBHOOK_SECRET`].
    #[serde(default)]
    secret: Option<String>,
}

fn bad_request(message: &str) -> Reply {
    Reply::json(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

/// The Svix `v1,<signature>` of `{id}.{timestamp}.{body}` under `secret` (`whsec_` prefix
/// optional). `None` if the secret is not base64 or empty.
pub(crate) fn svix_signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()
        .filter(|k| !k.is_empty())?;
    let signed = format!("{id}.{timestamp}.{body}");
    Some(format!("v1,{}", hmac_sha256_b64(&key, signed.as_bytes())))
}

/// What to send: headers and body.
struct Outgoing {
    headers: Vec<(String, String)>,
    body: String,
}

fn svix(shared: &Shared, spec: &WebhookSpec, variant: &str) -> Result<Outgoing, Reply> {
    let secret = spec.secret.as_deref().unwrap_or(SVIX_WEBHOOK_SECRET);
    let payload = spec.payload.clone().unwrap_or_else(
        || json!({ "type": "invoice.paid", "data": { "id": "invoice_WF7WtCLFFtd8ubcTgboSFNql" } }),
    );
    let id = format!("msg_{}", random_alnum(27));
    let mut timestamp = shared.now_unix();
    if variant == "stale" {
        timestamp -= i64::try_from(STALE_BY.as_secs()).unwrap_or(600);
    }
    let body = payload.to_string();
    let signature = svix_signature(secret, &id, timestamp, &body).ok_or_else(|| {
        bad_request("`secret` must be `whsec_` followed by non-empty standard base64")
    })?;
    let body = if variant == "tampered" {
        json!({ "tampered": true, "original": payload }).to_string()
    } else {
        body
    };
    Ok(Outgoing {
        headers: vec![
            ("svix-id".into(), id),
            ("svix-timestamp".into(), timestamp.to_string()),
            ("svix-signature".into(), signature),
        ],
        body,
    })
}

fn snaptrade(shared: &Shared, spec: &WebhookSpec, variant: &str) -> Outgoing {
    let mut payload = spec.payload.clone().unwrap_or_else(|| {
        json!({
            "webhookId": uuid(),
            "clientId": SNAPTRADE_CLIENT_ID,
            "userId": "snaptrade-user-123",
            "eventType": "USER_REGISTERED",
        })
    });
    let mut at = shared.now();
    if variant == "stale" {
        at -= STALE_BY;
    }
    if let Value::Object(m) = &mut payload
        && (variant == "stale" || !m.contains_key("eventTimestamp"))
    {
        // ISO 8601 with an offset, as in the documented example.
        let stamp = rfc3339(at).replace('Z', "+00:00");
        m.insert("eventTimestamp".into(), json!(stamp));
    }
    let signature = webhook_signature(&payload);
    if variant == "tampered"
        && let Value::Object(m) = &mut payload
    {
        m.insert("userId".into(), json!("tampered-user"));
    }
    Outgoing {
        headers: vec![("Signature".into(), signature)],
        body: payload.to_string(),
    }
}

/// Handles `POST /_sandbox/webhooks`: builds, signs and delivers one webhook, and answers
/// with what was sent and the receiver's status.
pub(crate) async fn deliver(shared: &Shared, req: &Request) -> Reply {
    let spec: WebhookSpec = match serde_json::from_slice(&req.body) {
        Ok(s) => s,
        Err(e) => {
            return bad_request(&format!(
                "invalid webhook request: {e}. Expected {{\"url\": \"http://...\", \"style\": {STYLES}, \"variant\": {VARIANTS}, \"payload\": {{...}}, \"secret\": \"whsec_...\" (svix)}}"
            ));
        }
    };
    let variant = spec.variant.clone().unwrap_or_else(|| "valid".into());
    if !["valid", "tampered", "stale"].contains(&variant.as_str()) {
        return bad_request(&format!(
            "unknown variant `{variant}`: use one of {VARIANTS}"
        ));
    }
    let url = match url::Url::parse(&spec.url) {
        Ok(u) if u.scheme() == "http" && u.host_str().is_some() => u,
        _ => {
            return bad_request(&format!(
                "`url` must be an absolute http:// URL (the sandbox delivers without TLS), not `{}`",
                spec.url
            ));
        }
    };
    let outgoing = match spec.style.as_str() {
        "svix" => match svix(shared, &spec, &variant) {
            Ok(o) => o,
            Err(reply) => return reply,
        },
        "snaptrade" => snaptrade(shared, &spec, &variant),
        other => return bad_request(&format!("unknown style `{other}`: use one of {STYLES}")),
    };
    let sent_headers: serde_json::Map<String, Value> = outgoing
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    match tokio::time::timeout(DELIVERY_TIMEOUT, post(&url, &outgoing)).await {
        Ok(Ok(status)) => Reply::json(
            StatusCode::OK,
            &json!({
                "delivered_to": url.as_str(),
                "receiver_status": status,
                "headers": sent_headers,
                "body": outgoing.body,
            }),
        ),
        Ok(Err(e)) => Reply::json(
            StatusCode::BAD_GATEWAY,
            &json!({ "error": format!("could not deliver to {url}: {e}") }),
        ),
        Err(_) => Reply::json(
            StatusCode::GATEWAY_TIMEOUT,
            &json!({ "error": format!("{url} did not answer within {} s", DELIVERY_TIMEOUT.as_secs()) }),
        ),
    }
}

/// POSTs the webhook over plain HTTP/1.1 and returns the receiver's status.
async fn post(
    url: &url::Url,
    outgoing: &Outgoing,
) -> Result<u16, Box<dyn std::error::Error + Send + Sync>> {
    let port = url.port_or_known_default().unwrap_or(80);
    // An IPv6 literal is connected to as an address: `host_str` keeps its brackets
    // (`[::1]`), which no resolver accepts.
    let stream = match url.host().ok_or("no host")? {
        url::Host::Ipv6(ip) => TcpStream::connect((ip, port)).await?,
        url::Host::Ipv4(ip) => TcpStream::connect((ip, port)).await?,
        url::Host::Domain(name) => TcpStream::connect((name, port)).await?,
    };
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let mut builder = HttpRequest::builder()
        .method(Method::POST)
        .uri(target)
        .header(
            header::HOST,
            &url[url::Position::BeforeHost..url::Position::AfterPort],
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "fintra-sandbox-webhooks");
    for (name, value) in &outgoing.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder.body(Full::new(Bytes::from(outgoing.body.clone())))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::svix_signature;

    /// The official vectors of `svix-current.md` §5.3 (#1 Rust, #2 every other SDK + docs).
    #[test]
    fn svix_known_answers() {
        assert_eq!(
            svix_signature(
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1_649_367_553,
                r#"{"email":"test@example.com","username":"test_user"}"#
            )
            .as_deref(),
            Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
        );
        let two = |secret: &str| {
            svix_signature(
                secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                r#"{"test": 2432232314}"#,
            )
        };
        let expected = Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned());
        assert_eq!(two("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), expected);
        // The prefix is optional.
        assert_eq!(two("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), expected);
        // Empty and non-base64 secrets are refused.
        assert_eq!(two("whsec_"), None);
        assert_eq!(two("whsec_%%%"), None);
        // 4: 256 KiB of "a".
        let big = "a".repeat(262_144);
        assert_eq!(
            svix_signature(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                &big
            )
            .as_deref(),
            Some("v1,Mw4Pe2WgApuT7NSqnSq0PQPV9gbLdggCl9B865x5Xh0=")
        );
    }
}
