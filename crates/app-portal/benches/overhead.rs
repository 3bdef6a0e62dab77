//! Per-call overhead of `AppPortalClient::app_portal_access` against raw `reqwest` sending the
//! same request (issue 9, "Per-call overhead").
//!
//! Both contenders call the same keep-alive HTTP/1.1 server on loopback (a minimal server in
//! this file, so server cost is identical and tiny) with the same request: `POST
//! /api/v1/auth/app-portal-access/{app_id}`, a JSON body, `authorization: Bearer …`,
//! `content-type`, `accept`, `user-agent`, a fresh `idempotency-key: auto_<uuid v4>` and a fresh
//! `svix-req-id` per call, and both decode the answer into `AppPortalAccessOut`. Before timing,
//! the server captures one request of each contender and the bench checks they are the same
//! (method, path, header names, body; fresh values aside). The raw side has the same 30 s
//! per-attempt deadline as fintra's default and generates its per-call values as cheaply as
//! fintra does (`fastrand` bits), so the ratio is the SDK's own cost.
//!
//! Two scenarios, contenders interleaved in one process:
//! - concurrency 1: calls alternate; p50 ratio target ≤ 1.05×;
//! - concurrency 64: rounds alternate (64 tasks on a 2-worker runtime, each making a fixed
//!   number of calls) in pairs, the order within a pair alternating; the median of the
//!   per-pair throughput ratios has the target ≥ 0.95×.
//!
//! Each prints a control (raw reqwest against a second, identical raw reqwest client) so the
//! noise floor is visible.
//!
//! ```sh
//! cargo bench -p fintra-app-portal --bench overhead            # report
//! cargo bench -p fintra-app-portal --bench overhead -- --check # also exit 1 if over target
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fintra_app_portal::{AppPortalAccessIn, AppPortalAccessOut, AppPortalClient};
use fintra_core::ClientBuilder;
use fintra_core::reqwest;
use fintra_core::secret::SecretString;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "testsk_bench_0123456789abcdefghijklmnop";
const APP_ID: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
const USER_AGENT: &str = concat!("fintra-app-portal/", env!("CARGO_PKG_VERSION"));
/// The spec's example answer.
const ACCESS_OUT: &str = r#"{"token":"appsk_kV3ts5tKPNJN4Dl25cMTfUNdmabxbX0O","url":"https://app.svix.com/login#key=eyJhcHBJZCI6ICJhcHBfMXRSdFl"}"#;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

const WARMUP: usize = 500;
const CALLS: usize = 5_000;
const TARGET_P50: f64 = 1.05;
const CONCURRENCY: usize = 64;
const ROUNDS: usize = 41;
const CALLS_PER_TASK: usize = 60;
const TARGET_THROUGHPUT: f64 = 0.95;

/// The last request the server saw, when capturing is switched on.
type Capture = Arc<Mutex<Option<Vec<u8>>>>;

/// The value of header `name` if `line` (one line of a request head) is that header.
fn header_value<'a>(line: &'a [u8], name: &str) -> Option<&'a str> {
    let line = std::str::from_utf8(line).ok()?;
    let (key, value) = line.split_once(':')?;
    key.eq_ignore_ascii_case(name).then(|| value.trim())
}

/// Serves one keep-alive connection: reads each request (head line by line, then its
/// `content-length` body) and answers `response`. Ends when the client closes.
async fn connection(mut socket: TcpStream, response: Arc<[u8]>, capture: Capture) {
    let (read, mut write) = socket.split();
    let mut reader = BufReader::new(read);
    let mut request = Vec::with_capacity(4096);
    loop {
        request.clear();
        let mut length = 0;
        loop {
            let start = request.len();
            match reader.read_until(b'\n', &mut request).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = &request[start..];
            if line == b"\r\n" {
                break;
            }
            if let Some(value) = header_value(line, "content-length") {
                length = value.parse().unwrap_or(0);
            }
        }
        let start = request.len();
        request.resize(start + length, 0);
        if reader.read_exact(&mut request[start..]).await.is_err() {
            return;
        }
        if let Ok(mut slot) = capture.lock()
            && slot.is_some()
        {
            *slot = Some(request.clone());
        }
        if write.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// Accepts connections and serves each on its own task.
async fn serve(listener: TcpListener, capture: Capture) {
    let response: Arc<[u8]> = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ACCESS_OUT}",
        ACCESS_OUT.len()
    )
    .into_bytes()
    .into();
    while let Ok((socket, _)) = listener.accept().await {
        tokio::spawn(connection(socket, response.clone(), capture.clone()));
    }
}

