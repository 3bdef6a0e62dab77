//! [`ClientBuilder`]: what a client is built from, and the checks of its base URL.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use super::executor::Client;
use super::profile::ProviderProfile;
use super::response::{ErrorParser, JsonErrorParser};
use crate::auth::RequestSigner;
use crate::error::Error;
use crate::retry::{RetryClassifier, RetryPolicy};
use crate::secret::DEFAULT_ALLOWED_HEADERS;
use crate::time::{Clock, Sleep, SystemClock, TokioSleep};
use crate::transport::{
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RESPONSE_BYTES, ReqwestTransport, Transport,
};

/// Builds a [`Client`].
///
/// ```no_run
/// use std::time::Duration;
/// use fintra_core::{Client, RetryPolicy};
///
/// let client = Client::builder()
///     .base_url("https://api.example.com/v1/")
///     .user_agent("my-crate/1.0")
///     .attempt_timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::default().with_max_attempts(4))
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    user_agent: Option<String>,
    error_parser: Option<Arc<dyn ErrorParser>>,
    transport: Option<TransportChoice>,
    /// Why the caller's reqwest builder did not build (reported by `build`).
    transport_error: Option<String>,
    max_in_flight: usize,
    settings: Settings,
}

/// What the builder collects and the client then runs with, as one value (the client keeps
/// it as it was built).
#[derive(Clone)]
pub(super) struct Settings {
    pub(super) provider: &'static str,
    pub(super) default_headers: HeaderMap,
    pub(super) timeout: Option<Duration>,
    pub(super) attempt_timeout: Option<Duration>,
    pub(super) retry: RetryPolicy,
    pub(super) signers: Vec<Arc<dyn RequestSigner>>,
    pub(super) classifiers: Vec<Arc<dyn RetryClassifier>>,
    pub(super) error_parser: Arc<dyn ErrorParser>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) sleep: Arc<dyn Sleep>,
    pub(super) max_response_bytes: usize,
    pub(super) idempotency_header: HeaderName,
    pub(super) request_id_headers: Vec<HeaderName>,
    pub(super) loggable_headers: Vec<&'static str>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            user_agent: None,
            error_parser: None,
            transport: None,
            transport_error: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            settings: Settings {
                provider: "generic",
                default_headers: HeaderMap::new(),
                timeout: None,
                attempt_timeout: Some(Duration::from_secs(30)),
                retry: RetryPolicy::default(),
                signers: Vec::new(),
                classifiers: Vec::new(),
                error_parser: Arc::new(JsonErrorParser),
                clock: Arc::new(SystemClock),
                sleep: Arc::new(TokioSleep),
                max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
                idempotency_header: HeaderName::from_static("idempotency-key"),
                request_id_headers: vec![
                    HeaderName::from_static("x-request-id"),
                    HeaderName::from_static("request-id"),
                ],
                loggable_headers: DEFAULT_ALLOWED_HEADERS.to_vec(),
            },
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("retry", &self.settings.retry)
            .field("timeout", &self.settings.timeout)
            .field("attempt_timeout", &self.settings.attempt_timeout)
            .field("signers", &self.settings.signers)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder with the defaults: 30 s per attempt, no overall deadline (the retry policy's
    /// 60 s budget bounds retries), [`RetryPolicy::default`], 10 MiB response cap, at most
    /// [`DEFAULT_MAX_IN_FLIGHT`] requests in flight (further calls queue).
    pub fn new() -> Self {
        Self::default()
    }

    /// The API base URL, e.g. `https://api.snaptrade.com/api/v1`. Trailing slashes are
    /// ignored; operation paths are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The `User-Agent`, e.g. `fintra-finicity/0.1.0` (default: `fintra-core/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.settings.default_headers.insert(name, value);
        self
    }

    /// Deadline for a whole call, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Deadline for each attempt (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.settings.attempt_timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt deadline (the overall [`ClientBuilder::timeout`], if any, and
    /// the transport's own timeouts still apply).
    pub fn without_attempt_timeout(mut self) -> Self {
        self.settings.attempt_timeout = None;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry = policy;
        self
    }

    /// Sends requests through a [`reqwest::Client`] built from the caller's builder (proxy,
    /// custom CA, pool settings...). Redirects are always refused, whatever the builder says
    /// (see [`ReqwestTransport::from_builder`]); an error building it is reported by
    /// [`ClientBuilder::build`]. Start from [`crate::reqwest_client_builder`] to keep fintra's
    /// TLS and pool defaults.
    ///
    /// There is deliberately no way to pass an already built `reqwest::Client`: its redirect
    /// policy cannot be read or changed, and one that follows redirects sends credentials to
    /// another origin.
    pub fn reqwest_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        match ReqwestTransport::from_builder(builder) {
            Ok(transport) => {
                self.transport = Some(TransportChoice::Reqwest(transport));
                self.transport_error = None;
            }
            Err(e) => self.transport_error = Some(e.to_string()),
        }
        self
    }

    /// Sends requests through any [`Transport`] (which must not follow redirects).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(TransportChoice::Custom(transport));
        self.transport_error = None;
        self
    }

    /// Creates the default transport now if none is set, so that every client built from
    /// clones of this builder shares one connection pool (for provider crates that build
    /// several clients from the caller's builder).
    pub fn with_shared_transport(mut self) -> Result<Self, Error> {
        if self.transport.is_none() {
            self.transport = Some(TransportChoice::Reqwest(ReqwestTransport::default_client()?));
        }
        Ok(self)
    }

    /// Adds a request signer, run on every attempt of every request to the base URL's host
    /// (after a [`ProviderProfile`]'s signers).
    pub fn signer(mut self, signer: Arc<dyn RequestSigner>) -> Self {
        self.settings.signers.push(signer);
        self
    }

    /// Adds a refinement of retry classification. Classifiers run in the order they were
    /// added, each given the decision so far (core's default for the first), as smithy-rs
    /// orders its retry classifiers; a later one can override an earlier one, and the user's
    /// run after a [`ProviderProfile`]'s. Whatever they say, a write that may have reached the
    /// server is never repeated.
    pub fn classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.settings.classifiers.push(classifier);
        self
    }

    /// Parses error bodies (default: a [`ProviderProfile`]'s parser, else
    /// [`JsonErrorParser`]).
    pub fn error_parser(mut self, parser: Arc<dyn ErrorParser>) -> Self {
        self.error_parser = Some(parser);
        self
    }

    /// The clock (signature timestamps, token expiry, `Retry-After` dates, time budget).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = clock;
        self
    }

    /// The sleeper used between retries and for the per-attempt and overall deadlines.
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.settings.sleep = sleep;
        self
    }

    /// Largest response body read (default 10 MiB); a larger one fails with
    /// [`crate::TransportErrorKind::BodyTooLarge`].
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.settings.max_response_bytes = max;
        self
    }

    /// The most requests of this client (and its clones) in flight at once (default
    /// [`DEFAULT_MAX_IN_FLIGHT`], at least 1). Further calls queue until one finishes; they
    /// do not fail. Together with [`ClientBuilder::max_response_bytes`] this bounds the
    /// sockets and response memory a client holds. Backoff waits and signing (which may
    /// fetch a token through another client) do not hold a slot.
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max.max(1);
        self
    }

    /// The header that carries idempotency keys (default `idempotency-key`).
    pub fn idempotency_header(mut self, name: HeaderName) -> Self {
        self.settings.idempotency_header = name;
        self
    }

    /// A header holding the provider's request id (checked before the defaults
    /// `x-request-id` and `request-id`).
    pub fn request_id_header(mut self, name: HeaderName) -> Self {
        self.settings.request_id_headers.insert(0, name);
        self
    }

    /// A header whose value may be logged and kept in errors.
    pub fn loggable_header(mut self, name: &'static str) -> Self {
        self.settings.loggable_headers.push(name);
        self
    }

    /// Builds a client for no particular provider.
    pub fn build(self) -> Result<Client, Error> {
        self.build_for(&ProviderProfile::new("generic"))
    }

    /// Builds a client for the provider `profile` describes (for provider crates). The
    /// user's settings on this builder win: see [`ProviderProfile`].
    pub fn build_for(self, profile: &ProviderProfile) -> Result<Client, Error> {
        let raw = self
            .base_url
            .as_deref()
            .or(profile.default_base_url.as_deref())
            .ok_or_else(|| Error::config("a base URL is required: set ClientBuilder::base_url"))?;
        let base = parse_base_url(raw)?;
        if let Some(e) = self.transport_error {
            return Err(Error::config(e));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => TransportChoice::Reqwest(ReqwestTransport::default_client()?),
        };
        let user_agent = self
            .user_agent
            .or_else(|| profile.user_agent.clone())
            .unwrap_or_else(|| concat!("fintra-core/", env!("CARGO_PKG_VERSION")).to_owned());
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::config("the user agent is not a valid header value"))?;
        let mut settings = self.settings;
        settings.provider = profile.name;
        // The provider's signers and classifiers first, the user's after them.
        settings.signers = profile
            .signers
            .iter()
            .cloned()
            .chain(settings.signers)
            .collect();
        settings.classifiers = profile
            .classifiers
            .iter()
            .cloned()
            .chain(settings.classifiers)
            .collect();
        if let Some(parser) = self.error_parser.or_else(|| profile.error_parser.clone()) {
            settings.error_parser = parser;
        }
        settings
            .loggable_headers
            .extend_from_slice(&profile.loggable_headers);
        settings.default_headers.insert(USER_AGENT, user_agent);
        settings
            .default_headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        Ok(Client::from_parts(
            base,
            transport,
            settings,
            self.max_in_flight,
        ))
    }
}

