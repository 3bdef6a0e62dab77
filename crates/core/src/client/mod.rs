//! The client: [`ClientBuilder`] collects the user's settings, [`ProviderProfile`] a provider
//! crate's, [`Client`] executes [`crate::Operation`]s with them (signing, retries, deadlines,
//! error mapping, tracing), and [`Response`] is what a call gives back.

mod builder;
mod executor;
mod profile;
mod response;

pub use builder::ClientBuilder;
pub use executor::Client;
pub use profile::ProviderProfile;
pub use response::{ErrorDetails, ErrorParser, JsonErrorParser, Response};
