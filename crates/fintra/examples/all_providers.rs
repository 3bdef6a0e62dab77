//! Calls all four providers through the `fintra` crate. Start the local sandbox first
//! (`cargo run -p fintra-sandbox -- --port 8080` in a clone of fintra), or point the
//! FINTRA_FINICITY_BASE_URL, FINTRA_APP_PORTAL_BASE_URL and FINTRA_SNAPTRADE_BASE_URL
//! variables at another server.

use std::process::ExitCode;
use std::time::SystemTime;

use fintra::app_portal::{AppPortalAccessIn, AppPortalClient};
use fintra::connect_components::ConnectComponentsClient;
use fintra::connect_components::models::CreateConfiguration;
use fintra::core::Client;
use fintra::core::secret::SecretString;
// Each provider's types carry its name (`FinicityCredentials`, `SnapTradeCredentials`).
use fintra::{finicity, snaptrade};

/// The base URL in the environment variable `var`, else the local sandbox's listener for
/// that provider (`--port 8080` puts Finicity on 8081, the app portal on 8082, SnapTrade on 8083).
fn base_url(var: &str, sandbox_port: u16) -> String {
    std::env::var(var).unwrap_or_else(|_| format!("http://127.0.0.1:{sandbox_port}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let Err(error) = run().await else {
        return ExitCode::SUCCESS;
    };
    // What failed, then each cause, on one line (`{error:?}` shows every field).
    eprintln!("error: {}", error.report());
    ExitCode::FAILURE
}

async fn run() -> Result<(), fintra::Error> {
    // The sandbox's public demo credentials (`cargo run -p fintra-sandbox` prints them).
    let finicity = finicity::FinicityClient::with_config(
        finicity::FinicityCredentials::new(
            "1234583871234",
            SecretString::from("aqJ5Ic4SEVx2IgDQ6oR4"),
            SecretString::from("fintra-sandbox-finicity-app-key"),
        ),
        Client::builder().base_url(base_url("FINTRA_FINICITY_BASE_URL", 8081)),
    )?;
    let token = finicity.access_token().await?;
    let left = token
        .refresh_at()
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    println!(
        "Finicity: token issued, refreshed in {} min",
        left.as_secs() / 60
    );
    // Connect Components shares the Finicity client and its cached token.
    let components = ConnectComponentsClient::new(&finicity);
    let configuration = components
        .create_configuration(&CreateConfiguration::new(), None)
        .await?;
    println!(
        "Finicity Connect Components: configuration {:?}",
        configuration.id
    );

    let app_portal = AppPortalClient::with_config(
        SecretString::from("testsk_fintra_sandbox_app_portal_token"),
        Client::builder().base_url(base_url("FINTRA_APP_PORTAL_BASE_URL", 8082)),
    )?;
    let access = app_portal
        .app_portal_access("app_readme", &AppPortalAccessIn::new(), None)
        .await?;
    println!("App portal: magic link issued {access:?}"); // the link prints as [REDACTED]

    let snaptrade = snaptrade::SnapTradeClient::with_config(
        snaptrade::SnapTradeCredentials::new(
            "PASSIVTEST",
            SecretString::from("UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU"),
        ),
        Client::builder().base_url(base_url("FINTRA_SNAPTRADE_BASE_URL", 8083)),
    )?;
    let user = snaptrade
        .register_user(&snaptrade::RegisterUserRequest::new("readme-user"), None)
        .await?;
    println!(
        "SnapTrade: registered {} {:?}",
        user.user_id, user.user_secret
    );
    let deleted = snaptrade.delete_user(&user.user_id, None).await?;
    println!("SnapTrade: {} {}", deleted.status, deleted.user_id);
    Ok(())
}
