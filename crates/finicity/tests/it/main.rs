//! Integration tests of fintra-finicity against an httpmock server and virtual time.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

mod budget;
mod errors;
mod lockout;
mod operations;
mod redaction;
#[cfg(feature = "redis")]
mod redis_store;
mod support;
mod token;
