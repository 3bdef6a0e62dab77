//! Conformance suite: requests shaped exactly as the providers' official SDKs send them
//! (per `shared/notes/*-current.md`), with raw `reqwest`, not fintra's clients:
//!
//! - Svix paths without the trailing slash; `Content-Length: 0` and no content type on
//!   bodiless POSTs (logout); no `Accept` header, or `accept: */*`;
//! - SnapTrade signed over the path relative to the API root while sent to a host of
//!   `.../api/v1` (current SDKs), unencoded query values, bodiless POSTs;
//! - Finicity with `accept: */*`.
//!
//! Each must succeed, and each error status the specs document for these operations must
//! be reachable (through the sandbox's designated ids and, for statuses only an overloaded
//! or failing server sends, through fault injection).

#[path = "../support/mod.rs"]
mod support;

mod finicity;
mod snaptrade;
mod svix;
mod webhooks;
