//! # fintra-app-portal
//!
//! A client for the Authentication API of a Svix-style webhook service (the
//! "Consumer Application Portal"): magic links for the app portal, expiring an
//! application's tokens, and logging an app token out. Built on [`fintra_core`].
//!
//! | method | operation |
//! |---|---|
//! | [`AppPortalClient::app_portal_access`] | `POST /api/v1/auth/app-portal-access/{app_id}` |
//! | [`AppPortalClient::expire_all`] | `POST /api/v1/auth/app/{app_id}/expire-all` |
//! | [`AppPortalClient::logout`] | `POST /api/v1/auth/logout` |
//! | [`AppPortalClient::whoami`] | `GET /api/v1/auth/whoami` |
//! | [`AppPortalClient::get_poller_token`] | `GET /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token` |
//! | [`AppPortalClient::rotate_poller_token`] | `POST /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate` |
//! | [`AppPortalClient::exchange_one_time_token`] | `POST /api/v1/auth/one-time-token` |
//! | [`AppPortalClient::stream_portal_access`] | `POST /api/v1/auth/stream-portal-access/{stream_id}` |
//! | [`AppPortalClient::stream_logout`] | `POST /api/v1/auth/stream-logout` |
//! | [`AppPortalClient::stream_expire_all`] | `POST /api/v1/auth/stream/{stream_id}/expire-all` |
//! | [`AppPortalClient::get_stream_poller_token`] | `GET /api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token` |
//! | [`AppPortalClient::rotate_stream_poller_token`] | `POST /api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token/rotate` |
//! | [`AppPortalClient::dashboard_access`] (deprecated: removed upstream) | `POST /api/v1/auth/dashboard-access/{app_id}` |
//!
//! Paths follow the latest spec (no trailing slash). Path parameters and body fields are
//! checked against the spec's constraints before anything is sent.
//!
//! * **Base URL**: inferred from the token's region suffix (`….eu` → `https://api.eu.svix.com`,
//!   likewise `us`, `in`, `ca`, `au`), as the official clients do; an explicit base URL set on
//!   the [`ClientBuilder`](fintra_core::ClientBuilder) always wins. A token without a known
//!   suffix uses [`DEFAULT_BASE_URL`] (`https://api.svix.com`).
//! * **Request ids**: every call carries a random `svix-req-id`, the same on every retry, and
//!   retries carry `svix-retry-count` (1, 2, …), as the official clients send them.
//! * **Idempotency**: every POST carries an `idempotency-key` header, the caller's
//!   ([`RequestOptions::with_idempotency_key`](fintra_core::RequestOptions::with_idempotency_key)) or an
//!   automatic `auto_<uuid v4>`. The same key is sent on every retry, so timeouts, 429 and 5xx
//!   answers are retried safely.
//! * **Errors**: a failure is a [`fintra_core::Error`]; `err.provider::<`[`AppPortalError`]`>()` decodes its
//!   body as `HttpErrorOut` or, for 422, `HTTPValidationError`. The raw body is always kept.
//! * **Webhooks**: [`webhook::Webhook`] verifies deliveries (`svix-*` or `webhook-*`
//!   headers, several `v1,` signatures, 5-minute tolerance, constant-time comparison).
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
mod request_id;
mod stream;
mod tokens;
mod validate;
pub mod webhook;

pub use client::{AppPortalClient, DEFAULT_BASE_URL, Region, validate_app_id};
pub use error::{AppPortalError, AppPortalErrorParser};
pub use models::{
    AppPortalAccessIn, AppPortalAccessOut, AppPortalCapability, ApplicationIn,
    ApplicationTokenExpireIn, DashboardAccessOut, HttpErrorOut, HttpValidationError,
    ValidationError,
};
pub use stream::{StreamPortalAccessIn, StreamTokenExpireIn};
pub use tokens::{
    ApiTokenOut, AuthenticationSource, OneTimeTokenIn, OneTimeTokenOut, RotatePollerTokenIn,
    WhoamiOut,
};
