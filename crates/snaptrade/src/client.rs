//! The client and its five operations.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use fintra_core::secret::{REDACTED, SecretString};
use fintra_core::{
    Client, ClientBuilder, Error, Idempotency, InvalidRequest, Operation, RequestOptions,
};

use crate::error::{RATE_LIMIT_HEADERS, RateLimitClassifier, SnapTradeErrorParser};
use crate::models::{
    DeleteUserResponse, EncryptedResponse, LoginRequest, LoginResponse, RegisterUserRequest,
    UserIdAndSecret,
};
use crate::signing::{Signer, canonicalize};

/// The API base URL (the `/api/v1` prefix of the operations used here).
pub const DEFAULT_BASE_URL: &str = "https://api.snaptrade.com/api/v1";

/// Partner credentials: the client id (sent in every query) and the consumer key (signs
/// every request; never sent). `Debug` redacts the key.
#[derive(Clone)]
pub struct Credentials {
    /// The partner client id, e.g. `PASSIVTEST`.
    pub client_id: String,
    /// The consumer key.
    pub consumer_key: SecretString,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(client_id: impl Into<String>, consumer_key: SecretString) -> Self {
        Credentials {
            client_id: client_id.into(),
            consumer_key,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("consumer_key", &REDACTED)
            .finish()
    }
}

/// A client for SnapTrade's Authentication operations. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct SnapTradeClient {
    client: Client,
}

impl fmt::Debug for SnapTradeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapTradeClient")
            .field("client", &self.client)
            .finish()
    }
}

impl SnapTradeClient {
    /// A client for [`DEFAULT_BASE_URL`].
    pub fn new(credentials: Credentials) -> Result<Self, Error> {
        Self::with_config(credentials, ClientBuilder::new())
    }

    /// A client with the caller's settings (base URL, transport, retry policy, timeouts,
    /// clock; the clock supplies the signature timestamps).
    pub fn with_config(credentials: Credentials, builder: ClientBuilder) -> Result<Self, Error> {
        if credentials.client_id.is_empty() {
            return Err(Error::config("the SnapTrade client id is empty"));
        }
        let mut builder = builder
            .provider("snaptrade")
            .default_base_url(DEFAULT_BASE_URL)
            .default_user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .error_parser(Arc::new(SnapTradeErrorParser))
            .classifier(Arc::new(RateLimitClassifier))
            .signer(Arc::new(Signer::new(
                credentials.client_id,
                credentials.consumer_key,
            )));
        for header in RATE_LIMIT_HEADERS {
            builder = builder.loggable_header(header);
        }
        Ok(SnapTradeClient {
            client: builder.build()?,
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// `POST /snapTrade/registerUser`: registers a user and returns its secret. Never
    /// retried once it may have reached SnapTrade (a repeat would fail or create a second
    /// secret).
    pub async fn register_user(
        &self,
        body: &RegisterUserRequest,
        options: Option<RequestOptions>,
    ) -> Result<UserIdAndSecret, Error> {
        let options = options_without_key(options)?;
        let op = Operation::post(
            "Authentication_registerSnapTradeUser",
            "/snapTrade/registerUser",
        )
        .json_bytes(canonical_body(body)?)
        .idempotency(Idempotency::Unsafe)
        .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `POST /snapTrade/login`: a link to the connection portal for the user (or the
    /// same, encrypted, for users registered with an RSA key). `user_secret` travels in the
    /// query and is never logged. Not retried once it may have been sent.
    pub async fn login(
        &self,
        user_id: &str,
        user_secret: &SecretString,
        body: Option<&LoginRequest>,
        options: Option<RequestOptions>,
    ) -> Result<LoginResponse, Error> {
        let options = options_without_key(options)?;
        let mut op = Operation::post("Authentication_loginSnapTradeUser", "/snapTrade/login")
            .query("userId", user_id)
            .secret_query("userSecret", user_secret)
            .sensitive();
        if let Some(body) = body {
            op = op.json_bytes(canonical_body(body)?);
        }
        self.client.send_json(op, &options).await
    }

    /// `GET /snapTrade/listUsers`: the ids of every registered user. Retried on 429/5xx.
    pub async fn list_users(&self, options: Option<RequestOptions>) -> Result<Vec<String>, Error> {
        let options = options_without_key(options)?;
        let op = Operation::get("Authentication_listSnapTradeUsers", "/snapTrade/listUsers");
        self.client.send_json(op, &options).await
    }

    /// `DELETE /snapTrade/deleteUser`: deletes a user and its connections (asynchronously
    /// on newer API versions). Not retried once it may have been sent.
    pub async fn delete_user(
        &self,
        user_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<DeleteUserResponse, Error> {
        let options = options_without_key(options)?;
        let op = Operation::delete(
            "Authentication_deleteSnapTradeUser",
            "/snapTrade/deleteUser",
        )
        .query("userId", user_id)
        .idempotency(Idempotency::Unsafe);
        self.client.send_json(op, &options).await
    }

    /// `GET /snapTrade/encryptedJWT`: a JWT for the user, encrypted with the RSA key it was
    /// registered with (older API versions only). Retried on 429/5xx.
    pub async fn encrypted_jwt(
        &self,
        user_id: &str,
        user_secret: &SecretString,
        options: Option<RequestOptions>,
    ) -> Result<EncryptedResponse, Error> {
        let options = options_without_key(options)?;
        let op = Operation::get("Authentication_getUserJWT", "/snapTrade/encryptedJWT")
            .query("userId", user_id)
            .secret_query("userSecret", user_secret)
            .sensitive();
        self.client.send_json(op, &options).await
    }
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
    if options.get_idempotency_key().is_some() {
        return Err(InvalidRequest::new(
            "idempotency_key",
            "SnapTrade does not support idempotency keys",
        )
        .into());
    }
    Ok(options)
}
