//! # fintra-core
//!
//! The shared core of the fintra API client crates (`fintra-finicity`,
//! `fintra-connect-components`, `fintra-app-portal`, `fintra-snaptrade`). Provider crates
//! describe each API call as an [`Operation`] value; a [`Client`] executes it:
//!
//! * **transport** — an object-safe [`Transport`] over buffered `http` types; the default is
//!   reqwest with rustls (ring), no redirects and a response-size cap. Configure your own
//!   `reqwest::ClientBuilder` (redirects stay refused) or transport with
//!   [`ClientBuilder::reqwest_builder`] / [`ClientBuilder::transport`].
//! * **retries** — a [`RetryPolicy`] (attempts, exponential backoff with full jitter, time
//!   budget) and method/idempotency-aware classification that honours `Retry-After`
//!   ([`retry`]). Nothing that could duplicate a side effect is retried.
//! * **auth** — [`auth::RequestSigner`]s run on every attempt, a single-flight
//!   [`auth::CachedTokenProvider`] with refresh-before-expiry and replay-once on "token
//!   expired"; credentials are only attached to requests for the configured origin.
//! * **errors** — one [`Error`] that keeps status, provider code, request id, `Retry-After`
//!   and the raw body; [`Error::provider`] gives a provider crate's typed view of the body
//!   ([`ProviderError`]), and [`Error::report`] prints the error with its causes on one line.
//! * **providers** — a provider crate brings its settings (default base URL, user agent,
//!   signers, retry classifiers, error parser) as a [`ProviderProfile`], applied under the
//!   user's [`ClientBuilder`] settings, which always win.
//! * **secrets** — every credential is a [`secret::SecretString`]; headers are redacted
//!   through an allow-list before they are logged or stored; for a
//!   [sensitive](Operation::sensitive) operation, request values the provider echoes in its
//!   error are shown as `[REDACTED]`.
//! * **observability** — a `tracing` span per operation and one per attempt, a debug event
//!   per retry and per success (status, latency), the attempt count on final errors, and one
//!   warning per operation per client when the provider sends a [`Deprecation`] notice.
//! * **time** — injectable [`time::Clock`] and [`time::Sleep`]; `test-util` adds
//!   `test_util::MockTransport` and `test_util::VirtualTime`.
//!
//! ```no_run
//! # async fn run() -> Result<(), fintra_core::Error> {
//! use fintra_core::{Client, Operation, RequestOptions};
//!
//! #[derive(serde::Deserialize)]
//! struct Status { online: bool }
//!
//! let client = Client::builder().base_url("https://api.example.com").build()?;
//! let status: Status = client
//!     .send_json(Operation::get("GetStatus", "/status"), &RequestOptions::new())
//!     .await?;
//! # let _ = status.online; Ok(()) }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
mod client;
mod deadline;
mod deprecation;
mod echo;
mod error;
pub mod format;
mod future;
mod headers;
mod in_flight;
mod operation;
mod path;
pub mod retry;
pub mod secret;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod time;
mod transport;

pub use client::{
    Client, ClientBuilder, ErrorDetails, ErrorParser, JsonErrorParser, ProviderProfile, Response,
};
pub use deprecation::Deprecation;
pub use error::{
    ApiError, AuthError, AuthErrorKind, BoxError, DecodeError, Error, InvalidRequest,
    ProviderError, Report, TransportError, TransportErrorKind,
};
pub use future::BoxFuture;
pub use operation::{Idempotency, IdempotencyKey, Operation, RequestOptions};
pub use path::{PathSegment, encode_path_segment};
pub use retry::{Jitter, RetryPolicy};
pub use transport::{
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_POOL_IDLE_TIMEOUT,
    DEFAULT_POOL_MAX_IDLE_PER_HOST, ReqwestTransport, Transport, reqwest_client_builder,
};

/// Re-exported so users can build a [`reqwest::Client`] of the exact version this crate uses.
pub use reqwest;
