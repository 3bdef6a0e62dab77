//! Integration tests of fintra-connect-components against an httpmock server and virtual time.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

mod errors;
mod fixtures;
mod operations;
mod retries;
mod support;
mod token;
mod validation;
