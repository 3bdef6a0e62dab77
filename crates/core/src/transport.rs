//! The HTTP transport: one buffered request in, one buffered response out.
//!
//! [`Transport`] is object-safe so users can inject their own (a proxy-aware client, custom
//! CA, middleware, a test double). [`ReqwestTransport`] is the default: rustls with the `ring`
//! provider and the platform verifier (or native-tls with the `native-tls` feature), no
//! redirects (a redirect could carry credentials to another host), and a cap on response
//! body size so a hostile server cannot exhaust memory.

use std::fmt;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;

use crate::BoxFuture;
use crate::error::{Error, TransportError, TransportErrorKind};

/// Default cap on a response body: 10 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// Default number of requests one [`crate::Client`] (and its clones) has in flight at once;
/// further calls queue. With the 10 MiB body cap it bounds the response memory of a client's
/// in-flight calls to 640 MiB, and with [`DEFAULT_POOL_MAX_IDLE_PER_HOST`] its open sockets
/// per host to 64 in use plus 64 idle.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// Default number of idle connections the default transport keeps per host; a connection
/// that finishes while as many are idle is closed. It equals [`DEFAULT_MAX_IN_FLIGHT`]: a
/// smaller pool makes a saturated client close and reopen sockets all the time.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = DEFAULT_MAX_IN_FLIGHT;

