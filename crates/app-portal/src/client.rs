//! The client and its four operations.

use std::fmt;
use std::sync::Arc;

use fintra_core::auth::HeaderSigner;
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{
    Client, ClientBuilder, Error, Idempotency, IdempotencyKey, InvalidRequest, Operation,
    RequestOptions, encode_path_segment,
};

use crate::error::AppPortalErrorParser;
use crate::models::{
    AppPortalAccessIn, AppPortalAccessOut, ApplicationTokenExpireIn, DashboardAccessOut,
};

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

/// The longest application id or uid accepted.
const APP_ID_MAX_LEN: usize = 256;

/// Checks an application id or uid against the spec (`^[a-zA-Z0-9\-_.]+$`, 1 to 256
/// characters) before anything is sent.
///
/// ```
/// use fintra_app_portal::validate_app_id;
/// assert!(validate_app_id("app_1srOrx2ZWZBpBUvZwXKQmoEYga2").is_ok());
/// assert!(validate_app_id("unique-app-identifier").is_ok());
/// assert!(validate_app_id("").is_err());
/// assert!(validate_app_id("a/b").is_err());
/// assert!(validate_app_id(&"a".repeat(257)).is_err());
/// ```
pub fn validate_app_id(app_id: &str) -> Result<(), InvalidRequest> {
    if app_id.is_empty() || app_id.len() > APP_ID_MAX_LEN {
        return Err(InvalidRequest::new(
            "app_id",
            format!("must be 1 to {APP_ID_MAX_LEN} characters long"),
        ));
    }
    if !app_id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(InvalidRequest::new(
            "app_id",
            "may only contain ASCII letters, digits, `-`, `_` and `.`",
        ));
    }
    Ok(())
}

/// A client for the Authentication API. Cheap to clone, `Send + Sync`.
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
    /// suffix (see [`Region::from_token`]).
    ///
    /// Fails with [`Error::Config`] when the token names no known region: use
    /// [`AppPortalClient::with_config`] with an explicit base URL then (e.g.
    /// `https://api.svix.com`, or a self-hosted server).
    pub fn new(token: SecretString) -> Result<Self, Error> {
        Self::with_config(token, ClientBuilder::new())
    }

    /// A client with the caller's settings (base URL, transport, retry policy, timeouts,
    /// clock). A base URL set on `builder` wins over the token's region.
    pub fn with_config(token: SecretString, builder: ClientBuilder) -> Result<Self, Error> {
        let mut builder = builder;
        if !builder.has_base_url() {
            let region = Region::from_token(&token).ok_or_else(|| {
                Error::config(
                    "the token names no region (`.us`, `.eu`, `.in`, `.ca` or `.au`): set a base URL, e.g. https://api.svix.com",
                )
            })?;
            builder = builder.default_base_url(region.base_url());
        }
        let client = builder
            .provider("svix")
            .default_user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .error_parser(Arc::new(AppPortalErrorParser))
            .signer(Arc::new(HeaderSigner::bearer(token)?))
            .build()?;
        Ok(AppPortalClient { client })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.client.base_url()
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
        let options = options.unwrap_or_default();
        let op = Operation::post(
            "v1.authentication.app-portal-access",
            format!(
                "/api/v1/auth/app-portal-access/{}/",
                encode_path_segment(app_id)
            ),
        )
        .json(body)?
        .idempotency(idempotency(&options))
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
        let options = options.unwrap_or_default();
        let op = Operation::post(
            "v1.authentication.expire-all",
            format!(
                "/api/v1/auth/app/{}/expire-all/",
                encode_path_segment(app_id)
            ),
        )
        .json(body)?
        .idempotency(idempotency(&options));
        self.client.send_empty(op, &options).await
    }

    /// `v1.authentication.dashboard-access`: the older form of
    /// [`AppPortalClient::app_portal_access`] (no request body).
    #[deprecated(note = "the API deprecates dashboard-access: use `app_portal_access` instead")]
    pub async fn dashboard_access(
        &self,
        app_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<DashboardAccessOut, Error> {
        validate_app_id(app_id)?;
        let options = options.unwrap_or_default();
        let op = Operation::post(
            "v1.authentication.dashboard-access",
            format!(
                "/api/v1/auth/dashboard-access/{}/",
                encode_path_segment(app_id)
            ),
        )
        .idempotency(idempotency(&options))
        .sensitive();
        self.client.send_json(op, &options).await
    }

    /// `v1.authentication.logout`: logs out the app token this client is authenticated
    /// with (logging out other kinds of token fails).
    pub async fn logout(&self, options: Option<RequestOptions>) -> Result<(), Error> {
        let options = options.unwrap_or_default();
        let op = Operation::post("v1.authentication.logout", "/api/v1/auth/logout/")
            .idempotency(idempotency(&options));
        self.client.send_empty(op, &options).await
    }
}

/// The caller's idempotency key, else a fresh `auto_<uuid v4>` shared by every attempt of
/// this call.
fn idempotency(options: &RequestOptions) -> Idempotency {
    Idempotency::Key(
        options
            .get_idempotency_key()
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
        let opts = RequestOptions::new().idempotency_key(key.clone());
        assert_eq!(idempotency(&opts), Idempotency::Key(key));
        match idempotency(&RequestOptions::new()) {
            Idempotency::Key(k) => assert!(k.as_str().starts_with("auto_")),
            other => panic!("{other:?}"),
        }
    }
}
