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

/// The default transport, over a [`reqwest::Client`].
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Wraps a caller-configured client (proxy, custom CA, pool settings...).
    ///
    /// Configure it with `redirect(reqwest::redirect::Policy::none())`: fintra does not expect
    /// redirects, and a followed redirect would carry provider headers to the new location.
    pub fn new(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }

    /// The default client: rustls (ring) or native-tls, no redirects, 10 s connect timeout,
    /// HTTP/1.1.
    pub fn default_client() -> Result<Self, Error> {
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .pool_idle_timeout(std::time::Duration::from_secs(60));
        let builder = configure_tls(builder)?;
        let client = builder.build().map_err(|e| {
            Error::config(format!(
                "could not build the HTTP client: {}",
                e.without_url()
            ))
        })?;
        Ok(ReqwestTransport { client })
    }

    async fn send_inner(
        &self,
        request: http::Request<Bytes>,
        max: usize,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = reqwest::Request::try_from(request.map(reqwest::Body::from))
            .map_err(|e| map_reqwest_error(e, TransportErrorKind::Other))?;
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|e| map_reqwest_error(e, TransportErrorKind::Io))?;

        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(too_large(max));
        }
        let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(max as u64) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| map_reqwest_error(e, TransportErrorKind::Io))?
        {
            if body.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            body.extend_from_slice(&chunk);
        }
        let mut out = http::Response::new(body.freeze());
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
        Box::pin(self.send_inner(request, max_response_bytes))
    }
}

fn too_large(max: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        format!("response body larger than the {max}-byte limit"),
    )
}

/// Maps a reqwest error, dropping its URL (the query may carry secrets).
fn map_reqwest_error(err: reqwest::Error, fallback: TransportErrorKind) -> TransportError {
    let kind = if err.is_connect() {
        TransportErrorKind::Connect
    } else if err.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        fallback
    };
    let message = match kind {
        TransportErrorKind::Connect => "could not connect to the server",
        TransportErrorKind::Timeout => "the request timed out",
        TransportErrorKind::Io => "the connection failed while sending or receiving",
        _ => "the HTTP request could not be built or sent",
    };
    TransportError::new(kind, message).with_source(err.without_url())
}

#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn configure_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("TLS configuration: {e}")))?
        .with_platform_verifier()
        .map_err(|e| Error::config(format!("TLS certificate verifier: {e}")))?
        .with_no_client_auth();
    Ok(builder.tls_backend_preconfigured(config))
}

#[cfg(feature = "native-tls")]
fn configure_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_native())
}

#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
fn configure_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder)
}
