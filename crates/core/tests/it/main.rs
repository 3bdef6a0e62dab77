//! Integration tests of fintra-core against a real loopback HTTP server (httpmock), a loopback
//! HTTPS server (tokio-rustls) and the mock transport.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

mod auth;
mod errors;
mod faults;
mod limits;
mod loopback;
mod observability;
mod profile;
mod properties;
mod redaction;
mod retries;
mod support;
mod tls;
mod transport;
