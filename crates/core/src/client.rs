//! The client: builds requests from [`Operation`]s and executes them with signing, retries,
//! timeouts, error mapping and tracing.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{Rejection, RequestSigner, SignContext};
use crate::deadline::{Elapsed, within};
use crate::deprecation::Deprecation;
use crate::error::{ApiError, DecodeError, Error, TransportError, TransportErrorKind};
use crate::operation::{Idempotency, Operation, RequestOptions};
use crate::retry::{
    AttemptOutcome, ClassifyContext, RetryClassifier, RetryDecision, RetryPolicy, default_decision,
    never_sent,
};
use crate::secret::{DEFAULT_ALLOWED_HEADERS, sanitize_headers};
use crate::time::{Clock, Sleep, SystemClock, TokioSleep, elapsed};
use crate::transport::{
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_RESPONSE_BYTES, PreparedUrl, ReqwestTransport, Transport,
};

/// The provider's error code and message, extracted from an error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetails {
    /// The provider's error code, as a string.
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
}

/// Extracts [`ErrorDetails`] from a provider's error body. Must not fail: an unparseable
/// body yields empty details (the raw body is kept in the [`ApiError`] anyway).
pub trait ErrorParser: Send + Sync + fmt::Debug {
    /// Parses an error body.
    fn parse(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ErrorDetails;
}

/// Reads `code` (string or number) and `message` (or `detail` when it is a string) from a
/// JSON object; anything else gives empty details.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonErrorParser;

impl ErrorParser for JsonErrorParser {
    fn parse(&self, _status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> ErrorDetails {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return ErrorDetails::default();
        };
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        ErrorDetails {
            code: map.get("code").and_then(text),
            message: map
                .get("message")
                .and_then(text)
                .or_else(|| map.get("detail").and_then(text)),
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Response {
    operation: &'static str,
    rust_method: Option<&'static str>,
    sensitive: bool,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    deprecation: Option<Deprecation>,
}

impl Response {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// The provider's deprecation notice (`Deprecation` / `Sunset` headers), if it sent one.
    pub fn deprecation(&self) -> Option<&Deprecation> {
        self.deprecation.as_ref()
    }
    /// Decodes the body as JSON; a failure names the field that did not decode.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        // Fast path; only a failure pays for tracking the serde path.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Ok(value) => Ok(value),
            Err(e) => Err(Error::from(DecodeError {
                operation: self.operation,
                status: self.status,
                body: self.body.clone(),
                path: e.path().to_string(),
                sensitive: self.sensitive,
                source: e.into_inner(),
                rust_method: self.rust_method,
            })),
        }
    }
}

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
///     .retry(RetryPolicy::default().max_attempts(4))
///     .build()
///     .unwrap();
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    default_base_url: Option<&'static str>,
    provider: &'static str,
    user_agent: Option<String>,
    default_headers: HeaderMap,
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    retry: RetryPolicy,
    transport: Option<TransportChoice>,
    /// Why the caller's reqwest builder did not build (reported by `build`).
    transport_error: Option<String>,
    signers: Vec<Arc<dyn RequestSigner>>,
    classifier: Option<Arc<dyn RetryClassifier>>,
    error_parser: Arc<dyn ErrorParser>,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    max_response_bytes: usize,
    max_in_flight: usize,
    idempotency_header: HeaderName,
    request_id_headers: Vec<HeaderName>,
    loggable_headers: Vec<&'static str>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            default_base_url: None,
            provider: "generic",
            user_agent: None,
            default_headers: HeaderMap::new(),
            timeout: None,
            attempt_timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
            transport: None,
            transport_error: None,
            signers: Vec::new(),
            classifier: None,
            error_parser: Arc::new(JsonErrorParser),
            clock: Arc::new(SystemClock),
            sleep: Arc::new(TokioSleep),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            idempotency_header: HeaderName::from_static("idempotency-key"),
            request_id_headers: vec![
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("request-id"),
            ],
            loggable_headers: DEFAULT_ALLOWED_HEADERS.to_vec(),
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("provider", &self.provider)
            .field(
                "base_url",
                &self.base_url.as_deref().or(self.default_base_url),
            )
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("signers", &self.signers)
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

