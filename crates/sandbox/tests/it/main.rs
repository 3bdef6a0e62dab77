//! Integration tests of the sandbox over real HTTP (raw `reqwest`, no client crates).

mod app_portal;
mod control;
mod faults;
mod finicity;
mod hostile;
mod snaptrade;
mod webhooks;

#[path = "../support/mod.rs"]
mod support;

pub use support::{client, json_body, send, start};
