//! Call latency across a token refresh when CreateToken is slow (200 ms, sandbox fault).
//!
//! * contender: the slowest of the calls made during the refresh window (from 75 minutes
//!   on, the token is replaced in the background);
//! * baseline: a call that has to wait for CreateToken (the token is past its maximum age),
//!   median of 5.
//!
//! Target: the slowest call in the refresh window is not slowed by CreateToken, i.e. it is
//! well below the 200 ms CreateToken delay (ratio ≪ 1).
//!
//! ```sh
//! cargo bench -p fintra-cli --bench refresh_latency
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use fintra_core::test_util::VirtualTime;
use fintra_finicity::FinicityClient;
use fintra_finicity::test_util::RedisServer;
use fintra_sandbox::{Fault, FaultKind, Route, Sandbox};

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)] // not every helper is used here
mod support;

const DELAY: Duration = Duration::from_millis(200);

async fn call(client: &FinicityClient) -> Duration {
    let start = Instant::now();
    support::list_configurations(client)
        .await
        .expect("the call succeeds");
    start.elapsed()
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await?;
    let time = Arc::new(VirtualTime::default());
    let client = support::sandbox_client_on_redis(&sandbox, &redis.url(), &time).await?;
    call(&client).await;
    sandbox.inject(Fault::new("/finicity/aggregation", FaultKind::Delay(DELAY)).times(100));

    // Contender: calls during the refresh window until the new token is in use.
    time.advance(Duration::from_secs(76 * 60));
    let before = client.access_token().await?.generation();
    let mut window = Vec::new();
    let started = Instant::now();
    while client.access_token().await?.generation() == before
        || started.elapsed() < Duration::from_millis(500)
    {
        window.push(call(&client).await);
    }
    let slowest = *window.iter().max().expect("calls were made");
    let p50 = percentile(&mut window, 0.5);

    // Baseline: a call that waits for CreateToken (token past its maximum age).
    let mut blocking = Vec::new();
    for _ in 0..5 {
        time.advance(Duration::from_secs(120 * 60));
        blocking.push(call(&client).await);
    }
    let blocked = percentile(&mut blocking, 0.5);
    let ratio = slowest.as_secs_f64() / blocked.as_secs_f64();
    println!("call latency across a refresh, CreateToken delayed by {DELAY:?}");
    println!(
        "  contender: slowest of {} calls in the refresh window: {:.2} ms (p50 {:.2} ms)",
        window.len(),
        slowest.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e3
    );
    println!(
        "  baseline:  a call waiting for CreateToken (median of 5): {:.2} ms",
        blocked.as_secs_f64() * 1e3
    );
    println!("  ratio:     {ratio:.3}x");
    println!(
        "  CreateToken calls: {}",
        sandbox.stats().hits(Route::FinicityCreateToken)
    );
    let ok = slowest < DELAY / 2;
    println!(
        "target: slowest call in the window < {:?} (not slowed by CreateToken) -> {}",
        DELAY / 2,
        if ok { "PASS" } else { "FAIL" }
    );
    sandbox.shutdown().await;
    Ok(())
}
