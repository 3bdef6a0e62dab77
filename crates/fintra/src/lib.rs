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
//! | `full` | all of the above | |
//!
//! TLS: `rustls` (default; the `ring` provider, no C toolchain) or `native-tls`, forwarded to
//! every enabled crate.
//!
//! ```toml
//! [dependencies]
//! fintra = { version = "0.1", features = ["connect-components", "snaptrade"] }
//! ```
//!
//! The `quickstart` example runs every operation of every provider against the local
//! sandbox (`fintra-sandbox`): `cargo run --example quickstart`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub use fintra_core as core;
pub use fintra_core::{Error, RequestOptions};

#[cfg(feature = "finicity")]
pub use fintra_finicity as finicity;

#[cfg(feature = "connect-components")]
pub use fintra_connect_components as connect_components;

#[cfg(feature = "app-portal")]
pub use fintra_app_portal as app_portal;

#[cfg(feature = "snaptrade")]
pub use fintra_snaptrade as snaptrade;

/// The workspace README's Rust snippets, compiled as doctests so they stay true.
#[cfg(all(doctest, feature = "full"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
