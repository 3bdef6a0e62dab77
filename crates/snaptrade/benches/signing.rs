//! SnapTrade request-signing cost per request (target: at most 2 µs).
//!
//! Measures the whole per-attempt signing step a request goes through: rebuilding the query
//! with `clientId` and `timestamp`, canonical JSON of `{content, path, query}`, HMAC-SHA256,
//! base64 and the `Signature` header, for a bodyless GET (listUsers) and a POST with a JSON
//! body (login).
//!
//! ```sh
//! cargo bench -p fintra-snaptrade --bench signing            # report
//! cargo bench -p fintra-snaptrade --bench signing -- --check # also exit 1 if over target
//! ```

use std::hint::black_box;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use fintra_core::auth::{RequestSigner, SignContext};
use fintra_core::secret::SecretString;
use fintra_snaptrade::signing::Signer;

const ITERATIONS: u32 = 200_000;
const TARGET: Duration = Duration::from_micros(2);

fn request(uri: &str, body: &'static [u8]) -> http::Request<Bytes> {
    let mut request = http::Request::new(Bytes::from_static(body));
    *request.uri_mut() = uri.parse().expect("valid URI");
    request
}

/// Signs one request; the SnapTrade signer completes without waiting.
fn sign(
    signer: &Signer,
    mut request: http::Request<Bytes>,
    cx: SignContext,
) -> http::Request<Bytes> {
    let mut future = signer.sign(&mut request, cx);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result.expect("signing succeeds"),
        Poll::Pending => panic!("the SnapTrade signer never waits"),
    }
    drop(future);
    request
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let signer = Signer::new(
        "PASSIVTEST",
        SecretString::from("UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU"),
    );
    let cases = [
        (
            "GET listUsers (no body)",
            request("https://api.snaptrade.com/api/v1/snapTrade/listUsers", b""),
        ),
        (
            "POST login (query + JSON body)",
            request(
                "https://api.snaptrade.com/api/v1/snapTrade/login?userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61",
                br#"{"broker":"ALPACA","immediateRedirect":true,"customRedirect":"https://snaptrade.com","connectionType":"read"}"#,
            ),
        ),
    ];
    let mut ok = true;
    println!("SnapTrade signing cost per request ({ITERATIONS} iterations each)");
    for (name, template) in &cases {
        let mut now = UNIX_EPOCH + Duration::from_secs(1_715_123_456);
        for _ in 0..10_000 {
            black_box(sign(
                &signer,
                template.clone(),
                SignContext {
                    operation: "bench",
                    attempt: 1,
                    now,
                },
            ));
        }
        // Clone outside the timed region so only signing is measured.
        let requests: Vec<_> = (0..ITERATIONS).map(|_| template.clone()).collect();
        let start = Instant::now();
        for request in requests {
            now += Duration::from_secs(1);
            black_box(sign(
                &signer,
                request,
                SignContext {
                    operation: "bench",
                    attempt: 1,
                    now,
                },
            ));
        }
        let per = start.elapsed() / ITERATIONS;
        ok &= per <= TARGET;
        println!("  {name:<32} {:>7.0} ns/request", per.as_nanos());
    }
    println!(
        "target: <= {} ns -> {}",
        TARGET.as_nanos(),
        if ok { "PASS" } else { "FAIL" }
    );
    if check && !ok {
        std::process::exit(1);
    }
}
