//! # fintra-sandbox
//!
//! A stateful local fake of the four provider APIs the fintra crates talk to, for demos and
//! tests (in Rust or any other language) that must run without network access or real
//! credentials. Each provider is served **at the root of its own loopback HTTP/1.1
//! listener**, as its real server is, so a client only needs its base URL changed:
//!
//! | provider | base URL ([`Sandbox`] method) | operations |
//! |---|---|---|
//! | Finicity authentication + Connect Components | `http://127.0.0.1:P1` ([`Sandbox::finicity_url`]) | `POST`/`PUT /aggregation/v2/partners/authentication`, `/connect-components/...` (7 operations) |
//! | Svix app portal | `http://127.0.0.1:P2` ([`Sandbox::app_portal_url`]) | `/api/v1/auth/...`: app-portal-access, expire-all, logout, whoami, one-time-token, stream-portal-access, stream-logout, stream expire-all, poller tokens (get/rotate) and the 2023 dashboard-access; with or without the 2023 trailing `/` |
//! | SnapTrade | `http://127.0.0.1:P3` ([`Sandbox::snaptrade_root_url`]); legacy `http://127.0.0.1:P3/api/v1` ([`Sandbox::snaptrade_url`]) | `/snapTrade/{registerUser, login, listUsers, deleteUser, resetUserSecret, encryptedJWT}` |
//!
//! A fourth, control listener ([`Sandbox::base_url`]) serves the `/_sandbox/` control API.
//! `GET /` on any listener lists the providers' base URLs and operations and the control
//! endpoints.
//!
//! The sandbox follows the providers' specs rather than echoing canned answers: Finicity
//! tokens expire and five wrong partner secrets lock the partner (code 24302, HTTP 500);
//! Connect Components requests need a live `Finicity-App-Token`; Svix requests need the
//! bearer token, bodies are validated into `422` `HTTPValidationError`s and an
//! `idempotency-key` replays the first successful response; SnapTrade requests must carry a
//! valid HMAC `Signature` (over the path relative to the API root, or the full legacy
//! `/api/v1/...` path older SDKs sign), a fresh `timestamp` and the demo `clientId`. Error bodies use
//! each provider's documented shapes. See the crate README for every designated id and
//! the choices made where the specs are silent.
//!
//! Tests can inject faults ([`Sandbox::inject`]: a status, `429` + `Retry-After`, a delay
//! or a dropped connection for the next *n* matching requests), read per-route hit
//! counters ([`Sandbox::stats`]) and move the sandbox clock ([`Sandbox::advance_time`]).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use fintra_sandbox::{Fault, FaultKind, Provider, Route, Sandbox};
//!
//! let sandbox = Sandbox::start().await?;
//! let creds = sandbox.credentials();
//! println!("Finicity at {} (partner {})", sandbox.finicity_url(), creds.finicity_partner_id);
//!
//! // The next two SnapTrade requests fail with 503.
//! sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(503)).times(2));
//! // ... run the code under test against sandbox.snaptrade_url() ...
//! assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 0);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The binary `fintra-sandbox [--port N] [--finicity-port N] [--app-portal-port N]
//! [--snaptrade-port N] [--json]` runs the same servers until Ctrl-C; `--json` prints the base
//! URLs and credentials as JSON for test harnesses. The control API under `/_sandbox/`
//! (faults, stats, clock, reset, and signed Svix- or SnapTrade-style webhooks sent to a
//! receiver under test) is described in the README.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod app_portal;
mod canonical_json;
mod control;
mod credentials;
mod faults;
mod finicity;
mod rules;
mod sandbox;
mod server;
mod signing;
mod snaptrade;
mod state;
mod stats;
mod svix_schema;
mod webhooks;
mod wire;

pub use app_portal::APP_PORTAL_UNKNOWN_APP_ID;
pub use credentials::{
    APP_PORTAL_TOKEN, FINICITY_APP_KEY, FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET,
    SNAPTRADE_CLIENT_ID, SNAPTRADE_CONSUMER_KEY, SVIX_WEBHOOK_SECRET, SandboxCredentials,
};
pub use faults::{Fault, FaultKind, FaultTarget, Provider};
pub use finicity::{FINICITY_MFA_INSTITUTION_LOGIN_ID, FINICITY_UNKNOWN_INSTITUTION_ID};
pub use sandbox::{Sandbox, SandboxConfig};
pub use stats::{Route, Stats};
