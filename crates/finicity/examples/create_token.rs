//! Obtains the shared Finicity access token.
//!
//! ```sh
//! FINICITY_PARTNER_ID=… FINICITY_PARTNER_SECRET=… FINICITY_APP_KEY=… \
//!     cargo run -p fintra-finicity --example create_token
//! ```
//! `FINICITY_BASE_URL` overrides `https://api.finicity.com`. The token itself is never printed.

use fintra_core::Client;
use fintra_finicity::{Credentials, FinicityClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(credentials) = Credentials::from_env() else {
        println!(
            "Set {}, {} and {} (sandbox or production values) to run this example.",
            Credentials::ENV_PARTNER_ID,
            Credentials::ENV_PARTNER_SECRET,
            Credentials::ENV_APP_KEY
        );
        return Ok(());
    };
    let mut config = Client::builder();
    if let Ok(url) = std::env::var("FINICITY_BASE_URL") {
        config = config.base_url(url);
    }
    let finicity = FinicityClient::with_config(credentials, config)?;
    let token = finicity.access_token().await?;
    println!(
        "Got a token for partner {} (generation {}); it will be refreshed at {:?}: {token:?}",
        finicity.partner_id(),
        token.generation(),
        token.refresh_at(),
    );
    Ok(())
}