    /// The base URL used when the caller sets none (for provider crates).
    pub fn default_base_url(mut self, url: &'static str) -> Self {
        self.default_base_url = Some(url);
        self
    }

    /// Whether a base URL was set explicitly.
    pub fn has_base_url(&self) -> bool {
        self.base_url.is_some()
    }

    /// The provider name used in tracing spans (for provider crates).
    pub fn provider(mut self, name: &'static str) -> Self {
        self.provider = name;
        self
    }

    /// The `User-Agent`, e.g. `fintra-finicity/0.1.0` (default: `fintra-core/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Sets the user agent only if the caller has not set one (for provider crates).
    pub fn default_user_agent(mut self, ua: impl Into<String>) -> Self {
        if self.user_agent.is_none() {
            self.user_agent = Some(ua.into());
        }
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.insert(name, value);
        self
    }

    /// Deadline for a whole call, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Deadline for each attempt (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Removes the per-attempt deadline (the overall [`ClientBuilder::timeout`], if any, and
    /// the transport's own timeouts still apply).
    pub fn without_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = None;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
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

    /// Adds a request signer, run on every attempt of every request to the base URL's host.
    pub fn signer(mut self, signer: Arc<dyn RequestSigner>) -> Self {
        self.signers.push(signer);
        self
    }

    /// Refines retry classification (for provider crates).
    pub fn classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Parses provider error bodies (for provider crates).
    pub fn error_parser(mut self, parser: Arc<dyn ErrorParser>) -> Self {
        self.error_parser = parser;
        self
    }

    /// The clock (signature timestamps, token expiry, `Retry-After` dates, time budget).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The sleeper used between retries and for the per-attempt and overall deadlines.
    pub fn sleep(mut self, sleep: Arc<dyn Sleep>) -> Self {
        self.sleep = sleep;
        self
    }

    /// The clock this builder will use.
    pub fn get_clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Largest response body read (default 10 MiB); a larger one fails with
    /// [`TransportErrorKind::BodyTooLarge`].
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
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
        self.idempotency_header = name;
        self
    }

    /// A header holding the provider's request id (checked before the defaults
    /// `x-request-id` and `request-id`).
    pub fn request_id_header(mut self, name: HeaderName) -> Self {
        self.request_id_headers.insert(0, name);
        self
    }

    /// A header whose value may be logged and kept in errors.
    pub fn loggable_header(mut self, name: &'static str) -> Self {
        self.loggable_headers.push(name);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let raw = self
            .base_url
            .as_deref()
            .or(self.default_base_url)
            .ok_or_else(|| Error::config("a base URL is required"))?;
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
            .unwrap_or_else(|| concat!("fintra-core/", env!("CARGO_PKG_VERSION")).to_owned());
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::config("the user agent is not a valid header value"))?;
        let mut default_headers = self.default_headers;
        default_headers.insert(USER_AGENT, user_agent);
        default_headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                provider: self.provider,
                default_headers,
                timeout: self.timeout,
                attempt_timeout: self.attempt_timeout,
                retry: self.retry,
                transport,
                signers: self.signers,
                classifier: self.classifier,
                error_parser: self.error_parser,
                clock: self.clock,
                sleep: self.sleep,
                max_response_bytes: self.max_response_bytes,
                in_flight: tokio::sync::Semaphore::new(self.max_in_flight),
                deprecations_logged: std::sync::Mutex::new(Vec::new()),
                idempotency_header: self.idempotency_header,
                request_id_headers: self.request_id_headers,
                loggable_headers: self.loggable_headers,
            }),
        })
    }
}

/// A client's transport. fintra's own reqwest transport is called directly, with the URL the
/// client already parsed; any other goes through the [`Transport`] trait.
#[derive(Debug, Clone)]
enum TransportChoice {
    Reqwest(ReqwestTransport),
    Custom(Arc<dyn Transport>),
}

