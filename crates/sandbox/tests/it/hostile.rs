//! Hostile requests, sent as raw bytes: malformed JSON, wrong content types, oversized and
//! chunked bodies, unknown paths, bad percent-encoding, missing or odd auth headers. Every
//! one gets an answer in its provider's error shape within a second, and the sandbox keeps
//! serving afterwards, also while resets race with requests.

use std::time::Duration;

use fintra_sandbox::{APP_PORTAL_TOKEN, Provider, Sandbox};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{client, send};

/// Sends `head` + `body` on a fresh connection (closed after the answer) and returns the
/// status and the JSON body (`Null` if none).
async fn raw(sb: &Sandbox, provider: Option<Provider>, head: &str, body: &[u8]) -> (u16, Value) {
    let addr = provider.map_or_else(|| sb.addr(), |p| sb.provider_addr(p));
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = format!("{head}\r\nhost: sandbox\r\nconnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .expect("write head");
        stream.write_all(body).await.expect("write body");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.expect("read answer");
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(1), exchange)
        .await
        .unwrap_or_else(|_| panic!("no answer within 1 s to {head:?}"));
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer to {head:?}: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn bearer() -> String {
    format!("authorization: Bearer {APP_PORTAL_TOKEN}")
}

/// The error shape of each provider (`svix.md`, `snaptrade.md`, `finicity.md`).
fn shaped(provider: Provider, body: &Value) -> bool {
    match provider {
        Provider::AppPortal => {
            (body["code"].is_string() && body["detail"].is_string()) || body["detail"].is_array()
        }
        Provider::SnapTrade => body["default_code"].is_number() || body["code"].is_string(),
        Provider::Finicity => body["code"].is_string() || body["Errors"].is_object(),
        other => panic!("no error shape known for {other:?}"),
    }
}

#[tokio::test]
async fn hostile_requests_get_the_providers_error_shapes_and_never_hang() {
    let sb = Sandbox::start().await.unwrap();
    let big = vec![b'x'; 70 * 1024];
    let mut chunked = Vec::new();
    for _ in 0..3 {
        chunked.extend_from_slice(format!("{:x}\r\n", 32 * 1024).as_bytes());
        chunked.extend_from_slice(&[b'x'; 32 * 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let auth = bearer();
    let portal = "POST /api/v1/auth/app-portal-access/app_1";
    let cases: Vec<(Provider, String, &[u8], u16)> = vec![
        // Svix
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\n{auth}\r\ncontent-type: application/json\r\ncontent-length: 9"), b"{\"expiry\"", 422),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\n{auth}\r\ncontent-type: application/json\r\ncontent-length: 3"), b"\xff\xfe{", 422),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\n{auth}\r\ncontent-type: text/plain\r\ncontent-length: 2"), b"[]", 422),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\n{auth}\r\ncontent-length: {}", big.len()), &big, 413),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\n{auth}\r\ntransfer-encoding: chunked"), &chunked, 413),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\ncontent-length: 2"), b"{}", 401),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\nauthorization: Basic abc\r\ncontent-length: 2"), b"{}", 401),
        (Provider::AppPortal, format!("{portal} HTTP/1.1\r\nauthorization: Bearer\r\ncontent-length: 2"), b"{}", 401),
        (Provider::AppPortal, format!("POST /api/v1/auth/app-portal-access/%zz%ff HTTP/1.1\r\n{auth}\r\ncontent-length: 2"), b"{}", 404),
        (Provider::AppPortal, format!("GET /api/v1/nope HTTP/1.1\r\n{auth}"), b"", 404),
        (Provider::AppPortal, format!("DELETE /api/v1/auth/logout HTTP/1.1\r\n{auth}"), b"", 405),
        // SnapTrade
        (Provider::SnapTrade, "GET /snapTrade/listUsers HTTP/1.1".to_owned(), b"", 404),
        (Provider::SnapTrade, "GET /snapTrade/listUsers?clientId=%zz&timestamp=%ff HTTP/1.1".to_owned(), b"", 404),
        (Provider::SnapTrade, "POST /snapTrade/registerUser?clientId=PASSIVTEST&timestamp=1 HTTP/1.1\r\nsignature: x\r\ncontent-type: application/json\r\ncontent-length: 5".to_owned(), b"{nope", 400),
        (Provider::SnapTrade, "POST /snapTrade/registerUser?clientId=PASSIVTEST&timestamp=99999999999999999999 HTTP/1.1\r\nsignature: x\r\ncontent-length: 2".to_owned(), b"{}", 400),
        (Provider::SnapTrade, format!("POST /snapTrade/registerUser HTTP/1.1\r\ncontent-length: {}", big.len()), &big, 413),
        (Provider::SnapTrade, "GET /snapTrade/%ff%fe HTTP/1.1".to_owned(), b"", 404),
        (Provider::SnapTrade, "GET /api/v1/nope HTTP/1.1".to_owned(), b"", 404),
        // Finicity
        (Provider::Finicity, "POST /aggregation/v2/partners/authentication HTTP/1.1\r\ncontent-length: 2".to_owned(), b"{}", 401),
        (Provider::Finicity, "POST /aggregation/v2/partners/authentication HTTP/1.1\r\nfinicity-app-key: fintra-sandbox-finicity-app-key\r\ncontent-type: application/xml\r\ncontent-length: 4".to_owned(), b"<a/>", 400),
        (Provider::Finicity, "POST /aggregation/v2/partners/authentication HTTP/1.1\r\nfinicity-app-key: fintra-sandbox-finicity-app-key\r\ncontent-type: application/json\r\ncontent-length: 1".to_owned(), b"{", 400),
        (Provider::Finicity, "POST /aggregation/v2/partners/authentication HTTP/1.1\r\ntransfer-encoding: chunked".to_owned(), &chunked, 413),
        (Provider::Finicity, "GET /nope/%zz HTTP/1.1".to_owned(), b"", 404),
    ];
    for (provider, head, body, expected) in cases {
        let (status, json) = raw(&sb, Some(provider), &head, body).await;
        assert_eq!(status, expected, "{head:?} -> {json}");
        assert!(
            shaped(provider, &json),
            "{head:?}: not {provider:?}'s error shape: {json}"
        );
    }
    // The control listener answers unknown endpoints and bad bodies with the valid values.
    let (status, json) = raw(&sb, None, "GET /_sandbox/%zz HTTP/1.1", b"").await;
    assert_eq!(status, 404);
    assert!(
        json["error"].as_str().unwrap().contains("/_sandbox/faults"),
        "{json}"
    );
    let (status, json) = raw(
        &sb,
        None,
        "POST /_sandbox/webhooks HTTP/1.1\r\ncontent-length: 1",
        b"[",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        json["error"].as_str().unwrap().contains("svix, snaptrade"),
        "{json}"
    );
    sb.shutdown().await;
}

/// Resets racing with state-changing requests neither deadlock nor break later requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resets_and_requests_leave_a_working_sandbox() {
    let sb = Sandbox::start().await.unwrap();
    let c = client();
    let portal = format!(
        "{}/api/v1/auth/app-portal-access/app_1",
        sb.app_portal_url()
    );
    let reset = format!("{}/_sandbox/reset", sb.base_url());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let c = c.clone();
        let (portal, reset) = (portal.clone(), reset.clone());
        tasks.push(tokio::spawn(async move {
            if i % 4 == 0 {
                send(c.post(reset)).await.0
            } else {
                send(
                    c.post(portal)
                        .bearer_auth(APP_PORTAL_TOKEN)
                        .header("idempotency-key", format!("k{}", i % 7))
                        .body("{}"),
                )
                .await
                .0
            }
        }));
    }
    let statuses = tokio::time::timeout(Duration::from_secs(20), async {
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        all
    })
    .await
    .expect("every request answered");
    assert!(
        statuses.iter().all(|s| [200, 204].contains(s)),
        "{statuses:?}"
    );
    let (status, _) = send(c.post(&portal).bearer_auth(APP_PORTAL_TOKEN).body("{}")).await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}
