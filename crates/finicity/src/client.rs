//! [`FinicityClient`]: the Authentication API, the shared token provider, and the signed
//! core client every other Finicity crate sends its calls through.

use std::fmt;
use std::sync::Arc;

use fintra_core::auth::{HeaderSigner, RequestSigner};
use fintra_core::secret::SecretString;
use fintra_core::{Client, ClientBuilder, Error, ProviderProfile, RequestOptions};
use http::HeaderName;

use crate::auth::{
    AuthFailure, AuthParts, AuthStore, CachedToken, CredentialsSource, FinicityAuth,
    InProcessStore, TokenSettings, shared_state,
};
use crate::credentials::FinicityCredentials;
use crate::error::{FinicityErrorParser, FinicityRetryClassifier};
use crate::models::FinicityAccessToken;

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
/// use fintra_finicity::{FinicityCredentials, FinicityClient};
///
/// let credentials = FinicityCredentials::new("1234583871234", "partner-secret".into(), "app-key".into());
/// let finicity = FinicityClient::new(credentials)?;
/// let token = finicity.access_token().await?; // cached, refreshed after 90 minutes
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct FinicityClient {
    auth: FinicityAuth,
    app_key_signer: Arc<HeaderSigner>,
    api: Client,
}

/// Optional parts of a [`FinicityClient`]: settings, a shared store, a credentials source.
///
/// ```no_run
/// # fn run() -> Result<(), fintra_core::Error> {
/// use fintra_finicity::{FinicityCredentials, FinicityClient, TokenSettings};
/// use fintra_finicity::auth::EnvSecretSource;
///
/// let credentials = FinicityCredentials::from_env().expect("FINICITY_* set");
/// let finicity = FinicityClient::builder(credentials)
///     .settings(TokenSettings::default().with_lockout_threshold(2))
///     .credentials_source(EnvSecretSource::default())
///     .build()?;
/// # let _ = finicity; Ok(()) }
/// ```
#[must_use]
pub struct FinicityClientBuilder {
    credentials: FinicityCredentials,
    config: ClientBuilder,
    settings: TokenSettings,
    store: Option<Arc<dyn AuthStore>>,
    source: Option<Arc<dyn CredentialsSource>>,
}

