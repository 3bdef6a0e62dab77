//! The client and its five operations.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use fintra_core::secret::{ExposeSecret, REDACTED, SecretString};
use fintra_core::{
    Client, ClientBuilder, Error, Idempotency, InvalidRequest, Operation, ProviderProfile,
    RequestOptions,
};

use crate::error::{RATE_LIMIT_HEADERS, RateLimitClassifier, SnapTradeErrorParser};
use crate::models::{
    DeleteUserResponse, EncryptedResponse, LoginRequest, LoginResponse, RegisterUserRequest,
    UserIdAndSecret,
};
use crate::signing::{Signer, canonicalize};

/// The API base URL. Operations are at its root (`/snapTrade/login`); SnapTrade still
/// serves the legacy `https://api.snaptrade.com/api/v1` prefix but marks it
/// `Deprecation: @1781222400` (2026-06-12). A client configured with that prefix still signs
/// the path relative to it, as the official SDKs do.
pub const DEFAULT_BASE_URL: &str = "https://api.snaptrade.com";

/// Which kind of SnapTrade API key the credentials hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMode {
    /// A commercial (partner) key: users are registered by the partner, and user-scoped
    /// calls carry `userId` and `userSecret`.
    Commercial,
    /// A personal key: SnapTrade resolves the user from the key. Requests carry no
    /// `userId`/`userSecret`; only [`SnapTradeClient::login_personal`] is available here
    /// (registerUser, listUsers, deleteUser and resetUserSecret are commercial-only and
    /// refused before anything is sent).
    Personal,
}

/// API credentials: the client id (sent in every query) and the consumer key (signs every
/// request; never sent). `Debug` redacts the key.
#[derive(Clone)]
pub struct SnapTradeCredentials {
    /// The client id, e.g. `PASSIVTEST`.
    pub client_id: String,
    /// The consumer key.
    pub consumer_key: SecretString,
    /// Commercial (the default) or personal key.
    pub mode: AuthMode,
}

impl SnapTradeCredentials {
    /// Commercial (partner) credentials.
    pub fn new(client_id: impl Into<String>, consumer_key: SecretString) -> Self {
        SnapTradeCredentials {
            client_id: client_id.into(),
            consumer_key,
            mode: AuthMode::Commercial,
        }
    }

    /// Personal API key credentials: the personal client id and consumer key.
    pub fn personal(client_id: impl Into<String>, consumer_key: SecretString) -> Self {
        SnapTradeCredentials {
            mode: AuthMode::Personal,
            ..Self::new(client_id, consumer_key)
        }
    }
}

impl fmt::Debug for SnapTradeCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapTradeCredentials")
            .field("client_id", &self.client_id)
            .field("consumer_key", &REDACTED)
            .field("mode", &self.mode)
            .finish()
    }
}

/// A client for SnapTrade's Authentication operations. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct SnapTradeClient {
    client: Client,
    mode: AuthMode,
}

impl fmt::Debug for SnapTradeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapTradeClient")
            .field("client", &self.client)
            .field("mode", &self.mode)
            .finish()
    }
}

impl SnapTradeClient {
    /// A client for [`DEFAULT_BASE_URL`].
    pub fn new(credentials: SnapTradeCredentials) -> Result<Self, Error> {
        Self::with_config(credentials, ClientBuilder::new())
    }

