//! [`ProviderProfile`]: what a provider crate brings to a client, kept apart from the user's
//! [`ClientBuilder`](super::ClientBuilder) settings.

use std::fmt;
use std::sync::Arc;

use super::response::ErrorParser;
use crate::auth::RequestSigner;
use crate::retry::RetryClassifier;

/// The provider-only settings of a client: its name in tracing, default base URL, default
/// user agent, signers, retry classifiers, error parser and extra loggable headers.
///
/// A provider crate describes its provider with a profile and builds the user's
/// [`ClientBuilder`](crate::ClientBuilder) with [`ClientBuilder::build_for`](crate::ClientBuilder::build_for). The profile never replaces a choice
/// the user made on the builder: the user's base URL, user agent and error parser win over
/// the profile's defaults; the user's timeouts, retry policy, transport, clock and limits are
/// not in a profile at all; the user's signers run after the profile's, and the user's
/// retry classifiers after the profile's (so they have the last word).
///
/// ```
/// use fintra_core::{ClientBuilder, ProviderProfile};
///
/// let profile = ProviderProfile::new("example")
///     .default_base_url("https://api.example.com/v1")
///     .user_agent("fintra-example/0.1.0");
/// // The provider's default …
/// let client = ClientBuilder::new().build_for(&profile).unwrap();
/// assert_eq!(client.base_url(), "https://api.example.com/v1");
/// // … never replaces the user's choice.
/// let client = ClientBuilder::new()
///     .base_url("http://127.0.0.1:8080/example")
///     .build_for(&profile)
///     .unwrap();
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080/example");
/// ```
#[derive(Clone)]
pub struct ProviderProfile {
    pub(super) name: &'static str,
    pub(super) default_base_url: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) signers: Vec<Arc<dyn RequestSigner>>,
    pub(super) classifiers: Vec<Arc<dyn RetryClassifier>>,
    pub(super) error_parser: Option<Arc<dyn ErrorParser>>,
    pub(super) loggable_headers: Vec<&'static str>,
}

impl ProviderProfile {
    /// A profile for the provider `name` (shown in tracing spans), with nothing else set.
    pub fn new(name: &'static str) -> Self {
        ProviderProfile {
            name,
            default_base_url: None,
            user_agent: None,
            signers: Vec::new(),
            classifiers: Vec::new(),
            error_parser: None,
            loggable_headers: Vec::new(),
        }
    }

    /// The base URL used when the user sets none.
    pub fn default_base_url(mut self, url: impl Into<String>) -> Self {
        self.default_base_url = Some(url.into());
        self
    }

    /// The `User-Agent` used when the user sets none, e.g. `fintra-finicity/0.1.0`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Adds a request signer (run on every attempt to the base URL's origin, before the
    /// user's own signers).
    pub fn signer(mut self, signer: Arc<dyn RequestSigner>) -> Self {
        self.signers.push(signer);
        self
    }

    /// Adds a retry classifier (run in order, before the user's own classifiers).
    pub fn classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.classifiers.push(classifier);
        self
    }

    /// Parses the provider's error bodies (unless the user set their own parser).
    pub fn error_parser(mut self, parser: Arc<dyn ErrorParser>) -> Self {
        self.error_parser = Some(parser);
        self
    }

    /// A response header whose value may be logged and kept in errors (e.g. rate-limit
    /// headers), in addition to the default allow-list and the user's.
    pub fn loggable_header(mut self, name: &'static str) -> Self {
        self.loggable_headers.push(name);
        self
    }

    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for ProviderProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderProfile")
            .field("name", &self.name)
            .field("default_base_url", &self.default_base_url)
            .field("user_agent", &self.user_agent)
            .field("signers", &self.signers)
            .field("classifiers", &self.classifiers.len())
            .field("loggable_headers", &self.loggable_headers)
            .finish_non_exhaustive()
    }
}
