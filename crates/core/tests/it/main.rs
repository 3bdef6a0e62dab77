//! Integration tests of fintra-core against a real loopback HTTP server (httpmock) and the
//! mock transport.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

mod auth;
mod errors;
mod redaction;
mod retries;
mod support;
mod transport;