/// Starts the server on loopback; returns its base URL and capture slot.
async fn start_server() -> Result<(String, Capture), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let capture: Capture = Arc::default();
    tokio::spawn(serve(listener, capture.clone()));
    Ok((base, capture))
}

/// The request body both contenders send.
fn body() -> AppPortalAccessIn {
    AppPortalAccessIn::new()
        .feature_flags(["billing", "beta-ui"])
        .expiry(3_600)
        .session_id("sess_01HZX4Q7")
}

/// `auto_` + a uuid v4 from `fastrand` bits, as cheaply as fintra makes its own keys.
fn raw_idempotency_key() -> reqwest::header::HeaderValue {
    let mut random = [0u8; 16];
    random[..8].copy_from_slice(&fastrand::u64(..).to_le_bytes());
    random[8..].copy_from_slice(&fastrand::u64(..).to_le_bytes());
    let uuid = uuid::Builder::from_random_bytes(random).into_uuid();
    let mut text = [0u8; 5 + uuid::fmt::Hyphenated::LENGTH];
    text[..5].copy_from_slice(b"auto_");
    uuid.hyphenated().encode_lower(&mut text[5..]);
    reqwest::header::HeaderValue::from_bytes(&text).expect("header-safe")
}

/// The raw contender: a `reqwest::Client` and the request's fixed parts.
#[derive(Clone)]
struct Raw {
    client: reqwest::Client,
    url: Arc<str>,
    authorization: reqwest::header::HeaderValue,
    body: Arc<AppPortalAccessIn>,
}

impl Raw {
    fn new(base: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let mut authorization = reqwest::header::HeaderValue::from_str(&format!("Bearer {TOKEN}"))?;
        authorization.set_sensitive(true);
        Ok(Raw {
            client: fintra_core::reqwest_client_builder().build()?,
            url: format!("{base}/api/v1/auth/app-portal-access/{APP_ID}").into(),
            authorization,
            body: Arc::new(body()),
        })
    }

    /// One call: the same request fintra sends, status checked, answer decoded.
    async fn call(&self) -> Result<AppPortalAccessOut, Box<dyn std::error::Error + Send + Sync>> {
        let bytes = self
            .client
            .post(&*self.url)
            .header("authorization", self.authorization.clone())
            .header("accept", "application/json")
            .header("user-agent", USER_AGENT)
            .header("idempotency-key", raw_idempotency_key())
            .header("svix-req-id", fastrand::u32(..))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&*self.body)?)
            .timeout(ATTEMPT_TIMEOUT)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The fintra contender (or, for the control, a second raw client).
#[derive(Clone)]
enum Contender {
    Fintra(AppPortalClient, Arc<AppPortalAccessIn>),
    Raw(Raw),
}

impl Contender {
    fn new(base: &str, control: bool) -> Result<Self, Box<dyn std::error::Error>> {
        Ok(if control {
            Contender::Raw(Raw::new(base)?)
        } else {
            let client = AppPortalClient::with_config(
                SecretString::from(TOKEN),
                ClientBuilder::new().base_url(base),
            )?;
            Contender::Fintra(client, Arc::new(body()))
        })
    }

    async fn call(&self) -> Result<AppPortalAccessOut, Box<dyn std::error::Error + Send + Sync>> {
        match self {
            Contender::Fintra(client, body) => {
                Ok(client.app_portal_access(APP_ID, body, None).await?)
            }
            Contender::Raw(raw) => raw.call().await,
        }
    }
}