/// Default time an idle pooled connection is kept before it is closed: 30 s.
pub const DEFAULT_POOL_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends one HTTP request and reads the whole response.
///
/// Implementations must not follow redirects to other hosts with the request's headers, and
/// should map "could not connect" failures to [`TransportErrorKind::Connect`] (those are
/// retried even for non-idempotent requests, because the request never left).
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request`; `max_response_bytes` bounds the body that may be read.
    fn send(
        &self,
        request: http::Request<Bytes>,
        max_response_bytes: usize,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;
}

/// The request URL as the client already parsed it, handed to the reqwest transport so it
/// does not parse it again; used only while `uri` is still the request's URI (a signer may
/// rewrite it).
#[derive(Debug, Clone)]
pub(crate) struct PreparedUrl {
    pub(crate) uri: http::Uri,
    pub(crate) url: url::Url,
}

/// The default transport, over a [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Builds the transport from a caller-configured builder (proxy, custom CA, pool
    /// settings...), forcing `redirect::Policy::none()`: a followed redirect would carry the
    /// provider's credentials (headers, and a 307/308 re-sends the body) to whatever origin
    /// the `Location` names. A 3xx answer is returned as it is and ends the call as an
    /// [`crate::ApiError`]. Start from [`reqwest_client_builder`] to keep fintra's TLS and pool
    /// defaults.
    pub fn from_builder(builder: reqwest::ClientBuilder) -> Result<Self, Error> {
        let client = builder
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::config(format!(
                    "could not build the HTTP client: {}",
                    e.without_url()
                ))
            })?;
        Ok(ReqwestTransport { client })
    }

    /// The default client, built from [`reqwest_client_builder`]. With the `rustls` backend
    /// every default client shares one TLS configuration, so the platform's root
    /// certificates are loaded once per process, not once per client.
    pub fn default_client() -> Result<Self, Error> {
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        let builder = reqwest_client_builder().tls_backend_preconfigured(shared_tls_config()?);
        #[cfg(not(all(feature = "rustls", not(feature = "native-tls"))))]
        let builder = reqwest_client_builder();
        Self::from_builder(builder)
    }

    /// Sends `request`; `prepared` is its URL as the client parsed it, used unless a signer
    /// changed the URI since.
    ///
    /// The conversion to a `reqwest::Request` runs here, synchronously: the returned future
    /// then holds only what it needs across its awaits (reqwest's pending call, the target
    /// for error messages, the body read so far), a few hundred bytes rather than the
    /// request twice over, which every attempt would copy.
    pub(crate) fn send_prepared(
        &self,
        request: http::Request<Bytes>,
        prepared: Option<PreparedUrl>,
        max: usize,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send + 'static {
        let target = Target::of(request.uri());
        let (parts, body) = request.into_parts();
        let request = match prepared {
            Some(prepared) if same_uri(&prepared.uri, &parts.uri) => {
                let mut request = reqwest::Request::new(parts.method, prepared.url);
                *request.headers_mut() = parts.headers;
                *request.version_mut() = parts.version;
                *request.body_mut() = Some(reqwest::Body::from(body));
                Ok(request)
            }
            _ => reqwest::Request::try_from(http::Request::from_parts(parts, body))
                .map_err(|e| map_reqwest_error(e, TransportErrorKind::Other, &target)),
        };
        let pending = request.map(|request| self.client.execute(request));
        async move {
            let response = pending?
                .await
                .map_err(|e| map_reqwest_error(e, TransportErrorKind::Io, &target))?;
            read_capped(response, max, &target).await
        }
    }
}

/// Whether `a` and `b` are the same URI, cheaply when `b` is an untouched clone of `a`
/// (their parts then share one buffer). Never true for different URIs; may be false for
/// equal ones that differ in case, which only costs the slower conversion.
fn same_uri(a: &http::Uri, b: &http::Uri) -> bool {
    fn same(a: Option<&str>, b: Option<&str>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(a, b) || a == b,
            (None, None) => true,
            _ => false,
        }
    }
    a.scheme() == b.scheme()
        && same(
            a.authority().map(|x| x.as_str()),
            b.authority().map(|x| x.as_str()),
        )
        && same(
            a.path_and_query().map(|x| x.as_str()),
            b.path_and_query().map(|x| x.as_str()),
        )
}

/// Reads `response`'s body, failing once it is larger than `max` bytes. (Not an `async fn`:
/// the response would be stored twice in its state.)
#[allow(clippy::manual_async_fn)]
fn read_capped(
    mut response: reqwest::Response,
    max: usize,
    target: &Target,
) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send + '_ {
    async move {
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(too_large(max));
        }
        let read = |e| map_reqwest_error(e, TransportErrorKind::Io, target);
        // Most answers arrive in one chunk: keep it without copying.
        let first = response.chunk().await.map_err(read)?.unwrap_or_default();
        if first.len() > max {
            return Err(too_large(max));
        }
        let body = match response.chunk().await.map_err(read)? {
            None => first,
            Some(second) => {
                let mut body =
                    BytesMut::with_capacity(declared.unwrap_or(0).min(max as u64) as usize);
                body.extend_from_slice(&first);
                let mut next = Some(second);
                while let Some(chunk) = next {
                    if body.len() + chunk.len() > max {
                        return Err(too_large(max));
                    }
                    body.extend_from_slice(&chunk);
                    next = response.chunk().await.map_err(read)?;
                }
                body.freeze()
            }
        };
        let mut out = http::Response::new(body);
        *out.status_mut() = response.status();
        *out.version_mut() = response.version();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: http::Request<Bytes>,
        max_response_bytes: usize,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.send_prepared(request, None, max_response_bytes))
    }
}

fn too_large(max: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("response body larger than the {max}-byte limit"),
    )
}

/// The `host:port` a request goes to (never its path or query, which may carry secrets).
struct Target {
    authority: Option<http::uri::Authority>,
    https: bool,
}

impl Target {
    fn of(uri: &http::Uri) -> Self {
        Target {
            authority: uri.authority().cloned(),
            https: uri.scheme_str() == Some("https"),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.authority.as_ref().map_or("?", |a| a.host());
        let port = self
            .authority
            .as_ref()
            .and_then(|a| a.port_u16())
            .unwrap_or(if self.https { 443 } else { 80 });
        write!(f, "{host}:{port}")
    }
}

/// Maps a reqwest error, dropping its URL (the query may carry secrets) but naming the host
/// and port tried and the innermost cause (e.g. "Connection refused", a DNS failure).
fn map_reqwest_error(
    err: reqwest::Error,
    fallback: TransportErrorKind,
    target: &Target,
) -> TransportError {
    let kind = if err.is_connect() {
        TransportErrorKind::Connect
    } else if err.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        fallback
    };
    let err = err.without_url();
    let mut cause: &dyn std::error::Error = &err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let message = match kind {
        TransportErrorKind::Connect => format!(
            "could not connect to {target} ({cause}); check the base URL's host and port, \
             DNS, the network and any proxy"
        ),
        TransportErrorKind::Timeout => format!("the request to {target} timed out"),
        TransportErrorKind::Io => {
            format!("the connection to {target} failed while sending or receiving ({cause})")
        }
        _ => format!("the HTTP request to {target} could not be built or sent ({cause})"),
    };
    TransportError::new(kind, message).with_source(err)
}

/// A [`reqwest::ClientBuilder`] with fintra's defaults, to customise (proxy, custom CA, pool
/// settings...) and pass to [`crate::ClientBuilder::reqwest_builder`]: no redirects, 10 s connect
/// timeout, at most [`DEFAULT_POOL_MAX_IDLE_PER_HOST`] idle connections per host closed after
/// [`DEFAULT_POOL_IDLE_TIMEOUT`], and the TLS backend of this crate's features (rustls with
/// the `ring` provider by default, the platform's native TLS with `native-tls`).
///
/// Prefer it over `reqwest::Client::builder()`: with the default features reqwest is built
/// without a bundled crypto provider, and this function installs `ring` as the process-wide
/// rustls default when no other provider is installed yet.
///
/// Certificates are verified against the operating system's trust store (on Linux, the
/// `ca-certificates` files). In a minimal container without one, building the default client
/// fails with a configuration error; add roots with `tls_certs_merge` / `tls_certs_only`.
/// A private CA is trusted the same way:
///
/// ```no_run
/// # fn run(ca_der: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// use fintra_core::reqwest::Certificate;
/// let http = fintra_core::reqwest_client_builder()
///     .tls_certs_merge([Certificate::from_der(ca_der)?]);
/// let client = fintra_core::Client::builder()
///     .base_url("https://api.example.com")
///     .reqwest_builder(http)
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
///
/// ```
/// let http = fintra_core::reqwest_client_builder().pool_max_idle_per_host(4);
/// let client = fintra_core::Client::builder()
///     .base_url("https://api.example.com")
///     .reqwest_builder(http)
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
pub fn reqwest_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .pool_max_idle_per_host(DEFAULT_POOL_MAX_IDLE_PER_HOST)
        .pool_idle_timeout(DEFAULT_POOL_IDLE_TIMEOUT);
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    builder
}

