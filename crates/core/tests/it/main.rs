//! Integration tests of fintra-core against a real loopback HTTP server (httpmock) and the
//! mock transport.

mod auth;
mod errors;
mod redaction;
mod retries;
mod support;
mod transport;
