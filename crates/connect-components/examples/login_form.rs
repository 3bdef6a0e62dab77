//! Creates a Connect Components login form for an institution and customer.
//!
//! ```sh
//! FINICITY_PARTNER_ID=… FINICITY_PARTNER_SECRET=… FINICITY_APP_KEY=… \
//! FINICITY_CUSTOMER_ID=1005061234 FINICITY_INSTITUTION_ID=170716 \
//!     cargo run -p fintra-connect-components --example login_form
//! ```
//! `FINICITY_BASE_URL` overrides `https://api.finicity.com`.

use std::time::SystemTime;

use fintra_connect_components::ConnectComponentsClient;
use fintra_connect_components::models::{Language, LoginFormRequest, ServiceAgreement};
use fintra_core::Client;
use fintra_finicity::{Credentials, FinicityClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(credentials), Ok(customer_id), Ok(institution_id)) = (
        Credentials::from_env(),
        std::env::var("FINICITY_CUSTOMER_ID"),
        std::env::var("FINICITY_INSTITUTION_ID"),
    ) else {
        println!(
            "Set FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET, FINICITY_APP_KEY, \
             FINICITY_CUSTOMER_ID and FINICITY_INSTITUTION_ID to run this example."
        );
        return Ok(());
    };
    let institution_id: i64 = institution_id.parse()?;
    let mut config = Client::builder();
    if let Ok(url) = std::env::var("FINICITY_BASE_URL") {
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
    Ok(())
}
