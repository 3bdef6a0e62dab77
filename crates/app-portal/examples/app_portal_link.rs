//! Prints an app portal magic link for an application.
//!
//! ```text
//! SVIX_AUTH_TOKEN=testsk_….eu SVIX_APP_ID=app_… cargo run -p fintra-app-portal --example app_portal_link
//! ```
//! `FINTRA_APP_PORTAL_BASE_URL` replaces the base URL inferred from the token's region suffix
//! (needed when the token has none), e.g. `http://127.0.0.1:8082` for
//! `cargo run -p fintra-sandbox -- --port 8080`. Exits with status 2, naming the variables,
//! when one is missing.

use std::process::ExitCode;

use fintra_app_portal::{AppPortalAccessIn, AppPortalClient};
use fintra_core::ClientBuilder;
use fintra_core::secret::{ExposeSecret, SecretString};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run().await.unwrap_or_else(|error| {
        eprintln!("error: {}", fintra_core::Report::new(&*error));
        ExitCode::FAILURE
    })
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let [Ok(token), Ok(app_id)] = ["SVIX_AUTH_TOKEN", "SVIX_APP_ID"].map(std::env::var) else {
        eprintln!(
            "error: missing configuration: set SVIX_AUTH_TOKEN and SVIX_APP_ID \
             (FINTRA_APP_PORTAL_BASE_URL optional, required for a token without a region suffix)"
        );
        return Ok(ExitCode::from(2));
    };
    let mut builder = ClientBuilder::new();
    if let Ok(url) = std::env::var("FINTRA_APP_PORTAL_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = AppPortalClient::with_config(SecretString::from(token), builder)?;
    println!("app portal at {}", client.base_url());
    let access = client
        .app_portal_access(&app_id, &AppPortalAccessIn::new(), None)
        .await?;
    println!("magic link for {app_id}: {}", access.url.expose_secret());
    Ok(ExitCode::SUCCESS)
}