/// Method, path, header names, and body of a captured request, with the per-call values
/// (`idempotency-key`, `svix-req-id`) reduced to their shape.
fn normalise(request: &[u8]) -> (String, Vec<String>, String) {
    let text = String::from_utf8_lossy(request);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim();
            match name.as_str() {
                "idempotency-key" => format!("{name}: auto_<uuid:{}>", value.len()),
                "svix-req-id" => format!("{name}: <u32:{}>", value.parse::<u32>().is_ok()),
                _ => format!("{name}: {value}"),
            }
        })
        .collect();
    headers.sort();
    (request_line, headers, body.to_owned())
}

/// Makes one call of each contender with the server capturing, and checks both sent the
/// same request.
async fn same_request(
    raw: &Raw,
    other: &Contender,
    capture: &Capture,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut seen = Vec::new();
    for call in [0, 1] {
        *capture.lock().expect("capture lock") = Some(Vec::new());
        if call == 0 {
            raw.call().await?;
        } else {
            other.call().await?;
        }
        let request = capture
            .lock()
            .expect("capture lock")
            .take()
            .unwrap_or_default();
        seen.push(normalise(&request));
    }
    if seen[0] != seen[1] {
        return Err(format!(
            "the contenders send different requests:\nraw:    {:?}\nfintra: {:?}",
            seen[0], seen[1]
        )
        .into());
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Concurrency 1: `CALLS` alternating calls; returns (raw, other) sorted latencies.
async fn latency(
    raw: &Raw,
    other: &Contender,
) -> Result<(Vec<Duration>, Vec<Duration>), Box<dyn std::error::Error + Send + Sync>> {
    for _ in 0..WARMUP {
        raw.call().await?;
        other.call().await?;
    }
    let mut raw_times = Vec::with_capacity(CALLS);
    let mut other_times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let t = Instant::now();
        raw.call().await?;
        raw_times.push(t.elapsed());
        let t = Instant::now();
        other.call().await?;
        other_times.push(t.elapsed());
    }
    raw_times.sort();
    other_times.sort();
    Ok((raw_times, other_times))
}

/// One round at concurrency 64: calls per second.
async fn round(contender: &Contender) -> Result<f64, Box<dyn std::error::Error + Send + Sync>> {
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let contender = contender.clone();
            tokio::spawn(async move {
                for _ in 0..CALLS_PER_TASK {
                    contender.call().await?;
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok((CONCURRENCY * CALLS_PER_TASK) as f64 / start.elapsed().as_secs_f64())
}

/// Concurrency 64: `ROUNDS` pairs of rounds (after one warm-up round each), the order within
/// a pair alternating (raw first, then the other first); returns the per-pair rates (raw,
/// other).
///
/// Rounds are short and many: on a 2-core VM the whole process (both contenders and the
/// server) switches now and then, for seconds, between a fast and a slow regime (about 70k
/// and 37k calls/s for raw reqwest alike). A pair's two rounds almost always run in the same
/// regime, so the median of the per-pair ratios compares like with like; long rounds that
/// straddle a switch would not.
async fn throughput(
    raw: &Raw,
    other: &Contender,
) -> Result<(Vec<f64>, Vec<f64>), Box<dyn std::error::Error + Send + Sync>> {
    let raw = Contender::Raw(raw.clone());
    round(&raw).await?;
    round(other).await?;
    let mut raw_rates = Vec::with_capacity(ROUNDS);
    let mut other_rates = Vec::with_capacity(ROUNDS);
    for pair in 0..ROUNDS {
        if pair % 2 == 0 {
            raw_rates.push(round(&raw).await?);
            other_rates.push(round(other).await?);
        } else {
            other_rates.push(round(other).await?);
            raw_rates.push(round(&raw).await?);
        }
    }
    Ok((raw_rates, other_rates))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn label(control: bool) -> &'static str {
    if control {
        "control: reqwest against an identical reqwest client (noise floor, not a target)"
    } else {
        "fintra app_portal_access against raw reqwest"
    }
}

/// Concurrency 1 on a current-thread runtime; true when the target holds.
fn run_latency() -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (base, capture) = start_server().await.map_err(|e| e.to_string())?;
        println!(
            "concurrency 1: per-call latency over {CALLS} alternating calls each \
             (loopback, keep-alive, POST + JSON body + JSON decode)"
        );
        let mut ok = true;
        for control in [false, true] {
            let raw = Raw::new(&base).map_err(|e| e.to_string())?;
            let other = Contender::new(&base, control).map_err(|e| e.to_string())?;
            same_request(&raw, &other, &capture).await?;
            let (r, o) = latency(&raw, &other).await?;
            println!("\n{}", label(control));
            let name = if control { "reqwest" } else { "fintra" };
            println!("{:>6} {:>12} {:>12} {:>8}", "", "reqwest", name, "ratio");
            for (name, p) in [("p50", 0.50), ("p99", 0.99)] {
                let (r, o) = (percentile(&r, p), percentile(&o, p));
                let ratio = o.as_secs_f64() / r.as_secs_f64();
                let checked = !control && p == 0.50;
                ok &= !checked || ratio <= TARGET_P50;
                println!(
                    "{name:>6} {:>10.1}µs {:>10.1}µs {ratio:>7.3}x{}",
                    r.as_secs_f64() * 1e6,
                    o.as_secs_f64() * 1e6,
                    match (checked, ratio <= TARGET_P50) {
                        (false, _) => String::new(),
                        (true, true) => format!("  (target <= {TARGET_P50}: PASS)"),
                        (true, false) => format!("  (target <= {TARGET_P50}: FAIL)"),
                    }
                );
            }
        }
        Ok(ok)
    })
}

/// Concurrency 64 on a 2-worker runtime; true when the target holds.
fn run_throughput() -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (base, capture) = start_server().await.map_err(|e| e.to_string())?;
        println!(
            "\nconcurrency {CONCURRENCY}: throughput, {ROUNDS} pairs of rounds (order alternating) \
             of {CONCURRENCY} tasks x {CALLS_PER_TASK} calls (2 runtime workers)"
        );
        let mut ok = true;
        for control in [false, true] {
            let raw = Raw::new(&base).map_err(|e| e.to_string())?;
            let other = Contender::new(&base, control).map_err(|e| e.to_string())?;
            same_request(&raw, &other, &capture).await?;
            let (r, o) = throughput(&raw, &other).await?;
            // Rounds are paired, so the median of the per-pair ratios is less exposed to drift
            // and regime switches than a ratio of medians.
            let ratios: Vec<f64> = r.iter().zip(&o).map(|(r, o)| o / r).collect();
            let ratio = median(&ratios);
            println!("\n{}", label(control));
            let name = if control { "reqwest" } else { "fintra" };
            for (name, rates) in [("reqwest", &r), (name, &o)] {
                let [min, q1, mid, q3, max] = spread(rates);
                println!(
                    "  {name:<7} median {mid:>8.0} calls/s  (min {min:.0}, quartiles \
                     {q1:.0}-{q3:.0}, max {max:.0})"
                );
            }
            let [_, q1, _, q3, _] = spread(&ratios);
            let pass = ratio >= TARGET_THROUGHPUT;
            ok &= control || pass;
            println!(
                "  median of per-pair ratios {ratio:.3}x (quartiles {q1:.3}-{q3:.3}){}",
                match (control, pass) {
                    (true, _) => String::new(),
                    (false, true) => format!("  (target >= {TARGET_THROUGHPUT}: PASS)"),
                    (false, false) => format!("  (target >= {TARGET_THROUGHPUT}: FAIL)"),
                }
            );
        }
        Ok(ok)
    })
}

/// Min, lower quartile, median, upper quartile and max.
fn spread(values: &[f64]) -> [f64; 5] {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    [at(0.0), at(0.25), at(0.5), at(0.75), at(1.0)]
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let check = std::env::args().any(|a| a == "--check");
    let latency_ok = run_latency()?;
    let throughput_ok = run_throughput()?;
    println!(
        "\nconcurrency 1 p50 <= {TARGET_P50}x: {}; concurrency {CONCURRENCY} throughput >= \
         {TARGET_THROUGHPUT}x: {}",
        if latency_ok { "PASS" } else { "FAIL" },
        if throughput_ok { "PASS" } else { "FAIL" }
    );
    if check && !(latency_ok && throughput_ok) {
        std::process::exit(1);
    }
    Ok(())
}
