//! Registers a user, prints a connection-portal link, and deletes the user again.
//!
//! ```text
//! SNAPTRADE_CLIENT_ID=… SNAPTRADE_CONSUMER_KEY=… cargo run -p fintra-snaptrade --example snaptrade_login
//! ```
//! `FINTRA_SNAPTRADE_BASE_URL` replaces `https://api.snaptrade.com`, e.g.
//! `http://127.0.0.1:8083` for `cargo run -p fintra-sandbox -- --port 8080`
//! (whose demo credentials it prints). Exits with status 2, naming the variables, when one is
//! missing.

use std::process::ExitCode;

use fintra_core::Client;
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_snaptrade::{LoginResponse, RegisterUserRequest, SnapTradeClient, SnapTradeCredentials};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run().await.unwrap_or_else(|error| {
        eprintln!("error: {}", fintra_core::Report::new(&*error));
        ExitCode::FAILURE
    })
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let vars = ["SNAPTRADE_CLIENT_ID", "SNAPTRADE_CONSUMER_KEY"].map(std::env::var);
    let [Ok(client_id), Ok(key)] = vars else {
        eprintln!(
            "error: missing configuration: set SNAPTRADE_CLIENT_ID and SNAPTRADE_CONSUMER_KEY \
             (FINTRA_SNAPTRADE_BASE_URL optional)"
        );
        return Ok(ExitCode::from(2));
    };
    let mut config = Client::builder();
    if let Ok(url) = std::env::var("FINTRA_SNAPTRADE_BASE_URL") {
        config = config.base_url(url);
    }
    let client = SnapTradeClient::with_config(
        SnapTradeCredentials::new(client_id, SecretString::from(key)),
        config,
    )?;
    println!("SnapTrade at {}", client.base_url());
    let user_id = format!("fintra-example-{}", std::process::id());
    let user = client
        .register_user(&RegisterUserRequest::new(&user_id), None)
        .await?;
    println!("registered {}", user.user_id);
    match client
        .login(&user.user_id, &user.user_secret, None, None)
        .await?
    {
        LoginResponse::Redirect(link) => println!("portal: {}", link.redirect_uri.expose_secret()),
        other => println!("encrypted login answer: {other:?}"),
    }
    let deleted = client.delete_user(&user.user_id, None).await?;
    println!("delete: {}", deleted.status);
    Ok(ExitCode::SUCCESS)
}
