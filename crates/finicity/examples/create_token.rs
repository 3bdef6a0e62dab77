//! Obtains the shared Finicity access token and says when it will be refreshed.
//!
//! ```sh
//! FINICITY_PARTNER_ID=… FINICITY_PARTNER_SECRET=… FINICITY_APP_KEY=… \
//!     cargo run -p fintra-finicity --example create_token
//! ```
//! `FINTRA_FINICITY_BASE_URL` replaces `https://api.finicity.com`, e.g.
//! `http://127.0.0.1:8081` for `cargo run -p fintra-sandbox -- --port 8080` (whose
//! demo credentials it prints). The token itself is never printed. Exits with status 2,
//! naming the variables, when one is missing.

use std::process::ExitCode;
use std::time::SystemTime;

use fintra_core::Client;
use fintra_finicity::{FinicityClient, FinicityCredentials};

/// Names the variables this example reads.
const USAGE: &str = "set FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET and FINICITY_APP_KEY \
(FINTRA_FINICITY_BASE_URL optional)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run().await.unwrap_or_else(|error| {
        eprintln!("error: {}", fintra_core::Report::new(&*error));
        ExitCode::FAILURE
    })
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let Some(credentials) = FinicityCredentials::from_env() else {
        eprintln!("error: missing configuration: {USAGE}");
        return Ok(ExitCode::from(2));
    };
    let mut config = Client::builder();
    if let Ok(url) = std::env::var("FINTRA_FINICITY_BASE_URL") {
        config = config.base_url(url);
    }
    let finicity = FinicityClient::with_config(credentials, config)?;
    println!("Finicity at {}", finicity.base_url());
    let token = finicity.access_token().await?;
    let refresh_in = token
        .refresh_at()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    println!(
        "Got a token for partner {} (generation {}); it will be refreshed in {} min",
        finicity.partner_id(),
        token.generation(),
        refresh_in.as_secs().div_ceil(60),
    );
    Ok(ExitCode::SUCCESS)
}
