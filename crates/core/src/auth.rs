//! Authentication: request signers run on every attempt, and a cached token provider.
//!
//! * [`RequestSigner`] adds credentials to a request. The client calls it on **every attempt**
//!   (so a timestamped signature is fresh on each retry) and only for requests to the
//!   configured host.
//! * [`HeaderSigner`] is the static case (an API key or bearer token in a header).
//! * [`TokenProvider`] hands out short-lived tokens; [`CachedTokenProvider`] caches one,
//!   refreshes it before it expires with single-flight (N concurrent callers, one fetch), and
//!   can be invalidated when the provider answers "token expired".
//! * [`TokenSigner`] puts a provider's token in a header and asks the client to replay a
//!   request once after invalidating the token, when the provider says it expired.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use crate::BoxFuture;
use crate::error::Error;
use crate::secret::{REDACTED, SecretString, sensitive_header_value};
use crate::time::{Clock, saturating_add};

/// What a signer knows about the attempt it signs.
#[derive(Debug, Clone, Copy)]
pub struct SignContext {
    /// The operation id.
    pub operation: &'static str,
    /// The attempt number (1-based; replays after a token refresh count too).
    pub attempt: u32,
    /// The current time, from the client's clock.
    pub now: SystemTime,
}

/// A rejected answer, as shown to [`RequestSigner::should_replay`].
#[derive(Debug, Clone, Copy)]
pub struct Rejection<'a> {
    /// The status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
    /// Extensions the signer stored on the request it signed.
    pub extensions: &'a http::Extensions,
}

/// Adds credentials to a request; called on every attempt.
pub trait RequestSigner: Send + Sync + fmt::Debug {
    /// Adds credentials to `request` (headers, query parameters...).
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Called when the provider rejects a signed request. Returning `true` means the signer
    /// has dropped a stale credential and the request should be replayed once.
    fn should_replay(&self, rejection: &Rejection<'_>) -> bool {
        let _ = rejection;
        false
    }
}

/// The future of a signer that did its work synchronously, for [`RequestSigner::sign`].
///
/// On success it allocates nothing (the future is zero-sized), so a synchronous signer costs
/// no heap allocation per attempt; an error is boxed as usual.
///
/// ```
/// use bytes::Bytes;
/// use fintra_core::auth::{RequestSigner, SignContext, signed};
/// use fintra_core::{BoxFuture, Error};
///
/// #[derive(Debug)]
/// struct Tenant;
///
/// impl RequestSigner for Tenant {
///     fn sign<'a>(
///         &'a self,
///         request: &'a mut http::Request<Bytes>,
///         _cx: SignContext,
///     ) -> BoxFuture<'a, Result<(), Error>> {
///         request
///             .headers_mut()
///             .insert("x-tenant", http::HeaderValue::from_static("acme"));
///         signed(Ok(()))
///     }
/// }
/// ```
pub fn signed<'a>(result: Result<(), Error>) -> BoxFuture<'a, Result<(), Error>> {
    /// A finished success: zero-sized, so boxing it does not allocate.
    struct Done;

    impl std::future::Future for Done {
        type Output = Result<(), Error>;

        fn poll(
            self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Self::Output> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    match result {
        Ok(()) => Box::pin(Done),
        Err(error) => Box::pin(std::future::ready(Err(error))),
    }
}

/// Sets one header to a secret value, e.g. an API key or `Authorization: Bearer …`.
///
/// ```
/// use fintra_core::auth::HeaderSigner;
/// use fintra_core::secret::SecretString;
/// let signer = HeaderSigner::bearer(SecretString::from("sk_live_123")).unwrap();
/// assert!(!format!("{signer:?}").contains("sk_live_123"));
/// ```
#[derive(Clone)]
pub struct HeaderSigner {
    name: HeaderName,
    value: HeaderValue,
}

impl HeaderSigner {
    /// `name: secret`.
    pub fn new(name: HeaderName, secret: &SecretString) -> Result<Self, Error> {
        let value = sensitive_header_value(name.as_str(), secret)?;
        Ok(HeaderSigner { name, value })
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: SecretString) -> Result<Self, Error> {
        let value =
            crate::secret::sensitive_header_value_with_prefix("authorization", "Bearer ", &token)?;
        Ok(HeaderSigner {
            name: http::header::AUTHORIZATION,
            value,
        })
    }
}

impl fmt::Debug for HeaderSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeaderSigner")
            .field("name", &self.name)
            .field("value", &REDACTED)
            .finish()
    }
}