/// Polls `fut` inside `span`, like `tracing::Instrument`, but borrowing the pinned future
/// instead of moving it into a wrapper: the futures of a call are KiBs, and each move copies
/// them (measured by the overhead bench).
fn in_span<'a, F: Future>(
    span: &'a tracing::Span,
    mut fut: std::pin::Pin<&'a mut F>,
) -> impl Future<Output = F::Output> + 'a {
    std::future::poll_fn(move |cx| {
        let _entered = span.enter();
        fut.as_mut().poll(cx)
    })
}

/// A validated base URL without trailing slashes.
#[derive(Debug, Clone)]
struct BaseUrl {
    /// `scheme://authority/path` with no trailing `/`.
    prefix: String,
    scheme: String,
    /// `host[:port]` as `http::Uri` reports it, default port omitted.
    authority: String,
    /// The path with no trailing `/` (empty for the root).
    path: String,
    /// The parsed base, from which each request's URL is derived without parsing its host
    /// again.
    url: Url,
    uri_scheme: http::uri::Scheme,
    uri_authority: http::uri::Authority,
}

fn parse_base_url(raw: &str) -> Result<BaseUrl, Error> {
    let trimmed = raw.trim();
    // The value is echoed unless it may hold credentials (`user:password@host`).
    let shown = if trimmed.contains('@') {
        "(not shown: it contains `@`)".to_owned()
    } else {
        format!("`{trimmed}`")
    };
    let fix = if trimmed.contains("://") {
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
    let authority = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let unusable = || Error::config(format!("invalid base URL {shown}: {fix}"));
    let uri_scheme = url.scheme().parse().map_err(|_| unusable())?;
    let uri_authority = authority.parse().map_err(|_| unusable())?;
    Ok(BaseUrl {
        scheme: url.scheme().to_owned(),
        path: url.path().trim_end_matches('/').to_owned(),
        authority,
        prefix,
        url,
        uri_scheme,
        uri_authority,
    })
}

struct Inner {
    base: BaseUrl,
    provider: &'static str,
    default_headers: HeaderMap,
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    retry: RetryPolicy,
    transport: TransportChoice,
    signers: Vec<Arc<dyn RequestSigner>>,
    classifier: Option<Arc<dyn RetryClassifier>>,
    error_parser: Arc<dyn ErrorParser>,
    clock: Arc<dyn Clock>,
    sleep: Arc<dyn Sleep>,
    max_response_bytes: usize,
    in_flight: tokio::sync::Semaphore,
    /// Operations whose deprecation notice was already logged.
    deprecations_logged: std::sync::Mutex<Vec<&'static str>>,
    idempotency_header: HeaderName,
    request_id_headers: Vec<HeaderName>,
    loggable_headers: Vec<&'static str>,
}

/// Executes [`Operation`]s. Cheap to clone (an `Arc` inside), `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.inner.provider)
            .field("base_url", &self.inner.base.prefix)
            .field("retry", &self.inner.retry)
            .field("transport", &self.inner.transport)
            .field("signers", &self.inner.signers)
            .finish_non_exhaustive()
    }
}

/// What one attempt produced.
enum Attempt {
    Success(Response),
    Failed(Error, RetryDecision),
    Replay,
}

impl Client {
    /// A builder.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The base URL (without trailing slash).
    pub fn base_url(&self) -> &str {
        &self.inner.base.prefix
    }

    /// The client's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Executes `op` and decodes a JSON answer into `T`.
    pub fn send_json<'a, T: DeserializeOwned>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<T, Error>> + Send + 'a {
        let call = self.execute(op, options);
        async move { call.await?.json() }
    }

    /// Executes `op` whose success answer has no body of interest (e.g. 204).
    pub fn send_empty<'a>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<(), Error>> + Send + 'a {
        let call = self.execute(op, options);
        async move { call.await.map(drop) }
    }

