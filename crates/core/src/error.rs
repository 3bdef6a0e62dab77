//! The one error type shared by every fintra crate.
//!
//! [`Error`] keeps everything a caller needs to act on a failure: the HTTP status, the
//! provider's error code and message, the request id, a server `Retry-After` hint, the
//! (sanitized) response headers and the raw body, which is kept even when it is not JSON.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::deprecation::Deprecation;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when calling a provider.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The provider answered with a status the operation does not expect.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be sent or its answer could not be read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The provider answered with a success status but a body that does not decode.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request was rejected client-side before anything was sent.
    #[error(transparent)]
    InvalidRequest(#[from] InvalidRequest),
    /// Credentials could not be obtained or were refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The client is misconfigured.
    #[error("configuration error: {0}")]
    Config(Cow<'static, str>),
}

impl Error {
    /// A configuration error with the given message.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Config(message.into())
    }

    /// The HTTP status of the provider's answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Auth(e) => e.source_error().and_then(Error::status),
            _ => None,
        }
    }

    /// The provider's error code (always as a string), if the error body carried one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.code(),
            Error::Auth(e) => e.source_error().and_then(Error::code),
            _ => None,
        }
    }

    /// The provider's typed view of the error body (e.g. `FinicityErrorBody`,
    /// `SnapTradeError`, `AppPortalError`), looking through an [`Error::Auth`] to its cause;
    /// `None` when there is no API error or its body has none of `T`'s shapes. The body was
    /// parsed once, when the error was made, by the provider's error parser; `T` is decoded
    /// from the body only when that parser kept no view of type `T`.
    ///
    /// ```
    /// use fintra_core::{ApiError, Error, ProviderError};
    ///
    /// #[derive(Clone, Debug, serde::Deserialize)]
    /// struct Problem { detail: String }
    /// impl ProviderError for Problem {
    ///     fn from_api(api: &ApiError) -> Option<Self> {
    ///         api.detail()
    ///     }
    /// }
    /// let err = Error::from(ApiError::new("Op", http::StatusCode::CONFLICT, r#"{"detail":"exists"}"#));
    /// assert_eq!(err.provider::<Problem>().unwrap().detail, "exists");
    /// ```
    pub fn provider<T: ProviderError>(&self) -> Option<T> {
        match self {
            Error::Api(e) => e.provider(),
            Error::Auth(e) => e.source_error().and_then(Error::provider),
            _ => None,
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the failure is transient: retrying the same request later may succeed.
    ///
    /// True for connection failures, timeouts, 408, 429 and 5xx answers. This says nothing
    /// about whether a retry is *safe* (see [`crate::Idempotency`]); the client only retries
    /// automatically when it is.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => is_transient_status(e.status),
            Error::Transport(e) => matches!(
                e.kind,
                TransportErrorKind::Connect | TransportErrorKind::Timeout
            ),
            _ => false,
        }
    }

    /// Whether the failure is a timeout (per attempt or overall).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.kind == TransportErrorKind::Timeout)
    }

    /// How many attempts the call made before failing (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(e) => e.attempts,
            Error::Transport(e) => e.attempts,
            _ => 1,
        }
    }

    /// The provider's deprecation notice (`Deprecation` / `Sunset` headers) on the answer
    /// that failed, if it sent one.
    pub fn deprecation(&self) -> Option<&Deprecation> {
        match self {
            Error::Api(e) => e.deprecation.as_ref(),
            _ => None,
        }
    }

    /// Displays this error and its chain of causes on one line: see [`Report`].
    ///
    /// ```
    /// use fintra_core::{Error, InvalidRequest};
    /// let error = Error::from(InvalidRequest::new("app_id", "must not be empty"));
    /// assert_eq!(error.report().to_string(), "invalid `app_id`: must not be empty");
    /// ```
    pub fn report(&self) -> Report<'_> {
        Report::new(self)
    }

    /// Records what the client knows about the failed call: the Rust method that made it
    /// and how many attempts it took.
    pub(crate) fn with_call(mut self, rust_method: Option<&'static str>, attempts: u32) -> Self {
        match &mut self {
            Error::Api(e) => {
                e.rust_method = rust_method;
                e.attempts = attempts;
            }
            Error::Transport(e) => {
                e.rust_method = rust_method;
                e.attempts = attempts;
            }
            Error::Decode(e) => e.rust_method = rust_method,
            _ => {}
        }
        self
    }
}

