//! The client and its operations.

use std::fmt;
use std::sync::Arc;

use fintra_core::auth::HeaderSigner;
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{
    Client, ClientBuilder, Error, Idempotency, IdempotencyKey, InvalidRequest, Operation,
    ProviderProfile, RequestOptions, encode_path_segment,
};

use http::StatusCode;

use crate::error::AppPortalErrorParser;
use crate::models::{
    AppPortalAccessIn, AppPortalAccessOut, ApplicationTokenExpireIn, DashboardAccessOut,
};
use crate::request_id::{REQ_ID, RetryCountSigner, request_id};
use crate::stream::{StreamPortalAccessIn, StreamTokenExpireIn};
use crate::tokens::{ApiTokenOut, OneTimeTokenIn, OneTimeTokenOut, RotatePollerTokenIn, WhoamiOut};
use crate::validate;

/// A region of the hosted service, named by the suffix of its API tokens (`….eu`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.us.svix.com`
    Us,
    /// `https://api.eu.svix.com`
    Eu,
    /// `https://api.in.svix.com`
    In,
    /// `https://api.ca.svix.com`
    Ca,
    /// `https://api.au.svix.com`
    Au,
}

impl Region {
    /// The region named by the token's last `.`-separated segment (`us`, `eu`, `in`, `ca`,
    /// `au`), as the official clients read it; `None` for a token without a dot or with any
    /// other suffix.
    ///
    /// ```
    /// use fintra_app_portal::Region;
    /// use fintra_core::secret::SecretString;
    /// assert_eq!(Region::from_token(&SecretString::from("testsk_abc.eu")), Some(Region::Eu));
    /// assert_eq!(Region::from_token(&SecretString::from("testsk_abc")), None);
    /// ```
    pub fn from_token(token: &SecretString) -> Option<Region> {
        let (_, suffix) = token.expose_secret().rsplit_once('.')?;
        match suffix {
            "us" => Some(Region::Us),
            "eu" => Some(Region::Eu),
            "in" => Some(Region::In),
            "ca" => Some(Region::Ca),
            "au" => Some(Region::Au),
            _ => None,
        }
    }

    /// The region's API base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://api.us.svix.com",
            Region::Eu => "https://api.eu.svix.com",
            Region::In => "https://api.in.svix.com",
            Region::Ca => "https://api.ca.svix.com",
            Region::Au => "https://api.au.svix.com",
        }
    }
}

/// The API used when the token names no region, as in every official client.
pub const DEFAULT_BASE_URL: &str = "https://api.svix.com";

/// Checks an application id or uid against the spec (`^[a-zA-Z0-9\-_.]+$`, 1 to 256
/// characters; `.` and `..` are refused too, as they would change the route) before anything
/// is sent.
///
/// ```
/// use fintra_app_portal::validate_app_id;
/// assert!(validate_app_id("app_1srOrx2ZWZBpBUvZwXKQmoEYga2").is_ok());
/// assert!(validate_app_id("unique-app-identifier").is_ok());
/// assert!(validate_app_id("").is_err());
/// assert!(validate_app_id("a/b").is_err());
/// assert!(validate_app_id("..").is_err());
/// assert!(validate_app_id(&"a".repeat(257)).is_err());
/// ```
pub fn validate_app_id(app_id: &str) -> Result<(), InvalidRequest> {
    validate::uid("app_id", app_id)
}

/// A client for the Authentication and Stream Authentication APIs. Cheap to clone,
/// `Send + Sync`.
#[derive(Clone)]
pub struct AppPortalClient {
    client: Client,
}

impl fmt::Debug for AppPortalClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPortalClient")
            .field("client", &self.client)
            .finish()
    }
}

impl AppPortalClient {
    /// A client authenticated with the bearer `token`, for the region named by the token's
    /// suffix (see [`Region::from_token`]), else [`DEFAULT_BASE_URL`] as the official
    /// clients do.
    ///
    /// Fails with [`Error::Config`] when the token is empty.
    pub fn new(token: SecretString) -> Result<Self, Error> {
        Self::with_config(token, ClientBuilder::new())
    }