    /// Executes `op`: signs each attempt, retries as the policy and classification allow,
    /// and returns the success response or the error of the last attempt.
    ///
    /// (The client's methods return `impl Future` rather than being `async fn`s: an `async
    /// fn` stores its arguments twice in its future, and a call's future is copied each time
    /// it moves; see the overhead bench.)
    #[allow(clippy::manual_async_fn)]
    pub fn execute<'a>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        async move {
            let span = tracing::info_span!(
                "fintra.request",
                provider = self.inner.provider,
                operation = op.id,
                rust_method = op.rust_method,
                method = %op.method,
                path = %op.path,
            );
            let limit = options.timeout.or(self.inner.timeout);
            let rust_method = op.rust_method;
            let operation = op.id;
            let fut = pin!(self.execute_inner(op, options));
            within(&*self.inner.sleep, limit, pin!(in_span(&span, fut)))
            .await
            .unwrap_or_else(|Elapsed| {
                let err = Error::from(
                    TransportError::new(
                        TransportErrorKind::Timeout,
                        format!(
                            "the call did not finish within its {:?} deadline",
                            limit.unwrap_or_default()
                        ),
                    )
                    .for_operation(operation),
                )
                .with_call(rust_method, 1);
                tracing::warn!(operation, error = %err, "giving up: the call's deadline passed");
                Err(err)
            })
        }
    }

    // Not an `async fn`: its arguments would be stored twice in the future's state (once as
    // arguments, once as locals); captured by an `async move` block they are stored once.
    #[allow(clippy::manual_async_fn)]
    fn execute_inner<'a>(
        &'a self,
        op: Operation,
        options: &'a RequestOptions,
    ) -> impl Future<Output = Result<Response, Error>> + Send + 'a {
        async move {
            let inner = &*self.inner;
            let policy = options.retry.as_ref().unwrap_or(&inner.retry);
            let mut idempotency = op.idempotency.clone();
            if let Some(key) = &options.idempotency_key {
                idempotency = Idempotency::Key(key.clone());
            }
            let started = inner.clock.now();
            // Latency is only measured when someone will read it.
            let timer = tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now);
            let mut attempt = 0u32;
            let mut retries = 0u32;
            let mut replayed = false;
            loop {
                attempt += 1;
                let span = tracing::debug_span!(
                    "fintra.attempt",
                    attempt,
                    status = tracing::field::Empty,
                    request_id = tracing::field::Empty,
                );
                let attempt_fut =
                    pin!(self.attempt(&op, &idempotency, options, attempt, replayed, &span,));
                let outcome = in_span(&span, attempt_fut)
                    .await
                    .map_err(|e| e.with_call(op.rust_method, attempt))?;
                let give_up = |err: Error, why: &str| {
                    let err = err.with_call(op.rust_method, attempt);
                    tracing::warn!(operation = op.id, attempts = attempt, error = %err, "giving up: {why}");
                    Err(err)
                };
                match outcome {
                    Attempt::Success(response) => {
                        tracing::debug!(
                            operation = op.id,
                            status = response.status.as_u16(),
                            attempts = attempt,
                            latency_ms = timer.map(|t| t.elapsed().as_secs_f64() * 1e3),
                            "succeeded"
                        );
                        return Ok(response);
                    }
                    Attempt::Replay => {
                        replayed = true;
                        tracing::debug!(
                            operation = op.id,
                            "credential expired; replaying once with a fresh one"
                        );
                    }
                    Attempt::Failed(err, decision) => {
                        let RetryDecision::Retry { kind, after } = decision else {
                            let err = err.with_call(op.rust_method, attempt);
                            tracing::debug!(operation = op.id, attempts = attempt, error = %err, "failed");
                            return Err(err);
                        };
                        retries += 1;
                        if retries >= policy.get_max_attempts() {
                            return give_up(err, "no attempts left");
                        }
                        let Some(delay) = policy.delay(retries, after) else {
                            return give_up(
                                err,
                                "the server asks to wait longer than the policy's max_retry_after",
                            );
                        };
                        if let Some(budget) = policy.get_max_elapsed()
                            && elapsed(started, inner.clock.now()).saturating_add(delay) > budget
                        {
                            return give_up(err, "the retry time budget (max_elapsed) is spent");
                        }
                        tracing::debug!(operation = op.id, attempt, ?kind, ?delay, error = %err, "retrying");
                        inner.sleep.sleep(delay).await;
                    }
                }
            }
        }
    }

    /// Runs one attempt: build, sign, send, classify. (Not an `async fn`, like
    /// `execute_inner`.)
    #[allow(clippy::too_many_arguments, clippy::manual_async_fn)]
    fn attempt<'a>(
        &'a self,
        op: &'a Operation,
        idempotency: &'a Idempotency,
        options: &'a RequestOptions,
        attempt: u32,
        replayed: bool,
        span: &'a tracing::Span,
    ) -> impl Future<Output = Result<Attempt, Error>> + Send + 'a {
        async move {
            let inner = &*self.inner;
            // Built for each attempt (an invalid path fails the first one, before anything is
            // sent): cheaper than keeping a template to clone.
            let (mut request, prepared) = self.build_request(op, idempotency, options)?;
            if !inner.signers.is_empty() && self.same_origin(request.uri()) {
                let cx = SignContext {
                    operation: op.id,
                    attempt,
                    now: inner.clock.now(),
                };
                for signer in &inner.signers {
                    signer.sign(&mut request, cx).await?;
                }
            }
            // What the signers attached, for their replay decision (nothing to keep without any).
            let extensions = if inner.signers.is_empty() {
                http::Extensions::new()
            } else {
                request.extensions().clone()
            };
            let limit = options.attempt_timeout.or(inner.attempt_timeout);
            // Queue for a slot; the semaphore is never closed, so this cannot fail.
            let slot = match inner.in_flight.try_acquire() {
                Ok(slot) => Some(slot),
                Err(_) => inner.in_flight.acquire().await.ok(),
            };
            let max = inner.max_response_bytes;
            let sent = match &inner.transport {
                TransportChoice::Reqwest(t) => {
                    Box::pin(t.send_prepared(request, Some(prepared), max))
                }
                TransportChoice::Custom(t) => t.send(request, max),
            };
            let result = within(&*inner.sleep, limit, pin!(sent))
                .await
                .unwrap_or_else(|Elapsed| {
                    Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!(
                            "the attempt did not finish within {:?}",
                            limit.unwrap_or_default()
                        ),
                    ))
                });
            if inner.in_flight.available_permits() == 0 {
                // Calls are queued: let the connection this attempt used go back to the pool
                // (the HTTP library does that on another task) before the next call takes the
                // slot, so that call reuses it instead of opening a new socket.
                tokio::task::yield_now().await;
            }
            drop(slot);
            // Only a failure is classified (and reads the clock for it).
            let classify = || ClassifyContext {
                operation: op.id,
                method: &op.method,
                replay_safe: idempotency.is_replay_safe(),
                attempt,
                now: inner.clock.now(),
            };
            let response = match result {
                Ok(response) => response,
                Err(err) => {
                    let outcome = AttemptOutcome::Transport(&err);
                    let decision = self.decide(&classify(), outcome);
                    return Ok(Attempt::Failed(err.for_operation(op.id).into(), decision));
                }
            };
            let (parts, body) = response.into_parts();
            // Recorded once on this attempt's own span, so fields never pile up.
            span.record("status", parts.status.as_u16());
            let request_id = self.request_id(&parts.headers);
            if let Some(id) = &request_id {
                span.record("request_id", id.as_str());
            }
            let deprecation = Deprecation::from_headers(&parts.headers);
            if let Some(notice) = &deprecation {
                self.log_deprecation(op, notice);
            }
            if op.is_success(parts.status) {
                return Ok(Attempt::Success(Response {
                    operation: op.id,
                    rust_method: op.rust_method,
                    sensitive: op.sensitive,
                    status: parts.status,
                    headers: parts.headers,
                    body,
                    deprecation,
                }));
            }
            if !replayed {
                let rejection = Rejection {
                    status: parts.status,
                    headers: &parts.headers,
                    body: &body,
                    extensions: &extensions,
                };
                if inner.signers.iter().any(|s| s.should_replay(&rejection)) {
                    return Ok(Attempt::Replay);
                }
            }
            let outcome = AttemptOutcome::Response {
                status: parts.status,
                headers: &parts.headers,
                body: &body,
            };
            let classify = classify();
            let decision = self.decide(&classify, outcome);
            let details = inner
                .error_parser
                .parse(parts.status, &parts.headers, &body);
            let error = ApiError {
                operation: op.id,
                status: parts.status,
                code: details.code,
                message: details.message,
                request_id,
                retry_after: crate::retry::parse_retry_after(&parts.headers, classify.now),
                headers: sanitize_headers(&parts.headers, &inner.loggable_headers),
                body,
                sensitive: op.sensitive,
                rust_method: op.rust_method,
                attempts: attempt,
                deprecation,
            };
            Ok(Attempt::Failed(error.into(), decision))
        }
    }

    /// Logs the first deprecation notice of each operation of this client.
    fn log_deprecation(&self, op: &Operation, notice: &Deprecation) {
        let mut logged = self
            .inner
            .deprecations_logged
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if logged.contains(&op.id) {
            return;
        }
        logged.push(op.id);
        drop(logged);
        tracing::warn!(
            provider = self.inner.provider,
            operation = op.id,
            rust_method = op.rust_method,
            deprecation = notice.deprecation(),
            sunset = notice.sunset(),
            "the provider marks this operation as deprecated: plan to move off it before its sunset date"
        );
    }

    fn decide(&self, cx: &ClassifyContext<'_>, outcome: AttemptOutcome<'_>) -> RetryDecision {
        let default = default_decision(cx, outcome);
        let decision = match &self.inner.classifier {
            Some(c) => c.classify(cx, outcome, default),
            None => default,
        };
        // Whatever a classifier says, a write that may have reached the server is not repeated.
        if !cx.replay_safe && !never_sent(outcome) {
            return RetryDecision::DoNotRetry;
        }
        decision
    }

    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        self.inner
            .request_id_headers
            .iter()
            .find_map(|h| headers.get(h)?.to_str().ok().map(str::to_owned))
    }

    /// Whether `uri` points at the base URL's scheme, host and port.
    fn same_origin(&self, uri: &http::Uri) -> bool {
        let base = &self.inner.base;
        uri.scheme_str() == Some(base.scheme.as_str())
            && uri
                .authority()
                .is_some_and(|a| a.as_str().eq_ignore_ascii_case(&base.authority))
    }

    fn build_request(
        &self,
        op: &Operation,
        idempotency: &Idempotency,
        options: &RequestOptions,
    ) -> Result<(http::Request<Bytes>, PreparedUrl), Error> {
        let inner = &*self.inner;
        if !op.path.starts_with('/') {
            return Err(Error::config(format!(
                "operation {} has a path that does not start with `/`",
                op.id
            )));
        }
        crate::path::check_path(op.id, &op.path)?;
        let base = &inner.base;
        let mut target = String::with_capacity(base.path.len() + op.path.len() + 16);
        target.push_str(&base.path);
        target.push_str(&op.path);
        let path_len = target.len();
        if !op.query.is_empty() {
            target.push('?');
            let mut query = url::form_urlencoded::Serializer::for_suffix(target, path_len + 1);
            for (name, value) in &op.query {
                query.append_pair(name, value.expose());
            }
            target = query.finish();
        }
        let invalid = || {
            crate::error::InvalidRequest::new("path", "does not form a valid URL with the base URL")
        };
        // The URL for the transport (see PreparedUrl) derives from the parsed base: its
        // scheme and host are not parsed again, per call or per attempt.
        let mut parsed = base.url.clone();
        parsed.set_path(&target[..path_len]);
        if target.len() > path_len {
            parsed.set_query(Some(&target[path_len + 1..]));
        }
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(base.uri_scheme.clone());
        parts.authority = Some(base.uri_authority.clone());
        parts.path_and_query = Some(
            http::uri::PathAndQuery::from_maybe_shared(Bytes::from(target))
                .map_err(|_| invalid())?,
        );
        let uri = http::Uri::from_parts(parts).map_err(|_| invalid())?;
        let mut request = http::Request::new(op.body.clone().unwrap_or_default());
        *request.method_mut() = op.method.clone();
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        headers.clone_from(&inner.default_headers);
        for map in [&op.headers, &options.headers] {
            for (name, value) in map {
                headers.insert(name.clone(), value.clone());
            }
        }
        if op.body.is_some() && !headers.contains_key(CONTENT_TYPE) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Idempotency::Key(key) = idempotency {
            headers.insert(inner.idempotency_header.clone(), key.header_value());
        }
        Ok((request, PreparedUrl { uri, url: parsed }))
    }
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
            ("not a url", "`https://not a url`"),
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
            (b.scheme.as_str(), b.authority.as_str()),
            ("https", "api.example.com")
        );
        let b = parse_base_url("http://127.0.0.1:8080").unwrap();
        assert_eq!(b.authority, "127.0.0.1:8080");
    }

    #[test]
    fn json_error_parser_reads_numeric_and_string_codes() {
        let p = JsonErrorParser;
        let h = HeaderMap::new();
        let d = p.parse(
            StatusCode::UNAUTHORIZED,
            &h,
            br#"{"code":10001,"message":"bad"}"#,
        );
        assert_eq!(d.code.as_deref(), Some("10001"));
        assert_eq!(d.message.as_deref(), Some("bad"));
        let d = p.parse(
            StatusCode::CONFLICT,
            &h,
            br#"{"code":"conflict","detail":"exists"}"#,
        );
        assert_eq!(d.code.as_deref(), Some("conflict"));
        assert_eq!(d.message.as_deref(), Some("exists"));
        assert_eq!(
            p.parse(StatusCode::BAD_GATEWAY, &h, b"<html>"),
            ErrorDetails::default()
        );
    }

    #[test]
    fn credentials_only_for_the_base_origin() {
        let client = Client::builder()
            .base_url("https://api.example.com:8443/v1")
            .build()
            .unwrap();
        let same: http::Uri = "https://api.example.com:8443/v1/x".parse().unwrap();
        assert!(client.same_origin(&same));
        for other in [
            "http://api.example.com:8443/v1/x",
            "https://api.example.com/v1/x",
            "https://evil.example.com:8443/v1/x",
        ] {
            assert!(!client.same_origin(&other.parse().unwrap()), "{other}");
        }
    }

    proptest::proptest! {
        /// The URL handed to reqwest (derived from the parsed base) is exactly what parsing
        /// the request's URI would give.
        #[test]
        fn the_prepared_url_equals_a_fresh_parse(
            base in proptest::sample::select(vec![
                "https://api.example.com",
                "https://api.example.com:8443/api/v1/",
                "http://127.0.0.1:9000/x",
                "http://[::1]:8080",
            ]),
            segment in ".*",
            value in ".*",
        ) {
            let client = Client::builder().base_url(base).build().unwrap();
            let op = Operation::get("Op", format!("/a/{}/b", crate::encode_path_segment(&segment)))
                .query("q", value);
            if let Ok((request, prepared)) =
                client.build_request(&op, &Idempotency::Safe, &RequestOptions::new())
            {
                let fresh = Url::parse(&request.uri().to_string()).unwrap();
                proptest::prop_assert_eq!(prepared.url.as_str(), fresh.as_str());
                proptest::prop_assert_eq!(&prepared.uri, request.uri());
            }
        }
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