/// Displays an error followed by each of its [`source`](std::error::Error::source)s, separated
/// by `: `, on one line: what failed, then why. (`{:?}` of the error shows every field.)
///
/// Works for any error, e.g. the `Box<dyn Error>` a `main` returns:
///
/// ```
/// use fintra_core::Report;
///
/// #[derive(Debug)]
/// struct Cause;
/// impl std::fmt::Display for Cause {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("connection refused")
///     }
/// }
/// impl std::error::Error for Cause {}
///
/// #[derive(Debug)]
/// struct Failed(Cause);
/// impl std::fmt::Display for Failed {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("could not reach api.example.com")
///     }
/// }
/// impl std::error::Error for Failed {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
///         Some(&self.0)
///     }
/// }
///
/// let error: Box<dyn std::error::Error> = Box::new(Failed(Cause));
/// assert_eq!(
///     format!("error: {}", Report::new(&*error)),
///     "error: could not reach api.example.com: connection refused"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct Report<'a>(&'a (dyn std::error::Error + 'a));

impl<'a> Report<'a> {
    /// A report of `error` and its causes.
    pub fn new(error: &'a (dyn std::error::Error + 'a)) -> Self {
        Report(error)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Names an operation in messages: `Type::method (spec-operation-id)` when the Rust method is
/// known, else the spec operation id.
struct Label(&'static str, Option<&'static str>);

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(rust) => write!(f, "{rust} ({})", self.0),
            None => f.write_str(self.0),
        }
    }
}

/// ` (after N attempts)` when the call was retried.
fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Decode(Box::new(e))
    }
}

pub(crate) fn is_transient_status(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// How much of a body `Debug` shows.
const DEBUG_BODY_LIMIT: usize = 512;

fn body_preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(DEBUG_BODY_LIMIT)]);
    if body.len() > DEBUG_BODY_LIMIT {
        format!("{text}… ({} bytes)", body.len())
    } else {
        text.into_owned()
    }
}

/// What `Debug` shows of a body: a preview, or only its length when it may carry secrets.
fn body_debug(body: &[u8], sensitive: bool) -> String {
    if sensitive {
        format!("{} ({} bytes)", crate::secret::REDACTED, body.len())
    } else {
        body_preview(body)
    }
}

/// The provider answered with an unexpected (usually an error) status.
#[derive(Clone)]
pub struct ApiError {
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) sensitive: bool,
    pub(crate) rust_method: Option<&'static str>,
    pub(crate) attempts: u32,
    pub(crate) deprecation: Option<Deprecation>,
    /// The provider parser's typed view of the body (see [`ProviderError`]).
    pub(crate) view: Option<Arc<dyn Any + Send + Sync>>,
}

/// A provider's typed view of its error bodies, read with [`Error::provider`] /
/// [`ApiError::provider`]: one idiom for every provider crate.
pub trait ProviderError: Sized + Clone + Send + Sync + 'static {
    /// Decodes `api`'s body; `None` when it has none of this provider's error shapes.
    fn from_api(api: &ApiError) -> Option<Self>;
}

impl ApiError {
    /// Builds an API error (mostly useful in tests and custom transports).
    pub fn new(operation: &'static str, status: StatusCode, body: impl Into<Bytes>) -> Self {
        ApiError {
            operation,
            status,
            code: None,
            message: None,
            request_id: None,
            retry_after: None,
            headers: HeaderMap::new(),
            body: body.into(),
            sensitive: false,
            rust_method: None,
            attempts: 1,
            deprecation: None,
            view: None,
        }
    }

    /// The provider's typed view of the body: see [`Error::provider`].
    pub fn provider<T: ProviderError>(&self) -> Option<T> {
        match self.view.as_deref().and_then(|v| v.downcast_ref::<T>()) {
            Some(view) => Some(view.clone()),
            None => T::from_api(self),
        }
    }

