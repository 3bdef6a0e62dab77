//! Webhook delivery (`POST /_sandbox/webhooks`) to hostile or unusual receivers.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::{client, json_body, send, start};

/// A receiver on the IPv6 loopback, named by its bracketed literal, gets the webhook.
#[tokio::test]
async fn delivers_to_an_ipv6_literal() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        eprintln!("no IPv6 loopback on this machine; nothing to check");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let receiver = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the headers");
            request.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&request).into_owned()
    });
    let (sb, c) = start().await;
    let url = format!("http://[::1]:{port}/hooks");
    let (status, body) = send(json_body(
        c.post(format!("{}/_sandbox/webhooks", sb.base_url())),
        &json!({ "url": url, "style": "svix" }),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["receiver_status"], 204);
    let request = receiver.await.unwrap();
    assert!(request.starts_with("POST /hooks HTTP/1.1\r\n"), "{request}");
    assert!(
        request
            .to_ascii_lowercase()
            .contains(&format!("host: [::1]:{port}\r\n")),
        "{request}"
    );
}

/// A receiver that accepts and never answers holds neither the caller past the delivery
/// timeout nor the sandbox's shutdown.
#[tokio::test]
async fn a_silent_receiver_does_not_hold_shutdown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let (sb, _) = start().await;
    let base = sb.base_url().to_owned();
    let pending = tokio::spawn(async move {
        client()
            .post(format!("{base}/_sandbox/webhooks"))
            .body(json!({ "url": url, "style": "snaptrade" }).to_string())
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    sb.shutdown().await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(200), "shutdown took {took:?}");
    // The caller's connection was closed, not left hanging.
    let outcome = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the caller is released")
        .unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
    silent.abort();
}