impl RequestSigner for HeaderSigner {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        _cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        crate::headers::insert(request.headers_mut(), self.name.clone(), self.value.clone());
        signed(Ok(()))
    }
}

/// A short-lived access token.
#[derive(Clone)]
pub struct AccessToken {
    value: SecretString,
    issued_at: SystemTime,
    refresh_at: SystemTime,
    expires_at: SystemTime,
    generation: u64,
}

impl AccessToken {
    /// A token issued at `issued_at`, to be replaced at `refresh_at`, unusable from
    /// `expires_at`; `generation` numbers the tokens of one provider in fetch order. For
    /// providers that manage their own token cache (as `fintra-finicity` does).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use fintra_core::auth::AccessToken;
    /// use fintra_core::secret::SecretString;
    ///
    /// let issued = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let token = AccessToken::new(
    ///     SecretString::from("tok_123"),
    ///     issued,
    ///     issued + Duration::from_secs(90 * 60),
    ///     issued + Duration::from_secs(120 * 60),
    ///     1,
    /// );
    /// assert_eq!(token.generation(), 1);
    /// assert!(!format!("{token:?}").contains("tok_123"));
    /// ```
    pub fn new(
        value: SecretString,
        issued_at: SystemTime,
        refresh_at: SystemTime,
        expires_at: SystemTime,
        generation: u64,
    ) -> Self {
        AccessToken {
            value,
            issued_at,
            refresh_at,
            expires_at,
            generation,
        }
    }

    /// The token text. Handle with care: never log it.
    pub fn secret(&self) -> &SecretString {
        &self.value
    }
    /// When it was issued.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }
    /// When it should be replaced.
    pub fn refresh_at(&self) -> SystemTime {
        self.refresh_at
    }
    /// When it stops working.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
    /// A number that increases with every token the provider fetches.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &REDACTED)
            .field("issued_at", &self.issued_at)
            .field("refresh_at", &self.refresh_at)
            .field("expires_at", &self.expires_at)
            .field("generation", &self.generation)
            .finish()
    }
}

/// Hands out access tokens.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token that is valid now.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;
    /// Drops `token` if it is still the cached one, so the next call fetches a new one.
    fn invalidate(&self, token_generation: u64);
}

/// Fetches a brand-new token from the provider (e.g. Finicity's CreateToken).
pub trait TokenFetcher: Send + Sync + fmt::Debug {
    /// Fetches a token.
    fn fetch(&self) -> BoxFuture<'_, Result<SecretString, Error>>;
}

/// How long tokens live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLifetime {
    /// Replace a token once it is this old.
    pub refresh_after: Duration,
    /// Never use a token this old.
    pub expires_after: Duration,
}

#[derive(Default)]
struct CacheState {
    current: Option<AccessToken>,
    generation: u64,
}

/// A [`TokenProvider`] that caches the token of a [`TokenFetcher`].
///
/// * Single-flight: concurrent callers that find no fresh token wait for one fetch.
/// * A token is replaced once older than `refresh_after`; if that fetch fails while the
///   old token has not reached `expires_after`, the old token is still served.
/// * [`TokenProvider::invalidate`] drops the token of a given generation only, so a burst of
///   "expired" answers for the same token leads to one refresh.
pub struct CachedTokenProvider<F> {
    fetcher: F,
    clock: Arc<dyn Clock>,
    lifetime: TokenLifetime,
    state: Mutex<CacheState>,
    refresh: tokio::sync::Mutex<()>,
}