impl fmt::Debug for FinicityClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityClientBuilder")
            .field("credentials", &self.credentials)
            .field("settings", &self.settings)
            .field("store", &self.store)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl FinicityClientBuilder {
    /// The core settings: base URL, transport, retry policy, timeouts, clock and sleep.
    pub fn config(mut self, config: ClientBuilder) -> Self {
        self.config = config;
        self
    }
    /// Token refresh, budget and backoff settings.
    pub fn settings(mut self, settings: TokenSettings) -> Self {
        self.settings = settings;
        self
    }
    /// Where the token, lock, budget and rotation record live (default: in this process).
    /// With the Redis store (feature `redis`) they are shared by the whole fleet.
    pub fn store(mut self, store: Arc<dyn AuthStore>) -> Self {
        self.store = Some(store);
        self
    }
    /// Where to get the new partner secret after a rotation made elsewhere.
    pub fn credentials_source(mut self, source: impl CredentialsSource + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Builds the client. Fails on invalid settings or credentials, or when another client
    /// of the same partner and base URL in this process uses a different store.
    pub fn build(self) -> Result<FinicityClient, Error> {
        let FinicityClientBuilder {
            credentials,
            config,
            settings,
            store,
            source,
        } = self;
        settings.validate()?;
        credentials.validate()?;
        // Both internal clients share one connection pool.
        let base = config.with_shared_transport()?;
        let app_key_signer = Arc::new(HeaderSigner::new(APP_KEY_HEADER, &credentials.app_key)?);
        let profile = ProviderProfile::new("finicity")
            .default_base_url(DEFAULT_BASE_URL)
            .user_agent(USER_AGENT)
            .error_parser(Arc::new(FinicityErrorParser))
            .classifier(Arc::new(FinicityRetryClassifier))
            .signer(app_key_signer.clone());
        // The Authentication operations carry the app key only.
        let auth_client = base.clone().build_for(&profile)?;
        let store_name = store.as_ref().map(|s| s.name());
        let shared = shared_state(
            &credentials.partner_id,
            auth_client.base_url(),
            || store.unwrap_or_else(|| Arc::new(InProcessStore::new())),
            store_name,
        )?;
        let auth = FinicityAuth::new(AuthParts {
            client: auth_client,
            partner_id: credentials.partner_id,
            secret: credentials.partner_secret,
            app_key: credentials.app_key,
            source,
            settings,
            shared,
        });
        let api = base.build_for(&profile.signer(Arc::new(auth.clone())))?;
        Ok(FinicityClient {
            auth,
            app_key_signer,
            api,
        })
    }
}

impl FinicityClient {
    /// A client for `https://api.finicity.com` with the default settings.
    pub fn new(credentials: FinicityCredentials) -> Result<Self, Error> {
        Self::builder(credentials).build()
    }

    /// A builder for the optional parts (settings, store, credentials source).
    pub fn builder(credentials: FinicityCredentials) -> FinicityClientBuilder {
        FinicityClientBuilder {
            credentials,
            config: Client::builder(),
            settings: TokenSettings::default(),
            store: None,
            source: None,
        }
    }

    /// A client with the caller's core settings: base URL (default
    /// `https://api.finicity.com`), transport or `reqwest::Client`, retry policy, timeouts,
    /// clock and sleep.
    pub fn with_config(
        credentials: FinicityCredentials,
        config: ClientBuilder,
    ) -> Result<Self, Error> {
        Self::builder(credentials).config(config).build()
    }

    /// Like [`FinicityClient::with_config`], with token refresh and lockout-budget settings.
    pub fn with_settings(
        credentials: FinicityCredentials,
        config: ClientBuilder,
        settings: TokenSettings,
    ) -> Result<Self, Error> {
        Self::builder(credentials)
            .config(config)
            .settings(settings)
            .build()
    }

    /// **CreateToken**: `POST /aggregation/v2/partners/authentication`.
    ///
    /// Issues a brand-new token outside the shared cache; most callers want
    /// [`FinicityClient::access_token`] instead. Takes a lockout-budget slot first and is
    /// never retried once it may have been sent (see [`crate::auth`]).
    pub async fn create_token(
        &self,
        options: Option<RequestOptions>,
    ) -> Result<FinicityAccessToken, AuthFailure> {
        let token = self.auth.create_token(&options.unwrap_or_default()).await?;
        Ok(FinicityAccessToken { token })
    }

    /// **ModifyPartnerSecret**: `PUT /aggregation/v2/partners/authentication` → 204.
    ///
    /// `new_secret` is checked against the documented policy first
    /// ([`crate::validate_partner_secret`]); a violation returns
    /// [`AuthFailure::Request`] with an [`Error::InvalidRequest`] without sending. `immediate`
    /// is sent only when given (the server's default is `true`; `false` starts the 30-day
    /// grace period). Takes a budget slot; never retried once sent. On success the rotation
    /// is recorded in the store and this client authenticates with the new secret.
    pub async fn modify_partner_secret(
        &self,
        new_secret: SecretString,
        immediate: Option<bool>,
        options: Option<RequestOptions>,
    ) -> Result<(), AuthFailure> {
        self.auth
            .modify_partner_secret(new_secret, immediate, &options.unwrap_or_default())
            .await
    }

    /// The shared access token: cached, refreshed ahead of the 90-minute mark, fetched once
    /// for all concurrent callers.
    pub async fn access_token(&self) -> Result<CachedToken, AuthFailure> {
        self.auth.token().await
    }

    /// The owner of authentication (token, budget, store).
    pub fn auth(&self) -> &FinicityAuth {
        &self.auth
    }

    /// Re-allows authentication after the budget was spent or the account locked (for every
    /// client sharing the store).
    pub async fn reset_lockout_guard(&self) -> Result<(), AuthFailure> {
        self.auth.reset_lockout_guard().await
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

    /// The `Finicity-App-Token` signer (the shared [`FinicityAuth`]), for building a custom
    /// core client.
    pub fn token_signer(&self) -> Arc<dyn RequestSigner> {
        Arc::new(self.auth.clone())
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
            .finish_non_exhaustive()
    }
}
