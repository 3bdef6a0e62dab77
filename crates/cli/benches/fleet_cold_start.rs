//! Fleet cold start: 4 OS processes × 250 concurrent calls on cold clients, one sandbox.
//!
//! * contender: every process uses the Redis store (one token for the fleet);
//! * baseline: every process uses its own in-process store (one token per process).
//!
//! Prints the CreateToken count and the wall time (spawn to the last answer) of each, and
//! the wall-time ratio. The worker processes are this binary run again with
//! `FINTRA_BENCH_WORKER` set.
//!
//! ```sh
//! cargo bench -p fintra-cli --bench fleet_cold_start
//! ```

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fintra_finicity::auth::RedisStore;
use fintra_finicity::test_util::RedisServer;
use fintra_finicity::{FinicityClient, FinicityCredentials};
use fintra_sandbox::{Route, Sandbox};

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)] // the workers get the credentials as text
mod support;

const WORKER_ENV: &str = "FINTRA_BENCH_WORKER";
const PROCESSES: usize = 4;
const CALLS: usize = 250;

/// Worker: `url|redis-or-empty|partner|secret|app_key`; prints the number of failures.
async fn worker(spec: &str) -> usize {
    let parts: Vec<&str> = spec.split('|').collect();
    let [url, redis, partner, secret, app_key] = parts[..] else {
        panic!("bad worker spec");
    };
    let credentials = FinicityCredentials::new(partner, secret.into(), app_key.into());
    let mut builder =
        FinicityClient::builder(credentials.clone()).config(support::worker_config(url));
    if !redis.is_empty() {
        let store = RedisStore::connect(redis, &credentials)
            .await
            .expect("redis");
        builder = builder.store(Arc::new(store));
    }
    let client = builder.build().expect("client");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CALLS {
        let client = client.clone();
        tasks.spawn(async move { support::list_configurations(&client).await.is_ok() });
    }
    let mut failures = 0;
    while let Some(ok) = tasks.join_next().await {
        if !matches!(ok, Ok(true)) {
            failures += 1;
        }
    }
    failures
}

fn run_fleet(spec: &str) -> (Duration, usize) {
    let exe = std::env::current_exe().expect("own path");
    let start = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(&exe)
                .env(WORKER_ENV, spec)
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn a worker")
        })
        .collect();
    let mut failures = 0;
    for child in children {
        let out = child.wait_with_output().expect("worker output");
        failures += String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<usize>()
            .unwrap_or(CALLS);
    }
    (start.elapsed(), failures)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let Ok(spec) = std::env::var(WORKER_ENV) {
        println!("{}", runtime.block_on(worker(&spec)));
        return Ok(());
    }
    let (contender_sandbox, baseline_sandbox) =
        runtime.block_on(async { (Sandbox::start().await, Sandbox::start().await) });
    let (contender_sandbox, baseline_sandbox) = (contender_sandbox?, baseline_sandbox?);
    let creds = contender_sandbox.credentials();
    let spec = |sandbox: &Sandbox, redis_url: &str| {
        format!(
            "{}|{redis_url}|{}|{}|{}",
            sandbox.finicity_url(),
            creds.finicity_partner_id,
            creds.finicity_partner_secret,
            creds.finicity_app_key
        )
    };
    // Interleave: baseline, contender, baseline, contender… report the last pair after a
    // warm-up pair (binaries and the page cache warm).
    let mut rows = Vec::new();
    for _ in 0..2 {
        let redis = RedisServer::start(); // cold: a fresh, empty Redis per run
        let base = run_fleet(&spec(&baseline_sandbox, ""));
        std::thread::sleep(Duration::from_millis(500));
        let cont = run_fleet(&spec(&contender_sandbox, &redis.url()));
        // Let the sandbox close the previous run's connections.
        std::thread::sleep(Duration::from_millis(500));
        rows.push((cont, base));
    }
    let ((c_time, c_fail), (b_time, b_fail)) = rows[rows.len() - 1];
    let c_tokens = contender_sandbox.stats().hits(Route::FinicityCreateToken);
    let b_tokens = baseline_sandbox.stats().hits(Route::FinicityCreateToken);
    println!("fleet cold start: {PROCESSES} processes x {CALLS} concurrent calls");
    println!(
        "  contender (Redis store):      {:.1} ms, CreateToken calls {} (2 runs), failures {c_fail}",
        c_time.as_secs_f64() * 1e3,
        c_tokens
    );
    println!(
        "  baseline  (in-process store): {:.1} ms, CreateToken calls {} (2 runs), failures {b_fail}",
        b_time.as_secs_f64() * 1e3,
        b_tokens
    );
    println!(
        "  wall-time ratio:              {:.3}x",
        c_time.as_secs_f64() / b_time.as_secs_f64()
    );
    let ok = c_tokens == 2 && c_fail == 0;
    println!(
        "target: one CreateToken per cold fleet start, every call served -> {}",
        if ok { "PASS" } else { "FAIL" }
    );
    Ok(())
}
