//! Token bodies of the latest spec: poller tokens (`RotatePollerTokenIn`, `ApiTokenOut`), the
//! one-time-token exchange (`OneTimeTokenIn`, `OneTimeTokenOut`) and `whoami` (`WhoamiOut`).
//! Tokens are [`SecretString`]s: `Debug` prints `[REDACTED]`.

use std::fmt;

use fintra_core::InvalidRequest;
use fintra_core::secret::{REDACTED, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use crate::validate;

/// Body of the poller-token rotations (`RotatePollerTokenIn`; `{}` is valid).
///
/// ```
/// use fintra_app_portal::RotatePollerTokenIn;
/// let body = RotatePollerTokenIn::new().expiry(86_400).old_token_expiry(0);
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"expiry":86400,"oldTokenExpiry":0}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RotatePollerTokenIn {
    /// How long the new token is valid, in seconds: 1 to 31536000 (1 year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
    /// Seconds until the old token expires: 0 (revoked at once) to 86400; the server's
    /// default is 300.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_token_expiry: Option<i64>,
}

impl RotatePollerTokenIn {
    /// An empty body (`{}`): the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `expiry` (seconds).
    pub fn expiry(mut self, seconds: i64) -> Self {
        self.expiry = Some(seconds);
        self
    }
    /// Sets `oldTokenExpiry` (seconds).
    pub fn old_token_expiry(mut self, seconds: i64) -> Self {
        self.old_token_expiry = Some(seconds);
        self
    }

    /// Checks the spec's constraints.
    pub(crate) fn validate(&self) -> Result<(), InvalidRequest> {
        validate::range("expiry", self.expiry, 1, 31_536_000)?;
        validate::range("oldTokenExpiry", self.old_token_expiry, 0, 86_400)
    }
}

/// A poller token (`ApiTokenOut`). `Debug` redacts the token.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiTokenOut {
    /// The token; only the poller API accepts it.
    pub token: SecretString,
    /// The token's id.
    pub id: String,
    /// Its name, if any.
    #[serde(default)]
    pub name: Option<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it expires (RFC 3339), if it does.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Its scopes, if limited.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

impl fmt::Debug for ApiTokenOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiTokenOut")
            .field("token", &REDACTED)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Body of `exchange-one-time-token` (`OneTimeTokenIn`). The one-time token is a secret:
/// `Debug` redacts it.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OneTimeTokenIn {
    /// The one-time token to exchange.
    #[serde(serialize_with = "expose")]
    pub one_time_token: SecretString,
}

impl OneTimeTokenIn {
    /// A body exchanging `one_time_token`.
    pub fn new(one_time_token: SecretString) -> Self {
        OneTimeTokenIn { one_time_token }
    }
}

impl fmt::Debug for OneTimeTokenIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneTimeTokenIn")
            .field("one_time_token", &REDACTED)
            .finish()
    }
}

fn expose<S: Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    use fintra_core::secret::ExposeSecret;
    s.serialize_str(secret.expose_secret())
}

/// Answer of `exchange-one-time-token` (`OneTimeTokenOut`). `Debug` redacts the token.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct OneTimeTokenOut {
    /// The token received in exchange.
    pub token: SecretString,
    /// What it may do.
    pub capabilities: Vec<String>,
}

impl fmt::Debug for OneTimeTokenOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneTimeTokenOut")
            .field("token", &REDACTED)
            .field("capabilities", &self.capabilities)
            .finish()
    }
}

/// How the current token authenticates (`AuthenticationSource`; the spec calls the field
/// unstable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[non_exhaustive]
pub enum AuthenticationSource {
    /// `OidcJwt`.
    OidcJwt,
    /// `SvixJwt`.
    SvixJwt,
    /// `RegionalAuthToken`.
    RegionalAuthToken,
    /// `GlobalAuthToken`.
    GlobalAuthToken,
    /// `Unknown` (a value the spec lists).
    Unknown,
    /// A value this version does not know yet.
    #[serde(other)]
    Other,
}

/// Answer of `whoami` (`WhoamiOut`): the account behind the current token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WhoamiOut {
    /// How the token authenticates (unstable upstream).
    pub permission_source: AuthenticationSource,
    /// The environment (`org_…`), if any.
    #[serde(default)]
    pub env_id: Option<String>,
    /// The application the token is limited to (`app_…`), if any.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The stream application the token is limited to (`strm_…`), if any.
    #[serde(default)]
    pub stream_app_id: Option<String>,
    /// The token's session id, if any.
    #[serde(default)]
    pub session_id: Option<String>,
}
