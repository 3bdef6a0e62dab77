//! # fintra-finicity
//!
//! The Finicity (Mastercard Open Finance US) **Authentication API** and the pieces every
//! other Finicity crate shares:
//!
//! * [`FinicityClient::create_token`] (`POST /aggregation/v2/partners/authentication`) and
//!   [`FinicityClient::modify_partner_secret`] (`PUT` on the same path), both with the
//!   `Finicity-App-Key` header only. A new partner secret is checked against the documented
//!   policy before anything is sent ([`validate_partner_secret`]).
//! * [`FinicityAuth`]: the one owner of authentication. **One** `Finicity-App-Token` for
//!   all calls of every client of the partner (in this process by default, across a fleet
//!   with the Redis store), refreshed in the background before the 90-minute mark, fetched
//!   once for all concurrent callers, dropped + replayed once on a `10022`/`10023` 401.
//! * A **lockout budget** nothing can bypass: five failed authentications lock a Finicity
//!   account, so a slot is taken before every CreateToken or ModifyPartnerSecret leaves the
//!   process, timeouts and cancelled calls count, nothing is retried once it may have been
//!   sent, and after 3 (configurable) such attempts nothing is sent until an operator resets
//!   the budget. See [`auth`] for the rules and [`AuthFailure`] for the typed errors.
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
//! use fintra_finicity::{AuthFailure, FinicityCredentials, FinicityClient};
//!
//! let credentials = FinicityCredentials::new("1234583871234", "partner-secret".into(), "app-key".into());
//! let finicity = FinicityClient::new(credentials)?;
//! match finicity.access_token().await {
//!     Ok(token) => println!("token valid until {:?}", token.expires_at()),
//!     Err(e @ AuthFailure::BudgetSpent { .. }) => {
//!         eprintln!("{e}"); // says how many failures, where recorded, how to reset
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
mod credentials;
pub mod error;
pub mod models;
/// Test support (a real `redis-server` harness, a CreateToken mock); not part of the stable
/// API.
#[cfg(any(feature = "test-util", feature = "redis"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "test-util", feature = "redis"))))]
pub mod test_util;

pub use auth::{AuthFailure, FinicityAuth, TokenSettings};
pub use client::{
    APP_KEY_HEADER, APP_TOKEN_HEADER, DEFAULT_BASE_URL, FinicityClient, FinicityClientBuilder,
};
pub use credentials::{
    FinicityCredentials, PARTNER_SECRET_MAX_LEN, PARTNER_SECRET_MIN_LEN, PARTNER_SECRET_SPECIALS,
    validate_partner_secret,
};
pub use error::FinicityErrorBody;