/// A client's transport. fintra's own reqwest transport is called directly, with the URL the
/// client already parsed; any other goes through the [`Transport`] trait.
#[derive(Debug, Clone)]
pub(super) enum TransportChoice {
    Reqwest(ReqwestTransport),
    Custom(Arc<dyn Transport>),
}

/// A validated base URL without trailing slashes.
#[derive(Debug, Clone)]
pub(super) struct BaseUrl {
    /// `scheme://authority/path` with no trailing `/`.
    pub(super) prefix: String,
    /// The path with no trailing `/` (empty for the root).
    pub(super) path: String,
    /// The parsed base, from which each request's URL is derived without parsing its host
    /// again.
    pub(super) url: Url,
    pub(super) uri_scheme: http::uri::Scheme,
    pub(super) uri_authority: http::uri::Authority,
}

pub(super) fn parse_base_url(raw: &str) -> Result<BaseUrl, Error> {
    let trimmed = raw.trim();
    // The value is echoed unless it may hold credentials (`user:password@host`).
    let shown = if trimmed.contains('@') {
        "(not shown: it contains `@`)".to_owned()
    } else {
        format!("`{trimmed}`")
    };
    let fix = if trimmed.contains(char::is_whitespace) {
        "a URL has no spaces: use an absolute http or https URL such as \
         `https://api.example.com/v1`"
            .to_owned()
    } else if trimmed.contains("://") {
        "use an absolute http or https URL such as `https://api.example.com/v1`".to_owned()
    } else {
        format!(
            "add the scheme: `https://{}` (or `http://` for a local server)",
            if trimmed.contains('@') {
                "..."
            } else {
                trimmed
            }
        )
    };
    let url = Url::parse(trimmed)
        .map_err(|e| Error::config(format!("invalid base URL {shown} ({e}): {fix}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::config(format!(
            "invalid base URL {shown}: it must be an http or https URL with a host; {fix}"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(
            "the base URL must not have a query or fragment",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("the base URL must not embed credentials"));
    }
    let prefix = url.as_str().trim_end_matches('/').to_owned();
    let host = url.host_str().unwrap_or_default();
    // `host[:port]` as `http::Uri` reports it, default port omitted.
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let unusable = || Error::config(format!("invalid base URL {shown}: {fix}"));
    let uri_scheme = url.scheme().parse().map_err(|_| unusable())?;
    let uri_authority = authority.parse().map_err(|_| unusable())?;
    Ok(BaseUrl {
        path: url.path().trim_end_matches('/').to_owned(),
        prefix,
        url,
        uri_scheme,
        uri_authority,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_trailing_slashes_normalised() {
        assert_eq!(
            parse_base_url("https://api.example.com/").unwrap().prefix,
            "https://api.example.com"
        );
        assert_eq!(
            parse_base_url("https://api.example.com/api/v1//")
                .unwrap()
                .prefix,
            "https://api.example.com/api/v1"
        );
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("https://u:p@x.com").is_err());
        assert!(parse_base_url("https://x.com/?a=b").is_err());
        assert!(parse_base_url("not a url").is_err());
        for (raw, hint) in [
            ("not a url", "a URL has no spaces"),
            ("api.example.com/v1", "`https://api.example.com/v1`"),
            ("localhost:8080", "`https://localhost:8080`"),
            ("ftp://x", "absolute http or https URL"),
        ] {
            let text = parse_base_url(raw).unwrap_err().to_string();
            assert!(text.contains(&format!("`{raw}`")), "{text}");
            assert!(text.contains(hint), "{text}");
        }
        let text = parse_base_url("user:pw@host").unwrap_err().to_string();
        assert!(!text.contains("pw"), "{text}");
        let b = parse_base_url("https://API.example.com:443/v1").unwrap();
        assert_eq!(
            (b.uri_scheme.as_str(), b.uri_authority.as_str()),
            ("https", "api.example.com")
        );
        let b = parse_base_url("http://127.0.0.1:8080").unwrap();
        assert_eq!(b.uri_authority.as_str(), "127.0.0.1:8080");
    }
}
