//! SnapTrade request-signing cost per attempt against its floor (target: at most 2×).
//!
//! The contender is the whole per-attempt signing step a request goes through: the query with
//! `clientId` and `timestamp`, the canonical text of `{content, path, query}`, HMAC-SHA256,
//! base64, the rewritten URI and the `Signature` header. The floor is a bare HMAC-SHA256
//! (keyed on the call) plus base64 of the same signed bytes; the target is checked against it.
//! A second, stricter reference starts from a precomputed key schedule, as the signer itself
//! does, and is printed beside it. All run interleaved in one process, five rounds each; the
//! medians and ratios are printed, for a bodyless GET (listUsers) and a POST with a JSON body
//! (login).
//!
//! ```sh
//! cargo bench -p fintra-snaptrade --bench signing            # report
//! cargo bench -p fintra-snaptrade --bench signing -- --check # also exit 1 if over 2×
//! ```

use std::hint::black_box;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use fintra_core::auth::{RequestSigner, SignContext};
use fintra_core::secret::SecretString;
use fintra_snaptrade::signing::{Signer, signed_content};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const ITERATIONS: u32 = 100_000;
const ROUNDS: usize = 5;
const TARGET_RATIO: f64 = 2.0;
const KEY: &str = "UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU";
const TS: u64 = 1_715_123_456;

/// A request as core hands it to the signer: URI, body and the client's default headers.
fn request(uri: &str, body: &'static [u8]) -> http::Request<Bytes> {
    let mut request = http::Request::new(Bytes::from_static(body));
    *request.uri_mut() = uri.parse().expect("valid URI");
    let headers = request.headers_mut();
    headers.insert(
        "user-agent",
        http::HeaderValue::from_static("fintra-snaptrade/0.1.0"),
    );
    headers.insert("accept", http::HeaderValue::from_static("application/json"));
    if !body.is_empty() {
        headers.insert(
            "content-type",
            http::HeaderValue::from_static("application/json"),
        );
    }
    request
}

/// Signs one request; the SnapTrade signer completes without waiting.
fn sign(signer: &Signer, request: &mut http::Request<Bytes>, now: u64) {
    let cx = SignContext {
        operation: "bench",
        attempt: 1,
        now: UNIX_EPOCH + Duration::from_secs(now),
    };
    let mut future = signer.sign(request, cx);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(result) => result.expect("signing succeeds"),
        Poll::Pending => panic!("the SnapTrade signer never waits"),
    }
}

/// Time per signing of `template`: a loop that clones, signs and drops the request (as core
/// does per attempt), minus the same loop without signing, so only signing is counted.
fn contender(signer: &Signer, template: &http::Request<Bytes>) -> Duration {
    let start = Instant::now();
    for i in 0..ITERATIONS {
        let mut request = template.clone();
        sign(signer, &mut request, TS + u64::from(i));
        black_box(request);
    }
    let with_signing = start.elapsed();
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        black_box(black_box(template).clone());
    }
    with_signing.saturating_sub(start.elapsed()) / ITERATIONS
}

/// Time per HMAC-SHA256 + base64 of `content`: keyed on every call (`keyed: None`, the bare
/// computation) or from a precomputed key schedule.
fn floor(keyed: Option<&Hmac<Sha256>>, content: &[u8]) -> Duration {
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        let mut mac = match keyed {
            Some(mac) => mac.clone(),
            None => Hmac::<Sha256>::new_from_slice(black_box(KEY).as_bytes()).expect("any key"),
        };
        mac.update(black_box(content));
        let encoded = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        black_box(encoded);
    }
    start.elapsed() / ITERATIONS
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let signer = Signer::new("PASSIVTEST", SecretString::from(KEY)).with_base_path("/api/v1");
    let mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).expect("any key length");
    let cases = [
        (
            "GET listUsers (no body)",
            request("https://api.snaptrade.com/api/v1/snapTrade/listUsers", b""),
        ),
        (
            "POST login (query + JSON body)",
            request(
                "https://api.snaptrade.com/api/v1/snapTrade/login?userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61",
                br#"{"broker":"ALPACA","connectionType":"read","customRedirect":"https://snaptrade.com","immediateRedirect":true}"#,
            ),
        ),
    ];
    let mut ok = true;
    println!(
        "SnapTrade signing per attempt vs HMAC-SHA256 + base64 of the same bytes \
         ({ITERATIONS} iterations x {ROUNDS} rounds, medians)"
    );
    println!(
        "  {:<32} {:>9} {:>9} {:>7} {:>9} {:>7}",
        "case", "signer ns", "floor ns", "ratio", "keyed ns", "ratio"
    );
    println!("  (floor: HMAC keyed per call + base64; keyed: key schedule precomputed + base64)");
    for (name, template) in &cases {
        // The exact bytes the signer MACs for this request at TS.
        let mut signed = template.clone();
        sign(&signer, &mut signed, TS);
        let uri = signed.uri();
        let path = uri.path().strip_prefix("/api/v1").expect("base path");
        let body = template.body();
        let content = signed_content(
            path,
            uri.query().unwrap_or_default(),
            (!body.is_empty()).then_some(&body[..]),
        )
        .expect("signable");
        let (mut signer_ns, mut bare_ns, mut keyed_ns) = (Vec::new(), Vec::new(), Vec::new());
        contender(&signer, template); // warm-up
        floor(None, content.as_bytes());
        for _ in 0..ROUNDS {
            signer_ns.push(contender(&signer, template));
            bare_ns.push(floor(None, content.as_bytes()));
            keyed_ns.push(floor(Some(&mac), content.as_bytes()));
        }
        let (s, bare, keyed) = (median(signer_ns), median(bare_ns), median(keyed_ns));
        let ratio = |f: Duration| s.as_nanos() as f64 / f.as_nanos().max(1) as f64;
        ok &= ratio(bare) <= TARGET_RATIO;
        println!(
            "  {name:<32} {:>9} {:>9} {:>6.2}x {:>9} {:>6.2}x",
            s.as_nanos(),
            bare.as_nanos(),
            ratio(bare),
            keyed.as_nanos(),
            ratio(keyed)
        );
    }
    println!(
        "target: signer <= {TARGET_RATIO}x floor -> {}",
        if ok { "PASS" } else { "FAIL" }
    );
    if check && !ok {
        std::process::exit(1);
    }
}