/// Installs rustls' `ring` provider as the process default unless one is installed already.
fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    {
        // An error only means another provider is installed: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The process-wide TLS configuration of the default clients: rustls with `ring`, the
/// platform verifier (roots loaded once, here), HTTP/1.1 ALPN.
/// How many times the root store was loaded (once per process).
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
static ROOT_STORES_LOADED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn shared_tls_config() -> Result<rustls::ClientConfig, Error> {
    use std::sync::{Arc, OnceLock};

    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            ROOT_STORES_LOADED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("could not load the platform's root certificates: {e}"))?;
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("could not configure TLS: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
        .map_err(|e| {
            Error::config(format!(
                "{e}; on a minimal container install the CA certificates (e.g. the \
                 `ca-certificates` package) or trust roots explicitly with \
                 reqwest_client_builder().tls_certs_only(...) and ClientBuilder::reqwest_builder"
            ))
        })
}

#[cfg(test)]
mod uri_tests {
    #[test]
    fn same_uri_is_true_only_for_the_same_uri() {
        let uri: http::Uri = "https://api.example.com/v1/a?b=c".parse().unwrap();
        assert!(super::same_uri(&uri, &uri.clone()), "an untouched clone");
        let equal: http::Uri = "https://api.example.com/v1/a?b=c".parse().unwrap();
        assert!(
            super::same_uri(&uri, &equal),
            "equal text in another buffer"
        );
        for other in [
            "http://api.example.com/v1/a?b=c",
            "https://api.example.com:8443/v1/a?b=c",
            "https://api.example.com/v1/a?b=d",
            "https://api.example.com/v1/a",
            "https://other.example.com/v1/a?b=c",
        ] {
            let other: http::Uri = other.parse().unwrap();
            assert!(!super::same_uri(&uri, &other), "{other}");
        }
    }
}

#[cfg(all(test, feature = "rustls", not(feature = "native-tls")))]
mod tests {
    #[test]
    fn the_root_store_is_loaded_once_per_process() {
        let clients: Vec<_> = (0..3)
            .map(|_| super::ReqwestTransport::default_client().unwrap())
            .collect();
        assert_eq!(clients.len(), 3);
        assert_eq!(
            super::ROOT_STORES_LOADED.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
    }
}
