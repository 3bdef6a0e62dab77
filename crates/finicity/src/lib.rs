//! # fintra-finicity
//!
//! The Finicity (Mastercard Open Finance US) **Authentication API** and the pieces every
//! other Finicity crate shares:
//!
//! * [`FinicityClient::create_token`] (`POST /aggregation/v2/partners/authentication`) and
//!   [`FinicityClient::modify_partner_secret`] (`PUT` on the same path), both with the
//!   `Finicity-App-Key` header only. A new partner secret is checked against the documented
//!   policy before anything is sent ([`validate_partner_secret`]).
//! * [`FinicityTokenProvider`]: **one** `Finicity-App-Token` for all calls, refreshed once
//!   older than 90 minutes, never used past its maximum age, fetched with single-flight, and
//!   dropped + replayed once when Finicity answers 401 with code `10022`/`10023`.
//! * A **lockout guard**: five failed authentications lock a Finicity account, so
//!   CreateToken is never retried on 4xx, and after 3 (configurable) consecutive credential
//!   failures the client refuses to authenticate until [`FinicityClient::reset_lockout_guard`].
//!   Code `24302` (account locked, sent as HTTP 500) is a distinct, never-retried error.
//! * [`error`]: decoding of all Finicity error shapes (`code` as number or string,
//!   GoldStandard `Errors.Error[]` with `Recoverable`), the [`error::FinicityErrorParser`]
//!   and the [`error::FinicityRetryClassifier`].
//! * [`FinicityClient::api_client`]: a signed `fintra_core::Client` that other Finicity API
//!   crates (such as `fintra-connect-components`) send their operations through.
//!
//! Sandbox and production differ only by credentials; the base URL defaults to
//! `https://api.finicity.com` and can be changed with
//! [`fintra_core::ClientBuilder::base_url`].
//!
//! ```no_run
//! # async fn run() -> Result<(), fintra_core::Error> {
//! use fintra_finicity::{Credentials, FinicityClient};
//! use fintra_core::AuthErrorKind;
//!
//! let credentials = Credentials::new("1234583871234", "partner-secret".into(), "app-key".into());
//! let finicity = FinicityClient::new(credentials)?;
//! match finicity.access_token().await {
//!     Ok(token) => println!("token valid until {:?}", token.expires_at()),
//!     Err(fintra_core::Error::Auth(e)) if e.kind() == AuthErrorKind::GuardTripped => {
//!         eprintln!("credentials rejected too often; fix them, then reset_lockout_guard()");
//!     }
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
mod credentials;
pub mod error;
pub mod models;

pub use auth::{FinicityTokenProvider, TokenSettings};
pub use client::{APP_KEY_HEADER, APP_TOKEN_HEADER, DEFAULT_BASE_URL, FinicityClient};
pub use credentials::{
    Credentials, PARTNER_SECRET_MAX_LEN, PARTNER_SECRET_MIN_LEN, PARTNER_SECRET_SPECIALS,
    validate_partner_secret,
};
pub use error::{FinicityErrorBody, FinicityErrorExt};
