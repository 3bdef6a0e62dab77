//! [`FinicityClient`]: the Authentication API, the shared token provider, and the signed
//! core client every other Finicity crate sends its calls through.

use std::fmt;
use std::sync::Arc;

use fintra_core::auth::{
    AccessToken as CachedToken, HeaderSigner, RequestSigner, TokenProvider, TokenSigner,
};
use fintra_core::secret::SecretString;
use fintra_core::{Client, ClientBuilder, Error, RequestOptions};
use http::HeaderName;

use crate::auth::{AuthApi, FinicityTokenProvider, TokenSettings};
use crate::credentials::Credentials;
use crate::error::{FinicityErrorParser, FinicityRetryClassifier, is_expired_token};
use crate::models::AccessToken;

/// The production (and only documented) base URL. Sandbox uses the same host with sandbox
/// credentials.
pub const DEFAULT_BASE_URL: &str = "https://api.finicity.com";

/// The `Finicity-App-Key` header.
pub const APP_KEY_HEADER: HeaderName = HeaderName::from_static("finicity-app-key");

/// The `Finicity-App-Token` header.
pub const APP_TOKEN_HEADER: HeaderName = HeaderName::from_static("finicity-app-token");

const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A Finicity client: the Authentication API (CreateToken, ModifyPartnerSecret) and the
/// shared token provider used by every other Finicity API.
///
/// Cheap to clone; clones share the token, the lockout guard and the connection pool. Build
/// other Finicity API clients (e.g. `fintra-connect-components`) from it so that they share
/// the same token.
///
/// Create **one** `FinicityClient` per partner account and clone it: the token cache and the
/// lockout guard live in the client, so two independently built clients each fetch their
/// own token and each count credential failures separately (together they could reach
/// Finicity's five-failure lock).
///
/// ```no_run
/// # async fn run() -> Result<(), fintra_core::Error> {
/// use fintra_finicity::{Credentials, FinicityClient};
///
/// let credentials = Credentials::new("1234583871234", "partner-secret".into(), "app-key".into());
/// let finicity = FinicityClient::new(credentials)?;
/// let token = finicity.access_token().await?; // cached, refreshed after 90 minutes
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct FinicityClient {
    auth: Arc<AuthApi>,
    tokens: Arc<FinicityTokenProvider>,
    app_key_signer: Arc<HeaderSigner>,
    token_signer: TokenSigner,
    api: Client,
}

impl FinicityClient {
    /// A client for `https://api.finicity.com` with the default settings.
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::with_config(credentials, Client::builder())
    }

    /// A client with the caller's core settings: base URL (default
    /// `https://api.finicity.com`), transport or `reqwest::Client`, retry policy, timeouts,
    /// clock and sleep.
    pub fn with_config(credentials: Credentials, config: ClientBuilder) -> Result<Self, Error> {
        Self::with_settings(credentials, config, TokenSettings::default())
    }

    /// Like [`FinicityClient::with_config`], with token refresh and lockout-guard settings.
    pub fn with_settings(
        credentials: Credentials,
        config: ClientBuilder,
        settings: TokenSettings,
    ) -> Result<Self, Error> {
        settings.validate()?;
        credentials.validate()?;
        let clock = config.get_clock();
        let base = config
            .provider("finicity")
            .default_base_url(DEFAULT_BASE_URL)
            .default_user_agent(USER_AGENT)
            .error_parser(Arc::new(FinicityErrorParser))
            .classifier(Arc::new(FinicityRetryClassifier))
            // Both internal clients share one connection pool.
            .with_shared_transport()?;
        let app_key_signer = Arc::new(HeaderSigner::new(APP_KEY_HEADER, &credentials.app_key)?);
        // The Authentication operations carry the app key only.
        let auth_client = base.clone().signer(app_key_signer.clone()).build()?;
        let auth = Arc::new(AuthApi::new(
            auth_client,
            credentials.partner_id,
            credentials.partner_secret,
            settings.get_lockout_threshold(),
        ));
        let tokens = Arc::new(FinicityTokenProvider::new(auth.clone(), settings, clock));
        let token_signer = TokenSigner::new(
            tokens.clone() as Arc<dyn TokenProvider>,
            APP_TOKEN_HEADER,
            "",
            is_expired_token,
        );
        let api = base
            .signer(app_key_signer.clone())
            .signer(Arc::new(token_signer.clone()))
            .build()?;
        Ok(FinicityClient {
            auth,
            tokens,
            app_key_signer,
            token_signer,
            api,
        })
    }

    /// **CreateToken**: `POST /aggregation/v2/partners/authentication`.
    ///
    /// Issues a brand-new token outside the shared cache; most callers want
    /// [`FinicityClient::access_token`] instead. Goes through the lockout guard: a 401/404
    /// returns [`fintra_core::AuthErrorKind::CredentialsRejected`] and counts as a failure,
    /// code `24302` returns [`fintra_core::AuthErrorKind::AccountLocked`], and a tripped guard
    /// returns [`fintra_core::AuthErrorKind::GuardTripped`] without sending anything.
    pub async fn create_token(
        &self,
        options: Option<RequestOptions>,
    ) -> Result<AccessToken, Error> {
        let token = self.auth.create_token(&options.unwrap_or_default()).await?;
        Ok(AccessToken {
            token: SecretString::from(token),
        })
    }

    /// **ModifyPartnerSecret**: `PUT /aggregation/v2/partners/authentication` → 204.
    ///
    /// `new_secret` is checked against the documented policy first
    /// ([`crate::validate_partner_secret`]); a violation returns
    /// [`Error::InvalidRequest`] without sending. `immediate` is sent only when given (the
    /// server's default is `true`; `false` starts the 30-day grace period). On success this
    /// client authenticates with the new secret from then on. The call is never retried
    /// once sent.
    pub async fn modify_partner_secret(
        &self,
        new_secret: SecretString,
        immediate: Option<bool>,
        options: Option<RequestOptions>,
    ) -> Result<(), Error> {
        self.auth
            .modify_partner_secret(new_secret, immediate, &options.unwrap_or_default())
            .await
    }

    /// The shared access token: cached, refreshed once older than 90 minutes (by default),
    /// fetched with single-flight.
    pub async fn access_token(&self) -> Result<CachedToken, Error> {
        self.tokens.token().await
    }

    /// The shared token provider.
    pub fn token_provider(&self) -> &Arc<FinicityTokenProvider> {
        &self.tokens
    }

    /// Re-allows authentication after the lockout guard tripped.
    pub fn reset_lockout_guard(&self) {
        self.tokens.reset_lockout_guard();
    }

    /// The core client for every other Finicity API: same base URL, transport, retries and
    /// clock; signs each attempt with `Finicity-App-Key` and the shared `Finicity-App-Token`,
    /// replays once after a `10022`/`10023` 401, and decodes Finicity error bodies.
    pub fn api_client(&self) -> &Client {
        &self.api
    }

    /// The `Finicity-App-Key` signer, for building a custom core client.
    pub fn app_key_signer(&self) -> Arc<dyn RequestSigner> {
        self.app_key_signer.clone()
    }

    /// The `Finicity-App-Token` signer over the shared token provider, for building a custom
    /// core client.
    pub fn token_signer(&self) -> TokenSigner {
        self.token_signer.clone()
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.api.base_url()
    }

    /// The partner id.
    pub fn partner_id(&self) -> &str {
        self.auth.partner_id()
    }
}

impl fmt::Debug for FinicityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityClient")
            .field("base_url", &self.api.base_url())
            .field("auth", &self.auth)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}