    /// Marks the body as possibly carrying secrets (the answer of a
    /// [sensitive](crate::Operation::sensitive) operation): `Debug` then shows its length only.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Whether the body may carry secrets and is never printed.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// The id of the operation that failed, e.g. `CreateToken`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The Rust method that made the call, e.g. `ConnectComponentsClient::get_configuration`,
    /// when the provider crate names it.
    pub fn rust_method(&self) -> Option<&'static str> {
        self.rust_method
    }
    /// How many attempts the call made (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// The provider's deprecation notice on this answer, if any.
    pub fn deprecation(&self) -> Option<&Deprecation> {
        self.deprecation.as_ref()
    }
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The provider's error code, as a string (Finicity sends numbers and strings alike).
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
    /// The provider's human-readable message. For a [sensitive](crate::Operation::sensitive)
    /// operation, every value the request carried (body strings, query values, secret header
    /// values) is replaced by `[REDACTED]`, here and in `Display`, `Debug` and logs.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The provider's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    /// The server's `Retry-After` hint.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }
    /// Response headers, with every value outside the allow-list replaced by `[REDACTED]`.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The raw response body, exactly as received (JSON, HTML or anything else).
    ///
    /// Unlike every printed field it is never scrubbed: for a
    /// [sensitive](Self::is_sensitive) operation it may hold secrets (e.g. a provider echoing
    /// the request), so do not log it.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// Decodes the body as a provider error type; `None` when it does not parse as `T`.
    ///
    /// ```
    /// # use fintra_core::ApiError;
    /// #[derive(serde::Deserialize)]
    /// struct Problem { detail: String }
    /// let err = ApiError::new("Op", http::StatusCode::CONFLICT, r#"{"detail":"exists"}"#);
    /// assert_eq!(err.detail::<Problem>().unwrap().detail, "exists");
    /// ```
    pub fn detail<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("rust_method", &self.rust_method)
            .field("attempts", &self.attempts)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("headers", &self.headers)
            .field("body", &body_debug(&self.body, self.sensitive))
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = Label(self.operation, self.rust_method);
        write!(f, "{label} failed with HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        write_attempts(f, self.attempts)
    }
}

impl std::error::Error for ApiError {}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established: the request never left.
    Connect,
    /// The attempt (or the whole call) ran out of time.
    Timeout,
    /// The connection failed after the request may have been sent.
    Io,
    /// The response body exceeded the configured limit.
    BodyTooLarge,
    /// Any other failure of the transport.
    Other,
}

/// The request could not be sent or its answer could not be read.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: Cow<'static, str>,
    source: Option<BoxError>,
    operation: Option<&'static str>,
    rust_method: Option<&'static str>,
    attempts: u32,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(operation) = self.operation {
            write!(f, "{}: ", Label(operation, self.rust_method))?;
        }
        f.write_str(&self.message)?;
        write_attempts(f, self.attempts)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl TransportError {
    /// A transport error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
            operation: None,
            rust_method: None,
            attempts: 1,
        }
    }
    /// Names the operation that failed (done by the client).
    pub(crate) fn for_operation(mut self, operation: &'static str) -> Self {
        self.operation = Some(operation);
        self
    }
    /// The id of the operation that failed, when the client recorded it.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }
    /// How many attempts the call made (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
    /// Attaches the underlying cause (kept, never stringified).
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }
    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
    /// Whether the request certainly never reached the server.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
}

/// A success response whose body does not decode into the operation's output type.
pub struct DecodeError {
    pub(crate) operation: &'static str,
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) path: String,
    pub(crate) sensitive: bool,
    pub(crate) source: serde_json::Error,
    pub(crate) rust_method: Option<&'static str>,
}

impl DecodeError {
    /// The operation whose answer failed to decode.
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
    /// The serde path of the field that failed, e.g. `token` or `mfaChallenges[0].type`
    /// (`.` when the document itself is malformed).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} response (HTTP {}) at `{}`: ",
            Label(self.operation, self.rust_method),
            self.status,
            self.path
        )?;
        if self.sensitive {
            // serde messages quote the offending value, which may be a credential.
            write!(
                f,
                "{:?} error at line {} column {}",
                self.source.classify(),
                self.source.line(),
                self.source.column()
            )
        } else {
            write!(f, "{}", self.source)
        }
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = body_debug(&self.body, self.sensitive);
        f.debug_struct("DecodeError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("path", &self.path)
            .field("error", &format_args!("{self}"))
            .field("body", &body)
            .finish()
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        if self.sensitive {
            None
        } else {
            Some(&self.source)
        }
    }
}

/// A request rejected client-side, before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid `{field}`: {reason}")]
pub struct InvalidRequest {
    field: Cow<'static, str>,
    reason: Cow<'static, str>,
}

impl InvalidRequest {
    /// `field` is the parameter's name; `reason` must never contain a secret value.
    pub fn new(field: impl Into<Cow<'static, str>>, reason: impl Into<Cow<'static, str>>) -> Self {
        InvalidRequest {
            field: field.into(),
            reason: reason.into(),
        }
    }
    /// The offending parameter.
    pub fn field(&self) -> &str {
        &self.field
    }
    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What kind of authentication failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The provider refused the credentials.
    CredentialsRejected,
    /// The provider reports the account as locked.
    AccountLocked,
    /// A client-side guard refuses to try the credentials again (to avoid a lockout).
    GuardTripped,
    /// A token could not be obtained for another reason (see the source).
    TokenUnavailable,
    /// A request could not be signed.
    Signing,
}

