//! # fintra-snaptrade
//!
//! A client for SnapTrade's Authentication operations, built on [`fintra_core`]:
//!
//! | method | operation |
//! |---|---|
//! | [`SnapTradeClient::register_user`] | `POST /snapTrade/registerUser` |
//! | [`SnapTradeClient::login`] | `POST /snapTrade/login` |
//! | [`SnapTradeClient::login_personal`] | `POST /snapTrade/login` (personal API key) |
//! | [`SnapTradeClient::reset_user_secret`] | `POST /snapTrade/resetUserSecret` |
//! | [`SnapTradeClient::list_users`] | `GET /snapTrade/listUsers` |
//! | [`SnapTradeClient::delete_user`] | `DELETE /snapTrade/deleteUser` |
//! | [`SnapTradeClient::encrypted_jwt`] (deprecated: removed upstream 2024-07-16) | `GET /snapTrade/encryptedJWT` |
//!
//! The default base URL is [`DEFAULT_BASE_URL`] (`https://api.snaptrade.com`); the legacy
//! `…/api/v1` prefix still works and is signed relative to the base URL.
//!
//! * **Credentials**: [`SnapTradeCredentials::new`] for a commercial (partner) key, or
//!   [`SnapTradeCredentials::personal`] for a personal key, with which only
//!   [`SnapTradeClient::login_personal`] is available; the other operations are refused with
//!   an [`InvalidRequest`](fintra_core::InvalidRequest) on the `credentials` field before
//!   anything is sent.
//!
//! * **Signing** ([`signing`]): every attempt gets `clientId` and a fresh `timestamp` in the
//!   query and an HMAC-SHA256 `Signature` header over the canonical JSON of body, path and
//!   query; a retry is re-signed with a new timestamp.
//! * **Retries**: the GETs are retried on 429, 5xx and timeouts (429 waits for
//!   `Retry-After`, else the exhausted limit's `X-RateLimit-*-Reset`, else the body's
//!   "Expected available in N seconds"); `registerUser`, `login`, `resetUserSecret` and
//!   `deleteUser` are never repeated once they may have reached SnapTrade.
//! * **Webhooks**: [`webhook::WebhookVerifier`] checks the `Signature` header (HMAC of the
//!   canonical JSON body with the consumer key, constant-time) and the 300-second
//!   `eventTimestamp` window, and returns a typed [`webhook::WebhookEvent`].
//! * **Errors**: `err.provider::<`[`SnapTradeError`]`>()` decodes SnapTrade's failure bodies (status,
//!   code, detail; raw body kept).
//! * **Secrets**: the consumer key, user secrets (also when sent in a query) and login
//!   links are [`SecretString`](fintra_core::secret::SecretString)s, redacted in `Debug`
//!   and never logged.
//!
//! ```no_run
//! # async fn run() -> Result<(), fintra_core::Error> {
//! use fintra_core::secret::SecretString;
//! use fintra_snaptrade::{SnapTradeCredentials, LoginResponse, RegisterUserRequest, SnapTradeClient};
//!
//! let client = SnapTradeClient::new(SnapTradeCredentials::new(
//!     "PASSIVTEST",
//!     SecretString::from("consumer-key"),
//! ))?;
//! let user = client.register_user(&RegisterUserRequest::new("user-123"), None).await?;
//! if let LoginResponse::Redirect(link) = client.login(&user.user_id, &user.user_secret, None, None).await? {
//!     // send the user to link.redirect_uri
//! #   let _ = link;
//! }
//! # Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod canonical;
mod client;
mod error;
mod models;
pub mod signing;
pub mod webhook;

pub use client::{AuthMode, DEFAULT_BASE_URL, SnapTradeClient, SnapTradeCredentials};
pub use error::{RateLimitClassifier, SnapTradeError, SnapTradeErrorParser};
pub use models::{
    ConnectionPortalVersion, ConnectionType, DeleteUserResponse, EncryptedMessageData,
    EncryptedResponse, LoginRedirectUri, LoginRequest, LoginResponse, RegisterUserRequest,
    UserIdAndSecret,
};