    /// A client with the caller's settings (base URL, transport, retry policy, timeouts,
    /// clock; the clock supplies the signature timestamps).
    pub fn with_config(
        credentials: SnapTradeCredentials,
        builder: ClientBuilder,
    ) -> Result<Self, Error> {
        if credentials.client_id.is_empty() {
            return Err(Error::config(
                "the SnapTrade client id is empty; pass the client id shown with your API key \
                 (e.g. from SNAPTRADE_CLIENT_ID)",
            ));
        }
        let mode = credentials.mode;
        let signer = Arc::new(Signer::new(credentials.client_id, credentials.consumer_key));
        let mut profile = ProviderProfile::new("snaptrade")
            .default_base_url(DEFAULT_BASE_URL)
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .error_parser(Arc::new(SnapTradeErrorParser))
            .classifier(Arc::new(RateLimitClassifier))
            .signer(signer.clone());
        for header in RATE_LIMIT_HEADERS {
            profile = profile.loggable_header(header);
        }
        let client = builder.build_for(&profile)?;
        // Sign paths relative to the base URL's path, as the official SDKs do.
        let base_path = url::Url::parse(client.base_url())
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        signer.init_base_path(&base_path);
        Ok(SnapTradeClient { client, mode })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// The kind of key this client signs with.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// `POST /snapTrade/registerUser`: registers a user and returns its secret. Never
    /// retried once it may have reached SnapTrade (a repeat would fail or create a second
    /// secret). Commercial keys only.
    pub async fn register_user(
        &self,
        body: &RegisterUserRequest,
        options: Option<RequestOptions>,
    ) -> Result<UserIdAndSecret, Error> {
        self.commercial_only("register_user")?;
        check_user_id(&body.user_id)?;
        let options = options_without_key(options)?;
        let op = Operation::post(
            "Authentication_registerSnapTradeUser",
            "/snapTrade/registerUser",
        )
        .rust_method("SnapTradeClient::register_user")
        .json_bytes(canonical_body(body)?)
        .with_idempotency(Idempotency::Unsafe)
        .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `POST /snapTrade/login`: a link to the connection portal for the user (or the
    /// same, encrypted, for users registered with an RSA key). The link expires after
    /// 5 minutes. `user_secret` travels in the query and is never logged. Not retried once
    /// it may have been sent. Commercial keys only; with a personal key use
    /// [`SnapTradeClient::login_personal`].
    pub async fn login(
        &self,
        user_id: &str,
        user_secret: &SecretString,
        body: Option<&LoginRequest>,
        options: Option<RequestOptions>,
    ) -> Result<LoginResponse, Error> {
        self.commercial_only("login")?;
        check_user_id(user_id)?;
        let op = Operation::post("Authentication_loginSnapTradeUser", "/snapTrade/login")
            .rust_method("SnapTradeClient::login")
            .query("userId", user_id)
            .secret_query("userSecret", user_secret);
        self.send_login(op, body, options).await
    }

    /// `POST /snapTrade/login` with a personal API key: no `userId`/`userSecret` (SnapTrade
    /// resolves the user from the key). Only for [`SnapTradeCredentials::personal`] clients.
    pub async fn login_personal(
        &self,
        body: Option<&LoginRequest>,
        options: Option<RequestOptions>,
    ) -> Result<LoginResponse, Error> {
        if self.mode != AuthMode::Personal {
            return Err(InvalidRequest::new(
                "credentials",
                "login_personal needs a personal API key (SnapTradeCredentials::personal); with a \
                 commercial key call login with the user's id and secret",
            )
            .into());
        }
        let op = Operation::post("Authentication_loginSnapTradeUser", "/snapTrade/login")
            .rust_method("SnapTradeClient::login_personal");
        self.send_login(op, body, options).await
    }

    async fn send_login(
        &self,
        op: Operation,
        body: Option<&LoginRequest>,
        options: Option<RequestOptions>,
    ) -> Result<LoginResponse, Error> {
        let options = options_without_key(options)?;
        let mut op = op.sensitive();
        if let Some(body) = body {
            op = op.json_bytes(canonical_body(body)?);
        }
        self.client.send_json(op, &options).await
    }

    /// `POST /snapTrade/resetUserSecret`: rotates the user's secret and returns the new one.
    ///
    /// **Save the returned secret before doing anything else.** SnapTrade: "if you call this
    /// endpoint and fail to save the new secret, you'll no longer be able to access any data
    /// for this user, and your only option will be to delete and recreate the user, then ask
    /// them to reconnect." For the same reason the call is never retried once it may have
    /// reached SnapTrade (a repeat would rotate again, or fail with the now-old secret). Use
    /// it when `user_secret` may be compromised. Commercial keys only.
    ///
    /// The id and secret travel in the JSON body (not the query); neither the body nor the
    /// answer is ever logged.
    ///
    /// ```no_run
    /// # async fn run(client: fintra_snaptrade::SnapTradeClient,
    /// #     old: fintra_core::secret::SecretString) -> Result<(), fintra_core::Error> {
    /// let rotated = client.reset_user_secret("snaptrade-user-123", &old, None).await?;
    /// // store rotated.user_secret now, before anything else
    /// # Ok(()) }
    /// ```
    pub async fn reset_user_secret(
        &self,
        user_id: &str,
        user_secret: &SecretString,
        options: Option<RequestOptions>,
    ) -> Result<UserIdAndSecret, Error> {
        self.commercial_only("reset_user_secret")?;
        check_user_id(user_id)?;
        let options = options_without_key(options)?;
        let body = ResetUserSecretRequest {
            user_id,
            user_secret: user_secret.expose_secret(),
        };
        let op = Operation::post(
            "Authentication_resetSnapTradeUserSecret",
            "/snapTrade/resetUserSecret",
        )
        .rust_method("SnapTradeClient::reset_user_secret")
        .json_bytes(canonical_body(&body)?)
        .with_idempotency(Idempotency::Unsafe)
        .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `GET /snapTrade/listUsers`: the ids of every registered user (not paginated).
    /// Retried on 429/5xx. Commercial keys only.
    pub async fn list_users(&self, options: Option<RequestOptions>) -> Result<Vec<String>, Error> {
        self.commercial_only("list_users")?;
        let options = options_without_key(options)?;
        let op = Operation::get("Authentication_listSnapTradeUsers", "/snapTrade/listUsers")
            .rust_method("SnapTradeClient::list_users");
        self.client.send_json(op, &options).await
    }

    /// `DELETE /snapTrade/deleteUser`: queues the user and its connections for deletion
    /// (a webhook confirms it). Not retried once it may have been sent. Commercial keys only.
    pub async fn delete_user(
        &self,
        user_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<DeleteUserResponse, Error> {
        self.commercial_only("delete_user")?;
        check_user_id(user_id)?;
        let options = options_without_key(options)?;
        let op = Operation::delete(
            "Authentication_deleteSnapTradeUser",
            "/snapTrade/deleteUser",
        )
        .rust_method("SnapTradeClient::delete_user")
        .query("userId", user_id)
        .with_idempotency(Idempotency::Unsafe);
        self.client.send_json(op, &options).await
    }

    /// `GET /snapTrade/encryptedJWT`: a JWT for the user, encrypted with the RSA key it was
    /// registered with. Retried on 429/5xx. Commercial keys only.
    #[deprecated(
        note = "SnapTrade removed GET /snapTrade/encryptedJWT from its API on 2024-07-16; \
                use login for a connection portal link"
    )]
    pub async fn encrypted_jwt(
        &self,
        user_id: &str,
        user_secret: &SecretString,
        options: Option<RequestOptions>,
    ) -> Result<EncryptedResponse, Error> {
        self.commercial_only("encrypted_jwt")?;
        check_user_id(user_id)?;
        let options = options_without_key(options)?;
        let op = Operation::get("Authentication_getUserJWT", "/snapTrade/encryptedJWT")
            .rust_method("SnapTradeClient::encrypted_jwt")
            .query("userId", user_id)
            .secret_query("userSecret", user_secret)
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// Refuses a commercial-only operation on a personal-key client, before anything is sent.
    fn commercial_only(&self, method: &'static str) -> Result<(), Error> {
        if self.mode == AuthMode::Commercial {
            return Ok(());
        }
        Err(InvalidRequest::new(
            "credentials",
            format!(
                "{method} needs a commercial API key; this client uses a personal key, with \
                 which SnapTrade resolves the user from the key (only login_personal is \
                 available)"
            ),
        )
        .into())
    }
}

/// Body of `resetUserSecret` (`UserIDandSecret`), borrowed for one call.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResetUserSecretRequest<'a> {
    user_id: &'a str,
    user_secret: &'a str,
}

/// SnapTrade answers an empty `userId` with 403 (code 1066, "User does not have permission
/// to access this resource"), which hides the mistake: refuse it before sending.
fn check_user_id(user_id: &str) -> Result<(), Error> {
    if user_id.is_empty() {
        return Err(InvalidRequest::new(
            "user_id",
            "is empty; pass the id the user was registered with (SnapTrade would answer 403 \
             code 1066 \"User does not have permission to access this resource\")",
        )
        .into());
    }
    Ok(())
}

/// `body` as canonical JSON, computed once per call: the server receives exactly the bytes
/// that are signed, and the signer copies them through on every attempt.
fn canonical_body<T: Serialize + ?Sized>(body: &T) -> Result<Bytes, Error> {
    let json = serde_json::to_vec(body).map_err(|e| {
        InvalidRequest::new("body", format!("could not be serialized as JSON: {e}"))
    })?;
    let canonical = canonicalize(&json).map_err(|e| InvalidRequest::new("body", e.to_string()))?;
    Ok(Bytes::from(canonical))
}

/// SnapTrade documents no idempotency keys: a caller's key would make core treat a write as
/// safe to repeat, so it is refused.
fn options_without_key(options: Option<RequestOptions>) -> Result<RequestOptions, Error> {
    let options = options.unwrap_or_default();
    if options.idempotency_key().is_some() {
        return Err(InvalidRequest::new(
            "idempotency_key",
            "SnapTrade does not support idempotency keys",
        )
        .into());
    }
    Ok(options)
}