    /// A client with the caller's settings (base URL, transport, retry policy, timeouts,
    /// clock). A base URL set on `builder` wins over the token's region.
    pub fn with_config(token: SecretString, builder: ClientBuilder) -> Result<Self, Error> {
        if token.expose_secret().trim().is_empty() {
            return Err(Error::config(
                "the Svix API token is empty: pass the token from the dashboard's API Access \
                 page (e.g. from SVIX_AUTH_TOKEN); its suffix (`.us`, `.eu`, …) picks the region",
            ));
        }
        let base = Region::from_token(&token).map_or(DEFAULT_BASE_URL, Region::base_url);
        let profile = ProviderProfile::new("svix")
            .default_base_url(base)
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .error_parser(Arc::new(AppPortalErrorParser))
            .signer(Arc::new(HeaderSigner::bearer(token)?))
            .signer(Arc::new(RetryCountSigner));
        let client = builder.build_for(&profile)?;
        Ok(AppPortalClient { client })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
    }

    /// A POST of the `AppPortalClient` method `method` (named in errors), with an idempotency
    /// key (the caller's, else a fresh `auto_<uuid v4>` shared by every attempt of this call)
    /// and a request id.
    fn post(
        &self,
        id: &'static str,
        method: &'static str,
        path: String,
        options: &RequestOptions,
    ) -> Operation {
        Operation::post(id, path)
            .rust_method(method)
            .header(REQ_ID, request_id())
            .with_idempotency(idempotency(options))
    }

    /// A GET of the `AppPortalClient` method `method` (named in errors), with a request id.
    fn get(&self, id: &'static str, method: &'static str, path: String) -> Operation {
        Operation::get(id, path)
            .rust_method(method)
            .header(REQ_ID, request_id())
    }

