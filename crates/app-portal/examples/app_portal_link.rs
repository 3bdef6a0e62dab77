//! Prints an app portal magic link for an application.
//!
//! ```text
//! SVIX_AUTH_TOKEN=testsk_….eu SVIX_APP_ID=app_… cargo run -p fintra-app-portal --example app_portal_link
//! ```
//! `SVIX_SERVER_URL` overrides the base URL (needed when the token has no region suffix).

use fintra_app_portal::{AppPortalAccessIn, AppPortalClient};
use fintra_core::ClientBuilder;
use fintra_core::secret::{ExposeSecret, SecretString};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(token), Ok(app_id)) = (
        std::env::var("SVIX_AUTH_TOKEN"),
        std::env::var("SVIX_APP_ID"),
    ) else {
        eprintln!(
            "set SVIX_AUTH_TOKEN and SVIX_APP_ID (and optionally SVIX_SERVER_URL) to run this example"
        );
        return Ok(());
    };
    let mut builder = ClientBuilder::new();
    if let Ok(url) = std::env::var("SVIX_SERVER_URL") {
        builder = builder.base_url(url);
    }
    let client = AppPortalClient::with_config(SecretString::from(token), builder)?;
    let access = client
        .app_portal_access(&app_id, &AppPortalAccessIn::new(), None)
        .await?;
    println!("{}", access.url.expose_secret());
    Ok(())
}
