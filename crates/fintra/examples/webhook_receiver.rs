//! A webhook receiver for both providers: verifies Svix-style deliveries (`POST /svix`) and
//! SnapTrade deliveries (`POST /snaptrade`) before trusting them.
//!
//! ```sh
//! # serve; point the provider (or the sandbox's webhook delivery) at http://127.0.0.1:8787/…
//! SVIX_WEBHOOK_SECRET=whsec_… SNAPTRADE_CONSUMER_KEY=… \
//!     cargo run -p fintra --example webhook_receiver
//! # or: serve on a free port, send one signed delivery of each kind to itself, and exit
//! cargo run -p fintra --example webhook_receiver -- --demo
//! ```
//!
//! Settings (environment):
//! * `SVIX_WEBHOOK_SECRET`: the endpoint's `whsec_…` signing secret;
//! * `SNAPTRADE_CONSUMER_KEY`: the consumer key SnapTrade signs webhooks with;
//! * `WEBHOOK_RECEIVER_ADDR`: where to listen (default `127.0.0.1:8787`).
//!
//! A verified delivery is answered `204` and printed; anything else gets `400` (missing or
//! malformed headers/body), `401` (bad signature) or `404`, with the reason in the body. The
//! secrets are never printed. Verification uses the **raw** body bytes, as received.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use fintra::app_portal::webhook::{Webhook, WebhookError as SvixError};
use fintra::core::secret::SecretString;
use fintra::snaptrade::webhook::{WebhookError as SnapTradeError, WebhookVerifier};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bodies larger than this are refused before verification.
const MAX_BODY: usize = 1024 * 1024;

struct Verifiers {
    svix: Webhook,
    snaptrade: WebhookVerifier,
}

#[tokio::main]
async fn main() -> ExitCode {
    let demo = std::env::args().any(|a| a == "--demo");
    let (svix_secret, snaptrade_key) = if demo {
        // Demo values, generated for this run only.
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
            "demo-consumer-key".to_owned(),
        )
    } else {
        match (
            std::env::var("SVIX_WEBHOOK_SECRET"),
            std::env::var("SNAPTRADE_CONSUMER_KEY"),
        ) {
            (Ok(s), Ok(k)) => (s, k),
            _ => {
                eprintln!(
                    "set SVIX_WEBHOOK_SECRET (whsec_…) and SNAPTRADE_CONSUMER_KEY, or run with \
                     --demo"
                );
                return ExitCode::from(2);
            }
        }
    };
    let svix = match Webhook::new(&svix_secret) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("SVIX_WEBHOOK_SECRET: {e}");
            return ExitCode::from(2);
        }
    };
    let verifiers = Arc::new(Verifiers {
        svix,
        snaptrade: WebhookVerifier::new(&SecretString::from(snaptrade_key)),
    });
    let addr = if demo {
        "127.0.0.1:0".to_owned()
    } else {
        std::env::var("WEBHOOK_RECEIVER_ADDR").unwrap_or_else(|_| "127.0.0.1:8787".to_owned())
    };
    let listener = match TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr} (WEBHOOK_RECEIVER_ADDR): {e}");
            return ExitCode::from(2);
        }
    };
    let local = listener
        .local_addr()
        .expect("a bound socket has an address");
    println!("listening on http://{local} (POST /svix, POST /snaptrade)");
    let server = tokio::spawn(serve(listener, verifiers.clone()));
    if !demo {
        let _ = server.await;
        return ExitCode::SUCCESS;
    }
    let ok = send_demo_deliveries(local, &verifiers).await;
    server.abort();
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn serve(listener: TcpListener, verifiers: Arc<Verifiers>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let verifiers = verifiers.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, verifiers.clone()));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    verifiers: Arc<Verifiers>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    if parts.method != Method::POST {
        return Ok(reply(StatusCode::METHOD_NOT_ALLOWED, "POST only"));
    }
    let body = match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::PAYLOAD_TOO_LARGE, "body over 1 MiB")),
    };
    let answer = match parts.uri.path() {
        "/svix" => match verifiers.svix.verify(&body, &parts.headers) {
            Ok(event) => {
                let kind = event.get("type").and_then(|t| t.as_str()).unwrap_or("?");
                println!("svix: verified event type={kind}");
                reply(StatusCode::NO_CONTENT, "")
            }
            Err(e @ SvixError::InvalidSignature) => reply(StatusCode::UNAUTHORIZED, &e.to_string()),
            Err(e) => reply(StatusCode::BAD_REQUEST, &e.to_string()),
        },
        "/snaptrade" => match verifiers.snaptrade.verify(&body, &parts.headers) {
            Ok(event) => {
                println!(
                    "snaptrade: verified {} for user {}",
                    event.event_type.as_str(),
                    event.user_id.as_deref().unwrap_or("?")
                );
                reply(StatusCode::NO_CONTENT, "")
            }
            Err(e @ SnapTradeError::InvalidSignature) => {
                reply(StatusCode::UNAUTHORIZED, &e.to_string())
            }
            Err(e) => reply(StatusCode::BAD_REQUEST, &e.to_string()),
        },
        _ => reply(StatusCode::NOT_FOUND, "POST /svix or /snaptrade"),
    };
    Ok(answer)
}

fn reply(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(text.to_owned())));
    *response.status_mut() = status;
    response
}

/// Sends one signed delivery of each kind, plus one forged one, and checks the answers.
async fn send_demo_deliveries(addr: SocketAddr, verifiers: &Verifiers) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let svix_body = br#"{"type":"invoice.paid","data":{"id":"inv_1"}}"#;
    let msg_id = "msg_demo_1";
    let svix_sig = verifiers
        .svix
        .sign(msg_id, now, svix_body)
        .expect("UTF-8 body");
    let svix_headers =
        format!("svix-id: {msg_id}\r\nsvix-timestamp: {now}\r\nsvix-signature: {svix_sig}\r\n");
    // Real deliveries carry their send time; SnapTrade's check only refuses times more
    // than 300 s in the past, so a fixed future time keeps this demo valid without
    // formatting dates.
    let snap_body = r#"{"webhookId":"dbaee13a-1184-4677-9741-b6845e60ee3a","clientId":"DEMO","eventTimestamp":"2099-01-01T00:00:00+00:00","userId":"demo-user","eventType":"USER_REGISTERED"}"#.to_owned();
    let snap_sig = verifiers
        .snaptrade
        .sign(snap_body.as_bytes())
        .expect("JSON body");
    let cases = [
        ("/svix", svix_headers.clone(), svix_body.to_vec(), 204),
        (
            "/snaptrade",
            format!("Signature: {snap_sig}\r\n"),
            snap_body.clone().into_bytes(),
            204,
        ),
        (
            "/snaptrade",
            "Signature: AAAA\r\n".to_owned(),
            snap_body.into_bytes(),
            401,
        ),
    ];
    let mut ok = true;
    for (path, headers, body, expected) in cases {
        match post(addr, path, &headers, &body).await {
            Ok(status) => {
                println!("POST {path} -> {status} (expected {expected})");
                ok &= status == expected;
            }
            Err(e) => {
                eprintln!("POST {path}: {e}");
                ok = false;
            }
        }
    }
    ok
}

/// A minimal HTTP/1.1 POST over a fresh connection; returns the status code.
async fn post(addr: SocketAddr, path: &str, headers: &str, body: &[u8]) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr).await?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n{headers}\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
}