/// Credentials could not be obtained, were refused, or a request could not be signed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    kind: AuthErrorKind,
    message: Cow<'static, str>,
    #[source]
    source: Option<Box<Error>>,
}

impl AuthError {
    /// An auth error; `message` must never contain a secret.
    pub fn new(kind: AuthErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        AuthError {
            kind,
            message: message.into(),
            source: None,
        }
    }
    /// Attaches the error that caused this one (e.g. the token endpoint's API error).
    pub fn with_source(mut self, source: Error) -> Self {
        self.source = Some(Box::new(source));
        self
    }
    /// What kind of failure this is.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }
    /// The error that caused this one.
    pub fn source_error(&self) -> Option<&Error> {
        self.source.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_display_names_operation_status_and_code() {
        let mut e = ApiError::new("CreateToken", StatusCode::UNAUTHORIZED, "{}");
        e.code = Some("10001".into());
        e.message = Some("Invalid authorization credentials".into());
        assert_eq!(
            e.to_string(),
            "CreateToken failed with HTTP 401 Unauthorized (code 10001): Invalid authorization credentials"
        );
        let err = Error::from(e);
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
        assert_eq!(err.code(), Some("10001"));
        assert!(!err.is_retryable());
    }

    #[test]
    fn display_names_the_rust_method_and_the_attempts() {
        let mut e = ApiError::new("get-configurations", StatusCode::SERVICE_UNAVAILABLE, "");
        e.rust_method = Some("ConnectComponentsClient::list_configurations");
        e.attempts = 3;
        assert_eq!(
            e.to_string(),
            "ConnectComponentsClient::list_configurations (get-configurations) failed with \
             HTTP 503 Service Unavailable (after 3 attempts)"
        );
        let t = Error::from(
            TransportError::new(TransportErrorKind::Connect, "could not connect to h:443")
                .for_operation("get-configurations"),
        )
        .with_call(Some("ConnectComponentsClient::list_configurations"), 2);
        assert_eq!(
            t.to_string(),
            "ConnectComponentsClient::list_configurations (get-configurations): could not \
             connect to h:443 (after 2 attempts)"
        );
        assert_eq!(t.attempts(), 2);
    }

    #[test]
    fn report_shows_the_error_and_every_cause() {
        let api = ApiError::new("CreateToken", StatusCode::UNAUTHORIZED, "{}");
        let err = Error::from(
            AuthError::new(
                AuthErrorKind::CredentialsRejected,
                "Finicity refused the partner secret",
            )
            .with_source(api.into()),
        );
        assert_eq!(
            err.report().to_string(),
            "Finicity refused the partner secret: CreateToken failed with HTTP 401 Unauthorized"
        );
        let plain = Error::config("no base URL");
        assert_eq!(
            format!("{:?}", plain.report()),
            "configuration error: no base URL"
        );
    }

    #[test]
    fn retryable_classes() {
        for (s, r) in [
            (408, true),
            (429, true),
            (500, true),
            (503, true),
            (404, false),
            (400, false),
        ] {
            let e = Error::from(ApiError::new("Op", StatusCode::from_u16(s).unwrap(), ""));
            assert_eq!(e.is_retryable(), r, "{s}");
        }
        assert!(Error::from(TransportError::new(TransportErrorKind::Connect, "x")).is_retryable());
        let t = Error::from(TransportError::new(TransportErrorKind::Timeout, "x"));
        assert!(t.is_retryable() && t.is_timeout());
        assert!(!Error::from(TransportError::new(TransportErrorKind::Io, "x")).is_retryable());
    }

    #[test]
    fn auth_error_exposes_cause_status_and_code() {
        let mut api = ApiError::new("CreateToken", StatusCode::INTERNAL_SERVER_ERROR, "");
        api.code = Some("24302".into());
        let err = Error::from(
            AuthError::new(AuthErrorKind::AccountLocked, "locked").with_source(api.into()),
        );
        assert_eq!(err.code(), Some("24302"));
        assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    }

    #[test]
    fn sensitive_decode_error_hides_values() {
        let source = serde_json::from_str::<u64>("\"tok-123\"").unwrap_err();
        let e = DecodeError {
            operation: "CreateToken",
            status: StatusCode::OK,
            body: Bytes::from_static(b"{\"token\":\"tok-123\"}"),
            path: "token".into(),
            sensitive: true,
            source,
            rust_method: None,
        };
        let text = format!("{e} {e:?}");
        assert!(!text.contains("tok-123"), "{text}");
        assert!(text.contains("`token`"), "{text}");
        assert!(std::error::Error::source(&e).is_none());
    }
}
