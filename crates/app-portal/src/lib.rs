//! # fintra-app-portal
//!
//! A client for the Authentication API of a Svix-style webhook service (the
//! "Consumer Application Portal"): magic links for the app portal, expiring an
//! application's tokens, and logging an app token out. Built on [`fintra_core`].
//!
//! | method | operation |
//! |---|---|
//! | [`AppPortalClient::app_portal_access`] | `POST /api/v1/auth/app-portal-access/{app_id}/` |
//! | [`AppPortalClient::expire_all`] | `POST /api/v1/auth/app/{app_id}/expire-all/` |
//! | [`AppPortalClient::dashboard_access`] (deprecated) | `POST /api/v1/auth/dashboard-access/{app_id}/` |
//! | [`AppPortalClient::logout`] | `POST /api/v1/auth/logout/` |
//!
//! * **Base URL**: inferred from the token's region suffix (`….eu` → `https://api.eu.svix.com`,
//!   likewise `us`, `in`, `ca`, `au`), as the official clients do; an explicit base URL set on
//!   the [`ClientBuilder`](fintra_core::ClientBuilder) always wins. A token without a known
//!   suffix needs an explicit base URL.
//! * **Idempotency**: every call carries an `idempotency-key` header, the caller's
//!   ([`RequestOptions::idempotency_key`](fintra_core::RequestOptions::idempotency_key)) or an
//!   automatic `auto_<uuid v4>`. The same key is sent on every retry, so timeouts, 429 and 5xx
//!   answers are retried safely.
//! * **Errors**: a failure is a [`fintra_core::Error`]; [`AppPortalError::from_error`] decodes its
//!   body as `HttpErrorOut` or, for 422, `HTTPValidationError`. The raw body is always kept.
//! * **Secrets**: the bearer token and the returned portal token and URL are
//!   [`SecretString`](fintra_core::secret::SecretString)s; `Debug` prints `[REDACTED]`.
//!
//! ```no_run
//! # async fn run() -> Result<(), fintra_core::Error> {
//! use fintra_app_portal::{AppPortalAccessIn, AppPortalClient};
//! use fintra_core::secret::{ExposeSecret, SecretString};
//!
//! let client = AppPortalClient::new(SecretString::from("testsk_….eu"))?;
//! let access = client
//!     .app_portal_access("app_1srOrx2ZWZBpBUvZwXKQmoEYga2", &AppPortalAccessIn::new(), None)
//!     .await?;
//! println!("send your user to {}", access.url.expose_secret());
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod error;
mod models;

pub use client::{AppPortalClient, Region, validate_app_id};
pub use error::{AppPortalError, AppPortalErrorParser};
pub use models::{
    AppPortalAccessIn, AppPortalAccessOut, AppPortalCapability, ApplicationIn,
    ApplicationTokenExpireIn, DashboardAccessOut, HttpErrorOut, HttpValidationError,
    ValidationError,
};