impl<F: TokenFetcher> CachedTokenProvider<F> {
    /// Caches tokens from `fetcher` with the given lifetime, reading time from `clock`.
    pub fn new(fetcher: F, lifetime: TokenLifetime, clock: Arc<dyn Clock>) -> Self {
        CachedTokenProvider {
            fetcher,
            clock,
            lifetime,
            state: Mutex::new(CacheState::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The wrapped fetcher.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    /// The cached token, if it is still usable at `now` and younger than `refresh_at`
    /// (`fresh_only`) or not yet expired.
    fn cached(&self, now: SystemTime, fresh_only: bool) -> Option<AccessToken> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let token = state.current.as_ref()?;
        let limit = if fresh_only {
            token.refresh_at
        } else {
            token.expires_at
        };
        (now < limit).then(|| token.clone())
    }

    async fn get(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.cached(self.clock.now(), true) {
            return Ok(token);
        }
        let _flight = self.refresh.lock().await;
        // Another caller may have refreshed while we waited.
        if let Some(token) = self.cached(self.clock.now(), true) {
            return Ok(token);
        }
        match self.fetcher.fetch().await {
            Ok(value) => {
                let now = self.clock.now();
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                state.generation += 1;
                let token = AccessToken::new(
                    value,
                    now,
                    saturating_add(now, self.lifetime.refresh_after),
                    saturating_add(now, self.lifetime.expires_after),
                    state.generation,
                );
                state.current = Some(token.clone());
                tracing::debug!(generation = token.generation, "fetched a new access token");
                Ok(token)
            }
            Err(err) => match self.cached(self.clock.now(), false) {
                Some(old) => {
                    tracing::warn!(error = %err, "token refresh failed; the current token is still valid and is used");
                    Ok(old)
                }
                None => Err(err),
            },
        }
    }
}

impl<F: TokenFetcher> TokenProvider for CachedTokenProvider<F> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.get())
    }

    fn invalidate(&self, token_generation: u64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state
            .current
            .as_ref()
            .is_some_and(|t| t.generation == token_generation)
        {
            tracing::debug!(generation = token_generation, "access token invalidated");
            state.current = None;
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for CachedTokenProvider<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("CachedTokenProvider")
            .field("fetcher", &self.fetcher)
            .field("lifetime", &self.lifetime)
            .field("token", &state.current)
            .finish()
    }
}

/// Decides whether a rejection means "the token expired".
pub type ExpiredTokenCheck = fn(&Rejection<'_>) -> bool;

/// The generation of the token a request was signed with (stored in request extensions).
#[derive(Debug, Clone, Copy)]
struct TokenGeneration(u64);

/// Puts a [`TokenProvider`]'s token into a header on every attempt, and asks for one replay
/// after invalidating the token when `is_expired` recognises the rejection.
#[derive(Clone)]
pub struct TokenSigner {
    provider: Arc<dyn TokenProvider>,
    header: HeaderName,
    prefix: &'static str,
    is_expired: ExpiredTokenCheck,
}

impl TokenSigner {
    /// Sends the token as `header: <prefix><token>`.
    pub fn new(
        provider: Arc<dyn TokenProvider>,
        header: HeaderName,
        prefix: &'static str,
        is_expired: ExpiredTokenCheck,
    ) -> Self {
        TokenSigner {
            provider,
            header,
            prefix,
            is_expired,
        }
    }
}

impl fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSigner")
            .field("provider", &self.provider)
            .field("header", &self.header)
            .finish()
    }
}

impl RequestSigner for TokenSigner {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        _cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let token = self.provider.token().await?;
            let value = crate::secret::sensitive_header_value_with_prefix(
                self.header.as_str(),
                self.prefix,
                token.secret(),
            )?;
            crate::headers::insert(request.headers_mut(), self.header.clone(), value);
            request
                .extensions_mut()
                .insert(TokenGeneration(token.generation));
            Ok(())
        })
    }

    fn should_replay(&self, rejection: &Rejection<'_>) -> bool {
        if !(self.is_expired)(rejection) {
            return false;
        }
        if let Some(TokenGeneration(g)) = rejection.extensions.get::<TokenGeneration>() {
            self.provider.invalidate(*g);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_once(mut fut: BoxFuture<'_, Result<(), Error>>) -> std::task::Poll<Result<(), Error>> {
        fut.as_mut()
            .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    }

    #[test]
    fn signed_is_ready_at_once_with_the_result() {
        assert!(matches!(
            poll_once(signed(Ok(()))),
            std::task::Poll::Ready(Ok(()))
        ));
        let failed = poll_once(signed(Err(Error::config("no key"))));
        assert!(
            matches!(&failed, std::task::Poll::Ready(Err(e)) if e.to_string().contains("no key")),
            "{failed:?}"
        );
    }
}
