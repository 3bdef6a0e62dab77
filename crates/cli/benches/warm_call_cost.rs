//! Per-call cost of the shared Finicity token with a warm local cache: the Redis store
//! (contender) against the in-process store (baseline). Target: ≤ 1.02×.
//!
//! Both clients are warm (a token cached in the process); the contenders run interleaved,
//! in 21 rounds of 100,000 `access_token()` calls each; the medians of the per-round
//! per-call times are compared.
//!
//! ```sh
//! cargo bench -p fintra-cli --bench warm_call_cost
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use fintra_core::Client;
use fintra_finicity::FinicityClient;
use fintra_finicity::auth::RedisStore;
use fintra_finicity::test_util::RedisServer;
use fintra_sandbox::{Route, Sandbox};

#[path = "../tests/support/mod.rs"]
#[allow(dead_code)] // this bench only asks for the token
mod support;

const ROUNDS: usize = 21;
const CALLS: u32 = 100_000;

async fn per_call(client: &FinicityClient) -> Duration {
    let start = Instant::now();
    for _ in 0..CALLS {
        std::hint::black_box(client.access_token().await.map(|t| t.generation()).ok());
    }
    start.elapsed() / CALLS
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await?;
    let credentials = || support::sandbox_credentials(&sandbox);
    let store = RedisStore::connect(&redis.url(), &credentials()).await?;
    let with_redis = FinicityClient::builder(credentials())
        .config(Client::builder().base_url(sandbox.finicity_url()))
        .store(Arc::new(store))
        .build()?;
    // Another host name for the same sandbox: a separate in-process registry entry.
    let in_process = FinicityClient::builder(credentials())
        .config(
            Client::builder().base_url(sandbox.finicity_url().replace("127.0.0.1", "localhost")),
        )
        .build()?;
    with_redis.access_token().await?;
    in_process.access_token().await?;

    let (mut contender, mut baseline) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        if round % 2 == 0 {
            contender.push(per_call(&with_redis).await);
            baseline.push(per_call(&in_process).await);
        } else {
            baseline.push(per_call(&in_process).await);
            contender.push(per_call(&with_redis).await);
        }
    }
    let (c, b) = (median(contender), median(baseline));
    let ratio = c.as_secs_f64() / b.as_secs_f64();
    println!("warm access_token(), {ROUNDS} interleaved rounds x {CALLS} calls, median per call");
    println!(
        "  contender (Redis store, warm local cache): {:.1} ns",
        c.as_secs_f64() * 1e9
    );
    println!(
        "  baseline  (in-process store):              {:.1} ns",
        b.as_secs_f64() * 1e9
    );
    println!("  ratio:                                     {ratio:.3}x (target <= 1.02x)");
    println!(
        "  CreateToken calls: {} (one per store)",
        sandbox.stats().hits(Route::FinicityCreateToken)
    );
    println!("target -> {}", if ratio <= 1.02 { "PASS" } else { "FAIL" });
    sandbox.shutdown().await;
    Ok(())
}