    /// `v1.authentication.app-portal-access`: a magic link (and token) that lets your user
    /// into the Consumer Application Portal of application `app_id` (id or uid).
    pub async fn app_portal_access(
        &self,
        app_id: &str,
        body: &AppPortalAccessIn,
        options: Option<RequestOptions>,
    ) -> Result<AppPortalAccessOut, Error> {
        validate_app_id(app_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/app-portal-access/{}",
            encode_path_segment(app_id)
        );
        let op = self
            .post(
                "v1.authentication.app-portal-access",
                "AppPortalClient::app_portal_access",
                path,
                &options,
            )
            .json(body)?
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.expire-all`: expires every token of application `app_id` (after
    /// `body.expiry` seconds, or only those of `body.session_ids` on newer servers).
    pub async fn expire_all(
        &self,
        app_id: &str,
        body: &ApplicationTokenExpireIn,
        options: Option<RequestOptions>,
    ) -> Result<(), Error> {
        validate_app_id(app_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/app/{}/expire-all",
            encode_path_segment(app_id)
        );
        let op = self
            .post(
                "v1.authentication.expire-all",
                "AppPortalClient::expire_all",
                path,
                &options,
            )
            .json(body)?;
        self.client.send_empty(op, &options).await
    }

    /// `v1.authentication.dashboard-access`: the older form of
    /// [`AppPortalClient::app_portal_access`] (no request body).
    #[deprecated(
        note = "Svix removed dashboard-access from its API (2025-04-11); use `app_portal_access`"
    )]
    pub async fn dashboard_access(
        &self,
        app_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<DashboardAccessOut, Error> {
        validate_app_id(app_id)?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/dashboard-access/{}",
            encode_path_segment(app_id)
        );
        let op = self
            .post(
                "v1.authentication.dashboard-access",
                "AppPortalClient::dashboard_access",
                path,
                &options,
            )
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.logout`: logs out the app token this client is authenticated
    /// with (logging out other kinds of token fails).
    pub async fn logout(&self, options: Option<RequestOptions>) -> Result<(), Error> {
        let options = options.unwrap_or_default();
        let op = self.post(
            "v1.authentication.logout",
            "AppPortalClient::logout",
            "/api/v1/auth/logout".to_owned(),
            &options,
        );
        self.client.send_empty(op, &options).await
    }

    /// `v1.authentication.whoami`: the account behind this client's token. Retried on
    /// 429/5xx.
    pub async fn whoami(&self, options: Option<RequestOptions>) -> Result<WhoamiOut, Error> {
        let options = options.unwrap_or_default();
        let op = self.get(
            "v1.authentication.whoami",
            "AppPortalClient::whoami",
            "/api/v1/auth/whoami".to_owned(),
        );
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.stream-portal-access`: a magic link (and token) for the portal of
    /// stream `stream_id` (id or uid, 1 to 60 characters).
    pub async fn stream_portal_access(
        &self,
        stream_id: &str,
        body: &StreamPortalAccessIn,
        options: Option<RequestOptions>,
    ) -> Result<AppPortalAccessOut, Error> {
        validate::stream_id("stream_id", stream_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/stream-portal-access/{}",
            encode_path_segment(stream_id)
        );
        let op = self
            .post(
                "v1.authentication.stream-portal-access",
                "AppPortalClient::stream_portal_access",
                path,
                &options,
            )
            .json(body)?
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.stream-logout`: logs out the stream token this client is
    /// authenticated with (logging out other kinds of token fails).
    pub async fn stream_logout(&self, options: Option<RequestOptions>) -> Result<(), Error> {
        let options = options.unwrap_or_default();
        let op = self.post(
            "v1.authentication.stream-logout",
            "AppPortalClient::stream_logout",
            "/api/v1/auth/stream-logout".to_owned(),
            &options,
        );
        self.client.send_empty(op, &options).await
    }

    /// `v1.authentication.stream-expire-all`: expires every token of stream `stream_id`
    /// (after `body.expiry` seconds, or only those of `body.session_ids`).
    pub async fn stream_expire_all(
        &self,
        stream_id: &str,
        body: &StreamTokenExpireIn,
        options: Option<RequestOptions>,
    ) -> Result<(), Error> {
        validate::stream_id("stream_id", stream_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/stream/{}/expire-all",
            encode_path_segment(stream_id)
        );
        let op = self
            .post(
                "v1.authentication.stream-expire-all",
                "AppPortalClient::stream_expire_all",
                path,
                &options,
            )
            .json(body)?;
        self.client.send_empty(op, &options).await
    }

    /// `v1.authentication.get-poller-token`: the current poller token of endpoint
    /// `endpoint_id` of application `app_id`. Retried on 429/5xx.
    pub async fn get_poller_token(
        &self,
        app_id: &str,
        endpoint_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<ApiTokenOut, Error> {
        validate_app_id(app_id)?;
        validate::uid("endpoint_id", endpoint_id)?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/app/{}/poller/{}/token",
            encode_path_segment(app_id),
            encode_path_segment(endpoint_id)
        );
        let op = self
            .get(
                "v1.authentication.get-poller-token",
                "AppPortalClient::get_poller_token",
                path,
            )
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.rotate-poller-token`: a new token that can only use the poller
    /// API, for endpoint `endpoint_id` of application `app_id` (answer 201).
    pub async fn rotate_poller_token(
        &self,
        app_id: &str,
        endpoint_id: &str,
        body: &RotatePollerTokenIn,
        options: Option<RequestOptions>,
    ) -> Result<ApiTokenOut, Error> {
        validate_app_id(app_id)?;
        validate::uid("endpoint_id", endpoint_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/app/{}/poller/{}/token/rotate",
            encode_path_segment(app_id),
            encode_path_segment(endpoint_id)
        );
        let op = self
            .post(
                "v1.authentication.rotate-poller-token",
                "AppPortalClient::rotate_poller_token",
                path,
                &options,
            )
            .json(body)?
            .expect_status(StatusCode::CREATED)
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.get-stream-poller-token`: the current poller token of sink
    /// `sink_id` of stream `stream_id`. Retried on 429/5xx.
    pub async fn get_stream_poller_token(
        &self,
        stream_id: &str,
        sink_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<ApiTokenOut, Error> {
        validate::stream_id("stream_id", stream_id)?;
        validate::stream_id("sink_id", sink_id)?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/stream/{}/sink/{}/poller/token",
            encode_path_segment(stream_id),
            encode_path_segment(sink_id)
        );
        let op = self
            .get(
                "v1.authentication.get-stream-poller-token",
                "AppPortalClient::get_stream_poller_token",
                path,
            )
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.rotate-stream-poller-token`: a new poller token for sink `sink_id`
    /// of stream `stream_id` (answer 201).
    pub async fn rotate_stream_poller_token(
        &self,
        stream_id: &str,
        sink_id: &str,
        body: &RotatePollerTokenIn,
        options: Option<RequestOptions>,
    ) -> Result<ApiTokenOut, Error> {
        validate::stream_id("stream_id", stream_id)?;
        validate::stream_id("sink_id", sink_id)?;
        body.validate()?;
        let options = options.unwrap_or_default();
        let path = format!(
            "/api/v1/auth/stream/{}/sink/{}/poller/token/rotate",
            encode_path_segment(stream_id),
            encode_path_segment(sink_id)
        );
        let op = self
            .post(
                "v1.authentication.rotate-stream-poller-token",
                "AppPortalClient::rotate_stream_poller_token",
                path,
                &options,
            )
            .json(body)?
            .expect_status(StatusCode::CREATED)
            .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.exchange-one-time-token`: exchanges a one-time token for a token
    /// and its capabilities. Neither token is ever logged.
    pub async fn exchange_one_time_token(
        &self,
        body: &OneTimeTokenIn,
        options: Option<RequestOptions>,
    ) -> Result<OneTimeTokenOut, Error> {
        let options = options.unwrap_or_default();
        let op = self
            .post(
                "v1.authentication.exchange-one-time-token",
                "AppPortalClient::exchange_one_time_token",
                "/api/v1/auth/one-time-token".to_owned(),
                &options,
            )
            .json(body)?
            .sensitive();
        self.client.send_json(op, &options).await
    }
}

/// The caller's idempotency key, else a fresh `auto_<uuid v4>` shared by every attempt of
/// this call.
fn idempotency(options: &RequestOptions) -> Idempotency {
    Idempotency::Key(
        options
            .idempotency_key()
            .cloned()
            .unwrap_or_else(IdempotencyKey::generate),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_id_pattern() {
        assert!(validate_app_id("app_1srOrx2ZWZBpBUvZwXKQmoEYga2").is_ok());
        assert!(validate_app_id("unique-app.identifier").is_ok());
        assert!(validate_app_id("").is_err());
        assert!(validate_app_id("a/b").is_err());
    }

    #[test]
    fn every_region_suffix_maps_to_its_host() {
        for (suffix, url) in [
            ("us", "https://api.us.svix.com"),
            ("eu", "https://api.eu.svix.com"),
            ("in", "https://api.in.svix.com"),
            ("ca", "https://api.ca.svix.com"),
            ("au", "https://api.au.svix.com"),
        ] {
            let token = SecretString::from(format!("sk_abc.{suffix}"));
            let region = Region::from_token(&token).unwrap();
            assert_eq!(region.base_url(), url);
        }
        for token in ["sk_abc", "sk_abc.", "sk_abc.uk", "sk.eu.x", "eu"] {
            assert_eq!(
                Region::from_token(&SecretString::from(token)),
                None,
                "{token}"
            );
        }
    }

    #[test]
    fn app_id_rules_follow_the_spec() {
        assert!(validate_app_id("a").is_ok());
        assert!(validate_app_id("A-z_0.9").is_ok());
        assert!(validate_app_id(&"a".repeat(256)).is_ok());
        for bad in ["", "a b", "a/b", "a?b", "é", "a%2F", "a\n"] {
            let err = validate_app_id(bad).unwrap_err();
            assert_eq!(err.field(), "app_id");
        }
        assert!(validate_app_id(&"a".repeat(257)).is_err());
    }

    #[test]
    fn caller_key_is_used_else_a_fresh_auto_key() {
        let key = IdempotencyKey::new("mine").unwrap();
        let opts = RequestOptions::new().with_idempotency_key(key.clone());
        assert_eq!(idempotency(&opts), Idempotency::Key(key));
        match idempotency(&RequestOptions::new()) {
            Idempotency::Key(k) => assert!(k.as_str().starts_with("auto_")),
            other => panic!("{other:?}"),
        }
    }
}
