//! End-to-end tests: the real client crates, through the `fintra` umbrella crate, against the
//! real in-process sandbox (`fintra-sandbox`) over loopback HTTP with the default reqwest
//! transport.
//!
//! Every client uses a [`fintra_core::test_util::VirtualTime`] started at the current wall-clock
//! time as clock and sleeper: retry backoffs and `Retry-After` waits complete at once (and are
//! recorded), while timestamps stay close enough to the sandbox clock for SnapTrade's
//! freshness check.

#![allow(clippy::unwrap_used)]
// `encrypted_jwt` is deprecated (removed upstream 2024-07-16) but the sandbox still serves it.
#![allow(deprecated)]

mod app_portal;
mod connect_components;
mod finicity;
mod secrets;
mod secrets_current;
mod snaptrade;
mod snaptrade_current;
mod support;
mod svix_current;
mod webhooks;
