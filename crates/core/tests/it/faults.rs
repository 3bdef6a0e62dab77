//! The fault matrix: a hostile loopback server (raw tokio `TcpListener`) answering every way
//! a server can go wrong. Every case ends in a typed error, never a panic, and no secret
//! appears in the error's Display or Debug or in any log line.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use fintra_core::auth::HeaderSigner;
use fintra_core::secret::SecretString;
use fintra_core::test_util::VirtualTime;
use fintra_core::{
    Client, ClientBuilder, Error, Operation, RequestOptions, RetryPolicy, TransportErrorKind,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::loopback::{Next, RawServer, Request};
use crate::support::CapturedLogs;

const TOKEN: &str = "tok-fault-5ecret";
const QUERY_SECRET: &str = "qs-fault-5ecret";

/// Runs `case` with logs captured, then checks that neither the error nor the logs show a
/// secret; returns the error.
async fn run<F: Future<Output = Result<fintra_core::Response, Error>>>(case: F) -> Error {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let err = match case.await {
        Ok(response) => panic!("expected an error, got HTTP {}", response.status()),
        Err(e) => e,
    };
    let text = format!("{err}\n{err:?}\n{}", logs.text());
    for secret in [TOKEN, QUERY_SECRET] {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
    err
}

fn builder(server: &RawServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.base_url())
        .retry(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(400))
        .signer(Arc::new(
            HeaderSigner::bearer(SecretString::from(TOKEN)).unwrap(),
        ))
}

fn op() -> Operation {
    Operation::get("Fault", "/fault").secret_query("token", &SecretString::from(QUERY_SECRET))
}

async fn call(client: &Client) -> Result<fintra_core::Response, Error> {
    client.execute(op(), &RequestOptions::new()).await
}

/// A JSON decode of the answer (for success statuses whose body is wrong).
async fn call_json(client: &Client) -> Result<fintra_core::Response, Error> {
    let response = call(client).await?;
    response.json::<serde_json::Value>().map(|_| response)
}

fn transport_kind(err: &Error) -> TransportErrorKind {
    match err {
        Error::Transport(t) => t.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn is_decode(err: &Error) -> bool {
    matches!(err, Error::Decode(_))
}

async fn write_then(mut stream: TcpStream, bytes: &[u8], next: Next) -> Next {
    if stream.write_all(bytes).await.is_err() {
        return Next::Close;
    }
    match next {
        Next::KeepAlive(_) => Next::KeepAlive(stream),
        Next::Close => Next::Close,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_body_over_the_cap() {
    let server = RawServer::always(b"HTTP/1.1 200 OK\r\ncontent-length: 2048\r\n\r\n").await;
    let client = builder(&server).max_response_bytes(1024).build().unwrap();
    let err = run(call(&client)).await;
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
}

#[tokio::test(flavor = "current_thread")]
async fn an_endless_chunked_body() {
    let server = RawServer::start(|_, mut stream: TcpStream| async move {
        let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return Next::Close;
        }
        let chunk = format!("400\r\n{}\r\n", "x".repeat(1024));
        while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        Next::Close
    })
    .await;
    let client = builder(&server)
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let err = run(call(&client)).await;
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
}

#[tokio::test(flavor = "current_thread")]
async fn a_content_length_longer_than_the_body() {
    let server = RawServer::start(|_, stream| {
        write_then(
            stream,
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"short\":1}",
            Next::Close,
        )
    })
    .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    assert_eq!(transport_kind(&err), TransportErrorKind::Io);
    assert!(err.to_string().contains("127.0.0.1:"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_reset_mid_body() {
    let server = RawServer::start(|_, mut stream: TcpStream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n[1,2,3,")
            .await;
        let _ = stream.flush().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = stream.set_zero_linger();
        drop(stream); // RST
        Next::Close
    })
    .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    assert_eq!(transport_kind(&err), TransportErrorKind::Io);
}

#[tokio::test(flavor = "current_thread")]
async fn a_server_that_never_answers() {
    let server = RawServer::start(|_, stream: TcpStream| async move {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(stream);
        Next::Close
    })
    .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(server.stats.requests(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_one_byte_per_second_drip() {
    let server = RawServer::start(|_, mut stream: TcpStream| async move {
        for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}" {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Next::Close
    })
    .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn invalid_utf8_truncated_json_and_deep_nesting_in_a_success() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"\xff\xfe\xfd{\"a\":1}".to_vec(),
        b"{\"a\": [1, 2".to_vec(),
        deep.into_bytes(),
    ];
    for body in bodies {
        let mut raw =
            format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
        raw.extend_from_slice(&body);
        let raw: &'static [u8] = Box::leak(raw.into_boxed_slice());
        let server = RawServer::always(raw).await;
        let client = builder(&server).build().unwrap();
        let err = run(call_json(&client)).await;
        assert!(is_decode(&err), "{err:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn deep_nesting_and_invalid_utf8_in_an_error_body() {
    let deep = "{\"a\":".repeat(100_000);
    for body in [deep.into_bytes(), b"\xff\xfe".to_vec()] {
        let mut raw = format!(
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        raw.extend_from_slice(&body);
        let raw: &'static [u8] = Box::leak(raw.into_boxed_slice());
        let server = RawServer::always(raw).await;
        let client = builder(&server).build().unwrap();
        let err = run(call(&client)).await;
        let api = err.as_api().unwrap();
        assert_eq!(api.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(api.code(), None);
        assert_eq!(api.body().len(), body.len());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_html_5xx_page() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let raw = format!(
        "HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{html}",
        html.len()
    );
    let raw: &'static [u8] = Box::leak(raw.into_bytes().into_boxed_slice());
    let server = RawServer::always(raw).await;
    let client = builder(&server)
        .retry(
            crate::support::policy()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::ZERO),
        )
        .build()
        .unwrap();
    let err = run(call(&client)).await;
    let api = err.as_api().unwrap();
    assert_eq!(api.status(), http::StatusCode::BAD_GATEWAY);
    assert_eq!(api.body(), html.as_bytes());
    assert_eq!(err.attempts(), 2);
    assert_eq!(server.stats.requests(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_200_with_an_empty_body_and_a_204_where_json_is_expected() {
    for raw in [
        &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
        &b"HTTP/1.1 204 No Content\r\n\r\n"[..],
    ] {
        let server = RawServer::always(raw).await;
        let client = builder(&server).build().unwrap();
        let err = run(call_json(&client)).await;
        assert!(is_decode(&err), "{err:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn duplicate_headers() {
    // Two different Content-Lengths: the message is malformed; refused as a transport error.
    let server =
        RawServer::always(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\n{}")
            .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    // Repeated request ids and Retry-After: the first of each is used.
    let server = RawServer::always(
        b"HTTP/1.1 404 Not Found\r\nx-request-id: first\r\nx-request-id: second\r\nretry-after: 7\r\nretry-after: 9\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    let client = builder(&server).build().unwrap();
    let err = run(call(&client)).await;
    let api = err.as_api().unwrap();
    assert_eq!(api.request_id(), Some("first"));
    assert_eq!(api.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test(flavor = "current_thread")]
async fn garbage_negative_huge_and_past_retry_after_values() {
    // (Retry-After value, expected wait before the second attempt: None = no retry at all)
    let cases: [(&str, Option<Duration>); 5] = [
        ("soon", Some(Duration::from_millis(100))),
        ("-5", Some(Duration::from_millis(100))),
        ("99999999999999999999999999", None),
        ("18446744073709551615", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", Some(Duration::ZERO)),
    ];
    for (value, wait) in cases {
        let raw = format!(
            "HTTP/1.1 429 Too Many Requests\r\nretry-after: {value}\r\ncontent-length: 0\r\n\r\n"
        );
        let raw: &'static [u8] = Box::leak(raw.into_bytes().into_boxed_slice());
        let server = RawServer::always(raw).await;
        let time = Arc::new(VirtualTime::default());
        let client = builder(&server)
            .retry(crate::support::policy().with_max_attempts(2))
            .clock(time.clone())
            .sleep(time.clone())
            .build()
            .unwrap();
        let err = run(call(&client)).await;
        assert_eq!(err.status(), Some(http::StatusCode::TOO_MANY_REQUESTS));
        match wait {
            Some(w) => {
                assert_eq!(time.sleeps(), vec![w], "{value}");
                assert_eq!(server.stats.requests(), 2, "{value}");
            }
            None => {
                assert!(time.sleeps().is_empty(), "{value}");
                assert_eq!(server.stats.requests(), 1, "{value}");
            }
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_redirect_to_another_origin() {
    let other = RawServer::always(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}").await;
    let location = format!("{}/steal", other.base_url());
    let server = RawServer::start(move |_: Request, stream| {
        let raw = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n"
        );
        async move { write_then(stream, raw.as_bytes(), Next::Close).await }
    })
    .await;
    let client = builder(&server)
        .reqwest_builder(
            fintra_core::reqwest_client_builder()
                .redirect(fintra_core::reqwest::redirect::Policy::limited(5)),
        )
        .build()
        .unwrap();
    let err = run(call(&client)).await;
    assert_eq!(err.status(), Some(http::StatusCode::TEMPORARY_REDIRECT));
    assert_eq!(other.stats.connections(), 0);
}
