//! Creates a Connect Components login form for an institution and customer.
//!
//! ```sh
//! FINICITY_PARTNER_ID=… FINICITY_PARTNER_SECRET=… FINICITY_APP_KEY=… \
//! FINICITY_CUSTOMER_ID=1005061234 FINICITY_INSTITUTION_ID=170716 \
//!     cargo run -p fintra-connect-components --example login_form
//! ```
//! `FINTRA_FINICITY_BASE_URL` replaces `https://api.finicity.com`, e.g.
//! `http://127.0.0.1:8081` for `cargo run -p fintra-sandbox -- --port 8080`. Exits
//! with status 2, naming the variables, when one is missing.

use std::process::ExitCode;
use std::time::SystemTime;

use fintra_connect_components::ConnectComponentsClient;
use fintra_connect_components::models::{Language, LoginFormRequest, ServiceAgreement};
use fintra_core::Client;
use fintra_finicity::{FinicityClient, FinicityCredentials};

/// Names the variables this example reads.
const USAGE: &str = "set FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET, FINICITY_APP_KEY, \
FINICITY_CUSTOMER_ID and FINICITY_INSTITUTION_ID (FINTRA_FINICITY_BASE_URL optional)";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    run().await.unwrap_or_else(|error| {
        eprintln!("error: {}", fintra_core::Report::new(&*error));
        ExitCode::FAILURE
    })
}

async fn run() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let ids = ["FINICITY_CUSTOMER_ID", "FINICITY_INSTITUTION_ID"].map(std::env::var);
    let (Some(credentials), [Ok(customer_id), Ok(institution_id)]) =
        (FinicityCredentials::from_env(), ids)
    else {
        eprintln!("error: missing configuration: {USAGE}");
        return Ok(ExitCode::from(2));
    };
    let Ok(institution_id) = institution_id.parse::<i64>() else {
        eprintln!("error: FINICITY_INSTITUTION_ID must be a number, e.g. 170716");
        return Ok(ExitCode::from(2));
    };
    let mut config = Client::builder();
    if let Ok(url) = std::env::var("FINTRA_FINICITY_BASE_URL") {
        config = config.base_url(url);
    }
    let finicity = FinicityClient::with_config(credentials, config)?;
    let components = ConnectComponentsClient::new(&finicity);

    // The customer accepted the terms (shown in English) just now.
    let agreement = ServiceAgreement::accepted_at(Language::En, SystemTime::now());
    let request = LoginFormRequest::new(Language::En, customer_id, agreement);
    let form = components
        .create_login_form(institution_id, &request, None)
        .await?;
    println!("login form {} (events: {})", form.id, form.event_stream_id);
    let mut elements = form.elements;
    elements.sort_by_key(|e| e.sort_order);
    for element in elements {
        println!(
            "  field {:>2}: {} ({})",
            element.sort_order, element.label, element.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
