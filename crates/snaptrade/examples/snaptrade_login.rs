//! Registers a user, prints a connection-portal link, and deletes the user again.
//!
//! ```text
//! SNAPTRADE_CLIENT_ID=… SNAPTRADE_CONSUMER_KEY=… cargo run -p fintra-snaptrade --example snaptrade_login
//! ```

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_snaptrade::{Credentials, LoginResponse, RegisterUserRequest, SnapTradeClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(key)) = (
        std::env::var("SNAPTRADE_CLIENT_ID"),
        std::env::var("SNAPTRADE_CONSUMER_KEY"),
    ) else {
        eprintln!("set SNAPTRADE_CLIENT_ID and SNAPTRADE_CONSUMER_KEY to run this example");
        return Ok(());
    };
    let client = SnapTradeClient::new(Credentials::new(client_id, SecretString::from(key)))?;
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
    Ok(())
}
