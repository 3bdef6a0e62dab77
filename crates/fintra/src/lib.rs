//! # fintra
//!
//! Async Rust clients for fintech provider APIs, re-exported behind one feature per provider
//! so an application compiles only what it uses:
//!
//! | feature | module | crate |
//! |---|---|---|
//! | (always) | [`core`] | `fintra-core`: transport, retries, auth, errors, secrets |
//! | `finicity` | `finicity` | `fintra-finicity`: Finicity Authentication and the shared token provider |
//! | `connect-components` | `connect_components` | `fintra-connect-components`: Finicity Data Connect Components (enables `finicity`) |
//! | `app-portal` | `app_portal` | `fintra-app-portal`: Svix-style application-portal Authentication |
//! | `snaptrade` | `snaptrade` | `fintra-snaptrade`: SnapTrade Authentication with request signing |
//! | `finicity-redis` | `finicity::auth::RedisStore` | a fleet of processes shares one Finicity token and lockout budget through Redis (enables `finicity`) |
//! | `full` | the four providers above | |
//!
//! Each provider module is the whole provider crate, documented here (build these docs with
//! `cargo doc -p fintra --features full --no-deps --open`).
//!
//! TLS: `rustls` (default; the `ring` provider, no C toolchain) or `native-tls`, forwarded to
//! every enabled crate.
//!
//! ```toml
//! [dependencies]
//! fintra = { version = "0.1", features = ["full"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! Every client method is `async` and needs a Tokio runtime, e.g. `#[tokio::main]`; without
//! one the first call panics with "there is no reactor running".
//!
//! ## A client, and where it sends requests
//!
//! A client's `new` talks to the provider's production API; `with_config` takes a
//! [`core::ClientBuilder`] whose [`base_url`](core::ClientBuilder::base_url) points it
//! elsewhere, such as the local sandbox (`cargo run -p fintra-sandbox -- --port 8080` in a
//! clone of fintra prints its URLs and demo credentials):
//!
//! | client | production | sandbox with `--port 8080` |
//! |---|---|---|
//! | `finicity::FinicityClient` | `https://api.finicity.com` | `http://127.0.0.1:8081` |
//! | `connect_components::ConnectComponentsClient` | built on a `FinicityClient` | (the Finicity URL) |
//! | `app_portal::AppPortalClient` | from the token's region suffix, else `https://api.svix.com` | `http://127.0.0.1:8082` |
//! | `snaptrade::SnapTradeClient` | `https://api.snaptrade.com` | `http://127.0.0.1:8083` |
//!
//! ```no_run
//! # #[cfg(feature = "snaptrade")]
//! # async fn run() -> Result<(), fintra::Error> {
//! use fintra::core::Client;
//! use fintra::core::secret::SecretString;
//! use fintra::snaptrade::{RegisterUserRequest, SnapTradeClient, SnapTradeCredentials};
//!
//! let credentials = SnapTradeCredentials::new(
//!     "PASSIVTEST",
//!     SecretString::from("UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU"),
//! );
//! let sandbox = Client::builder().base_url("http://127.0.0.1:8083");
//! let client = SnapTradeClient::with_config(credentials, sandbox)?;
//! let user = client.register_user(&RegisterUserRequest::new("user-42"), None).await?;
//! println!("registered {}", user.user_id); // user.user_secret prints as [REDACTED]
//! # Ok(()) }
//! ```
//!
//! ## Using several providers in one file
//!
//! The types a program names carry their provider's name (`finicity::FinicityCredentials`,
//! `snaptrade::SnapTradeCredentials`, `finicity::models::FinicityAccessToken` beside
//! `core::auth::AccessToken`), so glob imports of every provider compile together:
//!
//! ```
//! # #[cfg(all(feature = "finicity", feature = "snaptrade"))]
//! # fn f() {
//! use fintra::finicity::*;
//! use fintra::snaptrade::*;
//!
//! let finicity = FinicityCredentials::new("PARTNER_ID", "SECRET".into(), "APP_KEY".into());
//! let snaptrade = SnapTradeCredentials::new("ID", "KEY".into());
//! # let _ = (finicity, snaptrade);
//! # }
//! ```
//!
//! A few names remain shared; write them with their module (`fintra::snaptrade::DEFAULT_BASE_URL`):
//! `DEFAULT_BASE_URL` (`finicity`, `app_portal`, `snaptrade`) and the modules `models`
//! (`finicity`, `connect_components`), `webhook` (`app_portal`, `snaptrade`) and `auth`
//! (`finicity`, `core`). Used unqualified after two glob imports, they are error E0659
//! ("ambiguous"); imported by name from two providers, E0252.
//!
//! The repository's `examples/all_providers.rs` (also the README's first program) calls all
//! four providers, and a test runs it against the sandbox. The `quickstart` example
//! runs every operation of every provider against the in-process sandbox:
//! `cargo run --example quickstart`.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use fintra_core as core;
pub use fintra_core::{Error, RequestOptions};

#[cfg(feature = "finicity")]
#[cfg_attr(docsrs, doc(cfg(feature = "finicity")))]
#[doc(inline)]
pub use fintra_finicity as finicity;

#[cfg(feature = "connect-components")]
#[cfg_attr(docsrs, doc(cfg(feature = "connect-components")))]
#[doc(inline)]
pub use fintra_connect_components as connect_components;

#[cfg(feature = "app-portal")]
#[cfg_attr(docsrs, doc(cfg(feature = "app-portal")))]
#[doc(inline)]
pub use fintra_app_portal as app_portal;

#[cfg(feature = "snaptrade")]
#[cfg_attr(docsrs, doc(cfg(feature = "snaptrade")))]
#[doc(inline)]
pub use fintra_snaptrade as snaptrade;

/// The Rust snippets of the workspace README and of every crate README, compiled as
/// doctests so they stay true.
#[cfg(all(doctest, feature = "full"))]
pub mod readme_doctests {
    #[doc = include_str!("../../../README.md")]
    pub struct Workspace;
    #[doc = include_str!("../README.md")]
    pub struct Fintra;
    #[doc = include_str!("../../core/README.md")]
    pub struct Core;
    #[doc = include_str!("../../finicity/README.md")]
    pub struct Finicity;
    #[doc = include_str!("../../connect-components/README.md")]
    pub struct ConnectComponents;
    #[doc = include_str!("../../app-portal/README.md")]
    pub struct AppPortal;
    #[doc = include_str!("../../snaptrade/README.md")]
    pub struct SnapTrade;
    #[doc = include_str!("../../sandbox/README.md")]
    pub struct Sandbox;
}
