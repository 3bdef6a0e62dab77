//! # fintra-connect-components
//!
//! The Finicity (Mastercard Open Finance US) **Data Connect Components** API: configurations,
//! login forms, OAuth URLs and reconnections, for embedding Finicity's account-connection
//! flow in your own UI.
//!
//! The client is built from a [`fintra_finicity::FinicityClient`] and shares its single
//! access token (refreshed every 90 minutes, replayed once on an expired-token 401) and its
//! lockout guard. Errors are [`fintra_core::Error`]s; Connect Components answers errors in
//! the GoldStandard envelope, whose `ReasonCode` becomes [`fintra_core::Error::code`] and
//! whose `Recoverable` flag is available through
//! [`FinicityErrorBody::recoverable`] (from `err.provider::<FinicityErrorBody>()`) (a `Recoverable: false` error is
//! never retried).
//!
//! ```no_run
//! # async fn run() -> Result<(), fintra_core::Error> {
//! use std::time::SystemTime;
//! use fintra_connect_components::ConnectComponentsClient;
//! use fintra_connect_components::models::{Language, LoginFormRequest, ServiceAgreement};
//! use fintra_finicity::{FinicityCredentials, FinicityClient};
//!
//! let finicity = FinicityClient::new(FinicityCredentials::new("partner-id", "secret".into(), "app-key".into()))?;
//! let components = ConnectComponentsClient::new(&finicity);
//! let agreement = ServiceAgreement::accepted_at(Language::En, SystemTime::now());
//! let form = components
//!     .create_login_form(170716, &LoginFormRequest::new(Language::En, "1005061234", agreement), None)
//!     .await?;
//! for element in &form.elements {
//!     println!("{} (order {})", element.label, element.sort_order);
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
pub mod models;
mod validate;

pub use client::ConnectComponentsClient;
pub use fintra_finicity::error::{FinicityErrorBody, GoldStandardError, GoldStandardErrorMessage};
pub use models::ReconnectionOutcome;
