//! A cold Finicity client under 1,000 concurrent Connect Components calls makes exactly one
//! CreateToken call (single-flight token fetch), measured against the local sandbox.
//!
//! ```sh
//! cargo bench -p fintra --bench cold_token            # report
//! cargo bench -p fintra --bench cold_token -- --check # also exit 1 unless exactly one
//! ```

use std::time::Instant;

use fintra::connect_components::ConnectComponentsClient;
use fintra::core::Client;
use fintra::core::secret::SecretString;
use fintra::finicity::{FinicityClient, FinicityCredentials};
use fintra_sandbox::{Route, Sandbox};

const CALLS: usize = 1_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let check = std::env::args().any(|a| a == "--check");
    let sandbox = Sandbox::start().await?;
    let creds = sandbox.credentials();
    let finicity = FinicityClient::with_config(
        FinicityCredentials::new(
            creds.finicity_partner_id,
            SecretString::from(creds.finicity_partner_secret),
            SecretString::from(creds.finicity_app_key),
        ),
        Client::builder().base_url(sandbox.finicity_url()),
    )?;
    let components = ConnectComponentsClient::new(&finicity);

    let start = Instant::now();
    let mut tasks = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let components = components.clone();
        tasks.push(tokio::spawn(async move {
            components.list_configurations(None).await
        }));
    }
    let mut failures = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(_))) {
            failures += 1;
        }
    }
    let elapsed = start.elapsed();
    let stats = sandbox.stats();
    let tokens = stats.hits(Route::FinicityCreateToken);
    let lists = stats.hits(Route::FinicityListConfigurations);
    println!("cold Finicity client, {CALLS} concurrent list-configurations calls");
    println!("  CreateToken calls:        {tokens}");
    println!("  list calls served:        {lists} ({failures} failed)");
    println!(
        "  wall time:                {:.1} ms",
        elapsed.as_secs_f64() * 1e3
    );
    let ok = tokens == 1 && failures == 0 && lists == CALLS as u64;
    println!(
        "target: exactly one CreateToken, every call served -> {}",
        if ok { "PASS" } else { "FAIL" }
    );
    sandbox.shutdown().await;
    if check && !ok {
        std::process::exit(1);
    }
    Ok(())
}
